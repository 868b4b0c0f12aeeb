#include "alarms/core/dose.h"

#include <cmath>

#include "alarms/core/format.h"

namespace vigil::core {
namespace {

// The rising criterion looks this far ahead at the current rate.
constexpr Duration kRisingHorizon = std::chrono::minutes(10);
// A session has a handful of rate changes; a bound keeps a flapping pump from growing memory.
constexpr std::size_t kRateHistoryLimit = 256;

// "Ce 0.123" and the like, for the attribution text.
void appendValue(std::string& text, const char* label, double value, int decimals) {
  text += label;
  appendFixed(text, value, decimals);
}

}  // namespace

double effectiveDoseRate(const PumpStatus& status) {
  if (status.state != PumpState::Running) return 0.0;
  if (status.dose_rate_mg_per_kg_per_h > 0) return status.dose_rate_mg_per_kg_per_h;
  if (status.rate_ml_per_h > 0 && status.concentration_mg_per_ml > 0 && status.patient_weight_kg > 0) {
    return status.rate_ml_per_h * status.concentration_mg_per_ml / status.patient_weight_kg;
  }
  return 0.0;
}

DoseTracker::DoseTracker(const PkCoefficients& coefficients, const DoseAttributionSettings& settings)
    : settings_(settings), model_(coefficients) {}

void DoseTracker::apply(const PumpStatus& status) {
  if (status.patient_weight_kg > 0) weight_kg_ = status.patient_weight_kg;
  if (status.concentration_mg_per_ml > 0) concentration_mg_per_ml_ = status.concentration_mg_per_ml;
  if (!status.drug.empty()) drug_ = status.drug;
  pump_state_ = status.state;
  pump_ml_per_h_ = status.rate_ml_per_h;
  const double rate = effectiveDoseRate(status);
  if (rate == rate_ && model_.started()) return;
  const auto before = model_.at(status.time);
  if (rate > rate_) last_increase_ = RateIncrease{status.time, rate_, rate, before};
  if (rate != rate_) last_change_ = status.time;
  model_.setRate(status.time, rate);
  remember(rate);
  rate_ = rate;
}

void DoseTracker::remember(double rate) {
  if (rate_history_.size() == kRateHistoryLimit) rate_history_.erase(rate_history_.begin());
  rate_history_.push_back(rate);
}

double DoseTracker::previousLowerRate() const {
  for (auto rate = rate_history_.rbegin(); rate != rate_history_.rend(); ++rate) {
    if (*rate < rate_) return *rate;
  }
  return 0.0;
}

double DoseTracker::mlPerHour(double rate_mg_per_kg_per_h) const {
  if (concentration_mg_per_ml_ <= 0 || weight_kg_ <= 0) return 0.0;
  return rate_mg_per_kg_per_h * weight_kg_ / concentration_mg_per_ml_;
}

bool DoseTracker::ceStillRising(TimePoint time, double now) const {
  if (settings_.ce_rising_fraction_per_10_min <= 0 || rate_ <= 0) return false;
  const double ahead = model_.peek(time + kRisingHorizon).ce_ug_per_ml;
  return now > 0 && (ahead - now) / now >= settings_.ce_rising_fraction_per_10_min;
}

DoseContext DoseTracker::contextAt(TimePoint time, TimePoint onset) const {
  DoseContext context;
  // Peeked, never advanced: the model moves only with the rate, so every answer is one
  // exact step from the last rate change, whenever and however often it is asked.
  const auto now = model_.peek(time);
  context.infusion_running = rate_ > 0;
  context.rate_mg_per_kg_per_h = rate_;
  context.cp_ug_per_ml = now.cp_ug_per_ml;
  context.ce_ug_per_ml = now.ce_ug_per_ml;
  context.previous_rate_mg_per_kg_per_h = previousLowerRate();
  if (last_increase_) {
    context.last_increase = last_increase_->time;
    context.minutes_since_last_increase = minutesBetween(last_increase_->time, time);
    context.cp_at_increase_ug_per_ml = last_increase_->at_step.cp_ug_per_ml;
    context.ce_at_increase_ug_per_ml = last_increase_->at_step.ce_ug_per_ml;
  }
  const auto since = last_increase_ ? onset - last_increase_->time : Duration::min();
  const bool in_window = last_increase_ && since >= settings_.window_start && since <= settings_.window_end;
  const bool rising = ceStillRising(time, now.ce_ug_per_ml);
  context.likely_dose_related = context.infusion_running && (in_window || rising);
  context.attribution = attribution(context, in_window, rising);
  return context;
}

DoseContext DoseTracker::infusionAt(TimePoint time) const {
  auto context = contextAt(time);
  context.drug = drug_;
  context.pump_state = pump_state_;
  // The pump's own figure when it gives one; else derived, as for REDUCE's target.
  if (context.infusion_running) context.rate_ml_per_h = pump_ml_per_h_ > 0 ? pump_ml_per_h_ : mlPerHour(rate_);
  if (last_change_) {
    context.last_change = last_change_;
    context.minutes_since_last_change = minutesBetween(*last_change_, time);
  }
  return context;
}

// Written with appendFixed, not snprintf: this text is in every status (DoseTracker::infusionAt),
// and printf's number formatting was most of a status's cost. The same characters as
// "%.1f" and "%.3f" (the format tests hold appendFixed to printf's output).
std::string DoseTracker::attribution(const DoseContext& context, bool in_window, bool rising) const {
  if (!context.infusion_running) return "no infusion running";
  std::string text;
  text.reserve(128);
  if (in_window) {
    text = "likely dose-related: ";
    appendFixed(text, context.minutes_since_last_increase, 1);
    appendValue(text, " min after the increase from ", last_increase_->from_mg_per_kg_per_h, 2);
    appendValue(text, " to ", last_increase_->to_mg_per_kg_per_h, 2);
    appendValue(text, " mg/kg/h (Ce ", context.ce_at_increase_ug_per_ml, 3);
    appendValue(text, " -> ", context.ce_ug_per_ml, 3);
    text += " ug/mL)";
  } else if (rising) {
    appendValue(text, "likely dose-related: Ce ", context.ce_ug_per_ml, 3);
    text += " ug/mL and still rising";
  } else {
    appendValue(text, "no rate increase in the last ",
                std::chrono::duration<double, std::ratio<60>>(settings_.window_end).count(), 0);
    appendValue(text, " min; Ce ", context.ce_ug_per_ml, 3);
    text += " ug/mL and steady";
  }
  return text;
}

}  // namespace vigil::core
