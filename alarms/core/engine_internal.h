// Engine internals shared by the engine's source files (engine*.cc): the per-patient state
// and the small helpers its parts have in common. Not part of the engine's API.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "alarms/core/alarm_board.h"
#include "alarms/core/delivered_dose.h"
#include "alarms/core/engine.h"
#include "alarms/core/format.h"

namespace vigil::core {
namespace engine_detail {

// Condition ids the engine raises itself (protocol rules carry their own ids).
inline constexpr std::string_view kMonitoringLost = "monitoring-lost";
inline constexpr std::string_view kPumpStale = "pump-status-stale";
inline constexpr std::string_view kSensorOffPrefix = "sensor-off-";
inline constexpr std::string_view kSequenceGapPrefix = "sequence-gap-";
inline constexpr std::string_view kNews2Aggregate = "news2-aggregate";
inline constexpr std::string_view kNews2SingleThree = "news2-single-parameter-3";

inline constexpr Duration kNever = Duration::max();

// The persistence of one rule on one metric for one patient.
struct MetricCondition {
  bool violating = false;
  TimePoint since{};  // first sample beyond the limit
  TimePoint last{};   // latest sample beyond the limit
  unsigned readings = 0;
  Trigger trigger;  // of the latest sample beyond the limit
};

struct RuleState {
  // Two per metric of the rule: [2 * slot] continuous sources (e.g. arterial), [2 * slot + 1]
  // episodic ones (NIBP), so seconds of arterial data never count as NIBP readings and an
  // NIBP reading never starts the arterial delay.
  std::vector<MetricCondition> per_metric;
};

struct EventRuleState {
  std::deque<TimePoint> entries;       // that met the rule's kind and severity, within its window
  std::optional<TimePoint> hold_until;  // while the alarm is held
};

struct AdviceState {
  AdviceEvent last;  // as last published; action None before the first
  bool resume_pending = false;  // PAUSE or REDUCE was advised and the rate has not gone up since
  double resume_target = 0.0;
  bool resume_target_is_last_rate = false;  // no lower rate was ever given
  std::optional<TimePoint> resolved_at;     // since when no alarm drives the advice
  std::optional<TimePoint> stable_since;    // every vital inside its limits since
  std::optional<TimePoint> last_unstable;
  std::optional<TimePoint> last_vital;
  std::int64_t last_id_ms = 0;
  int same_ms = 0;
};

// Limits in alarm texts: four significant digits are what a monitor shows.
inline std::string number(double value) { return formatNumber(value, 4); }

inline std::string secondsText(Duration d) { return number(std::chrono::duration<double>(d).count()) + " s"; }
inline std::string minutesText(Duration d) {
  return number(std::chrono::duration<double, std::ratio<60>>(d).count()) + " min";
}

inline bool crossesLow(double value, double limit, bool inclusive) { return inclusive ? value <= limit : value < limit; }
inline bool crossesHigh(double value, double limit, bool inclusive) { return inclusive ? value >= limit : value > limit; }

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

inline void keepEarliest(std::optional<TimePoint>& next, std::optional<TimePoint> candidate) {
  if (candidate && (!next || *candidate < *next)) next = candidate;
}

inline bool isVital(Metric metric) { return metric != Metric::DoseRateMgPerKgPerH && metric != Metric::DoseRateMgPerH; }

// Condition keys become part of alert ids: keep them to letters, digits, '-' and '_'.
inline std::string keyPart(std::string_view text) {
  std::string out;
  for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return out.empty() ? "unnamed" : out;
}

inline std::string sensorOffKey(Metric metric) { return std::string(kSensorOffPrefix) + std::string(metricName(metric)); }

}  // namespace engine_detail

using engine_detail::AdviceState;
using engine_detail::EventRuleState;
using engine_detail::RuleState;

struct Engine::Sample {
  Metric metric;
  std::uint32_t code;
  double value;
  std::string_view unit;
  bool episodic;
  TimePoint time;
};

struct Engine::Patient {
  Patient(std::string patient_id, const Protocol& protocol, const PkCoefficients& pk)
      : id(std::move(patient_id)),
        baseline(protocol.baseline_window),
        dose(pk, protocol.dose_attribution),
        board(id, protocol.alarm_system),
        rules(protocol.rules.size()),
        events(protocol.event_rules.size()),
        delivered(protocol.session_dose ? protocol.session_dose->window : Duration{0}) {
    for (std::size_t r = 0; r < protocol.rules.size(); ++r) rules[r].per_metric.resize(2 * protocol.rules[r].metrics.size());
  }
  std::string id;
  std::string unit;
  BaselineTracker baseline;
  DoseTracker dose;
  AlarmBoard board;
  std::vector<RuleState> rules;
  std::vector<EventRuleState> events;

  std::array<std::optional<LatestValue>, kMetricCount> latest;
  News2Inputs news2_inputs;
  News2 news2;

  // Staleness of the vitals stream.
  bool ever_continuous = false;
  std::optional<TimePoint> last_continuous;
  std::optional<TimePoint> last_episodic;
  std::optional<TimePoint> previous_episodic;
  Duration episodic_gap_limit = engine_detail::kNever;  // for the NIBP reading being evaluated
  std::optional<TimePoint> running_since;
  int lost_level = 0;

  // Staleness of the pump.
  std::optional<TimePoint> last_pump;
  bool pump_stale = false;

  std::array<std::optional<TimePoint>, kMetricCount> unusable_since;  // sensor off & co.
  std::map<std::string, TimePoint> gap_holds;                         // sequence-gap condition -> hold until

  DeliveredDose delivered;
  bool session_dose_over = false;
  std::optional<TimePoint> session_dose_crossing;
  std::optional<TimePoint> pace_hold_until;

  AdviceState advice;
  std::optional<PatientStatus> status;
  bool news2_band_changed = false;  // publish the status now, not at the next interval

  std::optional<TimePoint> scheduled;  // the key of this patient in schedule_
};

}  // namespace vigil::core
