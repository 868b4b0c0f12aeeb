// Titration advice as a stream of its own (one current advice per patient, the most severe
// of its shown alarms, with reason, trigger and dose context), RESUME_POSSIBLE after 10 min
// of stable vitals (CLINICAL.md section 3, modifiers), and the rate-limited patient status.
#include <gtest/gtest.h>

#include <string>

#include "test_support.h"

namespace vigil::core {
namespace {

using namespace test_support;

constexpr auto kStable = minutes(10);  // resume.stable_s

// Baselines HR 80, SpO2 98, SBP 120, MAP 90; 0.1 mg/kg/h from `start`, 0.2 from `step`,
// everything flowing until t0 (2 h after the step).
class Advising : public ::testing::Test {
 protected:
  void SetUp() override {
    s.continuous(atSecond(0), start, seconds(1));
    s.vitals(start - seconds(100), nibpReading(120, 75, 90));
    s.steady(start, step - seconds(5), 0.1);
    s.steady(step, t0 - seconds(5), 0.2);
    ASSERT_TRUE(s.events.empty()) << describe(s.events.front());
    ASSERT_TRUE(s.advice.empty()) << describe(s.advice.front());
  }

  // SpO2 88 (and the pump at `rate`) every second over [from, to].
  void desaturate(TimePoint from, TimePoint to, double spo2 = 88, double rate = 0.2) {
    for (TimePoint t = from; t <= to; t += seconds(1)) {
      if ((t - from) % seconds(10) == Duration{0})
        s.infusion(pump(t, rate, rate > 0 ? PumpState::Running : PumpState::Paused));
      s.vitals(t, continuousVitals(mdc::kSpO2, spo2));
    }
  }
  // Normal vitals every second over [from, to], the pump paused.
  void calm(TimePoint from, TimePoint to, std::optional<std::uint32_t> code = std::nullopt, double value = 0.0) {
    for (TimePoint t = from; t <= to; t += seconds(1)) {
      if ((t - from) % seconds(10) == Duration{0}) s.infusion(pump(t, 0.2, PumpState::Paused));
      s.vitals(t, continuousVitals(code, value));
    }
  }

  Session s{withoutNews2Alarms(shippedProtocol())};
  const TimePoint start = atSecond(300);
  const TimePoint step = start + minutes(30);
  const TimePoint t0 = step + hours(2);
};

// ================================================================ the stream

TEST_F(Advising, AnAlarmsAdviceBecomesThePatientsAdviceWithItsContext) {
  desaturate(t0, t0 + seconds(15));
  ASSERT_EQ(s.advice.size(), 1u);
  const auto& a = s.advice[0];
  EXPECT_EQ(a.advice_id, std::string(kPatient) + "/advice/" + std::to_string(toMillis(t0 + seconds(15))));
  EXPECT_EQ(a.patient_id, kPatient);
  EXPECT_EQ(a.unit, kWard);
  EXPECT_EQ(a.event_time, t0 + seconds(15));
  EXPECT_EQ(a.advice.action, AdviceAction::Pause);
  EXPECT_EQ(a.previous_action, AdviceAction::None);
  EXPECT_EQ(a.condition, "spo2-below-90");
  EXPECT_EQ(a.alert_id, alertIdFor(kPatient, "spo2-below-90", t0 + seconds(15)));
  EXPECT_DOUBLE_EQ(a.trigger.value, 88.0);
  EXPECT_EQ(a.trigger.limit, "< 90");
  EXPECT_TRUE(a.dose.infusion_running);
  EXPECT_DOUBLE_EQ(a.dose.rate_mg_per_kg_per_h, 0.2);
  EXPECT_DOUBLE_EQ(a.dose.previous_rate_mg_per_kg_per_h, 0.1);
  EXPECT_NEAR(a.dose.minutes_since_last_increase, 120.25, 1e-9);
  EXPECT_GT(a.dose.ce_ug_per_ml, a.dose.ce_at_increase_ug_per_ml);
  EXPECT_GT(a.dose.cp_ug_per_ml, 0.0);
  EXPECT_FALSE(a.advice.reason.empty());
  ASSERT_EQ(s.engine.currentAdvice().size(), 1u);
  EXPECT_EQ(describe(s.engine.currentAdvice()[0]), describe(a));
}

TEST_F(Advising, TheMostSevereAdviceWinsAndAnAcknowledgedLatchedOneGivesWay) {
  desaturate(t0, t0 + seconds(15));
  desaturate(t0 + seconds(16), t0 + seconds(26), 84);  // <= 85 for 10 s: STOP_AND_CALL
  ASSERT_EQ(s.advice.size(), 2u);
  EXPECT_EQ(s.advice[1].advice.action, AdviceAction::StopAndCall);
  EXPECT_EQ(s.advice[1].previous_action, AdviceAction::Pause);
  EXPECT_EQ(s.advice[1].condition, "spo2-at-or-below-85");
  // Back to 88: the <= 85 alarm latches and still drives the advice until acknowledged.
  desaturate(t0 + seconds(27), t0 + seconds(30), 88);
  EXPECT_EQ(s.advice.size(), 2u);
  ASSERT_TRUE(s.acknowledge(alertIdFor(kPatient, "spo2-at-or-below-85", t0 + seconds(26)), "nurse-a").ok);
  ASSERT_EQ(s.advice.size(), 3u);
  EXPECT_EQ(s.advice[2].advice.action, AdviceAction::Pause);
  EXPECT_EQ(s.advice[2].condition, "spo2-below-90");
}

TEST_F(Advising, ReduceCarriesTheTargetRateInBothUnits) {
  s.event(rass(t0, -2));
  ASSERT_EQ(s.advice.size(), 1u);
  EXPECT_EQ(s.advice[0].advice.action, AdviceAction::Reduce);
  EXPECT_DOUBLE_EQ(s.advice[0].advice.target_rate_mg_per_kg_per_h, 0.1);
  EXPECT_DOUBLE_EQ(s.advice[0].advice.target_rate_ml_per_h, 4.0);  // 0.1 x 80 kg / 2 mg/mL
}

TEST_F(Advising, WhenNothingAppliesAnyMoreTheAdviceIsNone) {
  // A HOLD-only alarm (HR > 120) comes and goes: HOLD, then NONE.
  for (int k = 0; k <= 70; ++k) {
    if (k % 10 == 0) s.infusion(pump(t0 + seconds(k), 0.2));
    s.vitals(t0 + seconds(k), continuousVitals(mdc::kEcgHeartRate, k <= 65 ? 125 : 80));
  }
  ASSERT_EQ(s.advice.size(), 2u);
  EXPECT_EQ(s.advice[0].advice.action, AdviceAction::Hold);
  EXPECT_EQ(s.advice[1].advice.action, AdviceAction::None);
  EXPECT_EQ(s.advice[1].previous_action, AdviceAction::Hold);
  EXPECT_EQ(s.advice[1].event_time, t0 + seconds(66));
  EXPECT_TRUE(s.advice[1].condition.empty());
  EXPECT_TRUE(s.engine.currentAdvice().empty());
}

// ================================================================ resume

// SpO2 < 90 gives PAUSE; the nurse pauses the pump; SpO2 recovers at `back` and she
// acknowledges the latched alarm at `ack`: from then on no alarm drives the advice.
class Resuming : public Advising {
 protected:
  void SetUp() override {
    Advising::SetUp();
    desaturate(t0, t0 + seconds(20));
    desaturate(t0 + seconds(21), back - seconds(1), 88, 0.0);  // paused
    calm(back, ack);
    ASSERT_TRUE(s.acknowledge(alertIdFor(kPatient, "spo2-below-90", t0 + seconds(15)), "nurse-a").ok);
    ASSERT_FALSE(s.advice.empty());
    EXPECT_EQ(s.advice.back().advice.action, AdviceAction::Hold) << "waiting for stable vitals";
    EXPECT_EQ(s.advice.back().event_time, ack);
  }
  AdviceEvents resumes() const {
    AdviceEvents out;
    for (const auto& a : s.advice) {
      if (a.advice.action == AdviceAction::ResumePossible) out.push_back(a);
    }
    return out;
  }
  const TimePoint back = t0 + minutes(2);
  const TimePoint ack = back + seconds(5);
};

TEST_F(Resuming, TenMinutesOfStableVitalsAfterThePauseMakeResumePossibleAtTheRateBeforeTheLastIncrease) {
  calm(ack + seconds(1), ack + kStable - seconds(1));
  EXPECT_TRUE(resumes().empty()) << "9:59 is not 10 min";
  calm(ack + kStable, ack + kStable);
  const auto r = resumes();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].event_time, ack + kStable);
  EXPECT_EQ(r[0].previous_action, AdviceAction::Hold);
  EXPECT_DOUBLE_EQ(r[0].advice.target_rate_mg_per_kg_per_h, 0.1);
  EXPECT_DOUBLE_EQ(r[0].advice.target_rate_ml_per_h, 4.0);
  EXPECT_NE(r[0].advice.reason.find("10 min"), std::string::npos) << r[0].advice.reason;
  EXPECT_TRUE(r[0].condition.empty());
  EXPECT_EQ(s.engine.currentAdvice().at(0).advice.action, AdviceAction::ResumePossible);
  // The nurse restarts the infusion: the advice has been acted on.
  s.infusion(pump(ack + kStable + seconds(30), 0.1));
  EXPECT_EQ(s.advice.back().advice.action, AdviceAction::None);
}

TEST_F(Resuming, TheResumeDeadlineIsStampedWhenItFellDueEvenBetweenSamples) {
  calm(ack + seconds(1), ack + kStable - seconds(1));
  s.advance(ack + kStable + milliseconds(1));
  const auto r = resumes();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].event_time, ack + kStable);
}

TEST_F(Resuming, AVitalMoreThanTenPercentFromBaselineStartsTheTenMinutesAgain) {
  calm(ack + seconds(1), ack + minutes(5));
  calm(ack + minutes(5) + seconds(1), ack + minutes(5) + seconds(1), mdc::kEcgHeartRate, 89);  // 11 % above 80
  calm(ack + minutes(5) + seconds(2), ack + kStable + minutes(1));
  EXPECT_TRUE(resumes().empty());
  calm(ack + kStable + minutes(1) + seconds(1), ack + minutes(5) + seconds(2) + kStable);
  const auto r = resumes();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].event_time, ack + minutes(5) + seconds(2) + kStable);
}

TEST_F(Resuming, RespirationNeedsOnlyToBeInsideItsLimits) {
  // RR 17 is 21 % above its baseline of 14 but inside every RR limit; the protocol's
  // resume.baseline_metrics leave RR out, so it does not hold resuming back.
  calm(ack + seconds(1), ack + kStable, mdc::kRespRate, 17);
  EXPECT_EQ(resumes().size(), 1u);
}

TEST_F(Resuming, AGapInTheDataIsNotStability) {
  calm(ack + seconds(1), ack + minutes(3));
  calm(ack + minutes(3) + seconds(15), ack + minutes(14));  // 15 s without vitals
  const auto r = resumes();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].event_time, ack + minutes(3) + seconds(15) + kStable);
}

TEST_F(Resuming, ANewAlarmTakesOverAndTheWaitStartsAgainAfterIt) {
  calm(ack + seconds(1), ack + minutes(8));
  s.event(sideEffect(ack + minutes(8), ClinicalEventKind::Nausea));  // LOW HOLD, held 30 min
  const auto nausea = s.advice.back();
  EXPECT_EQ(nausea.advice.action, AdviceAction::Hold);
  EXPECT_EQ(nausea.condition, "nausea");
  ASSERT_TRUE(s.acknowledge(nausea.alert_id, "nurse-a").ok);
  calm(ack + minutes(8) + seconds(1), ack + minutes(38) + seconds(1));
  EXPECT_TRUE(resumes().empty());
  calm(ack + minutes(38) + seconds(2), ack + minutes(48) + seconds(1));
  const auto r = resumes();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].event_time, ack + minutes(38) + kStable) << "10 min after the nausea alarm ended";
}

// ================================================================ status

TEST(Status, AtMostOncePerSecondOfDataTimePerPatient) {
  Session s;
  for (int k = 0; k < 40; ++k) {
    s.vitals(atSecond(100) + milliseconds(250 * k), continuousVitals());
    s.vitals(atSecond(100) + milliseconds(250 * k), continuousVitals(), "bed-8");
  }
  std::vector<TimePoint> bed7;
  for (const auto& st : s.statuses) {
    if (st.patient_id == kPatient) bed7.push_back(st.event_time);
  }
  ASSERT_EQ(bed7.size(), 10u);  // 100.0, 101.0, ..., 109.0 s
  for (std::size_t i = 0; i < bed7.size(); ++i) EXPECT_EQ(bed7[i], atSecond(100 + static_cast<double>(i)));
  EXPECT_EQ(s.statuses.size(), 20u);
  ASSERT_EQ(s.engine.statuses().size(), 2u);
  EXPECT_EQ(s.engine.statuses()[0].patient_id, kPatient);
  EXPECT_EQ(s.engine.statuses()[0].event_time, atSecond(109));
}

TEST(Status, CarriesLatestValuesBaselinesDoseAdviceAndAlarmCount) {
  Session s;
  s.continuous(atSecond(0), atSecond(300), seconds(1));
  s.infusion(pump(atSecond(300), 0.2));  // baselines frozen from the 5 min before
  for (int k = 1; k <= 16; ++k) {
    s.vitals(atSecond(300 + k), continuousVitals(mdc::kSpO2, 88));
  }
  const auto& st = s.statuses.back();
  EXPECT_EQ(st.patient_id, kPatient);
  EXPECT_EQ(st.unit, kWard);
  EXPECT_EQ(st.event_time, atSecond(316));
  bool saw_spo2 = false;
  for (const auto& v : st.latest) {
    if (v.metric != "SPO2") continue;
    saw_spo2 = true;
    EXPECT_DOUBLE_EQ(v.value, 88.0);
    EXPECT_EQ(v.code, mdc::kSpO2);
    EXPECT_EQ(v.time, atSecond(316));
  }
  EXPECT_TRUE(saw_spo2);
  bool saw_hr_baseline = false;
  for (const auto& b : st.baselines) {
    if (b.metric != "HR") continue;
    saw_hr_baseline = true;
    EXPECT_DOUBLE_EQ(b.value, 80.0);
    EXPECT_FALSE(b.provisional);
  }
  EXPECT_TRUE(saw_hr_baseline);
  EXPECT_TRUE(st.dose.infusion_running);
  EXPECT_DOUBLE_EQ(st.dose.rate_mg_per_kg_per_h, 0.2);
  EXPECT_EQ(st.advice.action, AdviceAction::Pause);  // spo2-below-90 since 315 s
  EXPECT_EQ(st.active_alarms, 1u);
  // The monitor sends no blood pressure here, and NEWS2 needs it: scored, but no band yet.
  EXPECT_EQ(st.news2.band, News2Band::Unknown);
  ASSERT_FALSE(st.news2.sub_scores.empty());
}

}  // namespace
}  // namespace vigil::core
