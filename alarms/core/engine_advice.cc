// The one current advice per patient, RESUME_POSSIBLE, and the patient status.
#include "alarms/core/engine.h"

#include <cmath>

#include "alarms/core/engine_internal.h"

namespace vigil::core {
using namespace engine_detail;

namespace {

// The advice ladder decides; among equals the more urgent alarm, then the older one.
bool drivesBefore(const AlarmEvent& a, const AlarmEvent& b) {
  if (a.advice.action != b.advice.action) return a.advice.action > b.advice.action;
  if (a.priority != b.priority) return a.priority > b.priority;
  if (a.start_time != b.start_time) return a.start_time < b.start_time;
  return a.condition < b.condition;
}

bool sameAdvice(const AdviceEvent& a, const AdviceEvent& b) {
  return a.advice.action == b.advice.action && a.advice.target_rate_mg_per_kg_per_h == b.advice.target_rate_mg_per_kg_per_h &&
         a.advice.target_rate_ml_per_h == b.advice.target_rate_ml_per_h && a.advice.reason == b.advice.reason &&
         a.condition == b.condition && a.alert_id == b.alert_id;
}

}  // namespace

Advice Engine::adviceFor(AdviceAction action, const DoseContext& dose, const DoseTracker& tracker,
                         const std::string& title) const {
  Advice advice{action, 0.0, 0.0, title};
  if (action == AdviceAction::None) return advice;
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

void Engine::raiseCondition(Patient& p, std::string condition, const ConditionLevel& level, AlarmKind kind,
                            bool dose_attributable, TimePoint time, TimePoint onset, Trigger trigger, Outputs& out,
                            bool fresh_occurrence) {
  Raise raise;
  raise.condition = std::move(condition);
  raise.level = level;
  raise.kind = kind;
  raise.trigger = std::move(trigger);
  raise.dose = p.dose.contextAt(time, std::min(onset, time));
  if (!dose_attributable) {
    raise.dose.likely_dose_related = false;
    raise.dose.attribution = "not a dose-attributable condition";
  }
  raise.advice = adviceFor(level.advice, raise.dose, p.dose, level.title);
  raise.fresh_occurrence = fresh_occurrence;
  raise.event_like = fresh_occurrence;  // only event-like conditions occur afresh
  p.board.raise(std::move(raise), time, out.alarms);
}

// Resume needs every vital inside all its limits, and the chosen ones near baseline,
// without a gap in the data.
void Engine::noteStability(Patient& p, const Sample& sample) {
  if (!protocol_.resume || !isVital(sample.metric)) return;
  auto& st = p.advice;
  const Duration gap_limit = protocol_.technical ? staleLimit(p) : kNever;
  if (st.last_vital && sample.time - *st.last_vital > gap_limit) st.stable_since.reset();
  st.last_vital = std::max(st.last_vital.value_or(sample.time), sample.time);
  bool inside = true;
  for (std::size_t r : rules_by_metric_.at(static_cast<std::size_t>(sample.metric))) {
    const auto thresholds = thresholdsFor(protocol_.rules[r], p.baseline.baseline(sample.metric));
    if (thresholds && sideCrossed(protocol_.rules[r], *thresholds, sample.value) != 0) inside = false;
  }
  const auto& chosen = protocol_.resume->baseline_metrics;
  const bool near_baseline_needed =
      chosen.empty() || std::find(chosen.begin(), chosen.end(), sample.metric) != chosen.end();
  if (const auto baseline = p.baseline.baseline(sample.metric); baseline && near_baseline_needed && baseline->value != 0) {
    if (std::abs(sample.value - baseline->value) > protocol_.resume->baseline_fraction * std::abs(baseline->value)) {
      inside = false;
    }
  }
  if (!inside) {
    st.stable_since.reset();
    st.last_unstable = sample.time;
  } else if (!st.stable_since && (!st.last_unstable || sample.time > *st.last_unstable)) {
    st.stable_since = sample.time;
  }
}

// Where a later RESUME_POSSIBLE will point: REDUCE's own target, else the rate before the
// last increase; with no lower rate ever given, the rate it ran at (and the advice says so).
void Engine::rememberResumeTarget(Patient& p, const Advice& driving) {
  auto& st = p.advice;
  st.resume_pending = true;
  if (p.dose.rate() <= 0) return;  // already paused: keep what was known while it ran
  const auto increase = p.dose.lastIncrease();
  const double before = driving.target_rate_mg_per_kg_per_h > 0                ? driving.target_rate_mg_per_kg_per_h
                        : increase && increase->from_mg_per_kg_per_h > 0 ? increase->from_mg_per_kg_per_h
                                                                         : 0.0;
  st.resume_target = before > 0 ? before : p.dose.rate();
  st.resume_target_is_last_rate = before <= 0;
}

// No alarm drives the advice any more after PAUSE or REDUCE: HOLD until the vitals have been
// stable long enough, then RESUME_POSSIBLE.
Advice Engine::adviceAfterResolution(Patient& p, TimePoint time) {
  auto& st = p.advice;
  const auto& resume = *protocol_.resume;
  if (!st.resolved_at) st.resolved_at = time;
  const bool fresh = st.last_vital && (!protocol_.technical || time - *st.last_vital <= staleLimit(p));
  if (st.stable_since && !fresh) st.stable_since.reset();  // a gap in the data is not stability
  const bool stable = st.stable_since && std::max(*st.stable_since, *st.resolved_at) + resume.stable <= time;
  Advice advice;
  if (!stable || st.resume_target <= 0) {
    advice.action = AdviceAction::Hold;
    advice.reason = "conditions resolved: keep the rate until the vital signs have been stable for " +
                    minutesText(resume.stable);
    return advice;
  }
  advice.action = AdviceAction::ResumePossible;
  advice.target_rate_mg_per_kg_per_h = st.resume_target;
  advice.target_rate_ml_per_h = p.dose.mlPerHour(st.resume_target);
  advice.reason = "vital signs inside their limits and within " + number(resume.baseline_fraction * 100) +
                  " % of baseline for " + minutesText(resume.stable) + ": the infusion may resume at " +
                  number(st.resume_target) + " mg/kg/h";
  advice.reason += st.resume_target_is_last_rate ? " (no lower rate was given before: review first)"
                                                 : " (the rate before the last increase)";
  return advice;
}

void Engine::updateAdvice(Patient& p, TimePoint time, Outputs& out) {
  auto& st = p.advice;
  const AlarmEvent* driver = nullptr;
  for (const AlarmEvent* alarm : p.board.all()) {
    if (alarm->advice.action == AdviceAction::None) continue;
    if (!driver || drivesBefore(*alarm, *driver)) driver = alarm;
  }
  AdviceEvent next;
  if (driver) {
    next.advice = driver->advice;
    next.condition = driver->condition;
    next.alert_id = driver->alert_id;
    next.trigger = driver->trigger;
    st.resolved_at.reset();
    const auto action = driver->advice.action;
    if (protocol_.resume && (action == AdviceAction::Pause || action == AdviceAction::Reduce)) {
      rememberResumeTarget(p, driver->advice);
    }
  } else if (st.resume_pending && protocol_.resume) {
    next.advice = adviceAfterResolution(p, time);
  }
  if (sameAdvice(next, st.last)) return;
  next.patient_id = p.id;
  next.unit = p.unit;
  next.event_time = time;
  next.previous_action = st.last.advice.action;
  next.dose = p.dose.contextAt(time);
  // Stable ids: one advice per patient and millisecond, numbered if several share one.
  const std::int64_t ms = toMillis(time);
  st.same_ms = ms == st.last_id_ms && !st.last.advice_id.empty() ? st.same_ms + 1 : 0;
  st.last_id_ms = ms;
  next.advice_id = p.id + "/advice/" + std::to_string(ms) + (st.same_ms > 0 ? "-" + std::to_string(st.same_ms) : "");
  st.last = next;
  out.advice.push_back(std::move(next));
}

void Engine::publishStatus(Patient& p, TimePoint time, Outputs& out, bool force) {
  force = force || p.news2_band_changed;
  p.news2_band_changed = false;
  if (p.status && !force && (time < p.status->event_time || time - p.status->event_time < protocol_.status_interval)) {
    return;
  }
  PatientStatus status;
  status.patient_id = p.id;
  status.unit = p.unit;
  status.event_time = time;
  for (const auto& latest : p.latest) {
    if (latest) status.latest.push_back(*latest);
  }
  // Scored on every change of its inputs (news2.h); Unknown until RR, SpO2, SBP and pulse
  // are all known.
  status.news2 = p.news2;
  for (int m = 1; m < kMetricCount; ++m) {
    const auto metric = static_cast<Metric>(m);
    if (!isVital(metric)) continue;
    if (const auto baseline = p.baseline.baseline(metric)) {
      status.baselines.push_back({std::string(metricName(metric)), baseline->value, baseline->provisional});
    }
  }
  status.dose = p.dose.contextAt(time);
  status.advice = p.advice.last.advice;
  status.active_alarms = p.board.size();
  p.status = status;
  out.statuses.push_back(std::move(status));
}

}  // namespace vigil::core
