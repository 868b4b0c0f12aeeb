// A simulated ward of ketamine patients (DESIGN.md section 5, vigil-gateway): pure and
// deterministic. No sockets, clocks or files: the caller says how far sim time has got
// and receives every message the ward's devices sent up to then, in time order. The same
// config gives the same messages, however the calls to advanceTo are spaced.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "alarms/core/domain.h"
#include "alarms/core/pk.h"
#include "streamer/simulator/patient.h"
#include "streamer/simulator/plan.h"

namespace vigil::streamer::sim {

class Ward {
 public:
  // Plans the patients with planWard(config). Throws std::invalid_argument for a bad config.
  explicit Ward(WardConfig config);
  // Runs given plans instead (tests, scripted demos); config supplies unit-wide settings.
  Ward(WardConfig config, std::vector<PatientPlan> plans);

  // Appends to `out` everything due at sim times <= sim_now not yet delivered, in time
  // order (at one instant: patient by patient; per patient pump, vitals, NIBP). Nothing
  // after endTime().
  void advanceTo(core::TimePoint sim_now, std::vector<Output>& out);
  std::vector<Output> advanceTo(core::TimePoint sim_now);

  const WardConfig& config() const { return config_; }
  const std::vector<PatientPlan>& plans() const { return plans_; }
  // The last instant the ward sends anything: start + baseline + infusion + observation.
  core::TimePoint endTime() const;
  // True once everything up to endTime() has been delivered.
  bool finished() const { return next_second_ > last_second_; }

 private:
  WardConfig config_;
  std::vector<PatientPlan> plans_;
  // On the heap so that its address, which every patient's PK model keeps, survives a move.
  std::unique_ptr<const core::PkCoefficients> pk_;
  std::vector<SimulatedPatient> patients_;
  std::int64_t next_second_ = 0;
  std::int64_t last_second_ = 0;
};

}  // namespace vigil::streamer::sim
