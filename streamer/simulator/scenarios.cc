#include "streamer/simulator/scenarios.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace vigil::streamer::sim {
namespace {

// The response most patients show at these doses: systolic up by about 6-10 mmHg and
// HR by a few beats, settling after the first half hour (CLINICAL.md section 2: mean rise
// +16/+11 mmHg peaking 30-40 min in; large HR rises mainly at anaesthetic levels). Kept
// well inside the rule table, so these patients alarm only on their scripted episode.
constexpr DoseResponse kOrdinaryPressure{
    .emax = 16.0, .ec50_ug_per_ml = 0.025, .hill = 1.0, .lag_minutes = 8.0, .tolerance_fraction = 0.35};
constexpr DoseResponse kOrdinaryHeartRate{
    .emax = 12.0, .ec50_ug_per_ml = 0.025, .hill = 1.0, .lag_minutes = 8.0, .tolerance_fraction = 0.35};

// One row per scenario; the comment says why the patient is built this way.
constexpr std::array<ScenarioSpec, 5> kScenarios{{
    // Desaturation: an otherwise ordinary patient whose airway sags a few minutes into the
    // infusion (transient hypoxia in 1.5 % of an ED series, CLINICAL.md section 2). The
    // episode itself is in kEpisodes. Baseline SpO2 97 so the nadir lands at 86-87 %:
    // below the 90 % HIGH limit, above the 85 % STOP_AND_CALL band.
    {ScenarioKind::Desaturation,
     "desaturation",
     {.heart_rate_per_min = 78,
      .spo2_percent = 97,
      .resp_rate_per_min = 15,
      .etco2_mmhg = 39,
      .temperature_cel = 36.8,
      .systolic_mmhg = 128,
      .diastolic_mmhg = 80},
     kOrdinaryPressure,
     kOrdinaryHeartRate},
    // Probe-off: an ordinary patient whose finger probe falls off (kEpisodes). The ECG keeps
    // counting, so a receiver must tell "no SpO2" from "SpO2 of 0".
    {ScenarioKind::ProbeOff,
     "probe-off",
     {.heart_rate_per_min = 72,
      .spo2_percent = 98,
      .resp_rate_per_min = 14,
      .etco2_mmhg = 37,
      .temperature_cel = 36.9,
      .systolic_mmhg = 118,
      .diastolic_mmhg = 74},
     kOrdinaryPressure,
     kOrdinaryHeartRate},
    // BP climb: an older hypertensive patient, the group in which the Yale series saw most
    // of its severe hypertension (0.98 % of sessions). High baseline, large steep gain and a
    // 15 min lag behind Ce: systolic passes 180 mmHg 25-30 min after the first step,
    // inside the 0-40 min dose-attribution window, and stays up (no tolerance) until the
    // infusion stops, reaching about 210 mmHg at the top rate.
    {ScenarioKind::BpClimb,
     "bp-climb",
     {.heart_rate_per_min = 76,
      .spo2_percent = 97,
      .resp_rate_per_min = 14,
      .etco2_mmhg = 38,
      .temperature_cel = 36.6,
      .systolic_mmhg = 150,
      .diastolic_mmhg = 88},
     {.emax = 60.0, .ec50_ug_per_ml = 0.018, .hill = 3.0, .lag_minutes = 15.0, .tolerance_fraction = 0.0},
     kOrdinaryHeartRate},
    // Tachycardia: a patient with an exaggerated sympathetic response (HR rises with
    // concentration, CLINICAL.md section 2, here at sub-anaesthetic levels). A steep HR
    // response with an 8 min lag passes 120 about 15 min and 150 about 24 min after the
    // first step, then stays near 165 while the infusion runs.
    {ScenarioKind::Tachycardia,
     "tachycardia",
     {.heart_rate_per_min = 86,
      .spo2_percent = 98,
      .resp_rate_per_min = 16,
      .etco2_mmhg = 37,
      .temperature_cel = 36.9,
      .systolic_mmhg = 126,
      .diastolic_mmhg = 78},
     kOrdinaryPressure,
     {.emax = 80.0, .ec50_ug_per_ml = 0.016, .hill = 4.0, .lag_minutes = 8.0, .tolerance_fraction = 0.0}},
    // Quiet: tolerates the titration with small rises. The control for false alarms: it
    // must never cross a limit with a valid value.
    {ScenarioKind::Quiet,
     "quiet",
     {.heart_rate_per_min = 70,
      .spo2_percent = 98,
      .resp_rate_per_min = 14,
      .etco2_mmhg = 38,
      .temperature_cel = 36.7,
      .systolic_mmhg = 122,
      .diastolic_mmhg = 76},
     {.emax = 12.0, .ec50_ug_per_ml = 0.03, .hill = 1.0, .lag_minutes = 8.0, .tolerance_fraction = 0.35},
     {.emax = 6.0, .ec50_ug_per_ml = 0.03, .hill = 1.0, .lag_minutes = 8.0, .tolerance_fraction = 0.35}},
}};

struct ScenarioEpisode {
  ScenarioKind scenario;
  Episode episode;  // minutes from the start of the infusion
};

// The scripted episodes. Early on purpose, so a sped-up demo shows them within a minute.
constexpr std::array<ScenarioEpisode, 2> kEpisodes{{
    // Desaturation 5 min after the infusion starts (effects follow Ce, which is still
    // rising steeply then): SpO2 -10 % over 90 s, 2 min at the nadir, 90 s back. Below 90 %
    // for about 3 min: long enough for the 15 s HIGH and the 60 s MEDIUM SpO2 rules.
    {ScenarioKind::Desaturation,
     {.kind = EpisodeKind::Desaturation,
      .start_minute = 5.0,
      .onset_minutes = 1.5,
      .hold_minutes = 2.0,
      .recovery_minutes = 1.5,
      .depth = 10.0}},
    // Probe off 3 min after the infusion starts, for 3 min: longer than any SpO2 delay, so
    // a receiver that took 0 % at face value would alarm. 10 s of Questionable values
    // while the oximeter re-acquires the pulse.
    {ScenarioKind::ProbeOff,
     {.kind = EpisodeKind::SpO2ProbeOff,
      .start_minute = 3.0,
      .onset_minutes = 0.0,
      .hold_minutes = 3.0,
      .recovery_minutes = 10.0 / 60.0,
      .depth = 0.0}},
}};

// The simulated clinician's titration: start at 0.1 mg/kg/h, +0.05 every 40-45 min (never
// sooner than the 30 min rule 21 asks) up to the 0.35 mg/kg/h of the ASRA consensus and
// Schwartzman 2009 (CLINICAL.md section 1).
constexpr std::array<TitrationStep, 6> kTitration{{
    {0.0, 0.10},
    {40.0, 0.15},
    {80.0, 0.20},
    {120.0, 0.25},
    {165.0, 0.30},
    {205.0, 0.35},
}};

// Schwartzman 2009: not over 25 mg/h. Rates are rounded down to this pump resolution
// (engine choice) so the capped rate stays under the limit.
constexpr double kMaxMgPerHour = 25.0;
constexpr double kRateResolutionMgPerKgPerH = 0.005;

double cappedRate(double rate_mg_per_kg_per_h, double weight_kg) {
  const double cap = std::floor(kMaxMgPerHour / weight_kg / kRateResolutionMgPerKgPerH) * kRateResolutionMgPerKgPerH;
  return std::min(rate_mg_per_kg_per_h, cap);
}

}  // namespace

std::string_view scenarioName(ScenarioKind kind) { return scenarioSpec(kind).name; }

std::optional<ScenarioKind> parseScenario(std::string_view name) {
  for (const auto& spec : kScenarios) {
    if (spec.name == name) return spec.kind;
  }
  return std::nullopt;
}

std::span<const ScenarioKind> allScenarios() {
  static constexpr std::array<ScenarioKind, kScenarios.size()> kOrder = [] {
    std::array<ScenarioKind, kScenarios.size()> order{};
    for (std::size_t i = 0; i < kScenarios.size(); ++i) order[i] = kScenarios[i].kind;
    return order;
  }();
  return kOrder;
}

ScenarioList parseScenarioList(std::string_view comma_separated) {
  std::vector<ScenarioKind> kinds;
  while (true) {
    const auto comma = comma_separated.find(',');
    const auto name = comma_separated.substr(0, comma);
    const auto kind = parseScenario(name);
    if (!kind) return ScenarioList::failure(name.empty() ? "(empty name)" : std::string(name));
    kinds.push_back(*kind);
    if (comma == std::string_view::npos) return ScenarioList{std::move(kinds), {}};
    comma_separated.remove_prefix(comma + 1);
  }
}

const ScenarioSpec& scenarioSpec(ScenarioKind kind) {
  for (const auto& spec : kScenarios) {
    if (spec.kind == kind) return spec;
  }
  return kScenarios.back();  // unreachable: every kind has a row
}

std::vector<Episode> scenarioEpisodes(ScenarioKind kind) {
  std::vector<Episode> episodes;
  for (const auto& row : kEpisodes) {
    if (row.scenario == kind) episodes.push_back(row.episode);
  }
  return episodes;
}

std::vector<TitrationStep> defaultTitration(double infusion_minutes, double weight_kg) {
  std::vector<TitrationStep> steps;
  for (const auto& step : kTitration) {
    if (step.minute >= infusion_minutes) break;
    const double rate = cappedRate(step.rate_mg_per_kg_per_h, weight_kg);
    // A heavy patient reaches the cap early; a "step" to the same rate is no step.
    if (!steps.empty() && steps.back().rate_mg_per_kg_per_h == rate) continue;
    steps.push_back({step.minute, rate});
  }
  steps.push_back({infusion_minutes, 0.0});
  return steps;
}

}  // namespace vigil::streamer::sim
