#include "streamer/simulator/plan.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "streamer/simulator/random.h"

namespace vigil::streamer::sim {
namespace {

// Adult weights of a CRPS clinic (engine choice). Whole kilograms, as a nurse enters them.
constexpr double kLightestKg = 55.0;
constexpr double kHeaviestKg = 95.0;

// The per-patient seed streams: one for the plan (weight), the patient takes the next ones.
constexpr std::uint64_t kPlanStream = 0;

double minutesOf(std::chrono::seconds duration) { return static_cast<double>(duration.count()) / 60.0; }

void require(bool condition, const char* message) {
  if (!condition) throw std::invalid_argument(message);
}

ScenarioKind scenarioOf(const WardConfig& config, int index) {
  const auto all = allScenarios();
  if (config.scenarios.empty()) return all[static_cast<std::size_t>(index) % all.size()];
  return config.scenarios[static_cast<std::size_t>(index) % config.scenarios.size()];
}

double drawWeight(std::uint64_t patient_seed) {
  Rng rng(mixSeed(patient_seed, kPlanStream));
  return std::round(rng.uniform(kLightestKg, kHeaviestKg));
}

PatientPlan planPatient(const WardConfig& config, int index) {
  const ScenarioSpec& spec = scenarioSpec(scenarioOf(config, index));
  PatientPlan plan;
  plan.patient_id = bedName(index);
  plan.unit = config.unit;
  plan.scenario = spec.kind;
  plan.seed = mixSeed(config.seed, static_cast<std::uint64_t>(index));
  plan.weight_kg = drawWeight(plan.seed);
  plan.baseline = spec.baseline;
  plan.pressure = spec.pressure;
  plan.heart_rate = spec.heart_rate;

  // The tables count from the infusion start; the plan from the session start.
  const double infusion_start = minutesOf(config.baseline);
  for (auto step : defaultTitration(minutesOf(config.infusion), plan.weight_kg)) {
    step.minute += infusion_start;
    plan.titration.push_back(step);
  }
  for (auto episode : scenarioEpisodes(spec.kind)) {
    episode.start_minute += infusion_start;
    plan.episodes.push_back(episode);
  }
  return plan;
}

}  // namespace

void WardConfig::validate() const {
  require(patients >= 1, "WardConfig: patients must be at least 1");
  require(!unit.empty() && unit.find('/') == std::string::npos, "WardConfig: unit must be non-empty without '/'");
  require(baseline.count() >= 0, "WardConfig: baseline must not be negative");
  require(infusion.count() > 0, "WardConfig: infusion must be longer than 0");
  require(observation.count() >= 0, "WardConfig: observation must not be negative");
  require(nibp_interval.count() > 0, "WardConfig: nibp_interval must be longer than 0");
  require(baseline_nibp_interval.count() > 0, "WardConfig: baseline_nibp_interval must be longer than 0");
  require(pump_report_interval.count() > 0, "WardConfig: pump_report_interval must be longer than 0");
  require(concentration_mg_per_ml > 0.0 && std::isfinite(concentration_mg_per_ml),
          "WardConfig: concentration_mg_per_ml must be positive");
}

void validatePlan(const PatientPlan& plan) {
  require(!plan.patient_id.empty() && plan.patient_id.find('/') == std::string::npos,
          "PatientPlan: patient_id must be non-empty without '/'");
  require(plan.weight_kg > 0.0 && std::isfinite(plan.weight_kg), "PatientPlan: weight_kg must be positive");
  double previous_minute = 0.0;
  for (const auto& step : plan.titration) {
    require(step.minute >= previous_minute, "PatientPlan: titration minutes must ascend from 0");
    require(step.rate_mg_per_kg_per_h >= 0.0 && std::isfinite(step.rate_mg_per_kg_per_h),
            "PatientPlan: titration rates must be >= 0");
    previous_minute = step.minute;
  }
}

std::string bedName(int index) {
  char name[24];
  std::snprintf(name, sizeof name, "bed-%02d", index + 1);
  return name;
}

std::vector<PatientPlan> planWard(const WardConfig& config) {
  config.validate();
  std::vector<PatientPlan> plans;
  plans.reserve(static_cast<std::size_t>(config.patients));
  for (int i = 0; i < config.patients; ++i) plans.push_back(planPatient(config, i));
  return plans;
}

}  // namespace vigil::streamer::sim
