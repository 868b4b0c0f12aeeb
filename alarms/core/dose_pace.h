// Dose and pace (CLINICAL.md section 3, rows 20, 21): the drug delivered within the
// session window, and rate increases that come too soon after the previous one.
#pragma once

#include "alarms/core/deadlines.h"
#include "alarms/core/delivered_dose.h"
#include "alarms/core/engine_patient.h"

namespace vigil::core::engine_detail {

class DoseAndPace {
 public:
  struct State {
    DeliveredDose delivered;
    bool session_dose_over = false;
    std::optional<TimePoint> session_dose_crossing;  // when the window's dose will cross the limit
    std::optional<TimePoint> pace_hold_until;
  };

  explicit DoseAndPace(const Protocol& protocol) : protocol_(protocol) {}
  State newState() const;

  // Input: a pump status, after the patient's DoseTracker applied it. `previous` is the
  // last rate increase before it.
  void onPump(State& state, PatientFacts& patient, const PumpStatus& status,
              const std::optional<RateIncrease>& previous, Outputs& out) const;
  // The end of a pace alarm's hold, and the moment the session dose crosses its limit.
  void deadlines(State& state, PatientFacts& patient, deadlines::DeadlineVisit& visit) const;

 private:
  void evaluateSessionDose(State& state, PatientFacts& patient, TimePoint time, Outputs& out) const;
  void checkTitrationPace(State& state, PatientFacts& patient, const std::optional<RateIncrease>& previous,
                          TimePoint time, Outputs& out) const;

  const Protocol& protocol_;
};

}  // namespace vigil::core::engine_detail
