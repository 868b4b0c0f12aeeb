// Ketamine concentration from the infusion history: the Domino et al. (1984) three-
// compartment model with an effect site, solved exactly for piecewise-constant infusions
// (STANPUMP method, CLINICAL.md section 4). Everything is per kilogram: with volumes in
// L/kg and rates in mg/kg, concentrations come out in mg/L = ug/mL whatever the weight.
#pragma once

#include <array>
#include <optional>

#include "alarms/core/domain.h"

namespace vigil::core {

struct PkParameters {
  double v1_l_per_kg = 0.063;
  double k10_per_min = 0.438;
  double k12_per_min = 0.592;
  double k13_per_min = 0.590;
  double k21_per_min = 0.247;
  double k31_per_min = 0.0146;
  double ke0_per_min = 0.238;
};

struct Concentrations {
  double cp_ug_per_ml = 0.0;  // plasma
  double ce_ug_per_ml = 0.0;  // effect site
};

// The exponents and coefficients derived once from the parameters.
class PkCoefficients {
 public:
  explicit PkCoefficients(const PkParameters& parameters);

  // lambda[0..2]: the three disposition exponents, largest first; lambda[3] = ke0 (/min).
  const std::array<double, 4>& lambda() const { return lambda_; }
  // Plasma unit-infusion coefficient of each exponent (the fourth is 0).
  const std::array<double, 4>& plasma() const { return plasma_; }
  // Effect-site unit-infusion coefficient of each of the four exponents.
  const std::array<double, 4>& effect() const { return effect_; }
  // Clearance, L/kg/min: steady-state Cp = rate / clearance.
  double clearanceLPerKgPerMin() const;

 private:
  PkParameters parameters_;
  std::array<double, 4> lambda_{};
  std::array<double, 4> plasma_{};
  std::array<double, 4> effect_{};
};

// The state of one patient's model. It only moves forward; it is exact for any step
// length, so callers advance it when the rate changes or a value is needed, never on a tick.
class PkState {
 public:
  explicit PkState(const PkCoefficients& coefficients);

  // Advance `minutes` at a constant rate (mg/kg/h).
  void advance(double minutes, double rate_mg_per_kg_per_h);
  Concentrations concentrations() const;

  // Snapshots (alarms/snapshot): the two compartment vectors as values.
  struct Saved {
    std::array<double, 4> plasma{};
    std::array<double, 4> effect{};
  };
  Saved saved() const { return {plasma_state_, effect_state_}; }
  void restore(const Saved& saved) {
    plasma_state_ = saved.plasma;
    effect_state_ = saved.effect;
  }

 private:
  const PkCoefficients* coefficients_;
  std::array<double, 4> plasma_state_{};
  std::array<double, 4> effect_state_{};
};

// A patient's infusion as seen by the engine: rate changes in time order, the model
// advanced lazily. Time only ever comes from the caller.
class InfusionModel {
 public:
  explicit InfusionModel(const PkCoefficients& coefficients);

  // The rate from `time` on. A time earlier than the last one is treated as the last one
  // (the model does not run backwards).
  void setRate(TimePoint time, double rate_mg_per_kg_per_h);
  // Concentrations at `time` (>= the last time given), advancing the model to it.
  Concentrations at(TimePoint time);
  // Concentrations at `time` without moving the model (time may be in the future).
  Concentrations peek(TimePoint time) const;

  double rate() const { return rate_; }
  bool started() const { return last_time_.has_value(); }

  // Snapshots (alarms/snapshot): the model's state as values.
  struct Saved {
    PkState::Saved state;
    std::optional<TimePoint> last_time;
    double rate = 0.0;
  };
  Saved saved() const { return {state_.saved(), last_time_, rate_}; }
  void restore(const Saved& saved) {
    state_.restore(saved.state);
    last_time_ = saved.last_time;
    rate_ = saved.rate;
  }

 private:
  PkState state_;
  std::optional<TimePoint> last_time_;
  double rate_ = 0.0;
};

}  // namespace vigil::core
