// The limit rules (CLINICAL.md section 3, rows 1-14, 18, 19): thresholds, persistence by
// time or by readings, never across a gap in the data.
#include "alarms/core/engine.h"

#include "alarms/core/engine_internal.h"

namespace vigil::core {
using namespace engine_detail;

namespace {

bool anyViolating(const RuleState& state) {
  return std::any_of(state.per_metric.begin(), state.per_metric.end(),
                     [](const MetricCondition& condition) { return condition.violating; });
}

ConditionLevel levelOf(const Rule& rule) { return {rule.title, rule.priority, rule.advice, rule.latching}; }

}  // namespace

void Engine::evaluate(Patient& p, const Sample& sample, Outputs& out) {
  for (std::size_t rule_index : rules_by_metric_.at(static_cast<std::size_t>(sample.metric))) {
    const auto& metrics = protocol_.rules[rule_index].metrics;
    for (std::size_t slot = 0; slot < metrics.size(); ++slot) {
      if (metrics[slot] == sample.metric) evaluateRule(p, rule_index, slot, sample, out);
    }
  }
}

void Engine::evaluateRule(Patient& p, std::size_t rule_index, std::size_t slot, const Sample& sample, Outputs& out) {
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
    if (!anyViolating(state)) p.board.clear(rule.id, sample.time, out.alarms);
    return;
  }
  // Missing data is not persistence: after a gap longer than the source's staleness limit
  // the condition starts again from this sample.
  const Duration gap_limit =
      sample.episodic ? p.episodic_gap_limit : (protocol_.technical ? protocol_.technical->max_sample_gap : kNever);
  if (condition.violating && sample.time - condition.last > gap_limit) condition = {};
  if (!condition.violating) {
    condition.violating = true;
    condition.since = sample.time;
    condition.readings = 0;
  }
  ++condition.readings;
  condition.last = sample.time;
  auto& trigger = condition.trigger;
  trigger.code = sample.code;
  trigger.metric = std::string(metricName(sample.metric));
  trigger.value = sample.value;
  trigger.unit = sample.unit.empty() ? std::string(metricUnit(sample.metric)) : std::string(sample.unit);
  trigger.limit = limitText(rule, *thresholds, side < 0);
  trigger.limit_value = side < 0 ? *thresholds->low : *thresholds->high;
  trigger.baseline = thresholds->baseline;
  trigger.provisional_baseline = thresholds->provisional;
  if (p.board.conditionPresent(rule.id)) return;
  const bool persisted = sample.episodic ? condition.readings >= std::max(1u, rule.consecutive_readings)
                                         : sample.time - condition.since >= rule.delay;
  if (persisted) raiseRule(p, rule_index, sample.time, condition.since, condition.trigger, out);
}

void Engine::raiseRule(Patient& p, std::size_t rule_index, TimePoint time, TimePoint onset, Trigger trigger,
                       Outputs& out) {
  const Rule& rule = protocol_.rules[rule_index];
  raiseCondition(p, rule.id, levelOf(rule), rule.kind, rule.dose_attributable, time, onset, std::move(trigger), out);
}

// A continuous condition's delay ran out between samples: it alarms at that moment if the
// data behind it is still current (sample and hold, no longer than the staleness limit).
void Engine::runRuleDelays(Patient& p, TimePoint due, Outputs& out) {
  const Duration gap_limit = protocol_.technical ? protocol_.technical->max_sample_gap : kNever;
  for (std::size_t r = 0; r < p.rules.size(); ++r) {
    const Rule& rule = protocol_.rules[r];
    if (p.board.conditionPresent(rule.id)) continue;
    for (std::size_t c = 0; c < p.rules[r].per_metric.size(); c += 2) {
      auto& condition = p.rules[r].per_metric[c];
      if (!condition.violating || condition.since + rule.delay > due) continue;
      if (due - condition.last > gap_limit) {
        condition = {};  // the data stopped: nothing is known about the condition any more
        continue;
      }
      raiseRule(p, r, due, condition.since, condition.trigger, out);
      break;
    }
  }
}

}  // namespace vigil::core
