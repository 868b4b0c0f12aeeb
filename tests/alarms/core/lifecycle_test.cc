// The alarm lifecycle of CLINICAL.md section 6 (IEC 60601-1-8, ISO 80601-2-61): condition
// delays as deadlines, persistence that never spans a gap in the data, latching,
// acknowledgement, audio pause and break-through, escalation, re-alarm, de-escalation, and
// a station that can follow every alarm from the event stream alone. No infusion runs in
// these tests unless said, so no technical condition interferes.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "test_support.h"

namespace vigil::core {
namespace {

using namespace test_support;

constexpr auto kSpo2Delay = seconds(15);  // spo2-below-90, HIGH, PAUSE
constexpr auto kHrDelay = seconds(60);    // hr-above-120, MEDIUM, HOLD
constexpr auto kEscalation = seconds(120);
constexpr auto kRealarm = seconds(180);
constexpr auto kAudioPause = seconds(120);

const std::string kSpo2Rule = "spo2-below-90";
const std::string kHrRule = "hr-above-120";

// A station that knows only the event stream: the latest event per alert id, dropped at END.
class StationModel {
 public:
  void apply(const AlarmEvents& events) {
    for (const auto& e : events) {
      if (e.phase == Phase::End) {
        shown_.erase(e.alert_id);
      } else {
        shown_[e.alert_id] = describe(e);
      }
    }
  }
  std::vector<std::string> shown() const {
    std::vector<std::string> out;
    for (const auto& [id, text] : shown_) out.push_back(text);
    return out;
  }

 private:
  std::map<std::string, std::string> shown_;
};

// The engine's own list, described the same way: the station must agree with it exactly.
std::vector<std::string> engineView(const Engine& engine) { return describeAll(engine.alarms()); }

// HR 125 every second from `from` to `to`, everything else normal.
void tachycardia(Session& s, TimePoint from, TimePoint to) {
  s.continuous(from, to, seconds(1), mdc::kEcgHeartRate, 125);
}
void desaturation(Session& s, TimePoint from, TimePoint to, double value = 88) {
  s.continuous(from, to, seconds(1), mdc::kSpO2, value);
}

// ================================================================ delays as deadlines

TEST(Delay, ADelayThatRunsOutBetweenSamplesIsStampedWhenItRanOut) {
  Session s;
  const TimePoint t0 = atSecond(100);
  // SpO2 88 every 4 s: 0, 4, 8, 12; the delay runs out at 15 s, between two samples.
  for (int k = 0; k <= 12; k += 4) s.vitals(t0 + seconds(k), continuousVitals(mdc::kSpO2, 88));
  EXPECT_TRUE(s.advance(t0 + kSpo2Delay).empty()) << "due at 15 s: applied only once time is past it";
  const auto started = s.advance(t0 + kSpo2Delay + milliseconds(1));
  const auto starts = select(started, kSpo2Rule, Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].start_time, t0 + kSpo2Delay);
  EXPECT_EQ(starts[0].event_time, t0 + kSpo2Delay);
  EXPECT_EQ(starts[0].alert_id, alertIdFor(kPatient, kSpo2Rule, t0 + kSpo2Delay));
  EXPECT_DOUBLE_EQ(starts[0].trigger.value, 88.0);
}

TEST(Delay, TheNextSampleAppliesAnOverdueDelayFirstWithItsOwnTime) {
  Session s;
  const TimePoint t0 = atSecond(100);
  for (int k = 0; k <= 12; k += 4) s.vitals(t0 + seconds(k), continuousVitals(mdc::kSpO2, 88));
  // The sample at 16 s is back inside: the alarm had already started at 15 s, so it now
  // latches (HIGH) rather than never having existed.
  const auto out = s.vitals(t0 + seconds(16), continuousVitals(mdc::kSpO2, 97));
  const auto mine = select(out, kSpo2Rule);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].phase, Phase::Start);
  EXPECT_EQ(mine[0].event_time, t0 + kSpo2Delay);
  EXPECT_EQ(mine[1].phase, Phase::Update);
  EXPECT_EQ(mine[1].state, AlarmState::Latched);
  EXPECT_EQ(mine[1].event_time, t0 + seconds(16));
}

TEST(Delay, ASampleBackInsideExactlyWhenTheDelayRunsOutPreventsTheAlarm) {
  Session s;
  const TimePoint t0 = atSecond(100);
  desaturation(s, t0, t0 + kSpo2Delay - seconds(1));
  s.vitals(t0 + kSpo2Delay, continuousVitals(mdc::kSpO2, 97));
  s.advance(t0 + minutes(5));
  EXPECT_TRUE(select(s.events, kSpo2Rule).empty());
}

// ================================================================ gaps in the data

TEST(Persistence, TwoLowSamplesTenMinutesApartAreNotTenMinutesLow) {
  Session s;
  const TimePoint t0 = atSecond(100);
  s.vitals(t0, continuousVitals(mdc::kSpO2, 88));
  s.vitals(t0 + minutes(10), continuousVitals(mdc::kSpO2, 88));
  EXPECT_TRUE(select(s.events, kSpo2Rule).empty()) << "missing data must not count as persistence";
  // From the second sample on, the full delay is needed again.
  desaturation(s, t0 + minutes(10) + seconds(1), t0 + minutes(10) + kSpo2Delay - seconds(1));
  EXPECT_TRUE(select(s.events, kSpo2Rule).empty());
  s.vitals(t0 + minutes(10) + kSpo2Delay, continuousVitals(mdc::kSpO2, 88));
  const auto starts = select(s.events, kSpo2Rule, Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].start_time, t0 + minutes(10) + kSpo2Delay);
}

TEST(Persistence, SamplesTenSecondsApartPersistElevenSecondsApartDoNot) {
  // technical.max_sample_gap_s = 10 in the shipped protocol.
  for (int spacing : {10, 11}) {
    SCOPED_TRACE(spacing);
    Session s;
    const TimePoint t0 = atSecond(100);
    for (int k = 0; k <= 60; k += spacing) s.vitals(t0 + seconds(k), continuousVitals(mdc::kSpO2, 88));
    s.advance(t0 + seconds(61));
    const auto starts = select(s.events, kSpo2Rule, Phase::Start);
    if (spacing == 10) {
      ASSERT_EQ(starts.size(), 1u);
      EXPECT_EQ(starts[0].start_time, t0 + kSpo2Delay);  // the deadline, between the samples at 10 and 20 s
    } else {
      EXPECT_TRUE(starts.empty());
    }
  }
}

TEST(Persistence, ADelayRunningOutAfterTheDataStoppedRaisesNothing) {
  Session s;
  const TimePoint t0 = atSecond(100);
  s.vitals(t0, continuousVitals(mdc::kSpO2, 88));  // then nothing: 15 s later the last sample is 15 s old
  s.advance(t0 + minutes(2));
  EXPECT_TRUE(select(s.events, kSpo2Rule).empty());
}

TEST(Persistence, NibpReadingsCountAsConsecutiveOnlyWithinOneAndAHalfIntervals) {
  // Default NIBP interval 300 s (nibp_default_interval_s) x 1.5 = 450 s before two readings
  // have shown the real interval.
  for (auto apart : {Duration{seconds(450)}, Duration{seconds(451)}}) {
    SCOPED_TRACE(apart.count());
    Session s;
    s.vitals(atSecond(100), nibpReading(170, 90, 110));
    s.vitals(atSecond(100) + apart, nibpReading(171, 90, 110));
    const bool consecutive = apart <= seconds(450);
    EXPECT_EQ(select(s.events, "sbp-above-160", Phase::Start).size(), consecutive ? 1u : 0u);
  }
  // Once readings come every 2 min, a reading 4 min later is no longer the next one.
  Session s;
  s.vitals(atSecond(0), nibpReading(120, 80, 90));
  s.vitals(atSecond(120), nibpReading(120, 80, 90));
  s.vitals(atSecond(240), nibpReading(170, 90, 110));
  s.vitals(atSecond(480), nibpReading(171, 90, 110));  // 240 s > 1.5 x 120 s
  EXPECT_TRUE(select(s.events, "sbp-above-160").empty());
  s.vitals(atSecond(600), nibpReading(172, 90, 110));  // 120 s after: consecutive again
  EXPECT_EQ(select(s.events, "sbp-above-160", Phase::Start).size(), 1u);
}

// ================================================================ latching

TEST(Latching, AHighAlarmStaysLatchedAfterItsConditionEndsUntilAcknowledged) {
  Session s;
  const TimePoint t0 = atSecond(100);
  desaturation(s, t0, t0 + kSpo2Delay);
  const std::string id = alertIdFor(kPatient, kSpo2Rule, t0 + kSpo2Delay);
  const TimePoint back = t0 + kSpo2Delay + seconds(1);
  s.vitals(back, continuousVitals(mdc::kSpO2, 97));
  const auto updates = select(s.events, kSpo2Rule, Phase::Update);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].alert_id, id);
  EXPECT_EQ(updates[0].state, AlarmState::Latched);
  EXPECT_EQ(updates[0].inactivation, Inactivation::Enabled);
  EXPECT_EQ(updates[0].event_time, back);
  EXPECT_TRUE(select(s.events, kSpo2Rule, Phase::End).empty());
  ASSERT_EQ(s.engine.alarms().size(), 1u);
  EXPECT_EQ(s.engine.alarms()[0].state, AlarmState::Latched);
  EXPECT_EQ(s.engine.activeAlarmCount(), 1u);
  // Much later it is still there: latched alarms neither escalate nor re-alarm.
  s.continuous(back + seconds(1), back + minutes(10), seconds(1));
  EXPECT_EQ(select(s.events, kSpo2Rule).size(), 2u);
  // Acknowledging it ends it, recording who.
  const auto ack = s.acknowledge(id, "nurse-b");
  ASSERT_TRUE(ack.ok);
  ASSERT_EQ(ack.outputs.alarms.size(), 1u);
  EXPECT_EQ(ack.outputs.alarms[0].phase, Phase::End);
  EXPECT_EQ(ack.outputs.alarms[0].state, AlarmState::Inactive);
  EXPECT_EQ(ack.outputs.alarms[0].acknowledged_by, "nurse-b");
  EXPECT_EQ(ack.outputs.alarms[0].event_time, back + minutes(10));
  EXPECT_TRUE(s.engine.alarms().empty());
  EXPECT_EQ(s.engine.activeAlarmCount(), 0u);
}

TEST(Latching, ALatchedConditionThatComesBackIsActiveAgainUnderTheSameId) {
  Session s;
  const TimePoint t0 = atSecond(100);
  desaturation(s, t0, t0 + kSpo2Delay);
  s.vitals(t0 + seconds(16), continuousVitals(mdc::kSpO2, 97));
  desaturation(s, t0 + seconds(17), t0 + seconds(17) + kSpo2Delay);
  const auto mine = select(s.events, kSpo2Rule);
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[2].phase, Phase::Update);
  EXPECT_EQ(mine[2].state, AlarmState::Active);
  EXPECT_EQ(mine[2].alert_id, mine[0].alert_id);
  EXPECT_EQ(mine[2].event_time, t0 + seconds(17) + kSpo2Delay);
}

TEST(Latching, MediumAlarmsEndWithTheirConditionAndLatchingIsTheProtocolsChoice) {
  {
    Session s;
    tachycardia(s, atSecond(100), atSecond(100) + kHrDelay);
    s.vitals(atSecond(161), continuousVitals());
    const auto ends = select(s.events, kHrRule, Phase::End);
    ASSERT_EQ(ends.size(), 1u);
    EXPECT_EQ(ends[0].event_time, atSecond(161));
  }
  // The organisation may latch MEDIUM too (alarm_system.latch_from_priority), or a rule
  // may opt out (its own `latching`).
  auto protocol = shippedProtocol();
  for (auto& rule : protocol.rules) {
    if (rule.id == kHrRule) rule.latching = true;
    if (rule.id == kSpo2Rule) rule.latching = false;
  }
  Session s(protocol);
  tachycardia(s, atSecond(100), atSecond(100) + kHrDelay);
  s.vitals(atSecond(161), continuousVitals());
  EXPECT_TRUE(select(s.events, kHrRule, Phase::End).empty());
  EXPECT_EQ(select(s.events, kHrRule, Phase::Update).at(0).state, AlarmState::Latched);
  desaturation(s, atSecond(200), atSecond(200) + kSpo2Delay);
  s.vitals(atSecond(216), continuousVitals());
  EXPECT_EQ(select(s.events, kSpo2Rule, Phase::End).size(), 1u);
}

// ================================================================ acknowledgement

TEST(Acknowledge, AnAcknowledgedAlarmEndsWithItsConditionWithoutLatching) {
  Session s;
  const TimePoint t0 = atSecond(100);
  desaturation(s, t0, t0 + kSpo2Delay);
  s.advance(t0 + seconds(20));
  const auto ack = s.acknowledge(alertIdFor(kPatient, kSpo2Rule, t0 + kSpo2Delay), "nurse-a");
  ASSERT_TRUE(ack.ok);
  EXPECT_EQ(ack.outputs.alarms.at(0).inactivation, Inactivation::Acknowledged);
  EXPECT_EQ(ack.outputs.alarms.at(0).state, AlarmState::Active);
  s.vitals(t0 + seconds(21), continuousVitals());
  const auto ends = select(s.events, kSpo2Rule, Phase::End);
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].event_time, t0 + seconds(21));
}

TEST(Acknowledge, SilencesOnlyTheConditionsActiveNow) {
  Session s;
  const TimePoint t0 = atSecond(100);
  // SpO2 88 and HR 125 from t0: SpO2 alarm at 15 s; the nurse acknowledges it at 20 s;
  // the HR alarm that starts at 60 s sounds.
  for (int k = 0; k <= 60; ++k) {
    s.vitals(t0 + seconds(k), {measurement(mdc::kSpO2, 88), measurement(mdc::kEcgHeartRate, 125)});
    if (k == 20) {
      ASSERT_TRUE(s.acknowledge(alertIdFor(kPatient, kSpo2Rule, t0 + kSpo2Delay), "nurse-a").ok);
    }
  }
  const auto hr = select(s.events, kHrRule, Phase::Start);
  ASSERT_EQ(hr.size(), 1u);
  EXPECT_EQ(hr[0].inactivation, Inactivation::Enabled);
  const auto spo2_94 = select(s.events, "spo2-below-94", Phase::Start);
  ASSERT_EQ(spo2_94.size(), 1u);
  EXPECT_EQ(spo2_94[0].inactivation, Inactivation::Enabled) << "a new SpO2 condition is not covered either";
  EXPECT_EQ(select(s.engine.alarms(), kSpo2Rule)[0].inactivation, Inactivation::Acknowledged);
}

// ================================================================ audio pause

TEST(AudioPause, PausesEverySoundingAlarmOfThePatientAndExpiresAfterTheProtocolsTime) {
  Session s;
  const TimePoint t0 = atSecond(100);
  for (int k = 0; k <= 60; ++k) {
    s.vitals(t0 + seconds(k), {measurement(mdc::kSpO2, 88), measurement(mdc::kEcgHeartRate, 125)});
    s.vitals(t0 + seconds(k), {measurement(mdc::kSpO2, 88)}, "bed-8");
  }
  const TimePoint pause_at = t0 + seconds(61);
  s.advance(pause_at);
  const auto mark = s.events.size();
  const auto paused = s.audioPause(kPatient, "station-1");
  ASSERT_TRUE(paused.ok) << paused.error;
  // spo2-below-90, spo2-below-94, hr-above-120 of bed-7; bed-8 keeps sounding.
  ASSERT_EQ(paused.outputs.alarms.size(), 3u);
  for (const auto& e : paused.outputs.alarms) {
    EXPECT_EQ(e.patient_id, kPatient);
    EXPECT_EQ(e.phase, Phase::Update);
    EXPECT_EQ(e.inactivation, Inactivation::AudioPaused);
    EXPECT_EQ(e.event_time, pause_at);
  }
  for (const auto& alarm : s.engine.alarms()) {
    EXPECT_EQ(alarm.inactivation, alarm.patient_id == kPatient ? Inactivation::AudioPaused : Inactivation::Enabled);
  }
  // Two minutes at most: still paused exactly at the end, enabled again just after, with
  // the events stamped at the expiry. (The MEDIUM ones escalate meanwhile: still paused.)
  s.advance(pause_at + kAudioPause);
  for (const auto& alarm : s.engine.alarms()) {
    if (alarm.patient_id == kPatient) {
      EXPECT_EQ(alarm.inactivation, Inactivation::AudioPaused);
    }
  }
  s.advance(pause_at + kAudioPause + milliseconds(1));
  std::size_t resumed = 0;
  for (std::size_t i = mark + 3; i < s.events.size(); ++i) {
    const auto& e = s.events[i];
    if (e.patient_id != kPatient || e.inactivation != Inactivation::Enabled) continue;
    ++resumed;
    EXPECT_EQ(e.phase, Phase::Update);
    EXPECT_EQ(e.event_time, pause_at + kAudioPause);
  }
  EXPECT_EQ(resumed, 3u);
  for (const auto& alarm : s.engine.alarms()) EXPECT_EQ(alarm.inactivation, Inactivation::Enabled);
}

TEST(AudioPause, ANewConditionOfNoHigherPriorityIsPausedToo) {
  Session s;
  const TimePoint t0 = atSecond(100);
  tachycardia(s, t0, t0 + kHrDelay);  // MEDIUM hr-above-120
  s.audioPause(kPatient, "station-1");
  // EtCO2 55 for 60 s: a new MEDIUM condition during the pause starts paused.
  for (int k = 61; k <= 121; ++k) {
    s.vitals(t0 + seconds(k), {measurement(mdc::kEcgHeartRate, 125), measurement(mdc::kEtCO2, 55)});
  }
  const auto starts = select(s.events, "etco2-above-50", Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].inactivation, Inactivation::AudioPaused);
  EXPECT_EQ(select(s.engine.alarms(), kHrRule)[0].inactivation, Inactivation::AudioPaused);
}

TEST(AudioPause, AHigherPriorityConditionBreaksThroughAndEndsThePause) {
  Session s;
  const TimePoint t0 = atSecond(100);
  tachycardia(s, t0, t0 + kHrDelay);  // MEDIUM
  s.audioPause(kPatient, "station-1");
  const auto mark = s.events.size();
  // SpO2 88 with the HR still high: the HIGH spo2-below-90 after 15 s.
  for (int k = 61; k <= 76; ++k) {
    s.vitals(t0 + seconds(k), {measurement(mdc::kEcgHeartRate, 125), measurement(mdc::kSpO2, 88)});
  }
  const AlarmEvents after(s.events.begin() + static_cast<std::ptrdiff_t>(mark), s.events.end());
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].condition, kSpo2Rule);
  EXPECT_EQ(after[0].phase, Phase::Start);
  EXPECT_EQ(after[0].inactivation, Inactivation::Enabled);
  EXPECT_EQ(after[1].condition, kHrRule);
  EXPECT_EQ(after[1].phase, Phase::Update);
  EXPECT_EQ(after[1].inactivation, Inactivation::Enabled) << "the pause is over for all";
  EXPECT_EQ(after[1].event_time, after[0].event_time);
  // No expiry later: the pause has already ended.
  const auto count = s.events.size();
  s.advance(t0 + minutes(4));
  for (std::size_t i = count; i < s.events.size(); ++i) EXPECT_NE(s.events[i].inactivation, Inactivation::AudioPaused);
}

TEST(AudioPause, IsRefusedForAnUnknownPatientAndLastsAsConfigured) {
  Session s;
  const auto refused = s.audioPause("nobody", "station-1");
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.error.find("nobody"), std::string::npos);
  EXPECT_EQ(s.engine.counters().audio_pauses_refused, 1u);

  auto protocol = shippedProtocol();
  protocol.alarm_system.audio_pause = seconds(60);
  Session short_pause(protocol);
  tachycardia(short_pause, atSecond(100), atSecond(160));
  ASSERT_TRUE(short_pause.audioPause(kPatient, "station-1").ok);
  const auto expired = short_pause.advance(atSecond(220) + milliseconds(1));
  ASSERT_EQ(select(expired, kHrRule, Phase::Update).size(), 1u);
  EXPECT_EQ(select(expired, kHrRule, Phase::Update)[0].event_time, atSecond(220));
  EXPECT_EQ(short_pause.engine.counters().audio_pauses, 1u);
}

// ================================================================ escalation

TEST(Escalation, AnUnacknowledgedMediumAlarmEscalatesToHighAfterTwoMinutes) {
  Session s;
  const TimePoint t0 = atSecond(100);
  const TimePoint start = t0 + kHrDelay;
  tachycardia(s, t0, start + kEscalation);
  const auto mine = select(s.events, kHrRule);
  ASSERT_EQ(mine.size(), 1u) << "exactly at 120 s it has not escalated yet";
  s.vitals(start + kEscalation + milliseconds(1), continuousVitals(mdc::kEcgHeartRate, 125));
  const auto escalations = select(s.events, kHrRule, Phase::Escalate);
  ASSERT_EQ(escalations.size(), 1u);
  const auto& e = escalations[0];
  EXPECT_EQ(e.alert_id, mine[0].alert_id);
  EXPECT_EQ(e.priority, Priority::High);
  EXPECT_EQ(e.event_time, start + kEscalation);
  EXPECT_EQ(e.start_time, start);
  EXPECT_EQ(e.inactivation, Inactivation::Enabled);
  // It escalates once.
  tachycardia(s, start + kEscalation + seconds(1), start + minutes(10));
  EXPECT_EQ(select(s.events, kHrRule, Phase::Escalate).size(), 1u);
}

TEST(Escalation, AnAcknowledgedMediumAlarmDoesNotEscalateAndHighOnesNever) {
  Session s;
  const TimePoint t0 = atSecond(100);
  tachycardia(s, t0, t0 + kHrDelay + seconds(100));
  ASSERT_TRUE(s.acknowledge(alertIdFor(kPatient, kHrRule, t0 + kHrDelay), "nurse-a").ok);
  tachycardia(s, t0 + kHrDelay + seconds(101), t0 + kHrDelay + seconds(170));
  EXPECT_TRUE(select(s.events, kHrRule, Phase::Escalate).empty());
  desaturation(s, atSecond(1000), atSecond(1300));
  EXPECT_TRUE(select(s.events, kSpo2Rule, Phase::Escalate).empty());
}

TEST(Escalation, TheTimeComesFromTheProtocolAndZeroMeansNever) {
  for (auto escalation : {Duration{seconds(30)}, Duration{0}}) {
    auto protocol = shippedProtocol();
    protocol.alarm_system.escalation = escalation;
    Session s(protocol);
    tachycardia(s, atSecond(100), atSecond(400));
    const auto escalations = select(s.events, kHrRule, Phase::Escalate);
    if (escalation.count() == 0) {
      EXPECT_TRUE(escalations.empty());
    } else {
      ASSERT_EQ(escalations.size(), 1u);
      EXPECT_EQ(escalations[0].event_time, atSecond(190));
    }
  }
}

// ================================================================ re-alarm

TEST(Realarm, AnAcknowledgedConditionStillPresentAfterThreeMinutesSoundsAgain) {
  Session s;
  const TimePoint t0 = atSecond(100);
  desaturation(s, t0, t0 + seconds(20));
  const TimePoint ack_at = t0 + seconds(20);
  const std::string id = alertIdFor(kPatient, kSpo2Rule, t0 + kSpo2Delay);
  ASSERT_TRUE(s.acknowledge(id, "nurse-a").ok);
  desaturation(s, ack_at + seconds(1), ack_at + kRealarm);
  EXPECT_EQ(select(s.events, kSpo2Rule, Phase::Update).size(), 1u) << "only the acknowledgement so far";
  s.vitals(ack_at + kRealarm + milliseconds(1), continuousVitals(mdc::kSpO2, 88));
  const auto updates = select(s.events, kSpo2Rule, Phase::Update);
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_EQ(updates[1].alert_id, id);
  EXPECT_EQ(updates[1].inactivation, Inactivation::Enabled);
  EXPECT_EQ(updates[1].state, AlarmState::Active);
  EXPECT_EQ(updates[1].event_time, ack_at + kRealarm);
  // It sounds again: nobody has acknowledged this sounding, and the event says so.
  EXPECT_EQ(updates[0].acknowledged_by, "nurse-a");
  EXPECT_EQ(updates[1].acknowledged_by, "") << "a re-alarm still carries the acknowledgement that no longer holds";
  EXPECT_FALSE(updates[1].acknowledged_time)
      << "a re-alarm still carries the time of an acknowledgement that no longer holds";
}

TEST(Realarm, AMediumAlarmThatSoundsAgainCanEscalateAgain) {
  Session s;
  const TimePoint t0 = atSecond(100);
  const TimePoint start = t0 + kHrDelay;
  tachycardia(s, t0, start + seconds(10));
  ASSERT_TRUE(s.acknowledge(alertIdFor(kPatient, kHrRule, start), "nurse-a").ok);
  const TimePoint realarm = start + seconds(10) + kRealarm;
  tachycardia(s, start + seconds(11), realarm + kEscalation + seconds(1));
  const auto mine = select(s.events, kHrRule);
  ASSERT_EQ(mine.size(), 4u);  // START, UPDATE (ack), UPDATE (re-alarm), ESCALATE
  EXPECT_EQ(mine[2].event_time, realarm);
  EXPECT_EQ(mine[2].inactivation, Inactivation::Enabled);
  EXPECT_EQ(mine[2].acknowledged_by, "");
  EXPECT_EQ(mine[3].phase, Phase::Escalate);
  EXPECT_EQ(mine[3].acknowledged_by, "")
      << "an escalation after a re-alarm names an acknowledgement that no longer holds";
  EXPECT_EQ(mine[3].event_time, realarm + kEscalation);
}

// Issue 9: a frame within the guard's stale tolerance, older than the one that raised an
// alarm (another device of the patient), ends its condition; that change must not be
// dated before the START.
TEST(Lifecycle, AnOlderFrameCannotMoveAnAlarmsTimeBackwards) {
  Session s;
  const TimePoint t0 = atSecond(100);
  desaturation(s, t0, t0 + seconds(20));
  const auto before = select(s.events, kSpo2Rule).size();
  s.vitals(t0 + seconds(5), continuousVitals(mdc::kSpO2, 97));
  const auto mine = select(s.events, kSpo2Rule);
  ASSERT_EQ(mine.size(), before + 1) << "the older frame ended the condition (latched: an UPDATE)";
  EXPECT_NE(mine.back().state, AlarmState::Active);
  for (std::size_t i = 1; i < mine.size(); ++i) {
    EXPECT_GE(mine[i].event_time, mine[i - 1].event_time) << "event " << i << " is dated before the one it follows";
  }
  EXPECT_EQ(mine.back().event_time, t0 + kSpo2Delay) << "the change takes the alarm's latest time, not the frame's";
}

TEST(Realarm, NoReAlarmWhenTheConditionEndedFirst) {
  Session s;
  const TimePoint t0 = atSecond(100);
  desaturation(s, t0, t0 + seconds(20));
  ASSERT_TRUE(s.acknowledge(alertIdFor(kPatient, kSpo2Rule, t0 + kSpo2Delay), "nurse-a").ok);
  s.continuous(t0 + seconds(21), t0 + minutes(6), seconds(1));
  const auto mine = select(s.events, kSpo2Rule);
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[2].phase, Phase::End);
}

// ================================================================ multi-level conditions

// NEWS2's aggregate is one condition with two levels (MEDIUM >= 5, HIGH >= 7): moving
// between them is ESCALATE / DE_ESCALATE on one alarm.
News2 score(int total, bool single_three = false) {
  News2 n;
  n.total = total;
  n.any_single_three = single_three;
  n.band = total >= 7 ? News2Band::High : total >= 5 ? News2Band::Medium : total > 0 ? News2Band::Low : News2Band::Zero;
  return n;
}

TEST(Levels, ALevelChangeIsEscalateOrDeEscalateOnTheSameAlarm) {
  Session s;
  auto feed = [&](int seconds_, int total) {
    auto out = s.engine.onNews2(kPatient, score(total), atSecond(seconds_));
    append(s.events, out.alarms);
  };
  feed(100, 5);
  feed(110, 7);
  feed(120, 6);
  feed(130, 3);
  const auto mine = select(s.events, "news2-aggregate");
  ASSERT_EQ(mine.size(), 4u);
  EXPECT_EQ(mine[0].phase, Phase::Start);
  EXPECT_EQ(mine[0].priority, Priority::Medium);
  EXPECT_EQ(mine[1].phase, Phase::Escalate);
  EXPECT_EQ(mine[1].priority, Priority::High);
  EXPECT_EQ(mine[1].advice.action, AdviceAction::Hold) << "no infusion: PAUSE becomes HOLD";
  EXPECT_EQ(mine[2].phase, Phase::DeEscalate);
  EXPECT_EQ(mine[2].priority, Priority::Medium);
  EXPECT_EQ(mine[3].phase, Phase::End) << "at the MEDIUM level it does not latch";
  for (const auto& e : mine) EXPECT_EQ(e.alert_id, mine[0].alert_id);
}

// ================================================================ the station's view

TEST(EventStream, AStationFollowingTheEventsAlwaysAgreesWithTheEngine) {
  Session s;
  StationModel station;
  std::size_t seen = 0;
  auto check = [&](const char* when) {
    station.apply(AlarmEvents(s.events.begin() + static_cast<std::ptrdiff_t>(seen), s.events.end()));
    seen = s.events.size();
    EXPECT_EQ(station.shown(), engineView(s.engine)) << when;
  };
  const TimePoint t0 = atSecond(100);
  for (int k = 0; k <= 400; ++k) {
    const double spo2 = k < 200 ? 88 : 97;
    const double hr = k >= 100 && k < 380 ? 125 : 80;
    s.vitals(t0 + seconds(k), {measurement(mdc::kSpO2, spo2), measurement(mdc::kEcgHeartRate, hr)});
    if (k == 30) {
      ASSERT_TRUE(s.acknowledge(alertIdFor(kPatient, kSpo2Rule, t0 + kSpo2Delay), "nurse-a").ok);
    }
    if (k == 170) {
      ASSERT_TRUE(s.audioPause(kPatient, "station-1").ok);
    }
    check("during the episode");
  }
  s.advance(t0 + minutes(20));
  check("after it");
  // The episode used every phase.
  std::set<Phase> phases;
  for (const auto& e : s.events) phases.insert(e.phase);
  EXPECT_EQ(phases, (std::set<Phase>{Phase::Start, Phase::Update, Phase::Escalate, Phase::End}));
}

}  // namespace
}  // namespace vigil::core
