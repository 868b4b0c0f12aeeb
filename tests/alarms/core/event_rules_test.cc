// CLINICAL.md section 3 rows 15-17 (nurse entries), 20 (session dose), 21 (titration pace)
// and 22 (NEWS2 triggers), each on, just inside and just outside its limit, with the end
// of an "on entry" condition as protocol.proto defines it.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "test_support.h"

namespace vigil::core {
namespace {

using namespace test_support;

// A patient on a steady infusion: 0.1 mg/kg/h, 0.2 from 30 min, everything flowing; the
// case starts 2 h after the step (no dose attribution applies).
class Entries : public ::testing::Test {
 protected:
  void SetUp() override {
    s.continuous(atSecond(0), start, seconds(1));
    s.steady(start, step - seconds(5), 0.1);
    s.steady(step, t0 - seconds(5), 0.2);
    ASSERT_TRUE(s.events.empty()) << describe(s.events.front());
  }
  // Keeps every input flowing up to `to`.
  void flowUntil(TimePoint to) { s.steady(last_flow_ + seconds(5), to, 0.2), last_flow_ = to; }

  Session s;
  const TimePoint start = atSecond(300);
  const TimePoint step = start + minutes(30);
  const TimePoint t0 = step + hours(2);
  TimePoint last_flow_ = t0 - seconds(5);
};

// ================================================================ 15: RASS

TEST_F(Entries, RassMinusTwoIsMediumReduceToThePreviousRate) {
  s.event(rass(t0, -2));
  const auto starts = select(s.events, "sedation-rass-minus-2", Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].priority, Priority::Medium);
  EXPECT_EQ(starts[0].kind, AlarmKind::Physiological);
  EXPECT_EQ(starts[0].start_time, t0);
  EXPECT_DOUBLE_EQ(starts[0].trigger.value, -2.0);
  EXPECT_EQ(starts[0].advice.action, AdviceAction::Reduce);
  EXPECT_DOUBLE_EQ(starts[0].advice.target_rate_mg_per_kg_per_h, 0.1);
  EXPECT_DOUBLE_EQ(starts[0].advice.target_rate_ml_per_h, 4.0);
  EXPECT_TRUE(select(s.events, "sedation-rass-minus-3-or-deeper").empty());
}

TEST_F(Entries, RassMinusOneIsNothing) {
  s.event(rass(t0, -1));
  flowUntil(t0 + minutes(1));
  s.event(rass(t0 + minutes(1), 0));
  flowUntil(t0 + minutes(2));
  s.event(rass(t0 + minutes(2), 2));
  EXPECT_TRUE(s.events.empty()) << describe(s.events.front());
}

TEST_F(Entries, RassMinusThreeOrDeeperIsHighStopAndCall) {
  for (int score : {-3, -4, -5}) {
    SCOPED_TRACE(score);
    Session fresh;
    fresh.event(rass(atSecond(100), score));
    const auto starts = select(fresh.events, "sedation-rass-minus-3-or-deeper", Phase::Start);
    ASSERT_EQ(starts.size(), 1u);
    EXPECT_EQ(starts[0].priority, Priority::High);
    EXPECT_EQ(starts[0].advice.action, AdviceAction::StopAndCall);
    EXPECT_TRUE(select(fresh.events, "sedation-rass-minus-2").empty());
  }
}

TEST_F(Entries, ALaterRassEntryEndsTheSedationCondition) {
  s.event(rass(t0, -2));
  flowUntil(t0 + minutes(1));
  // Deeper: the -2 condition is over, the -3 one starts.
  s.event(rass(t0 + minutes(1), -3));
  ASSERT_EQ(select(s.events, "sedation-rass-minus-2", Phase::End).size(), 1u);
  ASSERT_EQ(select(s.events, "sedation-rass-minus-3-or-deeper", Phase::Start).size(), 1u);
  flowUntil(t0 + minutes(5));
  // Awake again (RASS 0): the HIGH one latches until acknowledged.
  s.event(rass(t0 + minutes(5), 0));
  const auto updates = select(s.events, "sedation-rass-minus-3-or-deeper", Phase::Update);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].state, AlarmState::Latched);
  // Repeating the same score neither restarts nor re-announces it.
  s.event(rass(t0 + minutes(6), -2));
  s.event(rass(t0 + minutes(7), -2));
  EXPECT_EQ(select(s.events, "sedation-rass-minus-2", Phase::Start).size(), 2u);
  EXPECT_EQ(select(s.events, "sedation-rass-minus-2").size(), 3u);
}

TEST_F(Entries, NonsenseEntriesAreRefusedAndCounted) {
  s.event(rass(t0, -6));
  s.event(rass(t0, 5));
  s.event(clinicalEvent(t0, ClinicalEventKind::Unspecified));
  s.event(clinicalEvent(t0, ClinicalEventKind::Consciousness));  // no ACVPU level
  EXPECT_TRUE(s.events.empty());
  EXPECT_EQ(s.engine.counters().clinical_events_refused, 4u);
  EXPECT_EQ(s.engine.counters().clinical_events, 4u);
}

// ================================================================ 16: psychotomimetic

TEST_F(Entries, MildPsychotomimeticEffectsAreMediumReduceSevereAreHighPause) {
  struct Case {
    ClinicalEventKind kind;
    Severity severity;
    const char* rule;
    Priority priority;
    AdviceAction advice;
  };
  for (const Case& c : {Case{ClinicalEventKind::Hallucination, Severity::Mild, "psychotomimetic-mild", Priority::Medium,
                             AdviceAction::Reduce},
                        Case{ClinicalEventKind::Dysphoria, Severity::Unspecified, "psychotomimetic-mild",
                             Priority::Medium, AdviceAction::Reduce},
                        Case{ClinicalEventKind::Nightmare, Severity::Severe, "psychotomimetic-severe", Priority::High,
                             AdviceAction::Pause}}) {
    SCOPED_TRACE(c.rule);
    const auto mark = s.events.size();
    s.event(sideEffect(t0, c.kind, c.severity));
    const AlarmEvents mine(s.events.begin() + static_cast<std::ptrdiff_t>(mark), s.events.end());
    ASSERT_EQ(mine.size(), 1u);
    EXPECT_EQ(mine[0].condition, c.rule);
    EXPECT_EQ(mine[0].priority, c.priority);
    EXPECT_EQ(mine[0].advice.action, c.advice);
    ASSERT_TRUE(s.acknowledge(mine[0].alert_id, "nurse-a").ok);
  }
  // Nausea is not a psychotomimetic effect.
  EXPECT_TRUE(select(s.events, "psychotomimetic-mild").size() >= 2u);
}

TEST_F(Entries, AnAcknowledgedEntryEndsWhenItsHoldIsOver) {
  // hold_s 900 for rule 16.
  s.event(sideEffect(t0, ClinicalEventKind::Hallucination, Severity::Mild));
  const std::string id = alertIdFor(kPatient, "psychotomimetic-mild", t0);
  flowUntil(t0 + seconds(30));
  ASSERT_TRUE(s.acknowledge(id, "nurse-a").ok);
  flowUntil(t0 + minutes(15));
  EXPECT_TRUE(select(s.events, "psychotomimetic-mild", Phase::End).empty());
  flowUntil(t0 + minutes(15) + seconds(5));
  const auto ends = select(s.events, "psychotomimetic-mild", Phase::End);
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].event_time, t0 + minutes(15));
}

TEST_F(Entries, AnUnacknowledgedEntryStaysUntilSomeoneAcknowledgesIt) {
  s.event(sideEffect(t0, ClinicalEventKind::Hallucination, Severity::Mild));
  s.event(sideEffect(t0, ClinicalEventKind::Hallucination, Severity::Severe));
  flowUntil(t0 + minutes(40));
  EXPECT_TRUE(select(s.events, "psychotomimetic-mild", Phase::End).empty());
  // The severe one (HIGH) latches when its hold is over; the mild one is still active.
  const auto latched = select(s.events, "psychotomimetic-severe", Phase::Update);
  ASSERT_EQ(latched.size(), 1u);
  EXPECT_EQ(latched[0].state, AlarmState::Latched);
  EXPECT_EQ(latched[0].event_time, t0 + minutes(15));
  EXPECT_EQ(select(s.engine.alarms(), "psychotomimetic-mild").at(0).state, AlarmState::Active);
  // Acknowledging either now ends it.
  for (const char* rule : {"psychotomimetic-mild", "psychotomimetic-severe"}) {
    const auto ack = s.acknowledge(alertIdFor(kPatient, rule, t0), "nurse-a");
    ASSERT_TRUE(ack.ok);
    ASSERT_EQ(ack.outputs.alarms.size(), 1u);
    EXPECT_EQ(ack.outputs.alarms[0].phase, Phase::End);
  }
}

// ================================================================ 17: nausea

TEST_F(Entries, NauseaOnceIsLowHoldTwiceWithinThirtyMinutesIsMediumReduce) {
  s.event(sideEffect(t0, ClinicalEventKind::Nausea));
  const auto once = select(s.events, "nausea", Phase::Start);
  ASSERT_EQ(once.size(), 1u);
  EXPECT_EQ(once[0].priority, Priority::Low);
  EXPECT_EQ(once[0].advice.action, AdviceAction::Hold);
  EXPECT_TRUE(select(s.events, "nausea-repeated").empty());
  flowUntil(t0 + minutes(30));
  s.event(sideEffect(t0 + minutes(30), ClinicalEventKind::Vomiting));  // exactly 30 min: within
  const auto twice = select(s.events, "nausea-repeated", Phase::Start);
  ASSERT_EQ(twice.size(), 1u);
  EXPECT_EQ(twice[0].priority, Priority::Medium);
  EXPECT_EQ(twice[0].advice.action, AdviceAction::Reduce);
  EXPECT_DOUBLE_EQ(twice[0].trigger.value, 2.0);
}

TEST_F(Entries, NauseaTwiceJustOverThirtyMinutesApartIsNotRepeated) {
  s.event(sideEffect(t0, ClinicalEventKind::Nausea));
  flowUntil(t0 + minutes(30));
  s.event(sideEffect(t0 + minutes(30) + milliseconds(1), ClinicalEventKind::Nausea));
  EXPECT_TRUE(select(s.events, "nausea-repeated").empty());
  // The LOW one was refreshed by the second entry (it was never acknowledged).
  EXPECT_EQ(select(s.events, "nausea", Phase::Start).size(), 1u);
}

// ================================================================ 20: session dose

// 80 kg: 0.3125 mg/kg/h is 25 mg/h, exactly 100 mg in 4 h.
TEST(SessionDose, OnTheLimitNeverAlarmsJustAboveAlarmsWhenTheWindowedDoseExceedsIt) {
  for (double rate : {0.3124, 0.3125, 0.3126}) {
    SCOPED_TRACE(rate);
    Session s;
    s.infusion(pump(atSecond(0), rate));
    s.advance(atSecond(0) + hours(8));
    const auto starts = select(s.events, "session-dose-above-max", Phase::Start);
    if (rate <= 0.3125) {
      EXPECT_TRUE(starts.empty());
      continue;
    }
    ASSERT_EQ(starts.size(), 1u);
    // 100 mg / (0.3126 x 80 mg/h) = 3.99872 h after the start, to the millisecond.
    const double hours_to_limit = 100.0 / (rate * kWeightKg);
    const auto expected = atSecond(0) + Duration{static_cast<std::int64_t>(std::ceil(hours_to_limit * 3600'000.0))};
    EXPECT_LE(std::abs((starts[0].start_time - expected).count()), 1);
    EXPECT_EQ(starts[0].priority, Priority::Medium);
    EXPECT_EQ(starts[0].kind, AlarmKind::Advisory);
    EXPECT_EQ(starts[0].advice.action, AdviceAction::Hold);
    EXPECT_GT(starts[0].trigger.value, 100.0);
    EXPECT_LT(starts[0].trigger.value, 100.001);
  }
}

TEST(SessionDose, ItEndsWhenTheWindowHasSlidPastEnoughOfTheDose) {
  // 0.5 mg/kg/h x 80 kg = 40 mg/h: over 100 mg at 2.5 h; stopped at 3 h (120 mg); the 4-h
  // window holds no more than 100 mg from 4.5 h on.
  Session s;
  s.infusion(pump(atSecond(0), 0.5));
  s.infusion(pump(atSecond(0) + hours(3), 0.5, PumpState::Stopped));
  s.advance(atSecond(0) + hours(6));
  const auto starts = select(s.events, "session-dose-above-max", Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].start_time, atSecond(0) + minutes(150) + milliseconds(1));
  const auto ends = select(s.events, "session-dose-above-max", Phase::End);
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].event_time, atSecond(0) + minutes(270));
}

TEST(SessionDose, ThePumpsOwnFiguresServeWhenTheWeightIsUnknown) {
  Session s;
  PumpStatus status = pump(atSecond(0), 0.0, PumpState::Running, /*weight_kg=*/0.0);
  status.rate_ml_per_h = 25.0;  // x 2 mg/mL = 50 mg/h; no weight, no mg/kg/h
  s.infusion(status);
  s.advance(atSecond(0) + hours(3));
  const auto starts = select(s.events, "session-dose-above-max", Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].start_time, atSecond(0) + hours(2) + milliseconds(1));
}

// ================================================================ 21: titration pace

TEST(TitrationPace, AnIncreaseSoonerThanThirtyMinutesAfterThePreviousIsLowHold) {
  for (Duration gap : {Duration{minutes(30) - milliseconds(1)}, Duration{minutes(30)}, Duration{minutes(45)}}) {
    SCOPED_TRACE(gap.count());
    Session s;
    s.infusion(pump(atSecond(0), 0.1));  // the start counts as an increase
    s.infusion(pump(atSecond(0) + gap, 0.2));
    const auto starts = select(s.events, "rate-increase-too-soon", Phase::Start);
    if (gap >= minutes(30)) {
      EXPECT_TRUE(starts.empty());
      continue;
    }
    ASSERT_EQ(starts.size(), 1u);
    EXPECT_EQ(starts[0].priority, Priority::Low);
    EXPECT_EQ(starts[0].kind, AlarmKind::Advisory);
    EXPECT_EQ(starts[0].advice.action, AdviceAction::Hold);
    EXPECT_EQ(starts[0].start_time, atSecond(0) + gap);
    EXPECT_NEAR(starts[0].trigger.value, 30.0, 1e-4);
  }
}

TEST(TitrationPace, ADecreaseIsNotAnIncreaseAndTheAlarmEndsAfterItsHold) {
  Session s;
  s.infusion(pump(atSecond(0), 0.2));
  s.infusion(pump(atSecond(0) + minutes(40), 0.1));  // down: fine
  s.infusion(pump(atSecond(0) + minutes(50), 0.2));  // up 50 min after the last increase: fine
  EXPECT_TRUE(select(s.events, "rate-increase-too-soon").empty());
  const TimePoint early = atSecond(0) + minutes(60);
  s.infusion(pump(early, 0.3));  // 10 min after the previous increase
  ASSERT_EQ(select(s.events, "rate-increase-too-soon", Phase::Start).size(), 1u);
  s.advance(early + seconds(1));
  ASSERT_TRUE(s.acknowledge(alertIdFor(kPatient, "rate-increase-too-soon", early), "nurse-a").ok);
  s.advance(early + minutes(30) + milliseconds(1));
  const auto ends = select(s.events, "rate-increase-too-soon", Phase::End);
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].event_time, early + minutes(30));
}

// ================================================================ 22: NEWS2 triggers

News2 news2(int total, bool single_three = false) {
  News2 n;
  n.total = total;
  n.any_single_three = single_three;
  n.band = total >= 7     ? News2Band::High
           : total >= 5   ? News2Band::Medium
           : single_three ? News2Band::LowMedium
           : total > 0    ? News2Band::Low
                          : News2Band::Zero;
  return n;
}

TEST(News2Triggers, AggregateFiveIsMediumHoldSevenIsHighPauseFourIsNothing) {
  Session s;
  s.infusion(pump(atSecond(0) - hours(3), 0.2));  // long enough ago not to be the cause
  auto feed = [&](int at, const News2& n) { append(s.events, s.engine.onNews2(kPatient, n, atSecond(at)).alarms); };
  feed(10, news2(4));
  EXPECT_TRUE(select(s.events, "news2-aggregate").empty());
  feed(20, news2(5));
  auto mine = select(s.events, "news2-aggregate");
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].priority, Priority::Medium);
  EXPECT_EQ(mine[0].advice.action, AdviceAction::Hold);
  EXPECT_DOUBLE_EQ(mine[0].trigger.value, 5.0);
  feed(25, news2(6));
  EXPECT_EQ(select(s.events, "news2-aggregate").size(), 1u) << "still the same level";
  feed(30, news2(7));
  mine = select(s.events, "news2-aggregate");
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[1].phase, Phase::Escalate);
  EXPECT_EQ(mine[1].priority, Priority::High);
  EXPECT_EQ(mine[1].advice.action, AdviceAction::Pause);
  // An unknown score says nothing either way.
  feed(40, News2{});
  EXPECT_EQ(select(s.events, "news2-aggregate").size(), 2u);
}

TEST(News2Triggers, ASingleParameterScoringThreeIsLowHoldOnItsOwn) {
  Session s;
  append(s.events, s.engine.onNews2(kPatient, news2(3, true), atSecond(10)).alarms);
  const auto starts = select(s.events, "news2-single-parameter-3", Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].priority, Priority::Low);
  EXPECT_EQ(starts[0].advice.action, AdviceAction::Hold);
  EXPECT_TRUE(select(s.events, "news2-aggregate").empty());
  append(s.events, s.engine.onNews2(kPatient, news2(2, false), atSecond(20)).alarms);
  EXPECT_EQ(select(s.events, "news2-single-parameter-3", Phase::End).size(), 1u);
}

// A monitor's frame for NEWS2: the four parameters the score needs (with arterial SBP).
std::vector<Measurement> news2Frame(double rr, double spo2, double hr) {
  return {measurement(mdc::kRespRate, rr), measurement(mdc::kSpO2, spo2), measurement(mdc::kEcgHeartRate, hr),
          measurement(mdc::kAbpSys, 125)};
}

// Every sample scored (no persistence): this is about the chart and the triggers; how
// long a value must last before it is scored is news2_persistence_test.cc.
TEST(News2Triggers, TheEngineScoresEveryChangeOfInputsWithTheShippedChart) {
  Session s(withoutNews2Persistence(shippedProtocol()));
  s.vitals(atSecond(0), news2Frame(14, 97, 75));  // every parameter scores 0
  EXPECT_TRUE(select(s.events, "news2-aggregate").empty());
  ASSERT_FALSE(s.statuses.empty());
  EXPECT_EQ(s.statuses.back().news2.band, News2Band::Zero);
  // RR 22 scores 2, SpO2 93 scores 2, pulse 112 scores 2: 6, "urgent response".
  s.vitals(atSecond(6), news2Frame(22, 93, 112));
  auto mine = select(s.events, "news2-aggregate");
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].start_time, atSecond(6));
  EXPECT_EQ(mine[0].priority, Priority::Medium);
  // RR 26 scores 3: 7, "emergency response" on the same alarm.
  s.vitals(atSecond(11), news2Frame(26, 93, 112));
  mine = select(s.events, "news2-aggregate");
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[1].phase, Phase::Escalate);
  EXPECT_EQ(mine[1].priority, Priority::High);
  EXPECT_GE(s.engine.counters().news2_scores, 3u);
  // The status carries the score with its sub-scores, and goes out at once when the band
  // changes, even within the one-second rate limit.
  const auto last = s.statuses.back();
  EXPECT_EQ(last.news2.band, News2Band::High);
  EXPECT_EQ(last.news2.total, 7);
  EXPECT_EQ(last.event_time, atSecond(11));
  s.vitals(atSecond(11) + milliseconds(300), news2Frame(14, 97, 75));
  EXPECT_EQ(s.statuses.back().event_time, atSecond(11) + milliseconds(300));
  EXPECT_EQ(s.statuses.back().news2.band, News2Band::Zero);
}

// Which source feeds which input, every sample scored (persistence: news2_persistence_test.cc).
TEST(News2Inputs, TheEngineKeepsTheLatestValueOfEveryParameter) {
  Session s(withoutNews2Persistence(shippedProtocol()));
  s.vitals(atSecond(1),
           {measurement(mdc::kRespRate, 18), measurement(mdc::kSpO2, 95), measurement(mdc::kTempBody, 37.2),
            measurement(mdc::kEcgHeartRate, 88), measurement(mdc::kAbpSys, 131)});
  s.vitals(atSecond(2), {measurement(mdc::kPulseOximPulseRate, 91), measurement(mdc::kSpO2, 50, Quality::SensorOff)});
  s.vitals(atSecond(3), nibpReading(127, 80, 95));
  auto consciousness = clinicalEvent(atSecond(4), ClinicalEventKind::Consciousness);
  consciousness.acvpu = Acvpu::Voice;
  s.event(consciousness);
  auto oxygen = clinicalEvent(atSecond(5), ClinicalEventKind::SupplementalOxygen);
  oxygen.oxygen_l_per_min = 2.0;
  s.event(oxygen);
  auto scale = clinicalEvent(atSecond(6), ClinicalEventKind::Spo2Scale2);
  scale.enabled = true;
  s.event(scale);
  const auto inputs = s.engine.news2Inputs(kPatient);
  ASSERT_TRUE(inputs.has_value());
  EXPECT_EQ(inputs->rr, 18.0);
  EXPECT_EQ(inputs->spo2, 95.0) << "the sensor-off reading is not a value";
  EXPECT_EQ(inputs->sbp, 127.0) << "NIBP or arterial, whichever came last";
  EXPECT_EQ(inputs->pulse, 91.0) << "ECG or oximeter, whichever came last";
  EXPECT_EQ(inputs->temperature_c, 37.2);
  EXPECT_EQ(inputs->consciousness, Acvpu::Voice);
  EXPECT_TRUE(inputs->on_oxygen);
  EXPECT_TRUE(inputs->spo2_scale_2);
  oxygen.time = atSecond(7);
  oxygen.oxygen_l_per_min = 0.0;
  s.event(oxygen);
  EXPECT_FALSE(s.engine.news2Inputs(kPatient)->on_oxygen);
  EXPECT_FALSE(s.engine.news2Inputs("nobody").has_value());
}

}  // namespace
}  // namespace vigil::core
