// Nurse entries (rows 15-17).
#include "alarms/core/entry_rules.h"

#include <algorithm>

namespace vigil::core::engine_detail {

EntryRules::State EntryRules::saved(const State& state) const {
  State saved = state;
  saved.rules.resize(protocol_.event_rules.size());
  return saved;
}

EntryRules::State EntryRules::restored(const State& saved) const {
  const bool untouched = std::all_of(saved.rules.begin(), saved.rules.end(),
                                     [](const RuleState& rule) { return rule.entries.empty() && !rule.hold_until; });
  return untouched ? State{} : saved;
}

void EntryRules::onEvent(State& state, PatientFacts& patient, const ClinicalEvent& event, Outputs& out) const {
  for (std::size_t r = 0; r < protocol_.event_rules.size(); ++r) {
    const auto& kinds = protocol_.event_rules[r].kinds;
    if (std::find(kinds.begin(), kinds.end(), event.kind) != kinds.end()) {
      state.rules.resize(protocol_.event_rules.size());
      applyRule(state.rules[r], patient, protocol_.event_rules[r], event, out);
    }
  }
}

// RASS is a state: the latest assessment decides, so an entry outside the range ends it.
void EntryRules::applySedation(PatientFacts& patient, const EventRule& rule, const ClinicalEvent& event,
                               Outputs& out) const {
  if (event.rass_score < rule.rass_min || event.rass_score > rule.rass_max) {
    patient.board.clear(rule.id, event.time, out.alarms);
    return;
  }
  Trigger trigger;
  trigger.metric = "RASS";
  trigger.value = event.rass_score;
  trigger.limit = "RASS " + std::to_string(rule.rass_min) + " to " + std::to_string(rule.rass_max);
  patient.raise(rule.id, rule.level, AlarmKind::Physiological, rule.dose_attributable, event.time, event.time,
                std::move(trigger), out);
}

// A report counts within the rule's window; enough of them alarm, held for the rule's hold.
void EntryRules::applyRule(RuleState& state, PatientFacts& patient, const EventRule& rule, const ClinicalEvent& event,
                           Outputs& out) const {
  if (rule.isSedation()) {
    applySedation(patient, rule, event, out);
    return;
  }
  // A report without a severity is at least a mild one.
  const Severity severity = event.severity == Severity::Unspecified ? Severity::Mild : event.severity;
  if (rule.severity != Severity::Unspecified && rule.severity != severity) return;
  state.entries.push_back(event.time);
  // Few entries stay within a window: erasing the oldest from the front is cheap.
  auto first_kept = state.entries.begin();
  while (state.entries.end() - first_kept > 1 && (rule.count <= 1 || *first_kept < event.time - rule.within)) {
    ++first_kept;
  }
  state.entries.erase(state.entries.begin(), first_kept);
  if (state.entries.size() < rule.count) return;
  Trigger trigger;
  trigger.metric = "ENTRIES";
  trigger.value = static_cast<double>(state.entries.size());
  trigger.limit =
      rule.count <= 1 ? "reported" : ">= " + std::to_string(rule.count) + " within " + minutesText(rule.within);
  trigger.limit_value = rule.count;
  patient.raise(rule.id, rule.level, AlarmKind::Physiological, rule.dose_attributable, event.time,
                state.entries.front(), std::move(trigger), out, /*fresh_occurrence=*/true);
  state.hold_until = event.time + rule.hold;
}

void EntryRules::deadlines(State& state, PatientFacts& patient, deadlines::DeadlineVisit& visit) const {
  for (std::size_t r = 0; r < state.rules.size(); ++r) {
    auto& hold = state.rules[r].hold_until;
    visit.at(hold, [&, r](TimePoint due, Outputs& out) {
      hold.reset();
      patient.board.expire(protocol_.event_rules[r].id, due, out.alarms);
    });
  }
}

}  // namespace vigil::core::engine_detail
