// median() and the baseline tracker: the median over the 5 min before the infusion first
// starts, or, without such data, over the first 5 min of that metric after the start
// (provisional). CLINICAL.md section 3, modifiers.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <vector>

#include "alarms/core/baseline.h"
#include "test_support.h"

namespace vigil::core {
namespace {

using namespace test_support;

// ================================================================ the window's ring

// The window is a ring that grows when full: through growth and many wrap-arounds it keeps
// exactly the samples a first-in first-out queue keeps, oldest first.
TEST(BaselineWindow, KeepsWhatAQueueKeepsThroughGrowthAndWrapArounds) {
  BaselineTracker::Window window;
  std::deque<double> expected;
  auto check = [&](int step) {
    ASSERT_EQ(window.size(), expected.size()) << "step " << step;
    ASSERT_EQ(window.empty(), expected.empty()) << "step " << step;
    std::vector<double> held;
    for (const auto& sample : window) held.push_back(sample.value);
    ASSERT_EQ(held, std::vector<double>(expected.begin(), expected.end())) << "step " << step;
    if (!expected.empty()) ASSERT_EQ(window.front().value, expected.front()) << "step " << step;
  };
  // Push three, pop two (and now and then drain) for a thousand steps: the ring grows,
  // then wraps around while it is partly full.
  for (int step = 0; step < 1000; ++step) {
    const double value = step;
    window.push_back({atSecond(step), value});
    expected.push_back(value);
    if (step % 3 != 0 && !expected.empty()) {
      window.pop_front();
      expected.pop_front();
    }
    if (step % 250 == 249) {
      while (!expected.empty()) {
        window.pop_front();
        expected.pop_front();
      }
    }
    check(step);
  }
  window.clear();
  expected.clear();
  check(1000);
}

// ================================================================ median

TEST(Median, EmptyIsZero) { EXPECT_EQ(median({}), 0.0); }

TEST(Median, OneValue) { EXPECT_EQ(median({7.5}), 7.5); }

TEST(Median, OddCountIsTheMiddleValue) {
  EXPECT_EQ(median({5, 1, 3}), 3.0);
  EXPECT_EQ(median({-3, -1, -2}), -2.0);
  EXPECT_EQ(median({2, 2, 9}), 2.0);
}

TEST(Median, EvenCountIsTheMeanOfTheTwoMiddleValues) {
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(median({1, 5, 5, 9}), 5.0);
  EXPECT_EQ(median({2, 2, 2, 9}), 2.0);
  EXPECT_EQ(median({10, 20}), 15.0);
  EXPECT_EQ(median({100, 0, 0, 100}), 50.0);
}

TEST(Median, LargeShuffledInput) {
  std::vector<double> values;
  for (int i = 1; i <= 1001; ++i) values.push_back(i);
  // A fixed permutation: stride 17 through 1001 values (17 and 1001 are coprime).
  std::vector<double> shuffled;
  for (int i = 0; i < 1001; ++i) shuffled.push_back(values[static_cast<std::size_t>((i * 17) % 1001)]);
  EXPECT_EQ(median(shuffled), 501.0);
  shuffled.push_back(2000);  // 1002 values: (501 + 502) / 2
  EXPECT_EQ(median(shuffled), 501.5);
}

TEST(Median, DoesNotChangeTheCallersValues) {
  const std::vector<double> values{9, 1, 8, 2, 7};
  const auto copy = values;
  EXPECT_EQ(median(values), 7.0);
  EXPECT_EQ(values, copy);
}

// ================================================================ tracker

constexpr Duration kWindow = minutes(5);

TEST(BaselineTracker, NothingWithoutSamples) {
  BaselineTracker tracker(kWindow);
  for (int m = 0; m < kMetricCount; ++m) EXPECT_FALSE(tracker.baseline(static_cast<Metric>(m)).has_value());
  tracker.onInfusionStart(atSecond(1000));
  for (int m = 0; m < kMetricCount; ++m) EXPECT_FALSE(tracker.baseline(static_cast<Metric>(m)).has_value());
}

TEST(BaselineTracker, PreInfusionSamplesWaitForTheStart) {
  BaselineTracker tracker(kWindow);
  for (int k = 0; k < 600; ++k) tracker.addSample(Metric::HeartRate, atSecond(k), 80);
  EXPECT_FALSE(tracker.baseline(Metric::HeartRate).has_value());
  tracker.onInfusionStart(atSecond(600));
  ASSERT_TRUE(tracker.baseline(Metric::HeartRate).has_value());
  EXPECT_EQ(tracker.baseline(Metric::HeartRate)->value, 80.0);
  EXPECT_FALSE(tracker.baseline(Metric::HeartRate)->provisional);
}

TEST(BaselineTracker, TheWindowIsTheFiveMinutesUpToAndIncludingTheStart) {
  const TimePoint start = atSecond(1000);
  BaselineTracker tracker(kWindow);
  tracker.addSample(Metric::Sbp, start - kWindow - milliseconds(1), 1000);  // just outside
  tracker.addSample(Metric::Sbp, start - kWindow, 10);                      // first inside
  tracker.addSample(Metric::Sbp, start - seconds(100), 20);
  tracker.addSample(Metric::Sbp, start, 30);  // at the start itself
  tracker.onInfusionStart(start);
  // {10, 20, 30}: with the outside sample it would be 25; without either edge sample 25 or 15.
  ASSERT_TRUE(tracker.baseline(Metric::Sbp).has_value());
  EXPECT_EQ(tracker.baseline(Metric::Sbp)->value, 20.0);
  EXPECT_FALSE(tracker.baseline(Metric::Sbp)->provisional);
}

TEST(BaselineTracker, OnlyTheLastFiveMinutesOfALongPreInfusionPeriodCount) {
  BaselineTracker tracker(kWindow);
  // An hour at 100 then 5 min at 70: the baseline is 70, not the median of the hour.
  for (int k = 0; k < 3600; ++k) tracker.addSample(Metric::HeartRate, atSecond(k), 100);
  for (int k = 3600; k <= 3900; ++k) tracker.addSample(Metric::HeartRate, atSecond(k), 70);
  tracker.onInfusionStart(atSecond(3900));
  EXPECT_EQ(tracker.baseline(Metric::HeartRate)->value, 70.0);
}

TEST(BaselineTracker, ProvisionalFromTheFirstFiveMinutesAfterTheStart) {
  const TimePoint start = atSecond(0);
  BaselineTracker tracker(kWindow);
  tracker.onInfusionStart(start);
  const TimePoint first = start + seconds(20);
  // 300 samples in [first, first + 300 s): 100 x 60, 200 x 66 -> median 66.
  for (int k = 0; k < 300; ++k) {
    tracker.addSample(Metric::HeartRate, first + seconds(k), k < 100 ? 60 : 66);
    EXPECT_FALSE(tracker.baseline(Metric::HeartRate).has_value()) << k;
  }
  // The first sample at first + 300 s completes the window; it is not part of it.
  tracker.addSample(Metric::HeartRate, first + kWindow, 1000);
  const auto baseline = tracker.baseline(Metric::HeartRate);
  ASSERT_TRUE(baseline.has_value());
  EXPECT_EQ(baseline->value, 66.0);
  EXPECT_TRUE(baseline->provisional);
}

TEST(BaselineTracker, StalePreInfusionDataDoesNotAnchorTheProvisionalWindow) {
  const TimePoint start = atSecond(2000);
  BaselineTracker tracker(kWindow);
  for (int k = 1000; k <= 1600; ++k) tracker.addSample(Metric::SpO2, atSecond(k), 92);  // ends 400 s before
  tracker.onInfusionStart(start);
  EXPECT_FALSE(tracker.baseline(Metric::SpO2).has_value()) << "no data in the 5 min before the start";
  // The provisional window starts with the first sample after the start: 50 once, then 97.
  tracker.addSample(Metric::SpO2, start + seconds(10), 50);
  EXPECT_FALSE(tracker.baseline(Metric::SpO2).has_value());
  for (int k = 11; k < 310; ++k) tracker.addSample(Metric::SpO2, start + seconds(k), 97);
  EXPECT_FALSE(tracker.baseline(Metric::SpO2).has_value());
  tracker.addSample(Metric::SpO2, start + seconds(310), 97);
  ASSERT_TRUE(tracker.baseline(Metric::SpO2).has_value());
  EXPECT_EQ(tracker.baseline(Metric::SpO2)->value, 97.0);
  EXPECT_TRUE(tracker.baseline(Metric::SpO2)->provisional);
}

TEST(BaselineTracker, MetricsAreIndependent) {
  const TimePoint start = atSecond(600);
  BaselineTracker tracker(kWindow);
  for (int k = 300; k <= 600; ++k) tracker.addSample(Metric::HeartRate, atSecond(k), 75);
  tracker.onInfusionStart(start);
  for (int k = 601; k <= 1000; ++k) tracker.addSample(Metric::SpO2, atSecond(k), 96);
  ASSERT_TRUE(tracker.baseline(Metric::HeartRate).has_value());
  EXPECT_FALSE(tracker.baseline(Metric::HeartRate)->provisional);
  ASSERT_TRUE(tracker.baseline(Metric::SpO2).has_value());
  EXPECT_EQ(tracker.baseline(Metric::SpO2)->value, 96.0);
  EXPECT_TRUE(tracker.baseline(Metric::SpO2)->provisional);
  EXPECT_FALSE(tracker.baseline(Metric::RespRate).has_value());
}

TEST(BaselineTracker, OnceSetItDoesNotMove) {
  BaselineTracker tracker(kWindow);
  for (int k = 0; k <= 300; ++k) tracker.addSample(Metric::Map, atSecond(k), 90);
  tracker.onInfusionStart(atSecond(300));
  for (int k = 301; k <= 2000; ++k) tracker.addSample(Metric::Map, atSecond(k), 130);
  EXPECT_EQ(tracker.baseline(Metric::Map)->value, 90.0);
  EXPECT_FALSE(tracker.baseline(Metric::Map)->provisional);
}

TEST(BaselineTracker, OnlyTheFirstStartCounts) {
  const TimePoint start = atSecond(0);
  BaselineTracker tracker(kWindow);
  tracker.onInfusionStart(start);
  for (int k = 10; k < 100; ++k) tracker.addSample(Metric::HeartRate, start + seconds(k), 60);
  // Paused and restarted: not a new first start, so nothing is frozen from the samples so far.
  tracker.onInfusionStart(start + seconds(100));
  EXPECT_FALSE(tracker.baseline(Metric::HeartRate).has_value());
  for (int k = 100; k <= 310; ++k) tracker.addSample(Metric::HeartRate, start + seconds(k), 64);
  // First 300 s from 10 s: 90 x 60 and 200 x 64 -> 64, provisional.
  ASSERT_TRUE(tracker.baseline(Metric::HeartRate).has_value());
  EXPECT_EQ(tracker.baseline(Metric::HeartRate)->value, 64.0);
  EXPECT_TRUE(tracker.baseline(Metric::HeartRate)->provisional);
}

TEST(BaselineTracker, ASingleEarlySampleIsTheProvisionalBaselineAfterAGap) {
  const TimePoint start = atSecond(0);
  BaselineTracker tracker(kWindow);
  tracker.onInfusionStart(start);
  tracker.addSample(Metric::Sbp, start + seconds(30), 132);  // one NIBP reading
  tracker.addSample(Metric::Sbp, start + minutes(30), 150);  // the next one, long after
  ASSERT_TRUE(tracker.baseline(Metric::Sbp).has_value());
  EXPECT_EQ(tracker.baseline(Metric::Sbp)->value, 132.0);
  EXPECT_TRUE(tracker.baseline(Metric::Sbp)->provisional);
}

TEST(BaselineTracker, HighRateSourcesStillGiveTheMedian) {
  // 20 Hz for 5 min (6000 samples, alternating 40 and 44): the median is 42 whatever
  // bound the tracker puts on the samples it keeps.
  const TimePoint start = atSecond(1000);
  BaselineTracker tracker(kWindow);
  for (int k = 0; k < 6000; ++k) {
    tracker.addSample(Metric::RespRate, start - kWindow + milliseconds(50 * k), k % 2 == 0 ? 40 : 44);
  }
  tracker.onInfusionStart(start);
  ASSERT_TRUE(tracker.baseline(Metric::RespRate).has_value());
  EXPECT_EQ(tracker.baseline(Metric::RespRate)->value, 42.0);
}

TEST(BaselineTracker, TheWindowLengthComesFromTheProtocol) {
  BaselineTracker tracker(minutes(1));
  for (int k = 0; k < 240; ++k) tracker.addSample(Metric::HeartRate, atSecond(k), 100);
  for (int k = 240; k <= 300; ++k) tracker.addSample(Metric::HeartRate, atSecond(k), 70);
  tracker.onInfusionStart(atSecond(300));
  EXPECT_EQ(tracker.baseline(Metric::HeartRate)->value, 70.0);
}

}  // namespace
}  // namespace vigil::core
