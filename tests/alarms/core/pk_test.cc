#include "alarms/core/pk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace vigil::core {
namespace {

constexpr double kMinutesPerHour = 60.0;
// The CLINICAL.md section 4 reference rate, mg/kg/h.
constexpr double kReferenceRate = 0.35;

// The floor only keeps an exactly-zero expectation from dividing by zero.
double relativeError(double actual, double expected) {
  return std::abs(actual - expected) / std::max(std::abs(expected), 1e-300);
}

struct Segment {
  double minutes;
  double rate_mg_per_kg_per_h;
};

// The compartment amounts (mg/kg) and the effect-site concentration, integrated
// independently of the exponential solution to check it.
struct OdeState {
  double a1 = 0.0;
  double a2 = 0.0;
  double a3 = 0.0;
  double ce = 0.0;
};

OdeState derivative(const PkParameters& p, const OdeState& s, double rate_per_min) {
  const double cp = s.a1 / p.v1_l_per_kg;
  return OdeState{
      .a1 = rate_per_min - (p.k10_per_min + p.k12_per_min + p.k13_per_min) * s.a1 + p.k21_per_min * s.a2 +
            p.k31_per_min * s.a3,
      .a2 = p.k12_per_min * s.a1 - p.k21_per_min * s.a2,
      .a3 = p.k13_per_min * s.a1 - p.k31_per_min * s.a3,
      .ce = p.ke0_per_min * (cp - s.ce),
  };
}

OdeState plus(const OdeState& s, const OdeState& d, double h) {
  return OdeState{s.a1 + h * d.a1, s.a2 + h * d.a2, s.a3 + h * d.a3, s.ce + h * d.ce};
}

OdeState rungeKuttaStep(const PkParameters& p, const OdeState& s, double rate_per_min, double h) {
  const OdeState k1 = derivative(p, s, rate_per_min);
  const OdeState k2 = derivative(p, plus(s, k1, h / 2), rate_per_min);
  const OdeState k3 = derivative(p, plus(s, k2, h / 2), rate_per_min);
  const OdeState k4 = derivative(p, plus(s, k3, h), rate_per_min);
  return OdeState{
      s.a1 + h / 6 * (k1.a1 + 2 * k2.a1 + 2 * k3.a1 + k4.a1),
      s.a2 + h / 6 * (k1.a2 + 2 * k2.a2 + 2 * k3.a2 + k4.a2),
      s.a3 + h / 6 * (k1.a3 + 2 * k2.a3 + 2 * k3.a3 + k4.a3),
      s.ce + h / 6 * (k1.ce + 2 * k2.ce + 2 * k3.ce + k4.ce),
  };
}

// Concentrations at the end of each segment, by RK4 with a step of 0.001 min. Segment
// lengths are whole multiples of the step so rate changes fall on step boundaries.
std::vector<Concentrations> integrateNumerically(const PkParameters& p, const std::vector<Segment>& segments) {
  constexpr double kStepMinutes = 0.001;
  OdeState state;
  std::vector<Concentrations> at_segment_ends;
  for (const Segment& segment : segments) {
    const long steps = std::lround(segment.minutes / kStepMinutes);
    for (long i = 0; i < steps; ++i) {
      state = rungeKuttaStep(p, state, segment.rate_mg_per_kg_per_h / kMinutesPerHour, kStepMinutes);
    }
    at_segment_ends.push_back(Concentrations{.cp_ug_per_ml = state.a1 / p.v1_l_per_kg, .ce_ug_per_ml = state.ce});
  }
  return at_segment_ends;
}

std::vector<Concentrations> solveExactly(const PkCoefficients& coefficients, const std::vector<Segment>& segments) {
  PkState state(coefficients);
  std::vector<Concentrations> at_segment_ends;
  for (const Segment& segment : segments) {
    state.advance(segment.minutes, segment.rate_mg_per_kg_per_h);
    at_segment_ends.push_back(state.concentrations());
  }
  return at_segment_ends;
}

Concentrations afterConstantInfusion(const PkCoefficients& coefficients, double minutes, double rate) {
  PkState state(coefficients);
  state.advance(minutes, rate);
  return state.concentrations();
}

TimePoint minute(double m) { return fromMillis(std::llround(m * 60'000.0)); }

class PkTest : public ::testing::Test {
 protected:
  PkParameters parameters_;
  PkCoefficients coefficients_{parameters_};
};

TEST_F(PkTest, ExponentsAreTheSortedRootsOfTheDispositionCubic) {
  const PkParameters& p = parameters_;
  const double a0 = p.k10_per_min * p.k21_per_min * p.k31_per_min;
  const double a1 = p.k10_per_min * p.k31_per_min + p.k21_per_min * p.k31_per_min + p.k21_per_min * p.k13_per_min +
                    p.k10_per_min * p.k21_per_min + p.k31_per_min * p.k12_per_min;
  const double a2 = p.k10_per_min + p.k12_per_min + p.k13_per_min + p.k21_per_min + p.k31_per_min;
  const auto& lambda = coefficients_.lambda();
  for (int j = 0; j < 3; ++j) {
    const double x = lambda[j];
    // Residual relative to the size of the terms that cancel in it.
    const double scale = x * x * x + a2 * x * x + a1 * x + a0;
    EXPECT_LT(std::abs(x * x * x - a2 * x * x + a1 * x - a0), 1e-13 * scale) << "root " << j;
  }
  EXPECT_GT(lambda[0], lambda[1]);
  EXPECT_GT(lambda[1], lambda[2]);
  EXPECT_GT(lambda[2], 0.0);
  EXPECT_NEAR(lambda[0] + lambda[1] + lambda[2], a2, 1e-12 * a2);
  EXPECT_NEAR(lambda[0] * lambda[1] * lambda[2], a0, 1e-12 * a0);
  EXPECT_EQ(lambda[3], p.ke0_per_min);
}

TEST_F(PkTest, UnitBolusCoefficientsGiveDoseOverV1AtTimeZero) {
  const auto& lambda = coefficients_.lambda();
  double plasma_bolus_sum = 0.0;
  double effect_bolus_sum = 0.0;
  for (int j = 0; j < 4; ++j) {
    plasma_bolus_sum += coefficients_.plasma()[j] * lambda[j];
    effect_bolus_sum += coefficients_.effect()[j] * lambda[j];
  }
  EXPECT_EQ(coefficients_.plasma()[3], 0.0);
  EXPECT_NEAR(plasma_bolus_sum, 1.0 / parameters_.v1_l_per_kg, 1e-12 / parameters_.v1_l_per_kg);
  // The effect site is empty right after a bolus.
  EXPECT_NEAR(effect_bolus_sum, 0.0, 1e-12 / parameters_.v1_l_per_kg);
}

TEST_F(PkTest, ExactSolutionMatchesFineStepIntegrationOverAMultiStepSchedule) {
  const std::vector<Segment> schedule = {
      {10, 0.5}, {10, 0.5}, {25, 1.2}, {15, 0.0}, {30, 0.0}, {60, 0.3}, {0.5, 6.0}, {49.5, 0.0},
  };
  const std::vector<Concentrations> exact = solveExactly(coefficients_, schedule);
  const std::vector<Concentrations> numerical = integrateNumerically(parameters_, schedule);
  ASSERT_EQ(exact.size(), numerical.size());
  // RK4 at 0.001 min is accurate far beyond this; the bound is set by rounding.
  constexpr double kTolerance = 1e-8;
  for (std::size_t i = 0; i < exact.size(); ++i) {
    EXPECT_LT(relativeError(exact[i].cp_ug_per_ml, numerical[i].cp_ug_per_ml), kTolerance) << "segment " << i;
    EXPECT_LT(relativeError(exact[i].ce_ug_per_ml, numerical[i].ce_ug_per_ml), kTolerance) << "segment " << i;
  }
}

TEST_F(PkTest, SteadyStateCpIsRateOverClearance) {
  // CLINICAL.md: CL = 27.6 mL/kg/min.
  EXPECT_NEAR(coefficients_.clearanceLPerKgPerMin() * 1000.0, 27.6, 0.05);
  // Many times the slowest half-life (ln 2 / 0.006 /min, about 2 h).
  constexpr double kVeryLongMinutes = 20'000.0;
  const Concentrations steady = afterConstantInfusion(coefficients_, kVeryLongMinutes, kReferenceRate);
  const double expected = kReferenceRate / kMinutesPerHour / coefficients_.clearanceLPerKgPerMin();
  EXPECT_NEAR(steady.cp_ug_per_ml, expected, 1e-9 * expected);
  EXPECT_NEAR(steady.ce_ug_per_ml, expected, 1e-9 * expected);
  // CLINICAL.md quotes 0.211 ug/mL.
  EXPECT_NEAR(steady.cp_ug_per_ml, 0.211, 0.0005);
}

TEST_F(PkTest, ReachesTheReferenceFractionsOfSteadyStateAtOneAndFourHours) {
  const double steady = kReferenceRate / kMinutesPerHour / coefficients_.clearanceLPerKgPerMin();
  const double at_1h = afterConstantInfusion(coefficients_, 60.0, kReferenceRate).cp_ug_per_ml / steady;
  const double at_4h = afterConstantInfusion(coefficients_, 240.0, kReferenceRate).cp_ug_per_ml / steady;
  // The reference quotes whole percentages ("about 58 %", "86 %"); allow one point either side.
  constexpr double kOnePercentagePoint = 0.01;
  EXPECT_NEAR(at_1h, 0.58, kOnePercentagePoint);
  EXPECT_NEAR(at_4h, 0.86, kOnePercentagePoint);
}

TEST_F(PkTest, EffectSiteLagsWhileRisingAndExceedsPlasmaAfterStop) {
  PkState state(coefficients_);
  double elapsed = 0.0;
  for (const double checkpoint : {1.0, 5.0, 30.0, 60.0}) {
    state.advance(checkpoint - elapsed, kReferenceRate);
    elapsed = checkpoint;
    const Concentrations c = state.concentrations();
    EXPECT_LT(c.ce_ug_per_ml, c.cp_ug_per_ml) << "rising, minute " << checkpoint;
    EXPECT_GT(c.ce_ug_per_ml, 0.0);
  }
  for (const double after_stop : {1.0, 10.0, 60.0}) {
    PkState stopped = state;
    stopped.advance(after_stop, 0.0);
    const Concentrations c = stopped.concentrations();
    EXPECT_GT(c.ce_ug_per_ml, c.cp_ug_per_ml) << "minutes after stop " << after_stop;
  }
}

TEST_F(PkTest, OneLongStepEqualsManyShortSteps) {
  PkState one_step(coefficients_);
  PkState many_steps(coefficients_);
  // Start both from a non-empty state so the decay terms are exercised too.
  one_step.advance(30.0, 1.0);
  many_steps.advance(30.0, 1.0);

  constexpr double kMinutes = 240.0;
  constexpr int kSteps = 24'000;
  one_step.advance(kMinutes, kReferenceRate);
  for (int i = 0; i < kSteps; ++i) many_steps.advance(kMinutes / kSteps, kReferenceRate);

  const Concentrations a = one_step.concentrations();
  const Concentrations b = many_steps.concentrations();
  EXPECT_LT(relativeError(b.cp_ug_per_ml, a.cp_ug_per_ml), 1e-10);
  EXPECT_LT(relativeError(b.ce_ug_per_ml, a.ce_ug_per_ml), 1e-10);
}

TEST_F(PkTest, StateIgnoresNonPositiveStepsAndTreatsNegativeRateAsNone) {
  PkState state(coefficients_);
  state.advance(10.0, 1.0);
  const Concentrations before = state.concentrations();
  state.advance(0.0, 5.0);
  state.advance(-3.0, 5.0);
  EXPECT_EQ(state.concentrations().cp_ug_per_ml, before.cp_ug_per_ml);
  EXPECT_EQ(state.concentrations().ce_ug_per_ml, before.ce_ug_per_ml);

  PkState negative = state;
  PkState zero = state;
  negative.advance(15.0, -1.0);
  zero.advance(15.0, 0.0);
  EXPECT_EQ(negative.concentrations().cp_ug_per_ml, zero.concentrations().cp_ug_per_ml);
  EXPECT_EQ(negative.concentrations().ce_ug_per_ml, zero.concentrations().ce_ug_per_ml);
}

TEST(PkCoefficientsTest, RejectsNonPositiveParameters) {
  PkParameters zero_ke0;
  zero_ke0.ke0_per_min = 0.0;
  EXPECT_THROW(PkCoefficients{zero_ke0}, std::invalid_argument);
  PkParameters negative_v1;
  negative_v1.v1_l_per_kg = -0.063;
  EXPECT_THROW(PkCoefficients{negative_v1}, std::invalid_argument);
  PkParameters nan_k21;
  nan_k21.k21_per_min = std::nan("");
  EXPECT_THROW(PkCoefficients{nan_k21}, std::invalid_argument);
}

TEST_F(PkTest, InfusionModelIsZeroBeforeTheFirstRate) {
  InfusionModel model(coefficients_);
  EXPECT_FALSE(model.started());
  EXPECT_EQ(model.peek(minute(100)).cp_ug_per_ml, 0.0);
  EXPECT_EQ(model.at(minute(100)).cp_ug_per_ml, 0.0);
  EXPECT_EQ(model.at(minute(100)).ce_ug_per_ml, 0.0);
  EXPECT_FALSE(model.started());

  // A query before the start does not fix the start time.
  model.setRate(minute(200), kReferenceRate);
  EXPECT_TRUE(model.started());
  EXPECT_EQ(model.rate(), kReferenceRate);
  EXPECT_EQ(model.at(minute(200)).cp_ug_per_ml, 0.0);
  const Concentrations expected = afterConstantInfusion(coefficients_, 60.0, kReferenceRate);
  EXPECT_NEAR(model.at(minute(260)).cp_ug_per_ml, expected.cp_ug_per_ml, 1e-12);
}

TEST_F(PkTest, InfusionModelFollowsRateChanges) {
  InfusionModel model(coefficients_);
  model.setRate(minute(0), 1.0);
  model.setRate(minute(20), 0.2);
  model.setRate(minute(50), 0.0);

  PkState expected(coefficients_);
  expected.advance(20.0, 1.0);
  expected.advance(30.0, 0.2);
  expected.advance(25.0, 0.0);
  const Concentrations c = model.at(minute(75));
  EXPECT_NEAR(c.cp_ug_per_ml, expected.concentrations().cp_ug_per_ml, 1e-12);
  EXPECT_NEAR(c.ce_ug_per_ml, expected.concentrations().ce_ug_per_ml, 1e-12);
}

TEST_F(PkTest, PeekDoesNotMoveTheModelAndAtDoes) {
  InfusionModel model(coefficients_);
  model.setRate(minute(0), kReferenceRate);
  const Concentrations now = model.at(minute(10));
  const Concentrations future = model.peek(minute(70));
  EXPECT_GT(future.cp_ug_per_ml, now.cp_ug_per_ml);
  // Peeking again from the unmoved model gives the same answer, and "now" is unchanged.
  EXPECT_EQ(model.peek(minute(70)).cp_ug_per_ml, future.cp_ug_per_ml);
  EXPECT_EQ(model.at(minute(10)).cp_ug_per_ml, now.cp_ug_per_ml);

  const Concentrations reached = model.at(minute(70));
  EXPECT_NEAR(reached.cp_ug_per_ml, future.cp_ug_per_ml, 1e-15);
  EXPECT_NEAR(reached.ce_ug_per_ml, future.ce_ug_per_ml, 1e-15);
  // at() moved the model: a peek into its past now answers with the present.
  EXPECT_EQ(model.peek(minute(40)).cp_ug_per_ml, reached.cp_ug_per_ml);
}

TEST_F(PkTest, TimesGoingBackwardsAreClampedToTheLastTime) {
  InfusionModel model(coefficients_);
  model.setRate(minute(0), 1.0);
  const Concentrations at_60 = model.at(minute(60));
  EXPECT_EQ(model.at(minute(30)).cp_ug_per_ml, at_60.cp_ug_per_ml);

  // A late rate change takes effect at minute 60, not 30.
  model.setRate(minute(30), 0.0);
  PkState expected(coefficients_);
  expected.advance(60.0, 1.0);
  expected.advance(30.0, 0.0);
  EXPECT_NEAR(model.at(minute(90)).cp_ug_per_ml, expected.concentrations().cp_ug_per_ml, 1e-12);
}

}  // namespace
}  // namespace vigil::core
