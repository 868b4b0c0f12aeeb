// What a simulated ward is made of: the configuration and, derived from it
// deterministically, one plan per patient (who they are, their scenario, their titration
// and scripted episodes in sim minutes from the start of the session).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "alarms/core/domain.h"
#include "streamer/simulator/scenarios.h"

namespace vigil::streamer::sim {

struct WardConfig {
  int patients = 5;
  std::string unit = "pacu";
  std::uint64_t seed = 1;
  core::TimePoint start{};  // sim time of the session start; every frame is stamped from it
  // The scenario of patient i is scenarios[i % size]; empty means allScenarios().
  std::vector<ScenarioKind> scenarios;

  // Session shape (CLINICAL.md section 1): baseline without infusion (the engine takes
  // its baseline from these minutes), the infusion, then observation after the stop.
  std::chrono::seconds baseline = std::chrono::minutes{5};
  std::chrono::seconds infusion = std::chrono::hours{4};
  std::chrono::seconds observation = std::chrono::hours{1};

  // Device cadence: vitals every second; NIBP is episodic; the pump reports periodically
  // and on every rate change. NIBP cycles every nibp_interval from the infusion start;
  // before it, the nurse takes baseline readings every baseline_nibp_interval from the
  // session start, so the engine's pre-infusion baseline (CLINICAL.md section 3: the
  // median of the last 5 min) rests on more than one cuff reading.
  std::chrono::seconds nibp_interval = std::chrono::minutes{5};
  std::chrono::seconds baseline_nibp_interval = std::chrono::minutes{2};
  std::chrono::seconds pump_report_interval = std::chrono::seconds{10};

  // Ketamine 1 mg/mL: the dilution in the clinic protocols (e.g. 100 mg in 100 mL).
  double concentration_mg_per_ml = 1.0;

  // Throws std::invalid_argument naming the first bad field.
  void validate() const;
  std::chrono::seconds sessionLength() const { return baseline + infusion + observation; }
};

struct PatientPlan {
  std::string patient_id;  // "bed-01"
  std::string unit;
  ScenarioKind scenario = ScenarioKind::Quiet;
  double weight_kg = 70.0;
  BaselineVitals baseline;
  DoseResponse pressure;
  DoseResponse heart_rate;
  std::vector<TitrationStep> titration;  // sim minutes from the session start; the last stops
  std::vector<Episode> episodes;         // sim minutes from the session start
  std::uint64_t seed = 0;                // this patient's own random stream

  std::string monitorId() const { return patient_id + "-monitor"; }
  std::string pumpId() const { return patient_id + "-pump"; }
};

// Throws std::invalid_argument for a plan the simulator cannot run: no id, a weight that
// is not positive, titration steps out of order or with a negative rate.
void validatePlan(const PatientPlan& plan);

// "bed-01" for index 0.
std::string bedName(int index);

// The plans of every patient of the ward, the same for the same config.
std::vector<PatientPlan> planWard(const WardConfig& config);

}  // namespace vigil::streamer::sim
