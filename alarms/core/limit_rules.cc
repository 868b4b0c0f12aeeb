// The limit rules (CLINICAL.md section 3, rows 1-14, 18, 19): thresholds, persistence by
// time or by readings, never across a gap in the data.
#include "alarms/core/limit_rules.h"

namespace vigil::core::engine_detail {
namespace {

bool anyViolating(const LimitRules::RuleState& state) {
  return std::any_of(state.per_metric.begin(), state.per_metric.end(),
                     [](const LimitRules::MetricCondition& condition) { return condition.violating; });
}

// What the alarm will show of the latest sample beyond the limit. Assigned in place: the
// trigger's strings keep their buffers from one sample to the next.
void noteTrigger(Trigger& trigger, const Rule& rule, const Thresholds& thresholds, int side, const Sample& sample) {
  trigger.code = sample.code;
  trigger.metric = std::string(metricName(sample.metric));
  trigger.value = sample.value;
  trigger.unit = sample.unit.empty() ? std::string(metricUnit(sample.metric)) : std::string(sample.unit);
  trigger.limit = limitText(rule, thresholds, side < 0);
  trigger.limit_value = side < 0 ? *thresholds.low : *thresholds.high;
  trigger.baseline = thresholds.baseline;
  trigger.provisional_baseline = thresholds.provisional;
}

ConditionLevel levelOf(const Rule& rule) { return {rule.title, rule.priority, rule.advice, rule.latching}; }

}  // namespace

LimitRules::LimitRules(const Protocol& protocol) : protocol_(protocol), by_metric_(kMetricCount) {
  for (std::size_t r = 0; r < protocol_.rules.size(); ++r) {
    for (Metric metric : protocol_.rules[r].metrics) by_metric_.at(static_cast<std::size_t>(metric)).push_back(r);
  }
}

LimitRules::State LimitRules::newState() const {
  State state;
  state.rules.resize(protocol_.rules.size());
  for (std::size_t r = 0; r < protocol_.rules.size(); ++r) {
    state.rules[r].per_metric.resize(2 * protocol_.rules[r].metrics.size());
  }
  return state;
}

void LimitRules::onSample(State& state, PatientFacts& patient, const Sample& sample, Outputs& out) const {
  for (std::size_t rule_index : rulesOn(sample.metric)) {
    const auto& metrics = protocol_.rules[rule_index].metrics;
    for (std::size_t slot = 0; slot < metrics.size(); ++slot) {
      if (metrics[slot] == sample.metric) evaluateRule(state, patient, rule_index, slot, sample, out);
    }
  }
}

void LimitRules::onDoseRate(State& state, PatientFacts& patient, double mg_per_kg_per_h, TimePoint time,
                            Outputs& out) const {
  onSample(state, patient, Sample{Metric::DoseRateMgPerKgPerH, 0, mg_per_kg_per_h, "mg/kg/h", false, time}, out);
  if (patient.dose.weightKg() > 0) {
    onSample(state, patient,
             Sample{Metric::DoseRateMgPerH, 0, mg_per_kg_per_h * patient.dose.weightKg(), "mg/h", false, time}, out);
  }
}

Duration LimitRules::continuousGapLimit() const {
  return protocol_.technical ? protocol_.technical->max_sample_gap : kNever;
}

void LimitRules::evaluateRule(State& state, PatientFacts& patient, std::size_t rule_index, std::size_t slot,
                              const Sample& sample, Outputs& out) const {
  const Rule& rule = protocol_.rules[rule_index];
  auto& rule_state = state.rules[rule_index];
  const auto thresholds = thresholdsFor(rule, patient.baseline.baseline(sample.metric));
  if (!thresholds) return;
  auto& condition = rule_state.per_metric[2 * slot + (sample.episodic ? 1 : 0)];
  const int side = sideCrossed(rule, *thresholds, sample.value);
  if (side == 0) {
    // A valid value inside the limit, from either kind of source, resets both. A condition
    // not violating is already as good as reset (everything else in it is rewritten when it
    // starts): only a violating one is touched, so a normal sample costs no string work.
    for (auto* reset : {&rule_state.per_metric[2 * slot], &rule_state.per_metric[2 * slot + 1]}) {
      if (reset->violating) *reset = {};
    }
    if (!anyViolating(rule_state)) patient.board.clear(rule.id, sample.time, out.alarms);
    return;
  }
  // Missing data is not persistence: after a gap longer than the source's staleness limit
  // the condition starts again from this sample.
  const Duration gap_limit = sample.episodic ? patient.vitals.episodic_gap_limit : continuousGapLimit();
  if (condition.violating && sample.time - condition.last > gap_limit) condition = {};
  if (!condition.violating) {
    condition.violating = true;
    condition.since = sample.time;
    condition.readings = 0;
  }
  ++condition.readings;
  condition.last = sample.time;
  noteTrigger(condition.trigger, rule, *thresholds, side, sample);
  if (patient.board.conditionPresent(rule.id)) return;
  const bool persisted = sample.episodic ? condition.readings >= std::max(1u, rule.consecutive_readings)
                                         : sample.time - condition.since >= rule.delay;
  if (persisted) raiseRule(patient, rule_index, sample.time, condition.since, condition.trigger, out);
}

void LimitRules::raiseRule(PatientFacts& patient, std::size_t rule_index, TimePoint time, TimePoint onset,
                           Trigger trigger, Outputs& out) const {
  const Rule& rule = protocol_.rules[rule_index];
  patient.raise(rule.id, levelOf(rule), rule.kind, rule.dose_attributable, time, onset, std::move(trigger), out);
}

// A continuous condition's delay ran out between samples: it alarms at that moment if the
// data behind it is still current (sample and hold, no longer than the staleness limit).
void LimitRules::deadlines(State& state, PatientFacts& patient, deadlines::DeadlineVisit& visit) const {
  for (std::size_t r = 0; r < state.rules.size(); ++r) {
    const Rule& rule = protocol_.rules[r];
    auto& per_metric = state.rules[r].per_metric;
    bool raised = false;
    for (std::size_t c = 0; c < per_metric.size() && !raised; c += 2) {
      auto& condition = per_metric[c];
      // The cheap test first (this runs after every input): most conditions are not
      // violating. An alarm that is on has no delay left to run.
      if (!condition.violating || patient.board.conditionPresent(rule.id)) continue;
      visit.at(condition.since + rule.delay, [&](TimePoint due, Outputs& out) {
        if (due - condition.last > continuousGapLimit()) {
          condition = {};  // the data stopped: nothing is known about the condition any more
          return;
        }
        raiseRule(patient, r, due, condition.since, condition.trigger, out);
        raised = true;  // one alarm per rule
      });
    }
  }
}

bool LimitRules::insideAll(const PatientFacts& patient, Metric metric, double value) const {
  for (std::size_t r : rulesOn(metric)) {
    const auto thresholds = thresholdsFor(protocol_.rules[r], patient.baseline.baseline(metric));
    if (thresholds && sideCrossed(protocol_.rules[r], *thresholds, value) != 0) return false;
  }
  return true;
}

}  // namespace vigil::core::engine_detail
