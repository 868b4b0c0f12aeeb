#include "alarms/core/protocol.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <google/protobuf/util/json_util.h>

#include "alarms/core/format.h"
#include "protocol.pb.h"

namespace vigil::core {
namespace {
namespace v1 = vigil::v1;

// Collects errors with the path of the field being checked.
class Checker {
 public:
  void require(bool condition, std::string field, std::string message) {
    if (!condition) errors_.push_back({std::move(field), std::move(message)});
  }
  void requirePositive(double value, const std::string& field) {
    require(std::isfinite(value) && value > 0, field, "must be a positive number (got " + formatNumber(value) + ")");
  }
  void requireNonNegative(double value, const std::string& field) {
    require(std::isfinite(value) && value >= 0, field, "must not be negative (got " + formatNumber(value) + ")");
  }
  std::vector<ProtocolError> take() { return std::move(errors_); }
  bool ok() const { return errors_.empty(); }

 private:
  std::vector<ProtocolError> errors_;
};

Duration seconds(double s) { return Duration{static_cast<std::int64_t>(std::llround(s * 1000.0))}; }

bool validRuleId(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

bool isDoseMetric(v1::Metric metric) {
  return metric == v1::DOSE_RATE_MG_PER_KG_PER_H || metric == v1::DOSE_RATE_MG_PER_H;
}

void checkPharmacokinetics(const v1::Pharmacokinetics& pk, Checker& check) {
  check.requirePositive(pk.v1_l_per_kg(), "pharmacokinetics.v1_l_per_kg");
  check.requirePositive(pk.k10_per_min(), "pharmacokinetics.k10_per_min");
  check.requirePositive(pk.k12_per_min(), "pharmacokinetics.k12_per_min");
  check.requirePositive(pk.k13_per_min(), "pharmacokinetics.k13_per_min");
  check.requirePositive(pk.k21_per_min(), "pharmacokinetics.k21_per_min");
  check.requirePositive(pk.k31_per_min(), "pharmacokinetics.k31_per_min");
  check.requirePositive(pk.ke0_per_min(), "pharmacokinetics.ke0_per_min");
}

void checkAttribution(const v1::DoseAttribution& attribution, Checker& check) {
  check.requireNonNegative(attribution.window_start_s(), "dose_attribution.window_start_s");
  check.requirePositive(attribution.window_end_s(), "dose_attribution.window_end_s");
  check.require(attribution.window_end_s() >= attribution.window_start_s(), "dose_attribution.window_end_s",
                "must not be before window_start_s");
  check.requireNonNegative(attribution.ce_rising_fraction_per_10_min(),
                           "dose_attribution.ce_rising_fraction_per_10_min");
}

void checkLimits(const v1::LimitRule& rule, const std::string& at, Checker& check) {
  check.require(rule.has_low() || rule.has_high(), at, "needs a low or a high limit");
  if (rule.has_low()) check.require(std::isfinite(rule.low().value()), at + ".low.value", "must be a number");
  if (rule.has_high()) check.require(std::isfinite(rule.high().value()), at + ".high.value", "must be a number");
  if (rule.reference() == v1::BASELINE_PERCENT) {
    if (rule.has_low()) {
      check.require(
          rule.low().value() > 0 && rule.low().value() < 100, at + ".low.value",
          "a percentage below baseline must be between 0 and 100 (got " + formatNumber(rule.low().value()) + ")");
    }
    if (rule.has_high()) check.requirePositive(rule.high().value(), at + ".high.value");
  } else if (rule.has_low() && rule.has_high()) {
    check.require(rule.low().value() < rule.high().value(), at + ".low.value",
                  "low limit " + formatNumber(rule.low().value()) + " is not below high limit " +
                      formatNumber(rule.high().value()));
  }
}

void checkRule(const v1::LimitRule& rule, const std::string& at, std::set<std::string>& ids, Checker& check) {
  check.require(validRuleId(rule.id()), at + ".id",
                "must be non-empty letters, digits, '-' or '_' (got \"" + rule.id() + "\")");
  check.require(ids.insert(rule.id()).second, at + ".id", "duplicates an earlier rule's id");
  check.require(!rule.title().empty(), at + ".title", "must not be empty");
  check.require(rule.metrics_size() > 0, at + ".metrics", "must name at least one metric");
  // The JSON mapping also accepts enum numbers, and proto3 enums keep numbers they do not
  // know: one that names nothing must not reach the engine's tables.
  check.require(v1::Reference_IsValid(rule.reference()), at + ".reference",
                "is not a known reference (got " + std::to_string(rule.reference()) + ")");
  check.require(v1::AlarmKind_IsValid(rule.kind()), at + ".kind",
                "is not a known kind (got " + std::to_string(rule.kind()) + ")");
  check.require(v1::Priority_IsValid(rule.priority()), at + ".priority",
                "is not a known priority (got " + std::to_string(rule.priority()) + ")");
  check.require(v1::AdviceAction_IsValid(rule.advice()), at + ".advice",
                "is not a known advice (got " + std::to_string(rule.advice()) + ")");
  for (int m = 0; m < rule.metrics_size(); ++m) {
    const auto field = at + ".metrics[" + std::to_string(m) + "]";
    if (!v1::Metric_IsValid(rule.metrics(m))) {
      check.require(false, field, "is not a known metric (got " + std::to_string(rule.metrics(m)) + ")");
      continue;
    }
    const auto metric = static_cast<v1::Metric>(rule.metrics(m));
    check.require(metric != v1::METRIC_UNSPECIFIED, field, "must name a metric");
    check.require(!(isDoseMetric(metric) && rule.reference() == v1::BASELINE_PERCENT), field,
                  "a dose rate has no baseline");
  }
  checkLimits(rule, at, check);
  check.requireNonNegative(rule.delay_s(), at + ".delay_s");
  check.require(rule.priority() != v1::PRIORITY_NONE, at + ".priority", "must be LOW, MEDIUM or HIGH");
  check.require(rule.advice() != v1::ADVICE_RESUME_POSSIBLE, at + ".advice",
                "RESUME_POSSIBLE is the engine's own advice, not a rule's");
}

void checkPriorityAndAdvice(int priority, int advice, const std::string& at, Checker& check,
                            bool priority_required = true) {
  check.require(v1::Priority_IsValid(priority), at + ".priority",
                "is not a known priority (got " + std::to_string(priority) + ")");
  check.require(v1::AdviceAction_IsValid(advice), at + ".advice",
                "is not a known advice (got " + std::to_string(advice) + ")");
  if (priority_required) check.require(priority != v1::PRIORITY_NONE, at + ".priority", "must be LOW, MEDIUM or HIGH");
  check.require(advice != v1::ADVICE_RESUME_POSSIBLE, at + ".advice",
                "RESUME_POSSIBLE is the engine's own advice, not a rule's");
}

void checkAlarmSystem(const v1::AlarmSystem& system, Checker& check) {
  if (system.has_latch_from_priority()) {
    check.require(v1::Priority_IsValid(system.latch_from_priority()), "alarm_system.latch_from_priority",
                  "is not a known priority (got " + std::to_string(system.latch_from_priority()) + ")");
  }
  if (system.has_audio_pause_s()) {
    check.requirePositive(system.audio_pause_s(), "alarm_system.audio_pause_s");
    // ISO 80601-2-61: an audio pause lasts at most 2 min; a longer one is not a pause.
    check.require(!(system.audio_pause_s() > 120), "alarm_system.audio_pause_s",
                  "must not exceed 120 s (ISO 80601-2-61; got " + formatNumber(system.audio_pause_s()) + ")");
  }
  if (system.has_escalation_s()) check.requireNonNegative(system.escalation_s(), "alarm_system.escalation_s");
  if (system.has_realarm_s()) check.requireNonNegative(system.realarm_s(), "alarm_system.realarm_s");
}

void checkTechnicalLevel(const v1::TechnicalLevel& level, const std::string& at, Checker& check) {
  check.require(!level.title().empty(), at + ".title", "must not be empty");
  check.requireNonNegative(level.after_s(), at + ".after_s");
  check.requireNonNegative(level.hold_s(), at + ".hold_s");
  checkPriorityAndAdvice(level.priority(), level.advice(), at, check);
}

void checkTechnical(const v1::Technical& technical, Checker& check) {
  check.require(technical.has_monitoring_lost(), "technical.monitoring_lost", "is required");
  checkTechnicalLevel(technical.monitoring_lost(), "technical.monitoring_lost", check);
  check.requirePositive(technical.monitoring_lost().after_s(), "technical.monitoring_lost.after_s");
  if (technical.has_monitoring_lost_escalated()) {
    checkTechnicalLevel(technical.monitoring_lost_escalated(), "technical.monitoring_lost_escalated", check);
    check.require(technical.monitoring_lost_escalated().after_s() > technical.monitoring_lost().after_s(),
                  "technical.monitoring_lost_escalated.after_s", "must be after monitoring_lost.after_s");
  }
  check.requirePositive(technical.nibp_interval_factor(), "technical.nibp_interval_factor");
  check.requirePositive(technical.nibp_default_interval_s(), "technical.nibp_default_interval_s");
  check.require(technical.has_pump_stale(), "technical.pump_stale", "is required");
  checkTechnicalLevel(technical.pump_stale(), "technical.pump_stale", check);
  check.requirePositive(technical.pump_stale().after_s(), "technical.pump_stale.after_s");
  check.require(technical.has_sensor_off(), "technical.sensor_off", "is required");
  checkTechnicalLevel(technical.sensor_off(), "technical.sensor_off", check);
  check.require(technical.has_sequence_gap(), "technical.sequence_gap", "is required");
  checkTechnicalLevel(technical.sequence_gap(), "technical.sequence_gap", check);
  check.requirePositive(technical.max_sample_gap_s(), "technical.max_sample_gap_s");
}

void checkEventRule(const v1::EventRule& rule, const std::string& at, std::set<std::string>& ids, Checker& check) {
  check.require(validRuleId(rule.id()), at + ".id",
                "must be non-empty letters, digits, '-' or '_' (got \"" + rule.id() + "\")");
  check.require(ids.insert(rule.id()).second, at + ".id", "duplicates an earlier rule's id");
  check.require(!rule.title().empty(), at + ".title", "must not be empty");
  check.require(rule.kinds_size() > 0, at + ".kinds", "must name at least one kind of entry");
  bool sedation = false;
  for (int k = 0; k < rule.kinds_size(); ++k) {
    const auto field = at + ".kinds[" + std::to_string(k) + "]";
    const int kind = rule.kinds(k);
    check.require(v1::ClinicalEventKind_IsValid(kind) && kind != v1::CLINICAL_EVENT_UNSPECIFIED, field,
                  "is not a known kind of entry (got " + std::to_string(kind) + ")");
    sedation = sedation || kind == v1::SEDATION_SCORE;
  }
  check.require(!sedation || rule.kinds_size() == 1, at + ".kinds", "a RASS rule names SEDATION_SCORE alone");
  check.require(v1::Severity_IsValid(rule.severity()), at + ".severity", "is not a known severity");
  if (sedation) {
    check.require(rule.rass_min() <= rule.rass_max(), at + ".rass_min", "must not be above rass_max");
    check.require(rule.rass_min() >= -5 && rule.rass_max() <= 4, at + ".rass_min", "RASS runs from -5 to +4");
  } else {
    check.requirePositive(rule.hold_s(), at + ".hold_s");
    if (rule.count() > 1) check.requirePositive(rule.within_s(), at + ".within_s");
  }
  checkPriorityAndAdvice(rule.priority(), rule.advice(), at, check);
}

void checkSessionDose(const v1::SessionDoseRule& rule, std::set<std::string>& ids, Checker& check) {
  check.require(validRuleId(rule.id()), "session_dose.id", "must be non-empty letters, digits, '-' or '_'");
  check.require(ids.insert(rule.id()).second, "session_dose.id", "duplicates an earlier rule's id");
  check.require(!rule.title().empty(), "session_dose.title", "must not be empty");
  check.requirePositive(rule.max_mg(), "session_dose.max_mg");
  check.requirePositive(rule.window_s(), "session_dose.window_s");
  check.require(v1::AlarmKind_IsValid(rule.kind()), "session_dose.kind", "is not a known kind");
  checkPriorityAndAdvice(rule.priority(), rule.advice(), "session_dose", check);
}

void checkTitrationPace(const v1::TitrationPaceRule& rule, std::set<std::string>& ids, Checker& check) {
  check.require(validRuleId(rule.id()), "titration_pace.id", "must be non-empty letters, digits, '-' or '_'");
  check.require(ids.insert(rule.id()).second, "titration_pace.id", "duplicates an earlier rule's id");
  check.require(!rule.title().empty(), "titration_pace.title", "must not be empty");
  check.requirePositive(rule.min_interval_s(), "titration_pace.min_interval_s");
  check.requirePositive(rule.hold_s(), "titration_pace.hold_s");
  check.require(v1::AlarmKind_IsValid(rule.kind()), "titration_pace.kind", "is not a known kind");
  checkPriorityAndAdvice(rule.priority(), rule.advice(), "titration_pace", check);
}

void checkResume(const v1::Resume& resume, Checker& check) {
  for (int m = 0; m < resume.baseline_metrics_size(); ++m) {
    const int metric = resume.baseline_metrics(m);
    check.require(v1::Metric_IsValid(metric) && metric != v1::METRIC_UNSPECIFIED &&
                      !isDoseMetric(static_cast<v1::Metric>(metric)),
                  "resume.baseline_metrics[" + std::to_string(m) + "]", "must name a vital sign");
  }
  check.requirePositive(resume.stable_s(), "resume.stable_s");
  check.require(
      std::isfinite(resume.baseline_fraction()) && resume.baseline_fraction() > 0 && resume.baseline_fraction() < 1,
      "resume.baseline_fraction", "must be between 0 and 1 (got " + formatNumber(resume.baseline_fraction()) + ")");
}

void checkNews2(const v1::News2Triggers& news2, Checker& check) {
  int previous = -1;
  for (int l = 0; l < news2.aggregate_size(); ++l) {
    const auto& level = news2.aggregate(l);
    const auto at = "news2_triggers.aggregate[" + std::to_string(l) + "]";
    check.require(!level.title().empty(), at + ".title", "must not be empty");
    check.require(level.total_at_least() > previous && level.total_at_least() > 0, at + ".total_at_least",
                  "must be positive and above the previous level's");
    previous = level.total_at_least();
    checkPriorityAndAdvice(level.priority(), level.advice(), at, check);
  }
  if (news2.single_three_priority() != v1::PRIORITY_NONE) {
    check.require(!news2.single_three_title().empty(), "news2_triggers.single_three_title", "must not be empty");
  }
  checkPriorityAndAdvice(news2.single_three_priority(), news2.single_three_advice(), "news2_triggers.single_three",
                         check,
                         /*priority_required=*/false);
  std::array<bool, kNews2MeasuredParameters> seen{};
  for (int p = 0; p < news2.persistence_size(); ++p) {
    const auto& persistence = news2.persistence(p);
    const auto at = "news2_triggers.persistence[" + std::to_string(p) + "]";
    const auto parameter = news2ParameterOf(static_cast<Metric>(persistence.metric()));
    check.require(parameter.has_value(), at + ".metric", "must be RR, SPO2, SBP, HR or TEMP");
    if (parameter) {
      auto& once = seen[static_cast<std::size_t>(*parameter)];
      check.require(!once, at + ".metric", "is listed twice (HR and PULSE are one parameter)");
      once = true;
    }
    check.requireNonNegative(persistence.delay_s(), at + ".delay_s");
  }
}

std::vector<ProtocolError> validate(const v1::Protocol& message) {
  Checker check;
  check.require(!message.name().empty(), "name", "must not be empty");
  check.require(message.has_pharmacokinetics(), "pharmacokinetics", "is required");
  checkPharmacokinetics(message.pharmacokinetics(), check);
  check.require(message.has_dose_attribution(), "dose_attribution", "is required");
  checkAttribution(message.dose_attribution(), check);
  check.requirePositive(message.baseline().window_s(), "baseline.window_s");
  check.require(message.rules_size() > 0, "rules", "must list at least one rule");
  std::set<std::string> ids;
  for (int r = 0; r < message.rules_size(); ++r) {
    const auto& rule = message.rules(r);
    const auto at = "rules[" + std::to_string(r) + "]" + (rule.id().empty() ? "" : " (" + rule.id() + ")");
    checkRule(rule, at, ids, check);
  }
  if (message.has_alarm_system()) checkAlarmSystem(message.alarm_system(), check);
  if (message.has_technical()) checkTechnical(message.technical(), check);
  for (int r = 0; r < message.event_rules_size(); ++r) {
    const auto& rule = message.event_rules(r);
    checkEventRule(rule, "event_rules[" + std::to_string(r) + "]" + (rule.id().empty() ? "" : " (" + rule.id() + ")"),
                   ids, check);
  }
  if (message.has_session_dose()) checkSessionDose(message.session_dose(), ids, check);
  if (message.has_titration_pace()) checkTitrationPace(message.titration_pace(), ids, check);
  if (message.has_resume()) checkResume(message.resume(), check);
  if (message.has_news2_triggers()) checkNews2(message.news2_triggers(), check);
  check.requireNonNegative(message.status_interval_s(), "status_interval_s");
  return check.take();
}

std::optional<Limit> toLimit(bool present, const v1::Limit& limit) {
  if (!present) return std::nullopt;
  return Limit{limit.value(), limit.inclusive()};
}

AlarmKind toKind(v1::AlarmKind kind) {
  switch (kind) {
    case v1::KIND_TECHNICAL: return AlarmKind::Technical;
    case v1::KIND_ADVISORY: return AlarmKind::Advisory;
    default: return AlarmKind::Physiological;
  }
}

AlarmKind kindOr(v1::AlarmKind kind, AlarmKind otherwise) {
  return kind == v1::KIND_UNSPECIFIED ? otherwise : toKind(kind);
}

bool latchingFor(Priority priority, const AlarmSystemSettings& system, bool has_own, bool own) {
  if (has_own) return own;
  return system.latch_from_priority != Priority::None && priority >= system.latch_from_priority;
}

AlarmSystemSettings toAlarmSystem(const v1::Protocol& message) {
  AlarmSystemSettings system;
  if (!message.has_alarm_system()) return system;
  const auto& in = message.alarm_system();
  if (in.has_latch_from_priority()) system.latch_from_priority = static_cast<Priority>(in.latch_from_priority());
  if (in.has_audio_pause_s()) system.audio_pause = seconds(in.audio_pause_s());
  if (in.has_escalation_s()) system.escalation = seconds(in.escalation_s());
  if (in.has_realarm_s()) system.realarm = seconds(in.realarm_s());
  return system;
}

ConditionLevel toLevel(const std::string& title, int priority, int advice, bool has_latching, bool latching,
                       const AlarmSystemSettings& system) {
  ConditionLevel level;
  level.title = title;
  level.priority = static_cast<Priority>(priority);
  level.advice = static_cast<AdviceAction>(advice);
  level.latching = latchingFor(level.priority, system, has_latching, latching);
  return level;
}

TechnicalLevelSettings toTechnicalLevel(const v1::TechnicalLevel& in, const AlarmSystemSettings& system) {
  return {toLevel(in.title(), in.priority(), in.advice(), in.has_latching(), in.latching(), system),
          seconds(in.after_s()), seconds(in.hold_s())};
}

TechnicalSettings toTechnical(const v1::Technical& in, const AlarmSystemSettings& system) {
  TechnicalSettings technical;
  technical.monitoring_lost = toTechnicalLevel(in.monitoring_lost(), system);
  if (in.has_monitoring_lost_escalated()) {
    technical.monitoring_lost_escalated = toTechnicalLevel(in.monitoring_lost_escalated(), system);
  }
  technical.nibp_interval_factor = in.nibp_interval_factor();
  technical.nibp_default_interval = seconds(in.nibp_default_interval_s());
  technical.pump_stale = toTechnicalLevel(in.pump_stale(), system);
  technical.sensor_off = toTechnicalLevel(in.sensor_off(), system);
  technical.sequence_gap = toTechnicalLevel(in.sequence_gap(), system);
  technical.max_sample_gap = seconds(in.max_sample_gap_s());
  return technical;
}

EventRule toEventRule(const v1::EventRule& in, const AlarmSystemSettings& system) {
  EventRule rule;
  rule.id = in.id();
  rule.level = toLevel(in.title(), in.priority(), in.advice(), in.has_latching(), in.latching(), system);
  for (int kind : in.kinds()) rule.kinds.push_back(static_cast<ClinicalEventKind>(kind));
  rule.severity = static_cast<Severity>(in.severity());
  rule.rass_min = in.rass_min();
  rule.rass_max = in.rass_max();
  rule.count = std::max(1u, in.count());
  rule.within = seconds(in.within_s());
  rule.hold = seconds(in.hold_s());
  rule.dose_attributable = in.has_dose_attributable() ? in.dose_attributable() : true;
  return rule;
}

AlarmKind kindOr(v1::AlarmKind kind, AlarmKind otherwise);

SessionDoseSettings toSessionDose(const v1::SessionDoseRule& in, const AlarmSystemSettings& system) {
  return {in.id(), toLevel(in.title(), in.priority(), in.advice(), in.has_latching(), in.latching(), system),
          kindOr(in.kind(), AlarmKind::Advisory), in.max_mg(), seconds(in.window_s())};
}

TitrationPaceSettings toTitrationPace(const v1::TitrationPaceRule& in, const AlarmSystemSettings& system) {
  return {in.id(), toLevel(in.title(), in.priority(), in.advice(), in.has_latching(), in.latching(), system),
          kindOr(in.kind(), AlarmKind::Advisory), seconds(in.min_interval_s()), seconds(in.hold_s())};
}

News2Settings toNews2(const v1::News2Triggers& in, const AlarmSystemSettings& system) {
  News2Settings news2;
  for (const auto& level : in.aggregate()) {
    news2.aggregate.push_back({level.total_at_least(), toLevel(level.title(), level.priority(), level.advice(),
                                                               level.has_latching(), level.latching(), system)});
  }
  news2.single_three =
      toLevel(in.single_three_title(), in.single_three_priority(), in.single_three_advice(), false, false, system);
  for (const auto& persistence : in.persistence()) {
    const auto parameter = news2ParameterOf(static_cast<Metric>(persistence.metric()));
    if (!parameter) continue;  // refused by checkNews2
    news2.persistence[static_cast<std::size_t>(*parameter)] = {seconds(persistence.delay_s()),
                                                               persistence.consecutive_readings()};
  }
  return news2;
}

Rule toRule(const v1::LimitRule& message, const AlarmSystemSettings& system) {
  Rule rule;
  rule.id = message.id();
  rule.title = message.title();
  for (int metric : message.metrics()) rule.metrics.push_back(static_cast<Metric>(metric));
  rule.reference = message.reference() == v1::BASELINE_PERCENT ? Reference::BaselinePercent : Reference::Absolute;
  rule.low = toLimit(message.has_low(), message.low());
  rule.high = toLimit(message.has_high(), message.high());
  rule.delay = seconds(message.delay_s());
  rule.consecutive_readings = message.consecutive_readings();
  rule.priority = static_cast<Priority>(message.priority());
  rule.kind = toKind(message.kind());
  rule.advice = static_cast<AdviceAction>(message.advice());
  rule.dose_attributable =
      message.has_dose_attributable() ? message.dose_attributable() : rule.kind == AlarmKind::Physiological;
  rule.latching = latchingFor(rule.priority, system, message.has_latching(), message.latching());
  return rule;
}

Protocol toProtocol(const v1::Protocol& message) {
  Protocol protocol;
  protocol.name = message.name();
  protocol.version = message.version();
  protocol.drug = message.drug();
  const auto& pk = message.pharmacokinetics();
  protocol.pharmacokinetics = PkParameters{pk.v1_l_per_kg(), pk.k10_per_min(), pk.k12_per_min(), pk.k13_per_min(),
                                           pk.k21_per_min(), pk.k31_per_min(), pk.ke0_per_min()};
  const auto& attribution = message.dose_attribution();
  protocol.dose_attribution =
      DoseAttributionSettings{seconds(attribution.window_start_s()), seconds(attribution.window_end_s()),
                              attribution.ce_rising_fraction_per_10_min()};
  protocol.baseline_window = seconds(message.baseline().window_s());
  protocol.alarm_system = toAlarmSystem(message);
  const auto& system = protocol.alarm_system;
  for (const auto& rule : message.rules()) protocol.rules.push_back(toRule(rule, system));
  if (message.has_technical()) protocol.technical = toTechnical(message.technical(), system);
  for (const auto& rule : message.event_rules()) protocol.event_rules.push_back(toEventRule(rule, system));
  if (message.has_session_dose()) protocol.session_dose = toSessionDose(message.session_dose(), system);
  if (message.has_titration_pace()) protocol.titration_pace = toTitrationPace(message.titration_pace(), system);
  if (message.has_resume()) {
    protocol.resume = ResumeSettings{seconds(message.resume().stable_s()), message.resume().baseline_fraction(), {}};
    for (int metric : message.resume().baseline_metrics()) {
      protocol.resume->baseline_metrics.push_back(static_cast<Metric>(metric));
    }
  }
  if (message.has_news2_triggers()) protocol.news2_triggers = toNews2(message.news2_triggers(), system);
  if (message.status_interval_s() > 0) protocol.status_interval = seconds(message.status_interval_s());
  protocol.alert_manager_accepted_acknowledges = message.alert_manager().accepted_acknowledges();
  return protocol;
}

}  // namespace

ProtocolLoad parseProtocol(std::string_view json_text) {
  v1::Protocol message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // a misspelt field must not silently fall back to a default
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json_text.data(), json_text.size()), &message, options);
  if (!status.ok()) return {std::nullopt, {{"", "not a valid protocol file: " + std::string(status.message())}}};
  auto errors = validate(message);
  std::optional<News2Chart> news2;
  if (message.has_news2_chart()) news2 = parseNews2Chart(message.news2_chart(), errors);
  if (!errors.empty()) return {std::nullopt, std::move(errors)};
  auto protocol = toProtocol(message);
  if (news2) protocol.news2_chart = std::move(*news2);
  return {std::move(protocol), {}};
}

}  // namespace vigil::core

namespace vigil::core {
bool EventRule::isSedation() const { return kinds.size() == 1 && kinds.front() == ClinicalEventKind::SedationScore; }
}  // namespace vigil::core
