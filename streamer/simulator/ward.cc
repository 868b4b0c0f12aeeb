#include "streamer/simulator/ward.h"

#include <chrono>
#include <utility>

namespace vigil::streamer::sim {

Ward::Ward(WardConfig config) : Ward(config, planWard(config)) {}

Ward::Ward(WardConfig config, std::vector<PatientPlan> plans)
    : config_(std::move(config)),
      plans_(std::move(plans)),
      pk_(std::make_unique<const core::PkCoefficients>(core::PkParameters{})),
      last_second_(config_.sessionLength().count()) {
  config_.validate();
  for (const auto& plan : plans_) validatePlan(plan);
  const DeviceCadence cadence{.infusion_start_s = config_.baseline.count(),
                              .baseline_nibp_every_s = config_.baseline_nibp_interval.count(),
                              .nibp_every_s = config_.nibp_interval.count(),
                              .pump_every_s = config_.pump_report_interval.count(),
                              .concentration_mg_per_ml = config_.concentration_mg_per_ml};
  patients_.reserve(plans_.size());
  for (const auto& plan : plans_) patients_.emplace_back(plan, *pk_, cadence);
}

core::TimePoint Ward::endTime() const { return config_.start + std::chrono::seconds{last_second_}; }

void Ward::advanceTo(core::TimePoint sim_now, std::vector<Output>& out) {
  while (next_second_ <= last_second_) {
    const core::TimePoint time = config_.start + std::chrono::seconds{next_second_};
    if (time > sim_now) return;
    for (auto& patient : patients_) patient.tick(next_second_, time, out);
    ++next_second_;
  }
}

std::vector<Output> Ward::advanceTo(core::TimePoint sim_now) {
  std::vector<Output> out;
  advanceTo(sim_now, out);
  return out;
}

}  // namespace vigil::streamer::sim
