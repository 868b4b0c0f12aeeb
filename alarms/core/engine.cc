#include "alarms/core/engine.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "alarms/core/format.h"

namespace vigil::core {
namespace {

// The persistence of one rule on one metric for one patient.
struct MetricCondition {
  bool violating = false;
  TimePoint since{};
  unsigned readings = 0;
};

struct RuleState {
  // Two per metric of the rule: [2 * slot] continuous sources (e.g. arterial), [2 * slot + 1]
  // episodic ones (NIBP), so seconds of arterial data never count as NIBP readings and an
  // NIBP reading never starts the arterial delay.
  std::vector<MetricCondition> per_metric;
  std::optional<AlarmEvent> alarm;  // as last published, while active
};

struct Thresholds {
  std::optional<double> low;
  std::optional<double> high;
  double baseline = 0.0;
  bool provisional = false;
};

// Limits in alarm texts: four significant digits are what a monitor shows.
std::string number(double value) { return formatNumber(value, 4); }

bool crossesLow(double value, double limit, bool inclusive) { return inclusive ? value <= limit : value < limit; }
bool crossesHigh(double value, double limit, bool inclusive) { return inclusive ? value >= limit : value > limit; }

std::string limitText(const Rule& rule, const Thresholds& thresholds, bool low_side) {
  const auto& limit = low_side ? *rule.low : *rule.high;
  std::string text = low_side ? (limit.inclusive ? "<= " : "< ") : (limit.inclusive ? ">= " : "> ");
  const double absolute = low_side ? *thresholds.low : *thresholds.high;
  if (rule.reference == Reference::Absolute) return text + number(absolute);
  text += number(absolute) + " (" + number(limit.value) + " % " + (low_side ? "below" : "above") + " baseline " +
          number(thresholds.baseline) + (thresholds.provisional ? ", provisional)" : ")");
  return text;
}

// Pumps spell drug names as their libraries do ("Ketamine", "KETAMINE").
bool sameDrug(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::string alertId(const std::string& patient, const std::string& rule, TimePoint time) {
  return patient + "/" + rule + "/" + std::to_string(toMillis(time));
}

}  // namespace

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
        rules(protocol.rules.size()) {
    for (std::size_t r = 0; r < protocol.rules.size(); ++r) rules[r].per_metric.resize(2 * protocol.rules[r].metrics.size());
  }
  std::string id;
  std::string unit;
  BaselineTracker baseline;
  DoseTracker dose;
  std::vector<RuleState> rules;
};

Engine::Engine(Protocol protocol)
    : protocol_(std::move(protocol)),
      pk_(std::make_unique<PkCoefficients>(protocol_.pharmacokinetics)),
      rules_by_metric_(kMetricCount) {
  for (std::size_t r = 0; r < protocol_.rules.size(); ++r) {
    for (Metric metric : protocol_.rules[r].metrics) rules_by_metric_.at(static_cast<std::size_t>(metric)).push_back(r);
  }
}

Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

Engine::Patient& Engine::patient(const std::string& patient_id, const std::string& unit) {
  auto found = patients_.find(patient_id);
  if (found == patients_.end()) {
    found = patients_.emplace(patient_id, std::make_unique<Patient>(patient_id, protocol_, *pk_)).first;
  }
  if (!unit.empty()) found->second->unit = unit;
  return *found->second;
}

void Engine::touch(TimePoint time) { now_ = std::max(now_, time); }

AlarmEvents Engine::onVitals(const VitalsFrame& frame) {
  AlarmEvents out;
  ++counters_.vitals_frames;
  auto& p = patient(frame.patient_id, frame.unit);
  for (const auto& measurement : frame.measurements) {
    const auto source = metricForCode(measurement.code);
    if (!source) {
      ++counters_.measurements_unknown_code;
      continue;
    }
    // Artifact, sensor-off and questionable values never feed a physiological rule: a
    // probe that fell off reads 0 %, which is not a desaturation.
    if (measurement.quality != Quality::Valid) {
      ++counters_.measurements_quality_gated;
      continue;
    }
    ++counters_.measurements_evaluated;
    const Sample sample{source->metric, measurement.code, measurement.value, measurement.unit, source->episodic,
                        frame.time};
    p.baseline.addSample(sample.metric, sample.time, sample.value);
    evaluate(p, sample, out);
  }
  touch(frame.time);
  return out;
}

AlarmEvents Engine::onInfusion(const PumpStatus& status) {
  AlarmEvents out;
  ++counters_.pump_statuses;
  if (!protocol_.drug.empty() && !status.drug.empty() && !sameDrug(status.drug, protocol_.drug)) {
    ++counters_.pump_statuses_other_drug;
    return out;
  }
  auto& p = patient(status.patient_id, status.unit);
  p.dose.apply(status);
  const double rate = p.dose.rate();
  // Only the first start freezes the baselines; later calls are no-ops.
  if (rate > 0) p.baseline.onInfusionStart(status.time);
  evaluate(p, Sample{Metric::DoseRateMgPerKgPerH, 0, rate, "mg/kg/h", false, status.time}, out);
  if (p.dose.weightKg() > 0) {
    evaluate(p, Sample{Metric::DoseRateMgPerH, 0, rate * p.dose.weightKg(), "mg/h", false, status.time}, out);
  }
  touch(status.time);
  return out;
}

AlarmEvents Engine::advanceTo(TimePoint time) {
  touch(time);
  return {};
}

void Engine::evaluate(Patient& p, const Sample& sample, AlarmEvents& out) {
  for (std::size_t rule_index : rules_by_metric_.at(static_cast<std::size_t>(sample.metric))) {
    const auto& metrics = protocol_.rules[rule_index].metrics;
    for (std::size_t slot = 0; slot < metrics.size(); ++slot) {
      if (metrics[slot] == sample.metric) evaluateRule(p, rule_index, slot, sample, out);
    }
  }
}

namespace {

std::optional<Thresholds> thresholdsFor(const Rule& rule, std::optional<BaselineValue> baseline) {
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
int sideCrossed(const Rule& rule, const Thresholds& thresholds, double value) {
  if (thresholds.low && crossesLow(value, *thresholds.low, rule.low->inclusive)) return -1;
  if (thresholds.high && crossesHigh(value, *thresholds.high, rule.high->inclusive)) return 1;
  return 0;
}

bool persisted(const Rule& rule, const MetricCondition& condition, bool episodic, TimePoint now) {
  if (episodic) return condition.readings >= std::max(1u, rule.consecutive_readings);
  return now - condition.since >= rule.delay;
}

bool anyViolating(const RuleState& state) {
  return std::any_of(state.per_metric.begin(), state.per_metric.end(),
                     [](const MetricCondition& condition) { return condition.violating; });
}

}  // namespace

void Engine::evaluateRule(Patient& p, std::size_t rule_index, std::size_t slot, const Sample& sample,
                          AlarmEvents& out) {
  const Rule& rule = protocol_.rules[rule_index];
  auto& state = p.rules[rule_index];
  const auto thresholds = thresholdsFor(rule, p.baseline.baseline(sample.metric));
  if (!thresholds) return;
  auto& condition = state.per_metric[2 * slot + (sample.episodic ? 1 : 0)];
  const int side = sideCrossed(rule, *thresholds, sample.value);
  if (side == 0) {
    // A valid value inside the limit, from either kind of source, resets both.
    state.per_metric[2 * slot] = {};
    state.per_metric[2 * slot + 1] = {};
    if (state.alarm && !anyViolating(state)) endAlarm(p, rule_index, sample.time, out);
    return;
  }
  if (!condition.violating) condition = MetricCondition{true, sample.time, 0};
  ++condition.readings;
  if (state.alarm || !persisted(rule, condition, sample.episodic, sample.time)) return;
  Trigger trigger;
  trigger.code = sample.code;
  trigger.metric = std::string(metricName(sample.metric));
  trigger.value = sample.value;
  trigger.unit = sample.unit.empty() ? std::string(metricUnit(sample.metric)) : std::string(sample.unit);
  trigger.limit = limitText(rule, *thresholds, side < 0);
  trigger.limit_value = side < 0 ? *thresholds->low : *thresholds->high;
  trigger.baseline = thresholds->baseline;
  trigger.provisional_baseline = thresholds->provisional;
  startAlarm(p, rule_index, sample.time, condition.since, std::move(trigger), out);
}

void Engine::startAlarm(Patient& p, std::size_t rule_index, TimePoint time, TimePoint onset, Trigger trigger,
                        AlarmEvents& out) {
  const Rule& rule = protocol_.rules[rule_index];
  AlarmEvent event;
  event.alert_id = alertId(p.id, rule.id, time);
  event.patient_id = p.id;
  event.unit = p.unit;
  event.condition = rule.id;
  event.title = rule.title;
  event.kind = rule.kind;
  event.priority = rule.priority;
  event.phase = Phase::Start;
  event.state = AlarmState::Active;
  event.event_time = time;
  event.start_time = time;
  event.trigger = std::move(trigger);
  event.dose = p.dose.contextAt(time, onset);
  if (!rule.dose_attributable) {
    event.dose.likely_dose_related = false;
    event.dose.attribution = "not a dose-attributable condition";
  }
  event.advice = adviceFor(rule, event.dose, p.dose);
  alarm_index_[event.alert_id] = {p.id, rule_index};
  p.rules[rule_index].alarm = event;
  out.push_back(std::move(event));
}

Advice Engine::adviceFor(const Rule& rule, const DoseContext& dose, const DoseTracker& tracker) const {
  Advice advice{rule.advice, 0.0, 0.0, rule.title};
  if (dose.likely_dose_related && advice.action < AdviceAction::Reduce) {
    // CLINICAL.md: a dose-related condition gets at least REDUCE to the previous rate.
    advice.action = AdviceAction::Reduce;
    advice.reason += "; likely dose-related";
  }
  if (!dose.infusion_running && (advice.action == AdviceAction::Reduce || advice.action == AdviceAction::Pause)) {
    // Nothing to reduce or pause: the useful advice is not to (re)start it.
    advice.action = AdviceAction::Hold;
    advice.reason += "; no infusion running: do not restart before review";
    return advice;
  }
  if (advice.action == AdviceAction::Reduce) {
    if (dose.previous_rate_mg_per_kg_per_h <= 0) {
      // "Reduce to 0 mg/kg/h" is a pause; say so in the words a nurse acts on.
      advice.action = AdviceAction::Pause;
      advice.reason += "; no lower rate to go back to: pause";
      return advice;
    }
    advice.target_rate_mg_per_kg_per_h = dose.previous_rate_mg_per_kg_per_h;
    advice.target_rate_ml_per_h = tracker.mlPerHour(advice.target_rate_mg_per_kg_per_h);
    advice.reason += "; back to the previous lower rate";
  }
  return advice;
}

void Engine::endAlarm(Patient& p, std::size_t rule_index, TimePoint time, AlarmEvents& out) {
  auto& state = p.rules[rule_index];
  AlarmEvent event = std::move(*state.alarm);
  state.alarm.reset();
  alarm_index_.erase(event.alert_id);
  event.phase = Phase::End;
  event.state = AlarmState::Inactive;
  event.event_time = time;
  out.push_back(std::move(event));
}

AcknowledgeResult Engine::acknowledge(std::string_view alert_id, std::string_view by) {
  const auto found = alarm_index_.find(alert_id);
  if (found == alarm_index_.end()) {
    ++counters_.acknowledgements_refused;
    return {false, "no active alarm " + std::string(alert_id), {}};
  }
  auto& alarm = *patients_.at(found->second.first)->rules[found->second.second].alarm;
  ++counters_.acknowledgements;
  if (alarm.inactivation == Inactivation::Acknowledged) return {true, {}, {}};
  alarm.inactivation = Inactivation::Acknowledged;
  alarm.acknowledged_by = std::string(by);
  alarm.acknowledged_time = now_;
  alarm.phase = Phase::Update;
  alarm.event_time = now_;
  return {true, {}, {alarm}};
}

AlarmEvents Engine::activeAlarms() const {
  AlarmEvents alarms;
  for (const auto& [id, entry] : alarm_index_) {
    alarms.push_back(*patients_.at(entry.first)->rules[entry.second].alarm);
  }
  return alarms;
}

std::optional<BaselineValue> Engine::baseline(std::string_view patient_id, Metric metric) const {
  const auto found = patients_.find(patient_id);
  if (found == patients_.end()) return std::nullopt;
  return found->second->baseline.baseline(metric);
}

std::optional<DoseContext> Engine::doseContext(std::string_view patient_id) {
  const auto found = patients_.find(patient_id);
  if (found == patients_.end()) return std::nullopt;
  return found->second->dose.contextAt(now_);
}

}  // namespace vigil::core
