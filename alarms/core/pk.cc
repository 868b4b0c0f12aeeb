// The exact piecewise-constant-infusion solution of the Domino ketamine model
// (CLINICAL.md section 4). Each exponent carries its own state, which decays and fills
// independently, so a step of any length is one exponential per exponent.
#include "alarms/core/pk.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <numbers>
#include <stdexcept>
#include <string>

namespace vigil::core {
namespace {

constexpr double kMinutesPerHour = 60.0;

// Coefficients of the monic cubic x^3 - a2 x^2 + a1 x - a0 whose roots are the
// disposition exponents of the three-compartment model.
struct DispositionCubic {
  double a0;
  double a1;
  double a2;

  double operator()(double x) const { return ((x - a2) * x + a1) * x - a0; }
  double derivative(double x) const { return (3.0 * x - 2.0 * a2) * x + a1; }
};

DispositionCubic dispositionCubic(const PkParameters& p) {
  const double k10 = p.k10_per_min;
  const double k12 = p.k12_per_min;
  const double k13 = p.k13_per_min;
  const double k21 = p.k21_per_min;
  const double k31 = p.k31_per_min;
  return DispositionCubic{
      .a0 = k10 * k21 * k31,
      .a1 = k10 * k31 + k21 * k31 + k21 * k13 + k10 * k21 + k31 * k12,
      .a2 = k10 + k12 + k13 + k21 + k31,
  };
}

// One or two Newton steps remove the rounding that acos/cos leave in the trigonometric
// roots; they are kept only when they actually reduce the residual.
double polishRoot(const DispositionCubic& cubic, double x) {
  constexpr int kNewtonSteps = 3;
  for (int i = 0; i < kNewtonSteps; ++i) {
    const double slope = cubic.derivative(x);
    if (slope == 0.0) break;
    const double next = x - cubic(x) / slope;
    if (!(std::abs(cubic(next)) < std::abs(cubic(x)))) break;
    x = next;
  }
  return x;
}

// The matrix of a mammillary compartment model is similar to a symmetric one, so its
// characteristic cubic has three real roots and the trigonometric (Viete) form applies.
// Substituting x = t + a2/3 gives the depressed cubic t^3 + p t + q = 0 with p <= 0.
std::array<double, 3> solveDispositionCubic(const DispositionCubic& cubic) {
  const double shift = cubic.a2 / 3.0;
  const double p = cubic.a1 - cubic.a2 * cubic.a2 / 3.0;
  const double q = -2.0 * cubic.a2 * cubic.a2 * cubic.a2 / 27.0 + cubic.a2 * cubic.a1 / 3.0 - cubic.a0;
  if (!(p < 0.0)) {
    throw std::invalid_argument("PK parameters give a degenerate disposition cubic (repeated exponents)");
  }
  const double amplitude = 2.0 * std::sqrt(-p / 3.0);
  // Rounding can push the cosine argument a hair outside [-1, 1] when two roots nearly meet.
  const double cosine = std::clamp(3.0 * q / (p * amplitude), -1.0, 1.0);
  const double angle = std::acos(cosine) / 3.0;
  std::array<double, 3> roots{};
  for (int k = 0; k < 3; ++k) {
    const double t = amplitude * std::cos(angle - 2.0 * std::numbers::pi * k / 3.0);
    roots[k] = polishRoot(cubic, t + shift);
  }
  std::sort(roots.begin(), roots.end(), std::greater<>());
  return roots;
}

std::string shortest(double value) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return error == std::errc{} ? std::string(buffer, end) : std::string("?");
}

void requirePositive(double value, const char* name) {
  if (!(value > 0.0) || !std::isfinite(value)) {
    throw std::invalid_argument(std::string("PK parameter ") + name + " must be positive and finite, got " +
                                shortest(value));
  }
}

void requirePositive(const PkParameters& p) {
  requirePositive(p.v1_l_per_kg, "v1_l_per_kg");
  requirePositive(p.k10_per_min, "k10_per_min");
  requirePositive(p.k12_per_min, "k12_per_min");
  requirePositive(p.k13_per_min, "k13_per_min");
  requirePositive(p.k21_per_min, "k21_per_min");
  requirePositive(p.k31_per_min, "k31_per_min");
  requirePositive(p.ke0_per_min, "ke0_per_min");
}

// The coefficients divide by differences of exponents; equal ones would need the
// t*e^(-lt) terms of a repeated root, which this model never has with real parameters.
void requireDistinct(const std::array<double, 4>& lambda) {
  constexpr double kRelativeSeparation = 1e-9;
  for (std::size_t i = 0; i < lambda.size(); ++i) {
    for (std::size_t j = i + 1; j < lambda.size(); ++j) {
      const double scale = std::max(std::abs(lambda[i]), std::abs(lambda[j]));
      if (std::abs(lambda[i] - lambda[j]) <= kRelativeSeparation * scale) {
        throw std::invalid_argument("PK exponents coincide (ke0 equal to a disposition exponent?)");
      }
    }
  }
}

// Plasma concentration after a unit bolus is sum Pj e^(-lj t).
std::array<double, 3> unitBolusPlasma(const PkParameters& p, const std::array<double, 4>& lambda) {
  std::array<double, 3> bolus{};
  for (int j = 0; j < 3; ++j) {
    const double lj = lambda[j];
    const double lk = lambda[(j + 1) % 3];
    const double ll = lambda[(j + 2) % 3];
    bolus[j] = (p.k21_per_min - lj) * (p.k31_per_min - lj) / ((lk - lj) * (ll - lj)) / p.v1_l_per_kg;
  }
  return bolus;
}

// Each state decays with its exponent and fills towards rate * coefficient.
void advanceExponentials(std::array<double, 4>& state, const std::array<double, 4>& lambda,
                         const std::array<double, 4>& coefficient, double minutes, double rate_per_min) {
  for (std::size_t j = 0; j < state.size(); ++j) {
    const double decay = std::exp(-lambda[j] * minutes);
    // -expm1 keeps the fill term accurate for steps much shorter than 1/lambda.
    state[j] = state[j] * decay + rate_per_min * coefficient[j] * -std::expm1(-lambda[j] * minutes);
  }
}

double sum(const std::array<double, 4>& values) {
  double total = 0.0;
  for (double v : values) total += v;
  return total;
}

}  // namespace

PkCoefficients::PkCoefficients(const PkParameters& parameters) : parameters_(parameters) {
  requirePositive(parameters_);
  const std::array<double, 3> disposition = solveDispositionCubic(dispositionCubic(parameters_));
  const double ke0 = parameters_.ke0_per_min;
  lambda_ = {disposition[0], disposition[1], disposition[2], ke0};
  requireDistinct(lambda_);

  const std::array<double, 3> bolus = unitBolusPlasma(parameters_, lambda_);
  double effect_bolus_sum = 0.0;
  for (int j = 0; j < 3; ++j) {
    plasma_[j] = bolus[j] / lambda_[j];
    const double effect_bolus = bolus[j] * ke0 / (ke0 - lambda_[j]);
    effect_[j] = effect_bolus / lambda_[j];
    effect_bolus_sum += effect_bolus;
  }
  plasma_[3] = 0.0;
  // The effect site starts empty after a bolus: its four bolus coefficients sum to zero.
  effect_[3] = -effect_bolus_sum / ke0;
}

double PkCoefficients::clearanceLPerKgPerMin() const { return parameters_.k10_per_min * parameters_.v1_l_per_kg; }

PkState::PkState(const PkCoefficients& coefficients) : coefficients_(&coefficients) {}

void PkState::advance(double minutes, double rate_mg_per_kg_per_h) {
  // The model never runs backwards; a zero, negative or NaN step leaves it where it is.
  if (!(minutes > 0.0)) return;
  // A negative or NaN rate is not an infusion; it is treated as no infusion rather than
  // thrown on, because this runs on the data path.
  const double rate_per_min = rate_mg_per_kg_per_h > 0.0 ? rate_mg_per_kg_per_h / kMinutesPerHour : 0.0;
  const auto& lambda = coefficients_->lambda();
  advanceExponentials(plasma_state_, lambda, coefficients_->plasma(), minutes, rate_per_min);
  advanceExponentials(effect_state_, lambda, coefficients_->effect(), minutes, rate_per_min);
}

Concentrations PkState::concentrations() const {
  return Concentrations{.cp_ug_per_ml = sum(plasma_state_), .ce_ug_per_ml = sum(effect_state_)};
}

InfusionModel::InfusionModel(const PkCoefficients& coefficients) : state_(coefficients) {}

void InfusionModel::setRate(TimePoint time, double rate_mg_per_kg_per_h) {
  if (last_time_) {
    at(time);
  } else {
    last_time_ = time;
  }
  rate_ = rate_mg_per_kg_per_h;
}

Concentrations InfusionModel::at(TimePoint time) {
  if (!last_time_) return Concentrations{};
  if (time > *last_time_) {
    state_.advance(minutesBetween(*last_time_, time), rate_);
    last_time_ = time;
  }
  return state_.concentrations();
}

Concentrations InfusionModel::peek(TimePoint time) const {
  if (!last_time_) return Concentrations{};
  if (time <= *last_time_) return state_.concentrations();
  PkState future = state_;
  future.advance(minutesBetween(*last_time_, time), rate_);
  return future.concentrations();
}

}  // namespace vigil::core
