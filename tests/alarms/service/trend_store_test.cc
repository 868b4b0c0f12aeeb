// The engine's per-patient trend (alarms/service/trend_store.h): one point per bucket with
// the last value measured in it, each value in the bucket of its own measurement time,
// nothing older than the window, a bounded number of buckets, alarms and patients, and
// the alarm history with its acknowledgement, reaching further back than the window.
#include "alarms/service/trend_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>

namespace vigil::service {
namespace {

using std::chrono::milliseconds;

constexpr std::int64_t kStart = 1'700'000'000'000;  // a bucket boundary for 10 s buckets

core::PatientStatus status(const std::string& patient, std::int64_t time_ms, double hr, double rate = 0.0,
                           double ce = 0.0) {
  core::PatientStatus out;
  out.patient_id = patient;
  out.event_time = core::fromMillis(time_ms);
  out.latest.push_back({0, "HR", hr, "bpm", core::fromMillis(time_ms)});
  out.dose.infusion_running = rate > 0.0;
  out.dose.rate_mg_per_kg_per_h = rate;
  out.dose.ce_ug_per_ml = ce;
  return out;
}

double value(const TrendBucket& bucket, TrendSeries series) { return bucket.values[static_cast<std::size_t>(series)]; }

TEST(TrendStore, KeepsTheLastValueOfEachBucket) {
  TrendStore store;
  store.recordStatus(status("p1", kStart + 1'000, 70));
  store.recordStatus(status("p1", kStart + 9'000, 75));
  store.recordStatus(status("p1", kStart + 10'000, 80, 0.5, 0.12));
  const auto* buckets = store.buckets("p1");
  ASSERT_NE(buckets, nullptr);
  ASSERT_EQ(buckets->size(), 2u);
  EXPECT_EQ((*buckets)[0].start_ms, kStart);
  EXPECT_EQ(value((*buckets)[0], TrendSeries::Hr), 75);
  EXPECT_EQ(value((*buckets)[0], TrendSeries::DoseRate), 0.0);
  EXPECT_EQ((*buckets)[1].start_ms, kStart + 10'000);
  EXPECT_EQ(value((*buckets)[1], TrendSeries::Hr), 80);
  EXPECT_EQ(value((*buckets)[1], TrendSeries::DoseRate), 0.5);
  EXPECT_DOUBLE_EQ(value((*buckets)[1], TrendSeries::EffectSite), 0.12);
}

TEST(TrendStore, PutsAValueInTheBucketOfItsMeasurementNotEveryBucket) {
  TrendStore store;
  auto first = status("p1", kStart, 70);
  first.latest.push_back({0, "SBP", 120, "mmHg", core::fromMillis(kStart)});
  store.recordStatus(first);
  // A minute later the same blood pressure is still the latest: it was measured then, not now.
  auto later = status("p1", kStart + 60'000, 72);
  later.latest.push_back({0, "SBP", 120, "mmHg", core::fromMillis(kStart)});
  store.recordStatus(later);
  const auto& buckets = *store.buckets("p1");
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(value(buckets[0], TrendSeries::Sbp), 120);
  EXPECT_TRUE(std::isnan(value(buckets[1], TrendSeries::Sbp)));
  EXPECT_TRUE(std::isnan(value(buckets[1], TrendSeries::Spo2)));
}

TEST(TrendStore, ForgetsWhatIsOlderThanTheWindowAndStaysBounded) {
  TrendStore store(TrendStoreConfig{milliseconds(10'000), milliseconds(4 * 3'600'000), 256, 512});
  const std::int64_t five_hours = 5 * 3'600'000;
  for (std::int64_t t = 0; t <= five_hours; t += 1'000) store.recordStatus(status("p1", kStart + t, 60 + t % 7));
  const auto& buckets = *store.buckets("p1");
  EXPECT_EQ(buckets.size(), 4u * 360u + 1u);  // 4 h of 10 s buckets, both ends included
  EXPECT_EQ(buckets.front().start_ms, kStart + five_hours - 4 * 3'600'000);
  EXPECT_EQ(buckets.back().start_ms, kStart + five_hours);
  const auto trend = store.trend("p1", 0);
  EXPECT_EQ(trend.time_ms_size(), static_cast<int>(buckets.size()));
  EXPECT_EQ(trend.hr_size(), trend.time_ms_size());
  EXPECT_EQ(trend.ce_ug_per_ml_size(), trend.time_ms_size());
}

TEST(TrendStore, SinceReturnsOnlyNewerBuckets) {
  TrendStore store;
  for (std::int64_t t = 0; t < 60'000; t += 5'000) store.recordStatus(status("p1", kStart + t, 70));
  const auto trend = store.trend("p1", kStart + 30'000);
  ASSERT_EQ(trend.time_ms_size(), 3);
  EXPECT_EQ(trend.time_ms(0), kStart + 30'000);
  EXPECT_EQ(trend.bucket_ms(), 10'000);
  EXPECT_EQ(store.trend("nobody", 0).time_ms_size(), 0);
}

TEST(TrendStore, RefusesPatientsOverTheLimitAndCountsThem) {
  TrendStore store(TrendStoreConfig{milliseconds(10'000), milliseconds(3'600'000), 4, 2});
  store.recordStatus(status("p1", kStart, 70));
  store.recordStatus(status("p2", kStart, 70));
  store.recordStatus(status("p3", kStart, 70));
  EXPECT_EQ(store.patientCount(), 2u);
  EXPECT_EQ(store.buckets("p3"), nullptr);
  EXPECT_EQ(store.counters().patients_refused, 1u);
}

core::AlarmEvent alarm(const std::string& id, core::Phase phase, std::int64_t time_ms) {
  core::AlarmEvent event;
  event.alert_id = id;
  event.patient_id = "p1";
  event.title = "SpO2 low";
  event.priority = core::Priority::High;
  event.phase = phase;
  event.start_time = core::fromMillis(kStart);
  event.event_time = core::fromMillis(time_ms);
  return event;
}

TEST(TrendStore, KeepsEachAlarmOnceWithItsEndAndAcknowledgement) {
  TrendStore store;
  store.recordAlarm(alarm("a1", core::Phase::Start, kStart));
  auto acknowledged = alarm("a1", core::Phase::Update, kStart + 20'000);
  acknowledged.acknowledged_by = "station-1 (nurse A)";
  acknowledged.acknowledged_time = core::fromMillis(kStart + 20'000);
  store.recordAlarm(acknowledged);
  store.recordAlarm(alarm("a1", core::Phase::End, kStart + 40'000));
  const auto trend = store.trend("p1", 0);
  ASSERT_EQ(trend.alarms_size(), 1);
  EXPECT_EQ(trend.alarms(0).start_time_ms(), kStart);
  EXPECT_EQ(trend.alarms(0).end_time_ms(), kStart + 40'000);
  EXPECT_EQ(trend.alarms(0).acknowledged_by(), "station-1 (nurse A)");
  EXPECT_EQ(trend.alarms(0).acknowledged_time_ms(), kStart + 20'000);
  EXPECT_EQ(trend.alarms(0).priority(), vigil::v1::PRIORITY_HIGH);
}

TEST(TrendStore, KeepsAtMostMaxAlarmsAndCountsTheForgotten) {
  TrendStore store(TrendStoreConfig{milliseconds(10'000), milliseconds(3'600'000), 3, 8});
  for (int i = 0; i < 5; ++i) store.recordAlarm(alarm("a" + std::to_string(i), core::Phase::Start, kStart + i));
  const auto* alarms = store.alarms("p1");
  ASSERT_NE(alarms, nullptr);
  ASSERT_EQ(alarms->size(), 3u);
  EXPECT_EQ(alarms->front().alert_id, "a2");
  EXPECT_EQ(store.counters().alarms_forgotten, 2u);
}

// A bed's detail lists the session's alarms, also those before the charts' window; an
// alarm ended longer ago than the alarm history is forgotten.
TEST(TrendStore, KeepsEndedAlarmsOlderThanTheWindowForTheAlarmHistory) {
  TrendStore store(TrendStoreConfig{milliseconds(10'000), milliseconds(60'000), 8, 8, milliseconds(600'000)});
  store.recordAlarm(alarm("old", core::Phase::Start, kStart));
  store.recordAlarm(alarm("old", core::Phase::End, kStart + 1'000));
  store.recordStatus(status("p1", kStart + 120'000, 70));
  const auto trend = store.trend("p1", 0);
  ASSERT_EQ(trend.alarms_size(), 1) << "an alarm older than the 60 s window is still in the history";
  EXPECT_EQ(trend.alarms(0).alert_id(), "old");
  EXPECT_GE(trend.time_ms(0), kStart + 60'000) << "while the charts keep only the window";
  store.recordStatus(status("p1", kStart + 602'000, 70));
  EXPECT_TRUE(store.alarms("p1")->empty()) << "ended more than the alarm history ago";
}

}  // namespace
}  // namespace vigil::service
