// The technical watch (CLINICAL.md section 5): monitoring lost while the infusion runs (and
// its escalation), a pump whose status went stale, a sensor without a valid value, and
// gaps in a source's sequence numbers.
#pragma once

#include <array>
#include <map>
#include <string>

#include "alarms/core/deadlines.h"
#include "alarms/core/engine_patient.h"
#include "alarms/core/limit_rules.h"

namespace vigil::core::engine_detail {

class TechnicalWatch {
 public:
  struct State {
    std::optional<TimePoint> running_since;  // the infusion's latest start
    int lost_level = 0;                      // monitoring lost: 0 no, 1 raised, 2 escalated
    std::optional<TimePoint> last_pump;
    bool pump_stale = false;
    std::array<std::optional<TimePoint>, kMetricCount> unusable_since;  // sensor off & co.
    std::map<std::string, TimePoint> gap_holds;                         // sequence-gap condition -> hold until
  };

  TechnicalWatch(const Protocol& protocol, const LimitRules& rules);

  // Inputs. onFrame comes after the patient's VitalsTiming noted the frame.
  void onFrame(State& state, PatientFacts& patient, bool watched, TimePoint time, Outputs& out) const;
  void onMeasurement(State& state, PatientFacts& patient, Metric metric, Quality quality, TimePoint time,
                     Outputs& out) const;
  void onPump(State& state, PatientFacts& patient, bool started, TimePoint time, Outputs& out) const;
  void onGap(State& state, PatientFacts& patient, const SequenceGap& gap, Outputs& out) const;
  // Monitoring lost and its escalation, pump stale, sensor off, the end of a gap's hold.
  void deadlines(State& state, PatientFacts& patient, deadlines::DeadlineVisit& visit) const;

 private:
  std::optional<TimePoint> monitoringReference(const State& state, const PatientFacts& patient) const;
  Duration lostLimit(const PatientFacts& patient, int level) const;
  void monitoringDeadlines(State& state, PatientFacts& patient, deadlines::DeadlineVisit& visit) const;
  void raiseMonitoringLost(State& state, PatientFacts& patient, int level, TimePoint time, Outputs& out) const;
  void raisePumpStale(State& state, PatientFacts& patient, TimePoint time, Outputs& out) const;
  void raiseSensorOff(const State& state, PatientFacts& patient, Metric metric, TimePoint time, Outputs& out) const;
  void endMonitoringLost(State& state, PatientFacts& patient, TimePoint time, Outputs& out) const;

  const Protocol& protocol_;
  // How long a metric may go without a valid value: the shortest delay of the rules on it,
  // else the protocol's sensor-off time; kNever for a metric no rule uses.
  std::array<Duration, kMetricCount> sensor_off_delay_;
};

}  // namespace vigil::core::engine_detail
