// The alarm protocol as the engine uses it: proto/protocol.proto read from JSON, checked
// once, and turned into plain values. Every clinical number lives in the protocol file.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/core/domain.h"
#include "alarms/core/metrics.h"
#include "alarms/core/news2.h"
#include "alarms/core/pk.h"

namespace vigil::core {

struct Limit {
  double value = 0.0;
  bool inclusive = false;  // true: the limit itself alarms
};

enum class Reference { Absolute, BaselinePercent };

struct Rule {
  std::string id;
  std::string title;
  std::vector<Metric> metrics;
  Reference reference = Reference::Absolute;
  std::optional<Limit> low;
  std::optional<Limit> high;
  Duration delay{0};
  unsigned consecutive_readings = 0;
  Priority priority = Priority::None;
  AlarmKind kind = AlarmKind::Physiological;
  AdviceAction advice = AdviceAction::None;
  bool dose_attributable = true;
  bool latching = false;  // resolved: the rule's own setting or the protocol's default
};

struct DoseAttributionSettings {
  Duration window_start{0};
  Duration window_end{0};
  double ce_rising_fraction_per_10_min = 0.0;
};

// IEC 60601-1-8 behaviour. Defaults are the standards' own (proto/protocol.proto).
struct AlarmSystemSettings {
  Priority latch_from_priority = Priority::High;
  Duration audio_pause{std::chrono::seconds(120)};
  Duration escalation{std::chrono::seconds(120)};  // 0: never
  Duration realarm{std::chrono::seconds(180)};     // 0: never
};

// One level of a condition: what is shown and advised while it applies.
struct ConditionLevel {
  std::string title;
  Priority priority = Priority::None;
  AdviceAction advice = AdviceAction::None;
  bool latching = false;
};

struct TechnicalLevelSettings {
  ConditionLevel level;
  Duration after{0};
  Duration hold{0};
};

struct TechnicalSettings {
  TechnicalLevelSettings monitoring_lost;
  TechnicalLevelSettings monitoring_lost_escalated;
  double nibp_interval_factor = 0.0;
  Duration nibp_default_interval{0};
  TechnicalLevelSettings pump_stale;
  TechnicalLevelSettings sensor_off;
  TechnicalLevelSettings sequence_gap;
  Duration max_sample_gap{0};
};

struct EventRule {
  std::string id;
  ConditionLevel level;
  std::vector<ClinicalEventKind> kinds;
  Severity severity = Severity::Unspecified;  // Unspecified: any
  int rass_min = 0;
  int rass_max = 0;
  unsigned count = 1;
  Duration within{0};
  Duration hold{0};
  bool dose_attributable = true;
  bool isSedation() const;
};

struct SessionDoseSettings {
  std::string id;
  ConditionLevel level;
  AlarmKind kind = AlarmKind::Advisory;
  double max_mg = 0.0;
  Duration window{0};
};

struct TitrationPaceSettings {
  std::string id;
  ConditionLevel level;
  AlarmKind kind = AlarmKind::Advisory;
  Duration min_interval{0};
  Duration hold{0};
};

struct ResumeSettings {
  Duration stable{0};
  double baseline_fraction = 0.0;
  std::vector<Metric> baseline_metrics;  // empty: every vital with a baseline
};

struct News2Level {
  int total_at_least = 0;
  ConditionLevel level;
};

// How long a measured NEWS2 parameter must hold a sub-score before the score uses it
// (protocol.proto News2Persistence). Zero: the latest sample counts, as a chart would if
// every 1 Hz sample were an observation set.
struct News2ParameterPersistence {
  Duration delay{0};      // continuous sources
  unsigned readings = 0;  // episodic sources (NIBP); 0 or 1: the first reading
};

struct News2Settings {
  std::vector<News2Level> aggregate;                                              // ascending
  ConditionLevel single_three;                                                    // priority None: off
  std::array<News2ParameterPersistence, kNews2MeasuredParameters> persistence{};  // by News2Parameter
};

struct Protocol {
  std::string name;
  std::string version;
  std::string drug;
  PkParameters pharmacokinetics;
  DoseAttributionSettings dose_attribution;
  Duration baseline_window{0};
  std::vector<Rule> rules;
  AlarmSystemSettings alarm_system;
  std::optional<TechnicalSettings> technical;  // absent: no technical alarms
  std::vector<EventRule> event_rules;
  std::optional<SessionDoseSettings> session_dose;
  std::optional<TitrationPaceSettings> titration_pace;
  std::optional<ResumeSettings> resume;
  std::optional<News2Settings> news2_triggers;  // rule 22; absent: NEWS2 raises no alarms
  Duration status_interval{std::chrono::seconds(1)};
  // An alert manager's "accepted" (IHE PCD-05) acknowledges the alarm under the nurse's name.
  bool alert_manager_accepted_acknowledges = false;
  News2Chart news2_chart;  // configured = false when the file has no "news2Chart" block
};

// One problem with a protocol file, naming the field it is about.
struct ProtocolError {
  std::string field;  // e.g. "rules[2] (spo2-below-90).delay_s"
  std::string message;
  std::string text() const { return field.empty() ? message : field + ": " + message; }
};

struct ProtocolLoad {
  std::optional<Protocol> protocol;
  std::vector<ProtocolError> errors;  // empty when protocol is set
};

// Parses protobuf-JSON text (unknown fields are errors) and validates every field.
ProtocolLoad parseProtocol(std::string_view json_text);

}  // namespace vigil::core
