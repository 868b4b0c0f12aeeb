// The built-in ward scenarios: what each simulated patient is like and what happens to
// them, as tables (scenarios.cc) rather than numbers scattered through the physiology.
// Minutes in the tables count from the start of the infusion; the plan (plan.h) turns
// them into sim minutes from the start of the session.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/core/result.h"

namespace vigil::streamer::sim {

enum class ScenarioKind { Quiet, BpClimb, Desaturation, ProbeOff, Tachycardia };

// "quiet", "bp-climb", "desaturation", "probe-off", "tachycardia".
std::string_view scenarioName(ScenarioKind kind);
std::optional<ScenarioKind> parseScenario(std::string_view name);
// Every built-in scenario, in the order a ward is filled by default (round-robin).
std::span<const ScenarioKind> allScenarios();
// "a,b,c" with every name known, or the first unknown name in `error`.
using ScenarioList = core::Result<std::vector<ScenarioKind>>;
ScenarioList parseScenarioList(std::string_view comma_separated);

// Resting values before any ketamine.
struct BaselineVitals {
  double heart_rate_per_min = 72.0;
  double spo2_percent = 98.0;
  double resp_rate_per_min = 14.0;
  double etco2_mmhg = 38.0;
  double temperature_cel = 36.8;
  double systolic_mmhg = 122.0;
  double diastolic_mmhg = 76.0;
};

// How one vital follows the effect-site concentration Ce: a sigmoid Emax model,
// E = emax * D^hill / (ec50^hill + D^hill), on D, a first-order lag of Ce (the
// haemodynamic response trails the effect site), minus acute tolerance: a share of E
// that builds up with a 60 min time constant, so a rise peaks and then settles.
struct DoseResponse {
  double emax = 0.0;  // in the vital's unit
  double ec50_ug_per_ml = 0.03;
  double hill = 1.0;
  double lag_minutes = 8.0;
  double tolerance_fraction = 0.0;
};

enum class EpisodeKind {
  Desaturation,  // SpO2 falls by `depth` % (and HR rises a little), holds, recovers
  SpO2ProbeOff,  // SpO2 and pulse read 0, SensorOff, for the hold; Questionable while re-acquiring
};

// A scripted event: a smooth onset, a hold at full depth, a smooth recovery.
struct Episode {
  EpisodeKind kind = EpisodeKind::Desaturation;
  double start_minute = 0.0;
  double onset_minutes = 0.0;
  double hold_minutes = 0.0;
  double recovery_minutes = 0.0;
  double depth = 0.0;

  double endMinute() const { return start_minute + onset_minutes + hold_minutes + recovery_minutes; }
};

// From `minute` on the pump runs at `rate_mg_per_kg_per_h` (0 stops it).
struct TitrationStep {
  double minute = 0.0;
  double rate_mg_per_kg_per_h = 0.0;
};

struct ScenarioSpec {
  ScenarioKind kind;
  std::string_view name;
  BaselineVitals baseline;
  DoseResponse pressure;    // systolic; diastolic rises by kDiastolicShare of it
  DoseResponse heart_rate;  // ECG heart rate and oximeter pulse
};

// Diastolic rise as a share of the systolic one: +11 over +16 mmHg (Yale series,
// Gen Hosp Psychiatry 2024, CLINICAL.md section 2).
inline constexpr double kDiastolicShare = 11.0 / 16.0;

const ScenarioSpec& scenarioSpec(ScenarioKind kind);

// The scenario's scripted episodes, in minutes from the start of the infusion.
std::vector<Episode> scenarioEpisodes(ScenarioKind kind);

// The titration every simulated patient gets, in minutes from the start of the infusion,
// ending with the stop (rate 0) at `infusion_minutes`. Steps at or after the stop are left
// out; rates are capped at the protocol's 25 mg/h for the patient's weight.
std::vector<TitrationStep> defaultTitration(double infusion_minutes, double weight_kg);

}  // namespace vigil::streamer::sim
