// Technical conditions (CLINICAL.md section 3; kind TECHNICAL): monitoring lost while the
// infusion runs (10 s MEDIUM HOLD, 60 s HIGH PAUSE; NIBP-only patients 1.5 x their
// interval), pump status stale (30 s MEDIUM), sensor off (LOW after the metric's shortest
// rule delay) and sequence gaps (LOW, counted). Every number comes from the shipped
// protocol's "technical" section.
#include <gtest/gtest.h>

#include <string>

#include "test_support.h"

namespace vigil::core {
namespace {

using namespace test_support;

constexpr auto kLost = seconds(10);
constexpr auto kLostEscalated = seconds(60);
constexpr auto kPumpStale = seconds(30);
const std::string kMonitoringLost = "monitoring-lost";
const std::string kPumpStaleId = "pump-status-stale";

// A running infusion with every input flowing up to `until`.
void runningUntil(Session& s, TimePoint until) {
  s.continuous(atSecond(0), atSecond(300), seconds(1));
  s.steady(atSecond(300), until, 0.2);
  ASSERT_TRUE(s.events.empty()) << describe(s.events.front());
}

// Pump statuses every 10 s, and nothing else, from `from` to `to`.
void pumpOnly(Session& s, TimePoint from, TimePoint to, double rate = 0.2, PumpState state = PumpState::Running) {
  for (TimePoint t = from; t <= to; t += seconds(10)) s.infusion(pump(t, rate, state));
}

// ================================================================ monitoring lost

TEST(MonitoringLost, TenSecondsWithoutVitalsIsMediumHoldSixtyIsHighPause) {
  Session s;
  const TimePoint last = atSecond(1000);
  runningUntil(s, last);
  s.infusion(pump(last + seconds(5), 0.2));
  s.advance(last + kLost);
  EXPECT_TRUE(select(s.events, kMonitoringLost).empty()) << "exactly 10 s is not yet more than the limit";
  s.advance(last + kLost + milliseconds(1));
  const auto starts = select(s.events, kMonitoringLost, Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  const auto& lost = starts[0];
  EXPECT_EQ(lost.kind, AlarmKind::Technical);
  EXPECT_EQ(lost.priority, Priority::Medium);
  EXPECT_EQ(lost.advice.action, AdviceAction::Hold);
  EXPECT_EQ(lost.start_time, last + kLost);
  EXPECT_EQ(lost.alert_id, alertIdFor(kPatient, kMonitoringLost, last + kLost));
  EXPECT_DOUBLE_EQ(lost.trigger.value, 10.0);
  EXPECT_FALSE(lost.dose.likely_dose_related);

  pumpOnly(s, last + seconds(15), last + seconds(65));
  const auto escalations = select(s.events, kMonitoringLost, Phase::Escalate);
  ASSERT_EQ(escalations.size(), 1u);
  EXPECT_EQ(escalations[0].alert_id, lost.alert_id);
  EXPECT_EQ(escalations[0].priority, Priority::High);
  EXPECT_EQ(escalations[0].advice.action, AdviceAction::Pause);
  EXPECT_EQ(escalations[0].event_time, last + kLostEscalated);
  EXPECT_EQ(escalations[0].title, "Monitoring lost for 60 s while the infusion runs");

  // The advice stream follows: HOLD, then PAUSE.
  ASSERT_GE(s.advice.size(), 2u);
  EXPECT_EQ(s.advice[s.advice.size() - 2].advice.action, AdviceAction::Hold);
  EXPECT_EQ(s.advice.back().advice.action, AdviceAction::Pause);
  EXPECT_EQ(s.advice.back().condition, kMonitoringLost);

  // Vitals are back: the HIGH level latches until someone has seen it.
  const TimePoint back = last + seconds(70);
  s.vitals(back, continuousVitals());
  const auto latched = select(s.events, kMonitoringLost, Phase::Update);
  ASSERT_EQ(latched.size(), 1u);
  EXPECT_EQ(latched[0].state, AlarmState::Latched);
  EXPECT_EQ(latched[0].event_time, back);
  ASSERT_TRUE(s.acknowledge(lost.alert_id, "nurse-a").ok);
  EXPECT_EQ(select(s.events, kMonitoringLost, Phase::End).size(), 1u);
}

TEST(MonitoringLost, AtTheFirstLevelItEndsWhenTheVitalsReturn) {
  Session s;
  const TimePoint last = atSecond(1000);
  runningUntil(s, last);
  s.infusion(pump(last + seconds(5), 0.2));
  s.vitals(last + seconds(20), continuousVitals());
  const auto mine = select(s.events, kMonitoringLost);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[1].phase, Phase::End);
  EXPECT_EQ(mine[1].event_time, last + seconds(20));
}

TEST(MonitoringLost, OnlyWhileAnInfusionRuns) {
  Session s;
  s.continuous(atSecond(0), atSecond(100), seconds(1));
  s.advance(atSecond(1000));  // no pump at all
  pumpOnly(s, atSecond(1000), atSecond(1200), 0.0, PumpState::Stopped);
  EXPECT_TRUE(select(s.events, kMonitoringLost).empty());
  // Stopping the infusion ends it.
  Session t;
  runningUntil(t, atSecond(1000));
  t.infusion(pump(atSecond(1005), 0.2));
  t.advance(atSecond(1015));
  ASSERT_EQ(select(t.events, kMonitoringLost, Phase::Start).size(), 1u);
  t.infusion(pump(atSecond(1016), 0.2, PumpState::Paused));
  const auto ends = select(t.events, kMonitoringLost, Phase::End);
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].event_time, atSecond(1016));
}

TEST(MonitoringLost, FramesWithEveryProbeOffAreNoMonitoring) {
  Session s;
  const TimePoint last = atSecond(1000);
  runningUntil(s, last);
  for (int k = 1; k <= 12; ++k) {
    auto ms = continuousVitals();
    for (auto& m : ms) m.quality = Quality::SensorOff;
    if (k % 10 == 0) s.infusion(pump(last + seconds(k), 0.2));
    s.vitals(last + seconds(k), std::move(ms));
  }
  const auto starts = select(s.events, kMonitoringLost, Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].start_time, last + kLost);
  // One valid vital is monitoring again.
  s.vitals(last + seconds(13), {measurement(mdc::kEcgHeartRate, 80), measurement(mdc::kSpO2, 0, Quality::SensorOff)});
  EXPECT_EQ(select(s.events, kMonitoringLost, Phase::End).size(), 1u);
}

TEST(MonitoringLost, AnInfusionStartedWithNoVitalsAtAllIsBlind) {
  Session s;
  s.infusion(pump(atSecond(100), 0.2));
  s.advance(atSecond(110) + milliseconds(1));
  const auto starts = select(s.events, kMonitoringLost, Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].start_time, atSecond(110));
}

TEST(MonitoringLost, AnNibpOnlyPatientIsStaleAfterOneAndAHalfOfItsIntervals) {
  Session s;
  // NIBP every 180 s, nothing continuous: stale 270 s after the last reading.
  for (int k = 0; k <= 3; ++k) s.vitals(atSecond(100 + 180 * k), nibpReading(120, 75, 90));
  const TimePoint last = atSecond(100 + 180 * 3);
  s.infusion(pump(atSecond(101), 0.2));
  pumpOnly(s, last, last + seconds(400));
  const auto starts = select(s.events, kMonitoringLost, Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].start_time, last + seconds(270));
  EXPECT_DOUBLE_EQ(starts[0].trigger.limit_value, 270.0);
  // Escalated 50 s after the first level (60 s - 10 s, as for continuous monitoring).
  const auto escalations = select(s.events, kMonitoringLost, Phase::Escalate);
  ASSERT_EQ(escalations.size(), 1u);
  EXPECT_EQ(escalations[0].event_time, last + seconds(320));
  // The readings before the last one were on time: no alarm between them.
  for (const auto& e : select(s.events, kMonitoringLost)) EXPECT_GE(e.event_time, last + seconds(270)) << describe(e);
}

TEST(MonitoringLost, ASingleNibpReadingUsesTheProtocolsDefaultInterval) {
  Session s;
  s.vitals(atSecond(100), nibpReading(120, 75, 90));
  s.infusion(pump(atSecond(100), 0.2));
  pumpOnly(s, atSecond(110), atSecond(600));
  const auto starts = select(s.events, kMonitoringLost, Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].start_time, atSecond(100 + 450));  // 1.5 x 300 s
}

TEST(MonitoringLost, OnceContinuouslyMonitoredNibpAloneDoesNotCount) {
  Session s;
  const TimePoint last = atSecond(1000);
  runningUntil(s, last);
  s.infusion(pump(last + seconds(5), 0.2));
  s.vitals(last + seconds(8), nibpReading(120, 75, 90));  // the cuff is not the monitor
  s.advance(last + seconds(11));
  EXPECT_EQ(select(s.events, kMonitoringLost, Phase::Start).size(), 1u);
}

// ================================================================ pump

TEST(PumpStale, ThirtySecondsWithoutAPumpStatusWhileRunningIsMedium) {
  Session s;
  const TimePoint last_pump = atSecond(1000);
  runningUntil(s, last_pump);
  s.continuous(last_pump + seconds(1), last_pump + kPumpStale, seconds(1));
  EXPECT_TRUE(select(s.events, kPumpStaleId).empty());
  s.vitals(last_pump + kPumpStale + milliseconds(1), continuousVitals());
  const auto starts = select(s.events, kPumpStaleId, Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].start_time, last_pump + kPumpStale);
  EXPECT_EQ(starts[0].kind, AlarmKind::Technical);
  EXPECT_EQ(starts[0].priority, Priority::Medium);
  EXPECT_EQ(starts[0].advice.action, AdviceAction::Hold);
  const TimePoint back = last_pump + seconds(40);
  s.infusion(pump(back, 0.2));
  const auto ends = select(s.events, kPumpStaleId, Phase::End);
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].event_time, back);
}

TEST(PumpStale, AStoppedPumpThatFallsSilentIsNotAnAlarm) {
  Session s;
  s.infusion(pump(atSecond(100), 0.2, PumpState::Stopped));
  s.continuous(atSecond(100), atSecond(400), seconds(1));
  EXPECT_TRUE(select(s.events, kPumpStaleId).empty());
}

// ================================================================ sensor off

TEST(SensorOff, AMetricUnusableForLongerThanItsShortestDelayIsLow) {
  // SpO2: 10 s (spo2-at-or-below-85); RR: 20 s (no-breath); HR: 30 s (hr-out-of-range).
  struct Case {
    std::uint32_t code;
    Quality quality;
    Duration delay;
    std::string key;
  };
  for (const Case& c : {Case{mdc::kSpO2, Quality::SensorOff, seconds(10), "sensor-off-SPO2"},
                        Case{mdc::kRespRate, Quality::Questionable, seconds(20), "sensor-off-RR"},
                        Case{mdc::kEcgHeartRate, Quality::Artifact, seconds(30), "sensor-off-HR"}}) {
    SCOPED_TRACE(c.key);
    Session s;
    const TimePoint t0 = atSecond(100);
    for (TimePoint t = t0; t <= t0 + c.delay; t += seconds(1)) {
      auto ms = continuousVitals();
      for (auto& m : ms) {
        if (m.code == c.code) m.quality = c.quality;
      }
      s.vitals(t, std::move(ms));
    }
    EXPECT_TRUE(select(s.events, c.key).empty()) << "exactly the delay is not longer than it";
    s.advance(t0 + c.delay + milliseconds(1));
    const auto starts = select(s.events, c.key, Phase::Start);
    ASSERT_EQ(starts.size(), 1u);
    EXPECT_EQ(starts[0].kind, AlarmKind::Technical);
    EXPECT_EQ(starts[0].priority, Priority::Low);
    EXPECT_EQ(starts[0].start_time, t0 + c.delay);
    EXPECT_NE(starts[0].title.find("Sensor off"), std::string::npos) << starts[0].title;
    // A valid value of that metric ends it.
    s.vitals(t0 + c.delay + seconds(1), continuousVitals());
    const auto ends = select(s.events, c.key, Phase::End);
    ASSERT_EQ(ends.size(), 1u);
    EXPECT_EQ(ends[0].event_time, t0 + c.delay + seconds(1));
    EXPECT_TRUE(ofKind(s.events, AlarmKind::Physiological).empty());
  }
}

TEST(SensorOff, APatientsMetricsAndPatientsAreSeparate) {
  Session s;
  const TimePoint t0 = atSecond(100);
  for (int k = 0; k <= 40; ++k) {
    s.vitals(t0 + seconds(k), {measurement(mdc::kSpO2, 0, Quality::SensorOff), measurement(mdc::kEcgHeartRate, 80),
                               measurement(mdc::kRespRate, 0, Quality::SensorOff)});
    s.vitals(t0 + seconds(k), continuousVitals(), "bed-8");
  }
  EXPECT_EQ(select(s.events, "sensor-off-SPO2", Phase::Start).size(), 1u);
  EXPECT_EQ(select(s.events, "sensor-off-RR", Phase::Start).size(), 1u);
  EXPECT_TRUE(select(s.events, "sensor-off-HR").empty());
  for (const auto& e : s.events) EXPECT_EQ(e.patient_id, kPatient);
}

TEST(SensorOff, AValidSampleInBetweenStartsTheCountAgain) {
  Session s;
  const TimePoint t0 = atSecond(100);
  for (int k = 0; k <= 30; ++k) {
    const auto quality = k == 8 || k == 16 || k == 24 ? Quality::Valid : Quality::SensorOff;
    s.vitals(t0 + seconds(k), {measurement(mdc::kSpO2, 97, quality)});
  }
  EXPECT_TRUE(select(s.events, "sensor-off-SPO2").empty());
}

// ================================================================ sequence gaps

SequenceGap gap(TimePoint time, std::uint64_t missing, std::string source = "monitor-1") {
  return SequenceGap{kPatient, kWard, std::move(source), missing, time};
}

TEST(SequenceGaps, AGapIsALowTechnicalAlarmAndEveryGapIsCounted) {
  Session s;
  const auto out = s.engine.onSequenceGap(gap(atSecond(100), 3));
  append(s.events, out.alarms);
  const auto starts = select(s.events, "sequence-gap-monitor-1", Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].kind, AlarmKind::Technical);
  EXPECT_EQ(starts[0].priority, Priority::Low);
  EXPECT_EQ(starts[0].advice.action, AdviceAction::None);
  EXPECT_DOUBLE_EQ(starts[0].trigger.value, 3.0);
  append(s.events, s.engine.onSequenceGap(gap(atSecond(110), 2, "pump 1/a")).alarms);
  EXPECT_EQ(select(s.events, "sequence-gap-pump_1_a", Phase::Start).size(), 1u) << "ids stay usable";
  EXPECT_EQ(s.engine.counters().sequence_gaps, 2u);
  EXPECT_EQ(s.engine.counters().frames_missing, 5u);
}

TEST(SequenceGaps, ItEndsOnceAcknowledgedAndItsHoldHasPassed) {
  // hold_s 60 in the shipped protocol.
  Session s;
  append(s.events, s.engine.onSequenceGap(gap(atSecond(100), 1)).alarms);
  const std::string id = alertIdFor(kPatient, "sequence-gap-monitor-1", atSecond(100));
  s.advance(atSecond(200));
  EXPECT_TRUE(select(s.events, "sequence-gap-monitor-1", Phase::End).empty()) << "nobody has seen it yet";
  EXPECT_EQ(s.engine.alarms().size(), 1u);
  const auto ack = s.acknowledge(id, "nurse-a");
  ASSERT_TRUE(ack.ok);
  ASSERT_EQ(ack.outputs.alarms.size(), 1u);
  EXPECT_EQ(ack.outputs.alarms[0].phase, Phase::End) << "past its hold, acknowledging ends it";
  // Acknowledged early, it ends when the hold is over.
  Session t;
  append(t.events, t.engine.onSequenceGap(gap(atSecond(100), 1)).alarms);
  t.advance(atSecond(110));
  ASSERT_TRUE(t.acknowledge(id, "nurse-a").ok);
  t.advance(atSecond(160));
  EXPECT_TRUE(select(t.events, "sequence-gap-monitor-1", Phase::End).empty());
  t.advance(atSecond(160) + milliseconds(1));
  const auto ends = select(t.events, "sequence-gap-monitor-1", Phase::End);
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].event_time, atSecond(160));
}

TEST(SequenceGaps, ANewGapSoundsAgainAndRenewsTheHold) {
  Session s;
  append(s.events, s.engine.onSequenceGap(gap(atSecond(100), 1)).alarms);
  s.advance(atSecond(110));
  ASSERT_TRUE(s.acknowledge(alertIdFor(kPatient, "sequence-gap-monitor-1", atSecond(100)), "nurse-a").ok);
  append(s.events, s.engine.onSequenceGap(gap(atSecond(150), 4)).alarms);
  const auto updates = select(s.events, "sequence-gap-monitor-1", Phase::Update);
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_EQ(updates[1].inactivation, Inactivation::Enabled);
  EXPECT_DOUBLE_EQ(updates[1].trigger.value, 4.0);
  s.advance(atSecond(200));
  EXPECT_TRUE(select(s.events, "sequence-gap-monitor-1", Phase::End).empty()) << "held until 210 s";
}

// ================================================================ configuration

TEST(TechnicalSettings, TheLimitsComeFromTheProtocol) {
  auto protocol = shippedProtocol();
  ASSERT_TRUE(protocol.technical.has_value());
  protocol.technical->monitoring_lost.after = seconds(5);
  protocol.technical->pump_stale.after = seconds(12);
  Session s(protocol);
  s.continuous(atSecond(0), atSecond(10), seconds(1));
  s.infusion(pump(atSecond(10), 0.2));
  s.advance(atSecond(30));
  ASSERT_EQ(select(s.events, kMonitoringLost, Phase::Start).size(), 1u);
  EXPECT_EQ(select(s.events, kMonitoringLost, Phase::Start)[0].start_time, atSecond(15));
  ASSERT_EQ(select(s.events, kPumpStaleId, Phase::Start).size(), 1u);
  EXPECT_EQ(select(s.events, kPumpStaleId, Phase::Start)[0].start_time, atSecond(22));
  // Without the section there are no technical alarms at all.
  protocol.technical.reset();
  Session none(protocol);
  none.infusion(pump(atSecond(10), 0.2));
  none.advance(atSecond(500));
  EXPECT_TRUE(none.events.empty());
}

}  // namespace
}  // namespace vigil::core
