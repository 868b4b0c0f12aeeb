#include "streamer/station/station_state.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil::streamer::station {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;

constexpr std::uint64_t kEpoch = 7;
const SteadyTime kStart{std::chrono::hours(1)};

v1::AlarmEvent alarm(const std::string& id, v1::AlarmPhase phase, std::uint64_t sequence,
                     v1::AlarmState state = v1::STATE_ACTIVE, std::uint64_t epoch = kEpoch) {
  v1::AlarmEvent event;
  event.set_alert_id(id);
  event.set_patient_id("P-" + id);
  event.set_unit("pacu");
  event.set_title("alarm " + id);
  event.set_priority(v1::PRIORITY_HIGH);
  event.set_phase(phase);
  event.set_state(state);
  event.set_engine_epoch(epoch);
  event.set_sequence(sequence);
  return event;
}

v1::AdviceEvent advice(const std::string& patient, v1::AdviceAction action, std::uint64_t sequence,
                       double target_rate = 0.0) {
  v1::AdviceEvent event;
  event.set_advice_id(patient + "/advice/" + std::to_string(sequence));
  event.set_patient_id(patient);
  event.set_unit("pacu");
  event.mutable_advice()->set_action(action);
  event.mutable_advice()->set_target_rate_mg_per_kg_per_h(target_rate);
  event.mutable_advice()->set_reason("reason " + std::to_string(sequence));
  event.set_engine_epoch(kEpoch);
  event.set_sequence(sequence);
  return event;
}

v1::PatientStatus status(const std::string& patient, int news2_total, v1::News2Band band, std::uint64_t sequence) {
  v1::PatientStatus message;
  message.set_patient_id(patient);
  message.set_unit("pacu");
  message.mutable_news2()->set_total(news2_total);
  message.mutable_news2()->set_band(band);
  message.set_engine_epoch(kEpoch);
  message.set_sequence(sequence);
  return message;
}

v1::Heartbeat heartbeat(std::uint64_t sequence, std::uint64_t epoch = kEpoch) {
  v1::Heartbeat beat;
  beat.set_engine_epoch(epoch);
  beat.set_sequence(sequence);
  return beat;
}

v1::Snapshot snapshot(std::uint64_t sequence, std::vector<v1::AlarmEvent> alarms = {}, std::uint64_t epoch = kEpoch) {
  v1::Snapshot message;
  message.set_engine_epoch(epoch);
  message.set_sequence(sequence);
  for (auto& event : alarms) {
    event.set_sequence(0);  // the engine sends snapshot alarms without a stream sequence
    *message.add_alarms() = event;
  }
  return message;
}

std::vector<std::string> alarmIds(const StationState& state) {
  std::vector<std::string> ids;
  for (const auto& [id, entry] : state.alarms()) ids.push_back(id);
  return ids;
}

class StationStateTest : public ::testing::Test {
 protected:
  StationState state{"", kStart};
};

TEST_F(StationStateTest, NeedsASnapshotBeforeAnything) {
  EXPECT_TRUE(state.needsSnapshot());
  EXPECT_FALSE(state.hasSnapshot());
  EXPECT_EQ(state.apply(alarm("a", v1::PHASE_START, 1)), Outcome::Buffered);
  EXPECT_TRUE(state.alarms().empty()) << "nothing is shown before a snapshot says what the picture is";
}

TEST_F(StationStateTest, SnapshotThenUpdatesInSequence) {
  state.applySnapshot(snapshot(10, {alarm("a", v1::PHASE_START, 0)}));
  EXPECT_FALSE(state.needsSnapshot());
  EXPECT_EQ(alarmIds(state), std::vector<std::string>{"a"});

  EXPECT_EQ(state.apply(alarm("b", v1::PHASE_START, 11)), Outcome::Applied);
  auto update = alarm("a", v1::PHASE_UPDATE, 12);
  update.mutable_trigger()->set_value(84);
  EXPECT_EQ(state.apply(update), Outcome::Applied);
  EXPECT_EQ(state.alarms().at("a").alarm.trigger.value, 84);
  EXPECT_EQ(state.alarms().at("a").sequence, 12u);
  EXPECT_EQ(alarmIds(state), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(state.lastSequence(), 12u);
  EXPECT_EQ(state.counters().applied, 2u);
  EXPECT_EQ(state.counters().gaps, 0u);
}

TEST_F(StationStateTest, UpdatesAtOrBelowTheSnapshotOrAlreadyAppliedAreDropped) {
  state.applySnapshot(snapshot(10, {alarm("a", v1::PHASE_START, 0)}));
  // Queued on the SUB socket while the snapshot was taken: the snapshot holds them.
  EXPECT_EQ(state.apply(alarm("a", v1::PHASE_END, 9)), Outcome::Duplicate);
  EXPECT_EQ(state.apply(alarm("gone", v1::PHASE_START, 10)), Outcome::Duplicate);
  EXPECT_EQ(state.apply(alarm("b", v1::PHASE_START, 11)), Outcome::Applied);
  EXPECT_EQ(state.apply(alarm("b", v1::PHASE_END, 11)), Outcome::Duplicate) << "a repeated sequence";
  EXPECT_EQ(alarmIds(state), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(state.counters().duplicates, 3u);
  EXPECT_FALSE(state.needsSnapshot());
  EXPECT_EQ(state.counters().faults(), 0u);
}

TEST_F(StationStateTest, BufferedUpdatesNewerThanTheSnapshotAreAppliedAfterIt) {
  // Subscribed first: these arrive before the snapshot reply.
  EXPECT_EQ(state.apply(alarm("a", v1::PHASE_START, 4)), Outcome::Buffered);
  EXPECT_EQ(state.apply(alarm("b", v1::PHASE_START, 5)), Outcome::Buffered);
  EXPECT_EQ(state.apply(alarm("a", v1::PHASE_END, 6)), Outcome::Buffered);
  EXPECT_EQ(state.onHeartbeat(heartbeat(6), kStart), Outcome::Buffered);
  EXPECT_EQ(state.bufferedCount(), 4u);

  // The snapshot was taken at 5: it holds a and b; a's END (6) follows it.
  state.applySnapshot(snapshot(5, {alarm("a", v1::PHASE_START, 0), alarm("b", v1::PHASE_START, 0)}));
  EXPECT_EQ(alarmIds(state), std::vector<std::string>{"b"});
  EXPECT_EQ(state.lastSequence(), 6u);
  EXPECT_EQ(state.bufferedCount(), 0u);
  EXPECT_FALSE(state.needsSnapshot());
  EXPECT_EQ(state.counters().duplicates, 2u);
  EXPECT_EQ(state.counters().resyncs, 0u) << "the first snapshot is not a resync";
}

TEST_F(StationStateTest, AGapNeedsAResyncAndIsCounted) {
  state.applySnapshot(snapshot(10));
  EXPECT_EQ(state.apply(alarm("a", v1::PHASE_START, 11)), Outcome::Applied);
  EXPECT_EQ(state.apply(alarm("b", v1::PHASE_START, 15)), Outcome::ResyncNeeded);  // 12..14 lost
  EXPECT_TRUE(state.resyncNeeded());
  EXPECT_EQ(state.counters().gaps, 1u);
  EXPECT_EQ(state.counters().messages_missed, 3u);
  EXPECT_EQ(alarmIds(state), std::vector<std::string>{"a"}) << "nothing applied past a gap";

  // Later updates wait in the buffer for the snapshot.
  EXPECT_EQ(state.apply(alarm("c", v1::PHASE_START, 16)), Outcome::Buffered);
  EXPECT_EQ(state.apply(alarm("d", v1::PHASE_START, 17)), Outcome::Buffered);

  // Taken at 16: a ended in between, b and c are active; d (17) follows.
  state.applySnapshot(snapshot(16, {alarm("b", v1::PHASE_START, 0), alarm("c", v1::PHASE_START, 0)}));
  EXPECT_FALSE(state.needsSnapshot());
  EXPECT_EQ(alarmIds(state), (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_EQ(state.counters().resyncs, 1u);
  EXPECT_EQ(state.lastResync().reason, ResyncReason::Gap);
  EXPECT_EQ(state.lastResync().missed, 3u);
  EXPECT_EQ(state.lastResync().at_sequence, 16u);
  EXPECT_EQ(describeResync(state.lastResync()), "resynchronised (gap of 3)");
}

TEST_F(StationStateTest, AGapAfterTheSnapshotInTheBufferAsksForAnotherResync) {
  state.apply(alarm("a", v1::PHASE_START, 4));
  state.apply(alarm("b", v1::PHASE_START, 9));  // 5..8 lost while waiting for the snapshot
  state.applySnapshot(snapshot(4, {alarm("a", v1::PHASE_START, 0)}));
  EXPECT_TRUE(state.resyncNeeded());
  EXPECT_EQ(state.counters().gaps, 1u);
  EXPECT_EQ(state.counters().messages_missed, 4u);
  EXPECT_EQ(state.bufferedCount(), 1u) << "the update past the gap waits for the next snapshot";
}

TEST_F(StationStateTest, AHeartbeatRevealsAMessageLostAtTheEndOfABurst) {
  state.applySnapshot(snapshot(10));
  EXPECT_EQ(state.apply(alarm("a", v1::PHASE_START, 11)), Outcome::Applied);
  EXPECT_EQ(state.onHeartbeat(heartbeat(11), kStart + 1s), Outcome::Applied);
  EXPECT_FALSE(state.needsSnapshot());

  // 12 was published and lost; no later update came to show it, the heartbeat does.
  EXPECT_EQ(state.onHeartbeat(heartbeat(12), kStart + 2s), Outcome::ResyncNeeded);
  EXPECT_TRUE(state.resyncNeeded());
  EXPECT_EQ(state.counters().gaps, 1u);
  EXPECT_EQ(state.counters().messages_missed, 1u);
  EXPECT_TRUE(state.link(kStart + 2s).live) << "a gap is not silence";
}

TEST_F(StationStateTest, AnotherEpochMeansTheEngineRestartedAndNeedsAResync) {
  state.applySnapshot(snapshot(10, {alarm("a", v1::PHASE_START, 0)}));
  EXPECT_EQ(state.apply(alarm("x", v1::PHASE_START, 1, v1::STATE_ACTIVE, kEpoch + 1)), Outcome::ResyncNeeded);
  EXPECT_TRUE(state.resyncNeeded());
  EXPECT_EQ(state.counters().epoch_changes, 1u);
  EXPECT_EQ(state.counters().gaps, 0u);
  EXPECT_EQ(alarmIds(state), std::vector<std::string>{"a"});

  state.applySnapshot(snapshot(1, {alarm("x", v1::PHASE_START, 0, v1::STATE_ACTIVE, kEpoch + 1)}, kEpoch + 1));
  EXPECT_FALSE(state.needsSnapshot());
  EXPECT_EQ(state.epoch(), kEpoch + 1);
  EXPECT_EQ(alarmIds(state), std::vector<std::string>{"x"});
  EXPECT_EQ(state.lastResync().reason, ResyncReason::EpochChange);
  EXPECT_EQ(describeResync(state.lastResync()), "resynchronised (engine restarted)");
}

TEST_F(StationStateTest, AHeartbeatOfAnotherEpochAlsoNeedsAResync) {
  state.applySnapshot(snapshot(10));
  EXPECT_EQ(state.onHeartbeat(heartbeat(0, kEpoch + 1), kStart), Outcome::ResyncNeeded);
  EXPECT_EQ(state.counters().epoch_changes, 1u);
}

TEST_F(StationStateTest, BufferedUpdatesOfAnEarlierEpochAreSupersededByTheSnapshot) {
  state.apply(alarm("old", v1::PHASE_START, 40, v1::STATE_ACTIVE, kEpoch - 1));
  state.applySnapshot(snapshot(3));
  EXPECT_TRUE(state.alarms().empty());
  EXPECT_FALSE(state.needsSnapshot());
  EXPECT_EQ(state.counters().stale_epoch, 1u);
}

TEST_F(StationStateTest, EndRemovesButLatchedAcknowledgedAndPausedAlarmsStay) {
  state.applySnapshot(snapshot(0));
  state.apply(alarm("ended", v1::PHASE_START, 1));
  state.apply(alarm("ended", v1::PHASE_END, 2, v1::STATE_INACTIVE));
  EXPECT_EQ(state.alarms().count("ended"), 0u);

  state.apply(alarm("latched", v1::PHASE_END, 3, v1::STATE_LATCHED));
  auto acknowledged = alarm("acked", v1::PHASE_UPDATE, 4);
  acknowledged.set_inactivation(v1::INACTIVATION_ACKNOWLEDGED);
  acknowledged.set_acknowledged_by("station-2");
  state.apply(acknowledged);
  auto paused = alarm("paused", v1::PHASE_UPDATE, 5);
  paused.set_inactivation(v1::INACTIVATION_AUDIO_PAUSED);
  state.apply(paused);

  ASSERT_EQ(alarmIds(state), (std::vector<std::string>{"acked", "latched", "paused"}));
  EXPECT_EQ(state.alarms().at("latched").alarm.state, core::AlarmState::Latched);
  EXPECT_EQ(state.alarms().at("acked").alarm.inactivation, core::Inactivation::Acknowledged);
  EXPECT_EQ(state.alarms().at("acked").alarm.acknowledged_by, "station-2");
  EXPECT_EQ(state.alarms().at("paused").alarm.inactivation, core::Inactivation::AudioPaused);

  // A latched alarm goes when its END is no longer latched (acknowledged).
  state.apply(alarm("latched", v1::PHASE_END, 6, v1::STATE_INACTIVE));
  EXPECT_EQ(state.alarms().count("latched"), 0u);
}

TEST_F(StationStateTest, SnapshotShowsLatchedAlarmsAndSkipsEndedOnes) {
  state.applySnapshot(snapshot(9, {alarm("latched", v1::PHASE_END, 0, v1::STATE_LATCHED),
                                   alarm("ended", v1::PHASE_END, 0, v1::STATE_INACTIVE)}));
  EXPECT_EQ(alarmIds(state), std::vector<std::string>{"latched"});
}

TEST_F(StationStateTest, OneCurrentAdvicePerPatientReplacedAndClearedByNone) {
  state.applySnapshot(snapshot(0));
  EXPECT_EQ(state.apply(advice("bed-1", v1::ADVICE_HOLD, 1)), Outcome::Applied);
  EXPECT_EQ(state.apply(advice("bed-2", v1::ADVICE_PAUSE, 2)), Outcome::Applied);
  EXPECT_EQ(state.apply(advice("bed-1", v1::ADVICE_REDUCE, 3, 0.15)), Outcome::Applied);
  ASSERT_EQ(state.advice().size(), 2u);
  const auto& bed1 = state.advice().at("bed-1").advice;
  EXPECT_EQ(bed1.advice.action, core::AdviceAction::Reduce);
  EXPECT_EQ(bed1.advice.target_rate_mg_per_kg_per_h, 0.15);
  EXPECT_EQ(bed1.advice.reason, "reason 3");

  EXPECT_EQ(state.apply(advice("bed-2", v1::ADVICE_NONE, 4)), Outcome::Applied);
  EXPECT_EQ(state.advice().count("bed-2"), 0u) << "ADVICE_NONE: no advice stands any more";
}

TEST_F(StationStateTest, LatestStatusPerPatientReplacesTheOlder) {
  state.applySnapshot(snapshot(0));
  state.apply(status("bed-1", 2, v1::NEWS2_LOW, 1));
  state.apply(status("bed-1", 6, v1::NEWS2_MEDIUM, 2));
  state.apply(status("bed-2", 0, v1::NEWS2_ZERO, 3));
  ASSERT_EQ(state.statuses().size(), 2u);
  EXPECT_EQ(state.statuses().at("bed-1").status.news2.total, 6);
  EXPECT_EQ(state.statuses().at("bed-1").status.news2.band, core::News2Band::Medium);
  EXPECT_EQ(state.statuses().at("bed-1").sequence, 2u);
}

TEST_F(StationStateTest, SnapshotCarriesAdviceAndStatusesAndReplacesThePicture) {
  state.applySnapshot(snapshot(0));
  state.apply(advice("gone", v1::ADVICE_HOLD, 1));
  state.apply(status("gone", 1, v1::NEWS2_LOW, 2));

  auto message = snapshot(20, {alarm("a", v1::PHASE_START, 0)});
  *message.add_advice() = advice("bed-1", v1::ADVICE_PAUSE, 0);
  *message.add_statuses() = status("bed-1", 7, v1::NEWS2_HIGH, 0);
  state.applySnapshot(message);
  EXPECT_EQ(state.advice().count("gone"), 0u);
  EXPECT_EQ(state.statuses().count("gone"), 0u);
  EXPECT_EQ(state.advice().at("bed-1").advice.advice.action, core::AdviceAction::Pause);
  EXPECT_EQ(state.statuses().at("bed-1").status.news2.band, core::News2Band::High);
}

TEST_F(StationStateTest, AdviceAndStatusShareTheSequenceWithAlarms) {
  state.applySnapshot(snapshot(0));
  EXPECT_EQ(state.apply(alarm("a", v1::PHASE_START, 1)), Outcome::Applied);
  EXPECT_EQ(state.apply(advice("bed-1", v1::ADVICE_HOLD, 2)), Outcome::Applied);
  EXPECT_EQ(state.apply(status("bed-1", 3, v1::NEWS2_LOW, 4)), Outcome::ResyncNeeded) << "3 lost";
  EXPECT_EQ(state.counters().messages_missed, 1u);
}

TEST_F(StationStateTest, OtherUnitsAndInvalidMessagesUseTheirSequenceButChangeNothing) {
  StationState pacu("pacu", kStart);
  pacu.applySnapshot(snapshot(0));
  auto elsewhere = alarm("icu-alarm", v1::PHASE_START, 1);
  elsewhere.set_unit("icu");
  EXPECT_EQ(pacu.apply(elsewhere), Outcome::OtherUnit);
  auto no_id = alarm("", v1::PHASE_START, 2);
  EXPECT_EQ(pacu.apply(no_id), Outcome::Invalid);
  EXPECT_EQ(pacu.apply(alarm("a", v1::PHASE_START, 3)), Outcome::Applied) << "no false gap";
  EXPECT_EQ(alarmIds(pacu), std::vector<std::string>{"a"});
  EXPECT_EQ(pacu.counters().other_unit, 1u);
  EXPECT_EQ(pacu.counters().invalid, 1u);
  EXPECT_EQ(pacu.counters().gaps, 0u);
}

TEST_F(StationStateTest, UnknownFieldValuesNeverHideAnAlarm) {
  state.applySnapshot(snapshot(0));
  auto odd = alarm("odd", v1::PHASE_START, 1);
  odd.set_priority(static_cast<v1::Priority>(42));
  odd.set_state(static_cast<v1::AlarmState>(9));
  EXPECT_EQ(state.apply(odd), Outcome::Applied);
  EXPECT_EQ(state.alarms().at("odd").alarm.priority, core::Priority::High);
  EXPECT_EQ(state.alarms().at("odd").alarm.state, core::AlarmState::Active);
}

TEST_F(StationStateTest, AReplyEventShowsAtOnceWithoutTouchingTheSequence) {
  state.applySnapshot(snapshot(10, {alarm("a", v1::PHASE_START, 0)}));
  auto acknowledged = alarm("a", v1::PHASE_UPDATE, 0);
  acknowledged.set_inactivation(v1::INACTIVATION_ACKNOWLEDGED);
  state.applyReply(acknowledged);
  EXPECT_EQ(state.alarms().at("a").alarm.inactivation, core::Inactivation::Acknowledged);
  EXPECT_EQ(state.lastSequence(), 10u);
  // The stream then brings the same transition, in order.
  acknowledged.set_sequence(11);
  EXPECT_EQ(state.apply(acknowledged), Outcome::Applied);
  EXPECT_EQ(state.counters().gaps, 0u);
}

TEST_F(StationStateTest, SilentAfterThreeSecondsWithoutAHeartbeatByTheInjectedClock) {
  EXPECT_FALSE(state.link(kStart + 1s).live);
  EXPECT_FALSE(state.link(kStart + 1s).silent) << "just started: still waiting";
  EXPECT_TRUE(state.link(kStart + 3001ms).silent) << "never heard counts from the start";
  EXPECT_FALSE(state.link(kStart + 3001ms).ever_heard);

  state.onHeartbeat(heartbeat(0), kStart + 5s);
  EXPECT_TRUE(state.link(kStart + 5s).live);
  EXPECT_TRUE(state.link(kStart + 8s).live) << "exactly 3 s is not yet silent";
  const auto silent = state.link(kStart + 8s + 1ms);
  EXPECT_TRUE(silent.silent);
  EXPECT_FALSE(silent.live);
  EXPECT_EQ(silent.quiet_for, 3001ms);
}

TEST_F(StationStateTest, TheBufferIsBoundedAndCountsWhatItDropped) {
  for (std::uint64_t s = 1; s <= StationState::kMaxBuffered + 5; ++s) state.apply(alarm("a", v1::PHASE_UPDATE, s));
  EXPECT_EQ(state.bufferedCount(), StationState::kMaxBuffered);
  EXPECT_EQ(state.counters().buffer_overflow, 5u);
  state.applySnapshot(snapshot(5));
  EXPECT_FALSE(state.needsSnapshot()) << "the oldest dropped were the ones the snapshot held";
  EXPECT_EQ(state.lastSequence(), StationState::kMaxBuffered + 5);
}

// Issue 16: an engine serving several units numbers each unit's messages too. A station
// following one unit orders by that number, so the other units' traffic (which it never
// receives) is no gap; a lost message of its own unit still is.
v1::AlarmEvent unitAlarm(const std::string& id, std::uint64_t sequence, std::uint64_t unit_sequence) {
  auto event = alarm(id, v1::PHASE_START, sequence);
  event.set_unit_sequence(unit_sequence);
  return event;
}

v1::Snapshot unitSnapshot(std::uint64_t sequence, std::uint64_t unit_sequence) {
  auto message = snapshot(sequence);
  message.set_unit_sequence(unit_sequence);
  return message;
}

TEST_F(StationStateTest, OneUnitOfAMultiUnitEngineOrdersByTheUnitsOwnSequence) {
  StationState pacu("pacu", kStart);
  pacu.applySnapshot(unitSnapshot(40, 10));
  EXPECT_TRUE(pacu.perUnit());
  // Engine-wide 41..43 went to icu and ccu: pacu sees 44, its own 11.
  EXPECT_EQ(pacu.apply(unitAlarm("a", 44, 11)), Outcome::Applied);
  EXPECT_EQ(pacu.apply(unitAlarm("b", 50, 12)), Outcome::Applied);
  auto beat = heartbeat(90);
  (*beat.mutable_unit_sequences())["pacu"] = 12;
  (*beat.mutable_unit_sequences())["icu"] = 70;
  EXPECT_EQ(pacu.onHeartbeat(beat, kStart + 1s), Outcome::Applied) << "the engine-wide 90 is no gap for pacu";
  EXPECT_EQ(pacu.counters().gaps, 0u);
  EXPECT_EQ(pacu.lastSequence(), 12u);
}

TEST_F(StationStateTest, AMissingMessageOfTheUnitIsStillAGapAndResyncs) {
  StationState pacu("pacu", kStart);
  pacu.applySnapshot(unitSnapshot(40, 10));
  EXPECT_EQ(pacu.apply(unitAlarm("a", 60, 12)), Outcome::ResyncNeeded) << "pacu's 11 never came";
  EXPECT_EQ(pacu.counters().messages_missed, 1u);
  pacu.applySnapshot(unitSnapshot(61, 12));
  EXPECT_FALSE(pacu.needsSnapshot());
  EXPECT_EQ(pacu.counters().resyncs, 1u);
  EXPECT_EQ(pacu.lastResync().at_sequence, 12u);
}

TEST_F(StationStateTest, AHeartbeatAnnouncingAUnitMessageNeverSeenIsAGap) {
  StationState pacu("pacu", kStart);
  pacu.applySnapshot(unitSnapshot(40, 10));
  auto beat = heartbeat(45);
  (*beat.mutable_unit_sequences())["pacu"] = 11;
  EXPECT_EQ(pacu.onHeartbeat(beat, kStart + 1s), Outcome::ResyncNeeded);
  EXPECT_EQ(pacu.counters().messages_missed, 1u);
}

TEST_F(StationStateTest, AStationOfEveryUnitKeepsTheEngineWideSequence) {
  state.applySnapshot(unitSnapshot(40, 10));  // an engine always answers a unit; "" asks none
  EXPECT_FALSE(state.perUnit());
  EXPECT_EQ(state.apply(unitAlarm("a", 41, 11)), Outcome::Applied);
  EXPECT_EQ(state.apply(unitAlarm("b", 43, 12)), Outcome::ResyncNeeded) << "engine-wide 42 was lost";
}

TEST_F(StationStateTest, BufferedBeforeTheFirstSnapshotReplaysByTheUnitSequence) {
  StationState pacu("pacu", kStart);
  EXPECT_EQ(pacu.apply(unitAlarm("a", 44, 11)), Outcome::Buffered);
  EXPECT_EQ(pacu.apply(unitAlarm("b", 47, 12)), Outcome::Buffered);
  pacu.applySnapshot(unitSnapshot(45, 11));
  EXPECT_FALSE(pacu.needsSnapshot());
  EXPECT_EQ(alarmIds(pacu), std::vector<std::string>{"b"}) << "a is in the snapshot's past; b follows it";
  EXPECT_EQ(pacu.counters().duplicates, 1u);
}

}  // namespace
}  // namespace vigil::streamer::station
