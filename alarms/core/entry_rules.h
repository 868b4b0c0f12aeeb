// The nurse-entry rules (CLINICAL.md section 3, rows 15-17): sedation by RASS, and reports
// of side effects counted within a window, held for a while after the entry.
#pragma once

#include <vector>

#include "alarms/core/deadlines.h"
#include "alarms/core/engine_patient.h"

namespace vigil::core::engine_detail {

class EntryRules {
 public:
  struct RuleState {
    std::vector<TimePoint> entries;       // that met the rule's kind and severity, within its window
    std::optional<TimePoint> hold_until;  // while the alarm is held
  };
  struct State {
    // By event rule index; empty until the patient's first entry that a rule takes (most
    // patients have none: a std::deque per rule cost 576 bytes even empty).
    std::vector<RuleState> rules;
  };

  explicit EntryRules(const Protocol& protocol) : protocol_(protocol) {}
  State newState() const { return {}; }
  // Snapshots (alarms/snapshot) hold a state per event rule, as they always have.
  State saved(const State& state) const;
  State restored(const State& saved) const;

  // Input: a nurse's entry (not the NEWS2 ones, which the NEWS2 part takes).
  void onEvent(State& state, PatientFacts& patient, const ClinicalEvent& event, Outputs& out) const;
  // The end of an entry alarm's hold.
  void deadlines(State& state, PatientFacts& patient, deadlines::DeadlineVisit& visit) const;

 private:
  void applySedation(PatientFacts& patient, const EventRule& rule, const ClinicalEvent& event, Outputs& out) const;
  void applyRule(RuleState& state, PatientFacts& patient, const EventRule& rule, const ClinicalEvent& event,
                 Outputs& out) const;

  const Protocol& protocol_;
};

}  // namespace vigil::core::engine_detail
