// A patient's infusion as the alarm rules need it: the current and previous rate, the
// last increase with the concentrations at that moment, the PK model, and the decision
// whether a new condition is likely dose-related (CLINICAL.md section 3, modifiers).
#pragma once

#include <optional>
#include <string>

#include "alarms/core/domain.h"
#include "alarms/core/pk.h"
#include "alarms/core/protocol.h"

namespace vigil::core {

struct RateIncrease {
  TimePoint time;
  double from_mg_per_kg_per_h = 0.0;
  double to_mg_per_kg_per_h = 0.0;
  Concentrations at_step;
};

// What changed when a pump status was applied.
struct RateChange {
  bool changed = false;
  bool first_start = false;  // the infusion ran for the first time
  double from = 0.0;
  double to = 0.0;
};

class DoseTracker {
 public:
  DoseTracker(const PkCoefficients& coefficients, const DoseAttributionSettings& settings);

  RateChange apply(const PumpStatus& status);

  // The dose context for a condition that starts at `time`, with the attribution decided.
  DoseContext contextAt(TimePoint time);

  double rate() const { return rate_; }
  double weightKg() const { return weight_kg_; }
  double concentrationMgPerMl() const { return concentration_mg_per_ml_; }
  std::optional<RateIncrease> lastIncrease() const { return last_increase_; }

  // mL/h for a dose rate, or 0 when the pump's concentration or the weight is unknown.
  double mlPerHour(double rate_mg_per_kg_per_h) const;

 private:
  bool ceStillRising(TimePoint time) const;
  std::string attribution(const DoseContext& context, bool in_window, bool rising) const;

  DoseAttributionSettings settings_;
  InfusionModel model_;
  double rate_ = 0.0;
  double weight_kg_ = 0.0;
  double concentration_mg_per_ml_ = 0.0;
  bool ever_started_ = false;
  std::optional<RateIncrease> last_increase_;
};

// The dose rate a pump status means, mg/kg/h: 0 unless it is running; derived from mL/h,
// concentration and weight when the pump does not report it.
double effectiveDoseRate(const PumpStatus& status);

}  // namespace vigil::core
