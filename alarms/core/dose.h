// A patient's infusion as the alarm rules need it: the current and previous rate, the
// last increase with the concentrations at that moment, the PK model, and the decision
// whether a new condition is likely dose-related (CLINICAL.md section 3, modifiers).
#pragma once

#include <optional>
#include <string>
#include <vector>

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

class DoseTracker {
 public:
  DoseTracker(const PkCoefficients& coefficients, const DoseAttributionSettings& settings);

  void apply(const PumpStatus& status);

  // The dose context for an alarm raised at `time` whose condition began at `onset`, with
  // the attribution decided: a condition that began before a rate step is not that step's.
  DoseContext contextAt(TimePoint time, TimePoint onset) const;
  DoseContext contextAt(TimePoint time) const { return contextAt(time, time); }
  // contextAt(time) with the pump as a station shows it: drug, state, the rate in mL/h and
  // the last change of the rate (a step up, down, a pause or a restart).
  DoseContext infusionAt(TimePoint time) const;

  double rate() const { return rate_; }
  double weightKg() const { return weight_kg_; }
  std::optional<RateIncrease> lastIncrease() const { return last_increase_; }

  // mL/h for a dose rate, or 0 when the pump's concentration or the weight is unknown.
  double mlPerHour(double rate_mg_per_kg_per_h) const;

  // Snapshots (alarms/snapshot): the infusion history as values (the settings come from
  // the protocol).
  struct Saved {
    InfusionModel::Saved model;
    double rate = 0.0;
    double weight_kg = 0.0;
    double concentration_mg_per_ml = 0.0;
    std::optional<RateIncrease> last_increase;
    std::vector<double> rate_history;
    std::string drug;
    PumpState pump_state = PumpState::Unspecified;
    double pump_ml_per_h = 0.0;
    std::optional<TimePoint> last_change;
  };
  Saved saved() const {
    return {model_.saved(), rate_, weight_kg_,  concentration_mg_per_ml_, last_increase_,
            rate_history_,  drug_, pump_state_, pump_ml_per_h_,           last_change_};
  }
  void restore(const Saved& saved) {
    model_.restore(saved.model);
    rate_ = saved.rate;
    weight_kg_ = saved.weight_kg;
    concentration_mg_per_ml_ = saved.concentration_mg_per_ml;
    last_increase_ = saved.last_increase;
    rate_history_ = saved.rate_history;
    drug_ = saved.drug;
    pump_state_ = saved.pump_state;
    pump_ml_per_h_ = saved.pump_ml_per_h;
    last_change_ = saved.last_change;
  }

 private:
  // Whether Ce, `now` at `time`, will have risen by the protocol's fraction 10 min ahead.
  bool ceStillRising(TimePoint time, double now) const;
  // The most recent rate lower than the current one: where REDUCE goes. After a nurse has
  // already stepped down, that is below the current rate, not the rate she left.
  double previousLowerRate() const;
  void remember(double rate);
  std::string attribution(const DoseContext& context, bool in_window, bool rising) const;

  DoseAttributionSettings settings_;
  InfusionModel model_;
  double rate_ = 0.0;
  std::string drug_;
  PumpState pump_state_ = PumpState::Unspecified;
  double pump_ml_per_h_ = 0.0;
  std::optional<TimePoint> last_change_;
  double weight_kg_ = 0.0;
  double concentration_mg_per_ml_ = 0.0;
  std::optional<RateIncrease> last_increase_;
  std::vector<double> rate_history_;  // every distinct rate in order, bounded
};

// The dose rate a pump status means, mg/kg/h: 0 unless it is running; derived from mL/h,
// concentration and weight when the pump does not report it.
double effectiveDoseRate(const PumpStatus& status);

}  // namespace vigil::core
