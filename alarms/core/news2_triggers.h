// NEWS2 (CLINICAL.md section 3, row 22): the inputs the score is made of, the score, and
// the protocol's triggers on it. The scoring itself is news2.h.
#pragma once

#include "alarms/core/deadlines.h"
#include "alarms/core/engine_patient.h"
#include "alarms/core/news2_inputs.h"

namespace vigil::core::engine_detail {

class News2Triggers {
 public:
  struct State {
    News2Inputs inputs;
    News2 score;
    bool band_changed = false;  // publish the status now, not at the next interval
  };

  explicit News2Triggers(const Protocol& protocol) : protocol_(protocol) {}
  State newState() const { return {}; }

  // Inputs. noteSample and noteEntry say whether they changed an input of the score (the
  // engine then rescores, and counts it); onScore is a score given from outside.
  bool noteSample(State& state, const Sample& sample) const;
  bool noteEntry(State& state, const ClinicalEvent& event) const;
  void rescore(State& state, PatientFacts& patient, TimePoint time, Outputs& out) const;
  void onScore(State& state, PatientFacts& patient, const News2& score, TimePoint time, Outputs& out) const;
  // NEWS2 has no deadline of its own: it changes only when an input does.
  void deadlines(State&, PatientFacts&, deadlines::DeadlineVisit&) const {}

 private:
  void checkAggregate(PatientFacts& patient, const News2& score, TimePoint time, Outputs& out) const;
  void checkSingleThree(PatientFacts& patient, const News2& score, TimePoint time, Outputs& out) const;

  const Protocol& protocol_;
};

}  // namespace vigil::core::engine_detail
