// The limit rules (CLINICAL.md section 3, rows 1-14, 18, 19): thresholds, persistence by
// time or by readings, never across a gap in the data.
#include "alarms/core/limit_rules.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace vigil::core::engine_detail {
namespace {

using Violations = std::vector<LimitRules::Violation>;

bool before(const LimitRules::Violation& v, std::pair<std::size_t, std::size_t> key) {
  return std::pair<std::size_t, std::size_t>(v.rule, v.condition) < key;
}

bool anyViolating(const Violations& violating, std::size_t rule) {
  return std::any_of(violating.begin(), violating.end(), [&](const auto& v) { return v.rule == rule; });
}

// The rule's condition, added (not violating) when it was inside its limit until now.
LimitRules::MetricCondition& conditionOf(Violations& violating, std::size_t rule, std::size_t condition) {
  const auto key = std::pair(rule, condition);
  auto at = std::lower_bound(violating.begin(), violating.end(), key, before);
  if (at == violating.end() || at->rule != rule || at->condition != condition) {
    at = violating.insert(at, {static_cast<std::uint32_t>(rule), static_cast<std::uint32_t>(condition), {}});
  }
  return at->state;
}

// The conditions back inside their limit are forgotten.
void dropEnded(Violations& violating) {
  std::erase_if(violating, [](const auto& v) { return !v.state.violating; });
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

LimitRules::Saved LimitRules::saved(const State& state) const {
  Saved saved;
  saved.rules.resize(protocol_.rules.size());
  for (std::size_t r = 0; r < protocol_.rules.size(); ++r) {
    saved.rules[r].per_metric.resize(2 * protocol_.rules[r].metrics.size());
  }
  for (const auto& v : state.violating) saved.rules[v.rule].per_metric[v.condition] = v.state;
  return saved;
}

LimitRules::State LimitRules::restored(const Saved& saved) const {
  State state;
  for (std::size_t r = 0; r < saved.rules.size(); ++r) {
    const auto& per_metric = saved.rules[r].per_metric;
    for (std::size_t c = 0; c < per_metric.size(); ++c) {
      if (per_metric[c].violating) {
        state.violating.push_back({static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(c), per_metric[c]});
      }
    }
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
  const auto thresholds = thresholdsFor(rule, patient.baseline.baseline(sample.metric));
  if (!thresholds) return;
  const int side = sideCrossed(rule, *thresholds, sample.value);
  if (side == 0) {
    // A valid value inside the limit, from either kind of source, resets both: they are
    // forgotten (a normal sample of a patient within every limit finds nothing to forget).
    std::erase_if(state.violating, [&](const Violation& v) { return v.rule == rule_index && v.condition / 2 == slot; });
    if (!anyViolating(state.violating, rule_index)) patient.board.clear(rule.id, sample.time, out.alarms);
    return;
  }
  auto& condition = conditionOf(state.violating, rule_index, 2 * slot + (sample.episodic ? 1 : 0));
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
  std::optional<std::size_t> raised_rule;  // one alarm per rule
  bool data_stopped = false;
  for (auto& v : state.violating) {
    // Episodic conditions count readings, not a delay. An alarm that is on has no delay left to run.
    if (v.condition % 2 != 0 || raised_rule == v.rule) continue;
    const Rule& rule = protocol_.rules[v.rule];
    auto& condition = v.state;
    if (!condition.violating || patient.board.conditionPresent(rule.id)) continue;
    visit.at(condition.since + rule.delay, [&](TimePoint due, Outputs& out) {
      if (due - condition.last > continuousGapLimit()) {
        condition = {};  // the data stopped: nothing is known about the condition any more
        data_stopped = true;
        return;
      }
      raiseRule(patient, v.rule, due, condition.since, condition.trigger, out);
      raised_rule = v.rule;
    });
  }
  if (data_stopped) dropEnded(state.violating);
}

bool LimitRules::insideAll(const PatientFacts& patient, Metric metric, double value) const {
  for (std::size_t r : rulesOn(metric)) {
    const auto thresholds = thresholdsFor(protocol_.rules[r], patient.baseline.baseline(metric));
    if (thresholds && sideCrossed(protocol_.rules[r], *thresholds, value) != 0) return false;
  }
  return true;
}

}  // namespace vigil::core::engine_detail
