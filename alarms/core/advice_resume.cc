// The one current advice per patient and RESUME_POSSIBLE.
#include "alarms/core/advice_resume.h"

#include <cmath>

namespace vigil::core::engine_detail {
namespace {

// The advice ladder decides; among equals the more urgent alarm, then the older one.
bool drivesBefore(const AlarmEvent& a, const AlarmEvent& b) {
  if (a.advice.action != b.advice.action) return a.advice.action > b.advice.action;
  if (a.priority != b.priority) return a.priority > b.priority;
  if (a.start_time != b.start_time) return a.start_time < b.start_time;
  return a.condition < b.condition;
}

bool sameAdvice(const AdviceEvent& a, const AdviceEvent& b) {
  return a.advice.action == b.advice.action &&
         a.advice.target_rate_mg_per_kg_per_h == b.advice.target_rate_mg_per_kg_per_h &&
         a.advice.target_rate_ml_per_h == b.advice.target_rate_ml_per_h && a.advice.reason == b.advice.reason &&
         a.condition == b.condition && a.alert_id == b.alert_id;
}

const AlarmEvent* drivingAlarm(const AlarmBoard& board) {
  const AlarmEvent* driver = nullptr;
  for (const AlarmEvent* alarm : board.all()) {
    if (alarm->advice.action == AdviceAction::None) continue;
    if (!driver || drivesBefore(*alarm, *driver)) driver = alarm;
  }
  return driver;
}

}  // namespace

Duration AdviceAndResume::gapLimit(const PatientFacts& patient) const {
  return protocol_.technical ? patient.vitals.staleLimit(*protocol_.technical) : kNever;
}

bool AdviceAndResume::nearBaseline(const PatientFacts& patient, const Sample& sample) const {
  const auto& chosen = protocol_.resume->baseline_metrics;
  const bool needed = chosen.empty() || std::find(chosen.begin(), chosen.end(), sample.metric) != chosen.end();
  const auto baseline = patient.baseline.baseline(sample.metric);
  if (!baseline || !needed || baseline->value == 0) return true;
  return std::abs(sample.value - baseline->value) <= protocol_.resume->baseline_fraction * std::abs(baseline->value);
}

// Resume needs every vital inside all its limits, and the chosen ones near baseline,
// without a gap in the data.
void AdviceAndResume::onSample(State& state, const PatientFacts& patient, const Sample& sample) const {
  if (!protocol_.resume || !isVital(sample.metric)) return;
  if (state.last_vital && sample.time - *state.last_vital > gapLimit(patient)) state.stable_since.reset();
  state.last_vital = std::max(state.last_vital.value_or(sample.time), sample.time);
  const bool inside = rules_.insideAll(patient, sample.metric, sample.value) && nearBaseline(patient, sample);
  if (!inside) {
    state.stable_since.reset();
    state.last_unstable = sample.time;
  } else if (!state.stable_since && (!state.last_unstable || sample.time > *state.last_unstable)) {
    state.stable_since = sample.time;
  }
}

// The rate went up (a resume or a titration step): a standing RESUME has been acted on.
void AdviceAndResume::onPump(State& state, const PatientFacts& patient, const std::optional<RateIncrease>& previous,
                             TimePoint time) const {
  const auto increase = patient.dose.lastIncrease();
  if (increase && increase->time == time && (!previous || previous->time != time)) state.resume_pending = false;
}

// Where a later RESUME_POSSIBLE will point: REDUCE's own target, else the rate before the
// last increase; with no lower rate ever given, the rate it ran at (and the advice says so).
void AdviceAndResume::rememberResumeTarget(State& state, const PatientFacts& patient, const Advice& driving) const {
  state.resume_pending = true;
  if (patient.dose.rate() <= 0) return;  // already paused: keep what was known while it ran
  const auto increase = patient.dose.lastIncrease();
  const double before = driving.target_rate_mg_per_kg_per_h > 0          ? driving.target_rate_mg_per_kg_per_h
                        : increase && increase->from_mg_per_kg_per_h > 0 ? increase->from_mg_per_kg_per_h
                                                                         : 0.0;
  state.resume_target = before > 0 ? before : patient.dose.rate();
  state.resume_target_is_last_rate = before <= 0;
}

// No alarm drives the advice any more after PAUSE or REDUCE: HOLD until the vitals have been
// stable long enough, then RESUME_POSSIBLE.
Advice AdviceAndResume::afterResolution(State& state, const PatientFacts& patient, TimePoint time) const {
  const auto& resume = *protocol_.resume;
  if (!state.resolved_at) state.resolved_at = time;
  const bool fresh = state.last_vital && time - *state.last_vital <= gapLimit(patient);
  if (state.stable_since && !fresh) state.stable_since.reset();  // a gap in the data is not stability
  const bool stable = state.stable_since && std::max(*state.stable_since, *state.resolved_at) + resume.stable <= time;
  if (stable && state.resume_target > 0) return resumePossible(state, patient);
  Advice advice;
  advice.action = AdviceAction::Hold;
  advice.reason =
      "conditions resolved: keep the rate until the vital signs have been stable for " + minutesText(resume.stable);
  return advice;
}

Advice AdviceAndResume::resumePossible(const State& state, const PatientFacts& patient) const {
  const auto& resume = *protocol_.resume;
  Advice advice;
  advice.action = AdviceAction::ResumePossible;
  advice.target_rate_mg_per_kg_per_h = state.resume_target;
  advice.target_rate_ml_per_h = patient.dose.mlPerHour(state.resume_target);
  advice.reason = "vital signs inside their limits and within " + number(resume.baseline_fraction * 100) +
                  " % of baseline for " + minutesText(resume.stable) + ": the infusion may resume at " +
                  number(state.resume_target) + " mg/kg/h";
  advice.reason += state.resume_target_is_last_rate ? " (no lower rate was given before: review first)"
                                                    : " (the rate before the last increase)";
  return advice;
}

void AdviceAndResume::update(State& state, PatientFacts& patient, TimePoint time, Outputs& out) const {
  AdviceEvent next;
  if (const AlarmEvent* driver = drivingAlarm(patient.board)) {
    next.advice = driver->advice;
    next.condition = driver->condition;
    next.alert_id = driver->alert_id;
    next.trigger = driver->trigger;
    state.resolved_at.reset();
    const auto action = driver->advice.action;
    if (protocol_.resume && (action == AdviceAction::Pause || action == AdviceAction::Reduce)) {
      rememberResumeTarget(state, patient, driver->advice);
    }
  } else if (state.resume_pending && protocol_.resume) {
    next.advice = afterResolution(state, patient, time);
  }
  if (!sameAdvice(next, state.last.get())) publish(state, patient, std::move(next), time, out);
}

AdviceAndResume::LastAdvice& AdviceAndResume::LastAdvice::operator=(const LastAdvice& other) {
  if (this != &other) event_ = other.event_ ? std::make_unique<AdviceEvent>(*other.event_) : nullptr;
  return *this;
}

const AdviceEvent& AdviceAndResume::LastAdvice::get() const {
  static const AdviceEvent kNone;
  return event_ ? *event_ : kNone;
}

void AdviceAndResume::LastAdvice::set(AdviceEvent event) {
  if (event_) {
    *event_ = std::move(event);
  } else {
    event_ = std::make_unique<AdviceEvent>(std::move(event));
  }
}

void AdviceAndResume::publish(State& state, const PatientFacts& patient, AdviceEvent next, TimePoint time,
                              Outputs& out) const {
  next.patient_id = patient.id;
  next.unit = patient.unit;
  next.event_time = time;
  next.previous_action = state.last.get().advice.action;
  next.dose = patient.dose.contextAt(time);
  // Stable ids: one advice per patient and millisecond, numbered if several share one.
  const std::int64_t ms = toMillis(time);
  state.same_ms = ms == state.last_id_ms && !state.last.get().advice_id.empty() ? state.same_ms + 1 : 0;
  state.last_id_ms = ms;
  next.advice_id =
      patient.id + "/advice/" + std::to_string(ms) + (state.same_ms > 0 ? "-" + std::to_string(state.same_ms) : "");
  state.last.set(next);
  out.advice.push_back(std::move(next));
}

void AdviceAndResume::deadlines(State& state, PatientFacts& patient, deadlines::DeadlineVisit& visit) const {
  if (!protocol_.resume || !state.resume_pending || !state.resolved_at || !state.stable_since ||
      state.last.get().advice.action == AdviceAction::ResumePossible) {
    return;
  }
  visit.at(std::max(*state.stable_since, *state.resolved_at) + protocol_.resume->stable,
           [&](TimePoint due, Outputs& out) { update(state, patient, due, out); });
}

}  // namespace vigil::core::engine_detail
