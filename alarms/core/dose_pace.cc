// The session dose (row 20) and the titration pace (row 21).
#include "alarms/core/dose_pace.h"

namespace vigil::core::engine_detail {

DoseAndPace::State DoseAndPace::newState() const {
  return State{DeliveredDose(protocol_.session_dose ? protocol_.session_dose->window : Duration{0}), false, {}, {}};
}

void DoseAndPace::onPump(State& state, PatientFacts& patient, const PumpStatus& status,
                         const std::optional<RateIncrease>& previous, Outputs& out) const {
  double mg_per_h = patient.dose.rate() * patient.dose.weightKg();
  if (status.state == PumpState::Running && mg_per_h <= 0) {
    mg_per_h = status.rate_ml_per_h * status.concentration_mg_per_ml;  // no weight: the pump's own figures
  }
  state.delivered.setRate(status.time, mg_per_h);
  evaluateSessionDose(state, patient, status.time, out);
  checkTitrationPace(state, patient, previous, status.time, out);
}

void DoseAndPace::evaluateSessionDose(State& state, PatientFacts& patient, TimePoint time, Outputs& out) const {
  state.session_dose_crossing.reset();
  if (!protocol_.session_dose) return;
  const auto& settings = *protocol_.session_dose;
  const double mg = state.delivered.withinWindowEndingAt(time);
  const bool over = mg > settings.max_mg;
  if (over && !state.session_dose_over) {
    Trigger trigger;
    trigger.metric = "SESSION_DOSE_MG";
    trigger.unit = "mg";
    trigger.value = mg;
    trigger.limit = "> " + number(settings.max_mg) + " mg within " + minutesText(settings.window);
    trigger.limit_value = settings.max_mg;
    patient.raise(settings.id, settings.level, settings.kind, false, time, time, std::move(trigger), out);
  } else if (!over && state.session_dose_over) {
    patient.board.clear(settings.id, time, out.alarms);
  }
  state.session_dose_over = over;
  state.session_dose_crossing = state.delivered.nextCrossing(time, settings.max_mg, !over);
}

void DoseAndPace::checkTitrationPace(State& state, PatientFacts& patient, const std::optional<RateIncrease>& previous,
                                     TimePoint time, Outputs& out) const {
  if (!protocol_.titration_pace || !previous) return;
  const auto current = patient.dose.lastIncrease();
  if (!current || current->time != time || previous->time == time) return;  // no increase now
  const auto& settings = *protocol_.titration_pace;
  const Duration since = time - previous->time;
  if (since >= settings.min_interval) return;
  Trigger trigger;
  trigger.metric = "MINUTES_SINCE_PREVIOUS_INCREASE";
  trigger.unit = "min";
  trigger.value = minutesBetween(previous->time, time);
  trigger.limit = "< " + minutesText(settings.min_interval);
  trigger.limit_value = std::chrono::duration<double, std::ratio<60>>(settings.min_interval).count();
  patient.raise(settings.id, settings.level, settings.kind, false, time, time, std::move(trigger), out,
                /*fresh_occurrence=*/true);
  state.pace_hold_until = time + settings.hold;
}

void DoseAndPace::deadlines(State& state, PatientFacts& patient, deadlines::DeadlineVisit& visit) const {
  visit.at(state.pace_hold_until, [&](TimePoint due, Outputs& out) {
    state.pace_hold_until.reset();
    patient.board.expire(protocol_.titration_pace->id, due, out.alarms);
  });
  visit.at(state.session_dose_crossing,
           [&](TimePoint due, Outputs& out) { evaluateSessionDose(state, patient, due, out); });
}

}  // namespace vigil::core::engine_detail
