// One simulated patient with a monitor and a ketamine pump: the physiology behind the
// numbers (Domino PK -> effect-site concentration -> haemodynamic response), the noise on
// them, the scripted episodes and artifacts, and the devices' messages. Pure: time is the
// second of the session the caller asks for.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "alarms/core/domain.h"
#include "alarms/core/pk.h"
#include "streamer/simulator/plan.h"
#include "streamer/simulator/random.h"

namespace vigil::streamer::sim {

// Everything a simulated device sends.
using Output = std::variant<core::VitalsFrame, core::PumpStatus>;
core::TimePoint timeOf(const Output& output);

// The device settings of the ward, in whole seconds (the simulator's resolution).
struct DeviceCadence {
  std::int64_t infusion_start_s = 300;       // NIBP cycles from here on
  std::int64_t baseline_nibp_every_s = 120;  // before it
  std::int64_t nibp_every_s = 300;
  std::int64_t pump_every_s = 10;
  double concentration_mg_per_ml = 1.0;
};

// The true (noise-free apart from the AR noise) values of one second, before the monitor
// rounds them and marks their quality.
struct TrueVitals {
  double heart_rate = 0.0;
  double pulse_rate = 0.0;
  double spo2 = 0.0;
  double resp_rate = 0.0;
  double etco2 = 0.0;
  double temperature = 0.0;
  double systolic = 0.0;  // without the per-reading NIBP error
  double diastolic = 0.0;
};

class SimulatedPatient {
 public:
  // `pk` must outlive the patient (the Ward owns it).
  SimulatedPatient(PatientPlan plan, const core::PkCoefficients& pk, DeviceCadence cadence);

  // Appends what this patient's devices send at `second` of the session (stamped `time`),
  // pump first, then the monitor's vitals, then NIBP when one is due. Seconds must be
  // given in order, each once.
  void tick(std::int64_t second, core::TimePoint time, std::vector<Output>& out);

  const PatientPlan& plan() const { return plan_; }
  // Effect-site concentration at the last tick, ug/mL.
  double effectSiteConcentration() const { return ce_ug_per_ml_; }

 private:
  // A first-order lag and acute tolerance over one DoseResponse.
  struct ResponseState {
    double lagged_ce = 0.0;
    double tolerance = 0.0;
    double lag_alpha = 0.0;  // share of the gap closed per second
  };

  bool advancePump(std::int64_t second, core::TimePoint time);
  bool nibpDue(std::int64_t second) const;
  void advancePhysiology(core::TimePoint time, double minute);
  double advanceResponse(ResponseState& state, const DoseResponse& response);

  core::PumpStatus pumpStatus(core::TimePoint time);
  core::VitalsFrame monitorFrame(core::TimePoint time, double minute);
  core::VitalsFrame nibpFrame(core::TimePoint time);
  core::VitalsFrame emptyMonitorFrame(core::TimePoint time, std::size_t measurements);
  void maybeAddArtifact(core::VitalsFrame& frame);

  PatientPlan plan_;
  DeviceCadence cadence_;
  std::vector<std::int64_t> step_seconds_;  // plan_.titration times, in whole seconds

  core::InfusionModel pk_;
  ResponseState pressure_response_;
  ResponseState heart_rate_response_;
  double ce_ug_per_ml_ = 0.0;

  Rng noise_rng_;
  Rng artifact_rng_;  // separate, so an artifact never shifts the physiology's noise
  Ar1Noise heart_rate_noise_;
  Ar1Noise spo2_noise_;
  Ar1Noise resp_rate_noise_;
  Ar1Noise etco2_noise_;
  Ar1Noise temperature_noise_;
  Ar1Noise pressure_noise_;
  TrueVitals now_;
  bool previous_frame_had_artifact_ = false;

  std::size_t next_step_ = 0;
  double rate_mg_per_kg_per_h_ = 0.0;
  double volume_infused_ml_ = 0.0;
  std::uint64_t monitor_sequence_ = 0;
  std::uint64_t pump_sequence_ = 0;
};

}  // namespace vigil::streamer::sim
