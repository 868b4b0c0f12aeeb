// The values the engine core reasons about. They mirror proto/vitals.proto and
// proto/alerts.proto but carry no wire concerns; streamer/codec converts between them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vigil::core {

// Event time: milliseconds since the Unix epoch, as stamped by the source. The core only
// ever receives time points; it never reads a clock.
using Duration = std::chrono::milliseconds;
using TimePoint = std::chrono::sys_time<Duration>;

inline TimePoint fromMillis(std::int64_t ms) { return TimePoint{Duration{ms}}; }
inline std::int64_t toMillis(TimePoint t) { return t.time_since_epoch().count(); }
inline double minutesBetween(TimePoint from, TimePoint to) {
  return std::chrono::duration<double, std::ratio<60>>(to - from).count();
}

enum class Quality { Valid, Questionable, Artifact, SensorOff };

struct Measurement {
  std::uint32_t code = 0;  // IEEE 11073-10101
  double value = 0.0;
  std::string unit;
  Quality quality = Quality::Valid;
};

struct VitalsFrame {
  std::string patient_id;
  std::string unit;
  std::string device_id;
  std::uint64_t sequence = 0;
  TimePoint time;
  std::vector<Measurement> measurements;
};

enum class PumpState { Unspecified, Running, Paused, Stopped, Alarm };

struct PumpStatus {
  std::string patient_id;
  std::string unit;
  std::string device_id;
  std::uint64_t sequence = 0;
  TimePoint time;
  std::string drug;
  double concentration_mg_per_ml = 0.0;
  double rate_ml_per_h = 0.0;
  double dose_rate_mg_per_kg_per_h = 0.0;
  double patient_weight_kg = 0.0;
  PumpState state = PumpState::Unspecified;
  double volume_infused_ml = 0.0;
};

// Same order as proto/vitals.proto.
enum class ClinicalEventKind {
  Unspecified,
  SedationScore,
  Hallucination,
  Dysphoria,
  Nightmare,
  Nausea,
  Vomiting,
  Consciousness,
  SupplementalOxygen,
  Spo2Scale2,
};
enum class Acvpu { Unspecified, Alert, NewConfusion, Voice, Pain, Unresponsive };
enum class Severity { Unspecified, Mild, Severe };

struct ClinicalEvent {
  std::string patient_id;
  std::string unit;
  std::string source_id;
  std::uint64_t sequence = 0;
  TimePoint time;
  ClinicalEventKind kind = ClinicalEventKind::Unspecified;
  int rass_score = 0;
  Severity severity = Severity::Unspecified;
  std::string entered_by;
  std::string note;
  Acvpu acvpu = Acvpu::Unspecified;
  double oxygen_l_per_min = 0.0;
  bool enabled = false;
};

// Frames a source sent that never arrived: its sequence numbers jumped by more than one.
// The receiving service detects it; the engine raises a LOW technical alarm and counts it.
struct SequenceGap {
  std::string patient_id;
  std::string unit;
  std::string source_id;
  std::uint64_t missing = 0;  // how many sequence numbers were skipped
  TimePoint time;             // event time of the frame after the gap
};

// Ordered: a higher value is more urgent.
enum class Priority { None, Low, Medium, High };
enum class AlarmKind { Physiological, Technical, Advisory };
enum class Phase { Start, Update, Escalate, DeEscalate, End };
enum class AlarmState { Inactive, Active, Latched };
enum class Inactivation { Enabled, AudioPaused, Acknowledged };

// Ordered mildest first, so "at least REDUCE" is std::max. ResumePossible is not on the
// ladder; it never takes part in such comparisons.
enum class AdviceAction { None, Hold, Reduce, Pause, StopAndCall, ResumePossible };

struct Advice {
  AdviceAction action = AdviceAction::None;
  double target_rate_mg_per_kg_per_h = 0.0;
  double target_rate_ml_per_h = 0.0;  // 0 when the pump's concentration is unknown
  std::string reason;
};

struct DoseContext {
  bool infusion_running = false;
  double rate_mg_per_kg_per_h = 0.0;
  double previous_rate_mg_per_kg_per_h = 0.0;
  std::optional<TimePoint> last_increase;
  double minutes_since_last_increase = -1.0;
  double cp_ug_per_ml = 0.0;
  double ce_ug_per_ml = 0.0;
  double cp_at_increase_ug_per_ml = 0.0;
  double ce_at_increase_ug_per_ml = 0.0;
  bool likely_dose_related = false;
  std::string attribution;
  // The pump as a station's tile shows it, filled in a PatientStatus only
  // (DoseTracker::infusionAt): an alarm's or an advice's context leaves these empty, so
  // that alarm logs do not move with what the pump displays.
  std::string drug;
  PumpState pump_state = PumpState::Unspecified;
  double rate_ml_per_h = 0.0;              // the running rate in the pump's unit; 0 when not running
  std::optional<TimePoint> last_change;    // the last change of the running dose rate
  double minutes_since_last_change = 0.0;  // meaningful only with last_change
};

struct Trigger {
  std::uint32_t code = 0;
  std::string metric;
  double value = 0.0;
  std::string unit;
  std::string limit;  // readable, e.g. "< 90"
  double limit_value = 0.0;
  double baseline = 0.0;
  bool provisional_baseline = false;
};

struct AlarmEvent {
  std::string alert_id;
  std::string patient_id;
  std::string unit;
  std::string condition;
  std::string title;
  AlarmKind kind = AlarmKind::Physiological;
  Priority priority = Priority::None;
  Phase phase = Phase::Start;
  AlarmState state = AlarmState::Active;
  Inactivation inactivation = Inactivation::Enabled;
  TimePoint event_time;
  TimePoint start_time;
  Trigger trigger;
  Advice advice;
  DoseContext dose;
  std::string acknowledged_by;
  std::optional<TimePoint> acknowledged_time;
};

using AlarmEvents = std::vector<AlarmEvent>;

// The one current advice of a patient changed (DESIGN.md section 3: advice is a
// first-class output). action None: no advice stands any more.
struct AdviceEvent {
  std::string advice_id;  // "<patient>/advice/<event_time_ms>"
  std::string patient_id;
  std::string unit;
  TimePoint event_time;
  Advice advice;
  AdviceAction previous_action = AdviceAction::None;
  std::string condition;  // rule id that drives it; empty for resume or none
  std::string alert_id;   // the alarm that drives it, if any
  Trigger trigger;
  DoseContext dose;
};

using AdviceEvents = std::vector<AdviceEvent>;

// NEWS2 (RCP 2017, CLINICAL.md section 5).
enum class News2Band { Unknown, Zero, Low, LowMedium, Medium, High };

struct News2SubScore {
  std::string parameter;  // "RR", "SPO2", "AIR_OR_OXYGEN", "SBP", "PULSE", "CONSCIOUSNESS", "TEMP"
  bool known = false;
  double value = 0.0;  // as scored, after rounding to the chart's resolution
  int score = 0;
};

struct News2 {
  int total = 0;
  News2Band band = News2Band::Unknown;
  bool any_single_three = false;
  int spo2_scale = 1;
  std::vector<News2SubScore> sub_scores;
};

struct LatestValue {
  std::uint32_t code = 0;
  std::string metric;
  double value = 0.0;
  std::string unit;
  TimePoint time;
};

struct BaselineEntry {
  std::string metric;
  double value = 0.0;
  bool provisional = false;
};

// One patient's state for the stations: published at most once a second per patient and
// at once when the NEWS2 band changes.
struct PatientStatus {
  std::string patient_id;
  std::string unit;
  TimePoint event_time;
  std::vector<LatestValue> latest;
  News2 news2;
  std::vector<BaselineEntry> baselines;
  DoseContext dose;
  Advice advice;
  std::size_t active_alarms = 0;
};

using PatientStatuses = std::vector<PatientStatus>;

// Everything one engine input caused, in the order it happened.
struct Outputs {
  AlarmEvents alarms;
  AdviceEvents advice;
  PatientStatuses statuses;

  bool empty() const { return alarms.empty() && advice.empty() && statuses.empty(); }
  void append(Outputs&& more) {
    for (auto& event : more.alarms) alarms.push_back(std::move(event));
    for (auto& event : more.advice) advice.push_back(std::move(event));
    for (auto& status : more.statuses) statuses.push_back(std::move(status));
  }
};

}  // namespace vigil::core
