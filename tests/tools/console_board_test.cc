#include "tools/vigil-console/board.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "streamer/zmq_io.h"
#include "tools/vigil-console/feed.h"
#include "tools/vigil-console/keys.h"

namespace vigil::console {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;

const SteadyTime kStart{std::chrono::hours(1)};

v1::AlarmEvent makeEvent(const std::string& id, v1::Priority priority, v1::AlarmPhase phase, std::int64_t start_ms,
                         std::uint64_t sequence = 0) {
  v1::AlarmEvent event;
  event.set_alert_id(id);
  event.set_patient_id("P-" + id);
  event.set_unit("pacu");
  event.set_title("alarm " + id);
  event.set_priority(priority);
  event.set_phase(phase);
  event.set_state(v1::STATE_ACTIVE);
  event.set_start_time_ms(start_ms);
  event.set_event_time_ms(start_ms);
  event.set_engine_epoch(7);
  event.set_sequence(sequence);
  return event;
}

std::vector<std::string> idsOf(const AlarmBoard& board) {
  std::vector<std::string> ids;
  for (const auto& row : board.rows()) ids.push_back(row.alarm.alert_id);
  return ids;
}

v1::Snapshot snapshotOf(std::vector<v1::AlarmEvent> alarms, std::uint64_t sequence) {
  v1::Snapshot snapshot;
  snapshot.set_engine_epoch(7);
  snapshot.set_sequence(sequence);
  for (auto& alarm : alarms) *snapshot.add_alarms() = alarm;
  return snapshot;
}

class BoardTest : public ::testing::Test {
 protected:
  AlarmBoard board{"", kStart};
};

TEST_F(BoardTest, SnapshotFillsTheBoardThenEventsAddReplaceAndRemove) {
  board.applySnapshot(snapshotOf({makeEvent("a", v1::PRIORITY_MEDIUM, v1::PHASE_START, 1000, 3)}, 10));
  ASSERT_TRUE(board.hasSnapshot());
  EXPECT_EQ(idsOf(board), std::vector<std::string>{"a"});

  EXPECT_EQ(board.apply(makeEvent("b", v1::PRIORITY_LOW, v1::PHASE_START, 2000, 11)), ApplyOutcome::Added);
  EXPECT_EQ(idsOf(board), (std::vector<std::string>{"a", "b"}));

  auto update = makeEvent("a", v1::PRIORITY_MEDIUM, v1::PHASE_UPDATE, 1000, 12);
  update.mutable_trigger()->set_value(84);
  EXPECT_EQ(board.apply(update), ApplyOutcome::Replaced);
  ASSERT_NE(board.find("a"), nullptr);
  EXPECT_EQ(board.find("a")->alarm.trigger.value, 84);
  EXPECT_EQ(board.rows().size(), 2u);

  EXPECT_EQ(board.apply(makeEvent("a", v1::PRIORITY_MEDIUM, v1::PHASE_END, 1000, 13)), ApplyOutcome::Removed);
  EXPECT_EQ(idsOf(board), std::vector<std::string>{"b"});
}

TEST_F(BoardTest, SnapshotReplacesWhatTheBoardHeld) {
  board.apply(makeEvent("old", v1::PRIORITY_HIGH, v1::PHASE_START, 1000));
  board.applySnapshot(snapshotOf({makeEvent("new", v1::PRIORITY_LOW, v1::PHASE_START, 1000, 4)}, 5));
  EXPECT_EQ(idsOf(board), std::vector<std::string>{"new"});
}

TEST_F(BoardTest, LatchedEndKeepsTheRowUntilAPlainEnd) {
  board.apply(makeEvent("h", v1::PRIORITY_HIGH, v1::PHASE_START, 1000, 1));
  auto latched = makeEvent("h", v1::PRIORITY_HIGH, v1::PHASE_END, 1000, 2);
  latched.set_state(v1::STATE_LATCHED);
  EXPECT_EQ(board.apply(latched), ApplyOutcome::Latched);
  ASSERT_NE(board.find("h"), nullptr);
  EXPECT_EQ(board.find("h")->alarm.state, core::AlarmState::Latched);

  auto ended = makeEvent("h", v1::PRIORITY_HIGH, v1::PHASE_END, 1000, 3);
  ended.set_state(v1::STATE_INACTIVE);
  EXPECT_EQ(board.apply(ended), ApplyOutcome::Removed);
  EXPECT_TRUE(board.rows().empty());
}

TEST_F(BoardTest, UpdateForAnUnknownIdAddsIt) {
  EXPECT_EQ(board.apply(makeEvent("missed-start", v1::PRIORITY_MEDIUM, v1::PHASE_UPDATE, 1000, 5)), ApplyOutcome::Added);
  EXPECT_EQ(idsOf(board), std::vector<std::string>{"missed-start"});
}

TEST_F(BoardTest, SortsByPriorityThenOldestStart) {
  board.apply(makeEvent("low", v1::PRIORITY_LOW, v1::PHASE_START, 100));
  board.apply(makeEvent("high-late", v1::PRIORITY_HIGH, v1::PHASE_START, 5000));
  board.apply(makeEvent("medium", v1::PRIORITY_MEDIUM, v1::PHASE_START, 50));
  board.apply(makeEvent("high-early", v1::PRIORITY_HIGH, v1::PHASE_START, 3000));
  EXPECT_EQ(idsOf(board), (std::vector<std::string>{"high-early", "high-late", "medium", "low"}));

  board.apply(makeEvent("low", v1::PRIORITY_HIGH, v1::PHASE_ESCALATE, 100));
  EXPECT_EQ(idsOf(board), (std::vector<std::string>{"low", "high-early", "high-late", "medium"}));
}

TEST_F(BoardTest, EventsOlderThanTheSnapshotAreSkipped) {
  board.applySnapshot(snapshotOf({makeEvent("a", v1::PRIORITY_HIGH, v1::PHASE_START, 1000, 8)}, 10));
  // Queued on the SUB socket while the snapshot was being taken: already in it.
  EXPECT_EQ(board.apply(makeEvent("a", v1::PRIORITY_HIGH, v1::PHASE_END, 1000, 9)), ApplyOutcome::Stale);
  EXPECT_EQ(board.apply(makeEvent("gone", v1::PRIORITY_LOW, v1::PHASE_START, 1000, 10)), ApplyOutcome::Stale);
  EXPECT_EQ(idsOf(board), std::vector<std::string>{"a"});
  EXPECT_EQ(board.drops().stale, 2u);
  EXPECT_EQ(board.drops().faults(), 0u);
}

TEST_F(BoardTest, AnOlderEventCannotUndoANewerOne) {
  // The acknowledgement reply (sequence 21) can overtake the stream's earlier events.
  auto acknowledged = makeEvent("a", v1::PRIORITY_HIGH, v1::PHASE_UPDATE, 1000, 21);
  acknowledged.set_inactivation(v1::INACTIVATION_ACKNOWLEDGED);
  board.apply(acknowledged);
  EXPECT_EQ(board.apply(makeEvent("a", v1::PRIORITY_HIGH, v1::PHASE_UPDATE, 1000, 20)), ApplyOutcome::Stale);
  EXPECT_EQ(board.find("a")->alarm.inactivation, core::Inactivation::Acknowledged);

  board.apply(makeEvent("a", v1::PRIORITY_HIGH, v1::PHASE_END, 1000, 23));
  EXPECT_EQ(board.apply(makeEvent("a", v1::PRIORITY_HIGH, v1::PHASE_UPDATE, 1000, 22)), ApplyOutcome::Stale);
  EXPECT_TRUE(board.rows().empty());
}

TEST_F(BoardTest, ANewEngineEpochAsksForAResync) {
  board.applySnapshot(snapshotOf({}, 100));
  EXPECT_FALSE(board.resyncNeeded());
  auto restarted = makeEvent("x", v1::PRIORITY_LOW, v1::PHASE_START, 1000, 1);
  restarted.set_engine_epoch(8);
  // Sequence 1 is below the old snapshot's 100, but it belongs to the new epoch.
  EXPECT_EQ(board.apply(restarted), ApplyOutcome::Added);
  EXPECT_TRUE(board.resyncNeeded());
  board.applySnapshot(snapshotOf({}, 1));
  EXPECT_FALSE(board.resyncNeeded());
}

TEST_F(BoardTest, AHeartbeatOfANewEpochAsksForAResync) {
  board.applySnapshot(snapshotOf({}, 1));
  v1::Heartbeat heartbeat;
  heartbeat.set_engine_epoch(7);
  board.onHeartbeat(heartbeat, kStart);
  EXPECT_FALSE(board.resyncNeeded());
  heartbeat.set_engine_epoch(9);
  board.onHeartbeat(heartbeat, kStart + 1s);
  EXPECT_TRUE(board.resyncNeeded());
}

TEST_F(BoardTest, SelectionFollowsTheAlertIdWhenRowsReorder) {
  board.apply(makeEvent("m1", v1::PRIORITY_MEDIUM, v1::PHASE_START, 1000));
  board.apply(makeEvent("m2", v1::PRIORITY_MEDIUM, v1::PHASE_START, 2000));
  board.moveSelection(+1);
  ASSERT_NE(board.selected(), nullptr);
  EXPECT_EQ(board.selected()->alarm.alert_id, "m2");

  board.apply(makeEvent("h", v1::PRIORITY_HIGH, v1::PHASE_START, 3000));
  EXPECT_EQ(board.selected()->alarm.alert_id, "m2");
  EXPECT_EQ(board.selectedIndex(), 2u);

  board.moveSelection(-1);
  EXPECT_EQ(board.selected()->alarm.alert_id, "m1");
  board.moveSelection(-5);
  EXPECT_EQ(board.selected()->alarm.alert_id, "h");
  board.moveSelection(+9);
  EXPECT_EQ(board.selected()->alarm.alert_id, "m2");
}

TEST_F(BoardTest, WhenTheSelectedRowEndsTheRowAtItsPlaceIsSelected) {
  board.apply(makeEvent("a", v1::PRIORITY_HIGH, v1::PHASE_START, 1000));
  board.apply(makeEvent("b", v1::PRIORITY_HIGH, v1::PHASE_START, 2000));
  board.apply(makeEvent("c", v1::PRIORITY_HIGH, v1::PHASE_START, 3000));
  board.moveSelection(+1);
  board.apply(makeEvent("b", v1::PRIORITY_HIGH, v1::PHASE_END, 2000));
  EXPECT_EQ(board.selected()->alarm.alert_id, "c");
  board.apply(makeEvent("c", v1::PRIORITY_HIGH, v1::PHASE_END, 3000));
  EXPECT_EQ(board.selected()->alarm.alert_id, "a");
  board.apply(makeEvent("a", v1::PRIORITY_HIGH, v1::PHASE_END, 1000));
  EXPECT_EQ(board.selected(), nullptr);
}

TEST_F(BoardTest, CountsPerPriority) {
  board.apply(makeEvent("h1", v1::PRIORITY_HIGH, v1::PHASE_START, 1));
  board.apply(makeEvent("h2", v1::PRIORITY_HIGH, v1::PHASE_START, 2));
  board.apply(makeEvent("m", v1::PRIORITY_MEDIUM, v1::PHASE_START, 3));
  board.apply(makeEvent("n", v1::PRIORITY_NONE, v1::PHASE_START, 4));
  const auto counts = board.counts();
  EXPECT_EQ(counts.high, 2u);
  EXPECT_EQ(counts.medium, 1u);
  EXPECT_EQ(counts.low, 0u);
  EXPECT_EQ(counts.none, 1u);
}

TEST_F(BoardTest, HeartbeatGoesSilentAfterThreeSeconds) {
  board.onHeartbeat(v1::Heartbeat{}, kStart);
  EXPECT_TRUE(board.link(kStart + 2999ms).live);
  EXPECT_FALSE(board.link(kStart + 2999ms).silent);
  EXPECT_EQ(board.link(kStart + 2999ms).quiet_for, 2999ms);
  EXPECT_TRUE(board.link(kStart + 3000ms).live);
  EXPECT_FALSE(board.link(kStart + 3001ms).live);
  EXPECT_TRUE(board.link(kStart + 3001ms).silent);
  EXPECT_TRUE(board.link(kStart + std::chrono::microseconds(3000001)).silent);

  board.onHeartbeat(v1::Heartbeat{}, kStart + 4s);
  EXPECT_TRUE(board.link(kStart + 4s + 300ms).live);
}

TEST_F(BoardTest, NoHeartbeatSinceStartIsWaitingThenSilent) {
  const auto waiting = board.link(kStart + 1s);
  EXPECT_FALSE(waiting.live);
  EXPECT_FALSE(waiting.silent);
  EXPECT_FALSE(waiting.ever_heard);
  EXPECT_FALSE(board.link(kStart + 3000ms).silent);
  EXPECT_TRUE(board.link(kStart + 3001ms).silent);
  EXPECT_EQ(board.link(kStart + 5s).quiet_for, 5s);
}

TEST(BoardUnitTest, AStationOfOneUnitSkipsOtherUnits) {
  AlarmBoard board("pacu", kStart);
  auto other = makeEvent("o", v1::PRIORITY_HIGH, v1::PHASE_START, 1);
  other.set_unit("pacu2");  // a unit_prefix "pacu" snapshot may hold it
  board.applySnapshot(snapshotOf({other, makeEvent("p", v1::PRIORITY_LOW, v1::PHASE_START, 1)}, 1));
  EXPECT_EQ(idsOf(board), std::vector<std::string>{"p"});
  EXPECT_EQ(board.drops().other_unit, 1u);
}

TEST(BoardInvalidTest, EventsWithoutIdOrPhaseAreCountedNotShown) {
  AlarmBoard board("", kStart);
  auto no_id = makeEvent("", v1::PRIORITY_HIGH, v1::PHASE_START, 1);
  auto no_phase = makeEvent("x", v1::PRIORITY_HIGH, v1::PHASE_UNSPECIFIED, 1);
  EXPECT_EQ(board.apply(no_id), ApplyOutcome::Invalid);
  EXPECT_EQ(board.apply(no_phase), ApplyOutcome::Invalid);
  EXPECT_TRUE(board.rows().empty());
  EXPECT_EQ(board.drops().invalid, 2u);
}

TEST(BoardInvalidTest, AnUnknownPriorityIsShownAsHigh) {
  AlarmBoard board("", kStart);
  auto future = makeEvent("f", v1::PRIORITY_LOW, v1::PHASE_START, 1);
  future.set_priority(static_cast<v1::Priority>(9));
  board.apply(future);
  ASSERT_EQ(board.rows().size(), 1u);
  EXPECT_EQ(board.rows()[0].alarm.priority, core::Priority::High);
}

streamer::Envelope envelopeOf(std::string topic, std::string payload, std::size_t parts = 2) {
  return streamer::Envelope{std::move(topic), std::move(payload), parts};
}

TEST(FeedTest, DeliversAlarmsAndHeartbeatsAndCountsTheRest) {
  AlarmBoard board("", kStart);
  const auto event = makeEvent("a", v1::PRIORITY_HIGH, v1::PHASE_START, 1, 1);
  const auto alarm = deliver(envelopeOf("alert/pacu/P-a", event.SerializeAsString()), board, kStart);
  ASSERT_TRUE(alarm.event.has_value());
  EXPECT_EQ(alarm.event->alert_id(), "a");
  EXPECT_TRUE(alarm.changed);

  v1::Heartbeat heartbeat;
  heartbeat.set_engine_epoch(7);
  EXPECT_TRUE(deliver(envelopeOf("heartbeat", heartbeat.SerializeAsString()), board, kStart + 10s).heartbeat);
  EXPECT_TRUE(board.link(kStart + 10s).live);

  deliver(envelopeOf("alert/pacu/P-a", "\xff\xff\xff"), board, kStart);
  deliver(envelopeOf("alert/pacu/P-a", event.SerializeAsString(), 3), board, kStart);
  deliver(envelopeOf("alerts-but-not/x", event.SerializeAsString()), board, kStart);
  EXPECT_EQ(board.drops().undecodable, 1u);
  EXPECT_EQ(board.drops().malformed, 1u);
  EXPECT_EQ(board.drops().unknown_topic, 1u);
  EXPECT_EQ(board.drops().faults(), 3u);
}

TEST(FeedTest, AStaleEventIsNotHandedOnForPrinting) {
  AlarmBoard board("", kStart);
  board.applySnapshot(snapshotOf({}, 50));
  const auto event = makeEvent("a", v1::PRIORITY_HIGH, v1::PHASE_START, 1, 49);
  const auto delivery = deliver(envelopeOf("alert/pacu/P-a", event.SerializeAsString()), board, kStart);
  EXPECT_FALSE(delivery.event.has_value());
  EXPECT_FALSE(delivery.changed);
}

TEST(KeyDecoderTest, ArrowsLettersAndSplitSequences) {
  KeyDecoder keys;
  EXPECT_EQ(keys.feed("\x1b[A\x1b[Bjkaq"),
            (std::vector<Key>{Key::Up, Key::Down, Key::Down, Key::Up, Key::Acknowledge, Key::Quit}));
  EXPECT_TRUE(keys.feed("\x1b[").empty());
  EXPECT_EQ(keys.feed("B"), std::vector<Key>{Key::Down});
  EXPECT_EQ(keys.feed("\x1bOA"), std::vector<Key>{Key::Up});
  // Other sequences (here F5 and a lone Escape) do nothing and do not swallow what follows.
  EXPECT_EQ(keys.feed("\x1b[15~\x1bq"), std::vector<Key>{Key::Quit});
}

}  // namespace
}  // namespace vigil::console
