// What the engine's parts share (not part of the engine's API): the facts about one patient
// that several parts read (alarm board, dose, baselines, when the vitals arrived), the
// samples they are fed, and the helpers for alarm texts and thresholds.
//
// An engine part owns one concern (limit rules, technical watch, nurse entries, dose and
// pace, NEWS2, advice and resume). It keeps its per-patient state in its own `State`, names
// the inputs it reacts to as its `on...` functions (the engine routes each input to them,
// in an order written down once in engine.cc), and declares each of its deadlines once,
// together with what runs when it is due, in `deadlines(State&, PatientFacts&,
// DeadlineVisit&)` (deadlines.h): the schedule asks that one function both for the next
// deadline and to run what is due, so a deadline cannot be scheduled and never run.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/core/alarm_board.h"
#include "alarms/core/baseline.h"
#include "alarms/core/domain.h"
#include "alarms/core/dose.h"
#include "alarms/core/format.h"
#include "alarms/core/protocol.h"

namespace vigil::core::engine_detail {

// Condition ids the engine raises itself (protocol rules carry their own ids).
inline constexpr std::string_view kMonitoringLost = "monitoring-lost";
inline constexpr std::string_view kPumpStale = "pump-status-stale";
inline constexpr std::string_view kSensorOffPrefix = "sensor-off-";
inline constexpr std::string_view kSequenceGapPrefix = "sequence-gap-";
inline constexpr std::string_view kNews2Aggregate = "news2-aggregate";
inline constexpr std::string_view kNews2SingleThree = "news2-single-parameter-3";

inline constexpr Duration kNever = Duration::max();

// One valid value of one metric, as the parts are fed it.
struct Sample {
  Metric metric;
  std::uint32_t code;
  double value;
  std::string_view unit;
  bool episodic;
  TimePoint time;
};

// When the vital signs last arrived: the staleness limits of the technical watch, the gap
// limit of the limit rules and the stability of the resume advice are all judged by it.
struct VitalsTiming {
  bool ever_continuous = false;
  std::optional<TimePoint> last_continuous;
  std::optional<TimePoint> last_episodic;
  std::optional<TimePoint> previous_episodic;
  Duration episodic_gap_limit = kNever;  // for the NIBP reading being evaluated

  // Notes a frame with valid continuous and/or episodic values. True when it shows that
  // the patient is watched: a continuous value, or an NIBP reading while there never was one.
  bool noteFrame(TimePoint time, bool continuous, bool episodic, const std::optional<TechnicalSettings>& technical);
  // How long without vital signs counts as missing: the protocol's limit for continuous
  // monitoring, a multiple of the NIBP interval when only NIBP ever arrived.
  Duration staleLimit(const TechnicalSettings& technical) const;
};

// The latest valid value of each metric a patient has sent, for the status. Kept without
// the strings its metric implies (the name, the metric's own unit), only for the metrics
// seen: an array of a LatestValue per metric was 1.1 KB of every patient.
class LatestValues {
 public:
  void note(const Sample& sample);
  // The values as the status carries them, in metric order.
  void appendTo(std::vector<LatestValue>& out) const;

  // Snapshots (alarms/snapshot): a slot per metric, as values.
  using Saved = std::array<std::optional<LatestValue>, kMetricCount>;
  Saved saved() const;
  void restore(const Saved& saved);

 private:
  struct Value {
    Metric metric = Metric::Unspecified;
    std::uint32_t code = 0;
    double value = 0.0;
    TimePoint time{};
    std::string unit;  // empty: the metric's own unit

    LatestValue expanded() const;
  };
  Value& slotFor(Metric metric);

  std::vector<Value> values_;  // by metric
};

// What every part of one patient reads or changes.
struct PatientFacts {
  PatientFacts(std::string patient_id, const Protocol& protocol, const PkCoefficients& pk)
      : id(std::move(patient_id)),
        baseline(protocol.baseline_window),
        dose(pk, protocol.dose_attribution),
        board(id, protocol.alarm_system) {}

  // The condition is present: raised on the board with the dose context at its onset and
  // the advice after the dose modifiers.
  void raise(std::string condition, const ConditionLevel& level, AlarmKind kind, bool dose_attributable, TimePoint time,
             TimePoint onset, Trigger trigger, Outputs& out, bool fresh_occurrence = false);

  std::string id;
  std::string unit;
  BaselineTracker baseline;
  DoseTracker dose;
  AlarmBoard board;
  VitalsTiming vitals;
};

// The advice a condition's level asks for, after the dose modifiers (CLINICAL.md section 4).
Advice adviceFor(AdviceAction action, const DoseContext& dose, const DoseTracker& tracker, const std::string& title);

// Limits in alarm texts: four significant digits are what a monitor shows.
inline std::string number(double value) { return formatNumber(value, 4); }

inline std::string secondsText(Duration d) { return number(std::chrono::duration<double>(d).count()) + " s"; }
inline std::string minutesText(Duration d) {
  return number(std::chrono::duration<double, std::ratio<60>>(d).count()) + " min";
}

inline bool crossesLow(double value, double limit, bool inclusive) {
  return inclusive ? value <= limit : value < limit;
}
inline bool crossesHigh(double value, double limit, bool inclusive) {
  return inclusive ? value >= limit : value > limit;
}

struct Thresholds {
  std::optional<double> low;
  std::optional<double> high;
  double baseline = 0.0;
  bool provisional = false;
};

inline std::string limitText(const Rule& rule, const Thresholds& thresholds, bool low_side) {
  const auto& limit = low_side ? *rule.low : *rule.high;
  std::string text = low_side ? (limit.inclusive ? "<= " : "< ") : (limit.inclusive ? ">= " : "> ");
  const double absolute = low_side ? *thresholds.low : *thresholds.high;
  if (rule.reference == Reference::Absolute) return text + number(absolute);
  text += number(absolute) + " (" + number(limit.value) + " % " + (low_side ? "below" : "above") + " baseline " +
          number(thresholds.baseline) + (thresholds.provisional ? ", provisional)" : ")");
  return text;
}

inline std::optional<Thresholds> thresholdsFor(const Rule& rule, std::optional<BaselineValue> baseline) {
  Thresholds thresholds;
  if (rule.reference == Reference::Absolute) {
    if (rule.low) thresholds.low = rule.low->value;
    if (rule.high) thresholds.high = rule.high->value;
    return thresholds;
  }
  // A baseline-relative rule has nothing to compare with until the baseline exists.
  if (!baseline) return std::nullopt;
  thresholds.baseline = baseline->value;
  thresholds.provisional = baseline->provisional;
  if (rule.low) thresholds.low = baseline->value * (1.0 - rule.low->value / 100.0);
  if (rule.high) thresholds.high = baseline->value * (1.0 + rule.high->value / 100.0);
  return thresholds;
}

// Which side the value is beyond, if any: -1 low, +1 high, 0 inside.
inline int sideCrossed(const Rule& rule, const Thresholds& thresholds, double value) {
  if (thresholds.low && crossesLow(value, *thresholds.low, rule.low->inclusive)) return -1;
  if (thresholds.high && crossesHigh(value, *thresholds.high, rule.high->inclusive)) return 1;
  return 0;
}

inline bool isVital(Metric metric) { return metric != Metric::DoseRateMgPerKgPerH && metric != Metric::DoseRateMgPerH; }

// Condition keys become part of alert ids: keep them to letters, digits, '-' and '_'.
inline std::string keyPart(std::string_view text) {
  std::string out;
  for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return out.empty() ? "unnamed" : out;
}

inline std::string sensorOffKey(Metric metric) {
  return std::string(kSensorOffPrefix) + std::string(metricName(metric));
}

}  // namespace vigil::core::engine_detail
