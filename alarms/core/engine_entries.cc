// Nurse entries (rows 15-17), the session dose (20), the titration pace (21) and the
// NEWS2 triggers (22).
#include "alarms/core/engine.h"

#include "alarms/core/engine_internal.h"
#include "alarms/core/news2.h"

namespace vigil::core {
using namespace engine_detail;

void Engine::applyEventRule(Patient& p, std::size_t rule_index, const ClinicalEvent& event, Outputs& out) {
  const EventRule& rule = protocol_.event_rules[rule_index];
  auto& state = p.events[rule_index];
  Trigger trigger;
  if (rule.isSedation()) {
    // RASS is a state: the latest assessment decides, so an entry outside the range ends it.
    trigger.metric = "RASS";
    trigger.value = event.rass_score;
    trigger.limit = "RASS " + std::to_string(rule.rass_min) + " to " + std::to_string(rule.rass_max);
    if (event.rass_score < rule.rass_min || event.rass_score > rule.rass_max) {
      p.board.clear(rule.id, event.time, out.alarms);
      return;
    }
    raiseCondition(p, rule.id, rule.level, AlarmKind::Physiological, rule.dose_attributable, event.time, event.time,
                   std::move(trigger), out);
    return;
  }
  // A report without a severity is at least a mild one.
  const Severity severity = event.severity == Severity::Unspecified ? Severity::Mild : event.severity;
  if (rule.severity != Severity::Unspecified && rule.severity != severity) return;
  state.entries.push_back(event.time);
  while (state.entries.size() > 1 && (rule.count <= 1 || state.entries.front() < event.time - rule.within)) {
    state.entries.pop_front();
  }
  if (state.entries.size() < rule.count) return;
  trigger.metric = "ENTRIES";
  trigger.value = static_cast<double>(state.entries.size());
  trigger.limit = rule.count <= 1 ? "reported" : ">= " + std::to_string(rule.count) + " within " + minutesText(rule.within);
  trigger.limit_value = rule.count;
  raiseCondition(p, rule.id, rule.level, AlarmKind::Physiological, rule.dose_attributable, event.time,
                 state.entries.front(), std::move(trigger), out, /*fresh_occurrence=*/true);
  state.hold_until = event.time + rule.hold;
}

void Engine::evaluateSessionDose(Patient& p, TimePoint time, Outputs& out) {
  p.session_dose_crossing.reset();
  if (!protocol_.session_dose) return;
  const auto& settings = *protocol_.session_dose;
  const double mg = p.delivered.withinWindowEndingAt(time);
  const bool over = mg > settings.max_mg;
  if (over && !p.session_dose_over) {
    Trigger trigger;
    trigger.metric = "SESSION_DOSE_MG";
    trigger.unit = "mg";
    trigger.value = mg;
    trigger.limit = "> " + number(settings.max_mg) + " mg within " + minutesText(settings.window);
    trigger.limit_value = settings.max_mg;
    raiseCondition(p, settings.id, settings.level, settings.kind, false, time, time, std::move(trigger), out);
  } else if (!over && p.session_dose_over) {
    p.board.clear(settings.id, time, out.alarms);
  }
  p.session_dose_over = over;
  p.session_dose_crossing = p.delivered.nextCrossing(time, settings.max_mg, !over);
}

void Engine::checkTitrationPace(Patient& p, const std::optional<RateIncrease>& previous, TimePoint time,
                                Outputs& out) {
  if (!protocol_.titration_pace || !previous) return;
  const auto current = p.dose.lastIncrease();
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
  raiseCondition(p, settings.id, settings.level, settings.kind, false, time, time, std::move(trigger), out,
                 /*fresh_occurrence=*/true);
  p.pace_hold_until = time + settings.hold;
}

void Engine::rescoreNews2(Patient& p, TimePoint time, Outputs& out) {
  ++counters_.news2_scores;
  evaluateNews2(p, computeNews2(p.news2_inputs, protocol_.news2_chart), time, out);
}

void Engine::evaluateNews2(Patient& p, const News2& score, TimePoint time, Outputs& out) {
  const bool band_changed = score.band != p.news2.band;
  p.news2 = score;
  // An unknown score says nothing: it neither raises nor ends a NEWS2 alarm.
  if (protocol_.news2_triggers && score.band != News2Band::Unknown) {
    const auto& settings = *protocol_.news2_triggers;
    const News2Level* reached = nullptr;
    for (const auto& level : settings.aggregate) {
      if (score.total >= level.total_at_least) reached = &level;
    }
    Trigger trigger;
    trigger.metric = "NEWS2";
    trigger.value = score.total;
    if (reached) {
      trigger.limit = ">= " + std::to_string(reached->total_at_least);
      trigger.limit_value = reached->total_at_least;
      raiseCondition(p, std::string(kNews2Aggregate), reached->level, AlarmKind::Physiological, true, time, time,
                     trigger, out);
    } else {
      p.board.clear(kNews2Aggregate, time, out.alarms);
    }
    if (settings.single_three.priority != Priority::None) {
      if (score.any_single_three) {
        trigger.limit = "a single parameter scores 3";
        trigger.limit_value = 3;
        raiseCondition(p, std::string(kNews2SingleThree), settings.single_three, AlarmKind::Physiological, true, time,
                       time, trigger, out);
      } else {
        p.board.clear(kNews2SingleThree, time, out.alarms);
      }
    }
  }
  // The band-change hook: stations see a new band at once, not at the next status tick.
  if (band_changed) p.news2_band_changed = true;
}

}  // namespace vigil::core
