#include "tools/vigil-console/station_view.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "streamer/station/station_feed.h"
#include "streamer/zmq_io.h"

namespace vigil::console {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;
using streamer::station::Outcome;

const SteadyTime kStart{std::chrono::hours(1)};

v1::AlarmEvent makeEvent(const std::string& id, v1::Priority priority, v1::AlarmPhase phase, std::int64_t start_ms,
                         std::uint64_t sequence) {
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

v1::Snapshot snapshotOf(std::vector<v1::AlarmEvent> alarms, std::uint64_t sequence) {
  v1::Snapshot snapshot;
  snapshot.set_engine_epoch(7);
  snapshot.set_sequence(sequence);
  for (auto& alarm : alarms) *snapshot.add_alarms() = alarm;
  return snapshot;
}

// The board over a state that has its snapshot; `apply` numbers events in stream order.
class BoardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state.applySnapshot(snapshotOf({}, 0));
    board.refresh();
  }

  Outcome apply(v1::AlarmEvent event) {
    event.set_sequence(++sequence);
    const auto outcome = state.apply(event);
    board.refresh();
    return outcome;
  }

  void applyAdvice(const std::string& patient, v1::AdviceAction action, double rate, const std::string& reason) {
    v1::AdviceEvent event;
    event.set_patient_id(patient);
    event.set_unit("pacu");
    event.mutable_advice()->set_action(action);
    event.mutable_advice()->set_target_rate_mg_per_kg_per_h(rate);
    event.mutable_advice()->set_reason(reason);
    event.set_engine_epoch(7);
    event.set_sequence(++sequence);
    ASSERT_EQ(state.apply(event), Outcome::Applied);
    board.refresh();
  }

  void applyStatus(const std::string& patient, int total, v1::News2Band band) {
    v1::PatientStatus status;
    status.set_patient_id(patient);
    status.set_unit("pacu");
    status.mutable_news2()->set_total(total);
    status.mutable_news2()->set_band(band);
    status.set_engine_epoch(7);
    status.set_sequence(++sequence);
    ASSERT_EQ(state.apply(status), Outcome::Applied);
    board.refresh();
  }

  std::vector<std::string> ids() const {
    std::vector<std::string> ids;
    for (const auto& row : board.rows()) ids.push_back(row.alarm.alert_id);
    return ids;
  }

  std::vector<std::string> patientIds() const {
    std::vector<std::string> ids;
    for (const auto& patient : board.patients()) ids.push_back(patient.patient_id);
    return ids;
  }

  StationState state{"", kStart};
  StationView board{state};
  std::uint64_t sequence = 0;
};

TEST_F(BoardTest, ShowsTheStateSortedByPriorityThenOldestStart) {
  apply(makeEvent("low", v1::PRIORITY_LOW, v1::PHASE_START, 100, 0));
  apply(makeEvent("high-late", v1::PRIORITY_HIGH, v1::PHASE_START, 5000, 0));
  apply(makeEvent("medium", v1::PRIORITY_MEDIUM, v1::PHASE_START, 50, 0));
  apply(makeEvent("high-early", v1::PRIORITY_HIGH, v1::PHASE_START, 3000, 0));
  EXPECT_EQ(ids(), (std::vector<std::string>{"high-early", "high-late", "medium", "low"}));

  apply(makeEvent("low", v1::PRIORITY_HIGH, v1::PHASE_ESCALATE, 100, 0));
  EXPECT_EQ(ids(), (std::vector<std::string>{"low", "high-early", "high-late", "medium"}));
  apply(makeEvent("medium", v1::PRIORITY_MEDIUM, v1::PHASE_END, 50, 0));
  EXPECT_EQ(ids(), (std::vector<std::string>{"low", "high-early", "high-late"}));
}

TEST_F(BoardTest, SelectionFollowsTheAlertIdWhenRowsReorder) {
  apply(makeEvent("m1", v1::PRIORITY_MEDIUM, v1::PHASE_START, 1000, 0));
  apply(makeEvent("m2", v1::PRIORITY_MEDIUM, v1::PHASE_START, 2000, 0));
  board.moveSelection(+1);
  ASSERT_NE(board.selected(), nullptr);
  EXPECT_EQ(board.selected()->alarm.alert_id, "m2");

  apply(makeEvent("h", v1::PRIORITY_HIGH, v1::PHASE_START, 3000, 0));
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
  apply(makeEvent("a", v1::PRIORITY_HIGH, v1::PHASE_START, 1000, 0));
  apply(makeEvent("b", v1::PRIORITY_HIGH, v1::PHASE_START, 2000, 0));
  apply(makeEvent("c", v1::PRIORITY_HIGH, v1::PHASE_START, 3000, 0));
  board.moveSelection(+1);
  apply(makeEvent("b", v1::PRIORITY_HIGH, v1::PHASE_END, 2000, 0));
  EXPECT_EQ(board.selected()->alarm.alert_id, "c");
  apply(makeEvent("c", v1::PRIORITY_HIGH, v1::PHASE_END, 3000, 0));
  EXPECT_EQ(board.selected()->alarm.alert_id, "a");
  apply(makeEvent("a", v1::PRIORITY_HIGH, v1::PHASE_END, 1000, 0));
  EXPECT_EQ(board.selected(), nullptr);
}

TEST_F(BoardTest, CountsPerPriority) {
  apply(makeEvent("h1", v1::PRIORITY_HIGH, v1::PHASE_START, 1, 0));
  apply(makeEvent("h2", v1::PRIORITY_HIGH, v1::PHASE_START, 2, 0));
  apply(makeEvent("m", v1::PRIORITY_MEDIUM, v1::PHASE_START, 3, 0));
  apply(makeEvent("n", v1::PRIORITY_NONE, v1::PHASE_START, 4, 0));
  const auto counts = board.counts();
  EXPECT_EQ(counts.high, 2u);
  EXPECT_EQ(counts.medium, 1u);
  EXPECT_EQ(counts.low, 0u);
  EXPECT_EQ(counts.none, 1u);
}

TEST_F(BoardTest, PatientsComeFromAlarmsAdviceAndStatuses) {
  apply(makeEvent("a", v1::PRIORITY_HIGH, v1::PHASE_START, 1, 0));  // patient P-a
  applyAdvice("bed-2", v1::ADVICE_REDUCE, 0.15, "SpO2 < 94 %");
  applyStatus("bed-3", 6, v1::NEWS2_MEDIUM);
  applyStatus("bed-2", 2, v1::NEWS2_LOW);
  EXPECT_EQ(patientIds(), (std::vector<std::string>{"P-a", "bed-2", "bed-3"}));

  const auto& bed2 = board.patients()[1];
  ASSERT_TRUE(bed2.advice.has_value());
  EXPECT_EQ(bed2.advice->action, core::AdviceAction::Reduce);
  EXPECT_EQ(bed2.advice->target_rate_mg_per_kg_per_h, 0.15);
  ASSERT_TRUE(bed2.news2.has_value());
  EXPECT_EQ(bed2.news2->band, core::News2Band::Low);
  EXPECT_EQ(board.patients()[0].alarms, 1u);
  EXPECT_FALSE(board.patients()[0].news2.has_value());
}

TEST_F(BoardTest, TheSelectedPatientFollowsTheAlarmSelectionAndMovesOnItsOwn) {
  applyStatus("bed-1", 0, v1::NEWS2_ZERO);
  applyStatus("bed-2", 0, v1::NEWS2_ZERO);
  ASSERT_NE(board.selectedPatient(), nullptr);
  EXPECT_EQ(board.selectedPatient()->patient_id, "bed-1") << "the first patient by default";
  board.movePatient(+1);
  EXPECT_EQ(board.selectedPatient()->patient_id, "bed-2");
  board.movePatient(+5);
  EXPECT_EQ(board.selectedPatient()->patient_id, "bed-2");

  auto alarm = makeEvent("x", v1::PRIORITY_HIGH, v1::PHASE_START, 1, 0);
  alarm.set_patient_id("bed-1");
  apply(alarm);
  EXPECT_EQ(board.selectedPatient()->patient_id, "bed-2") << "a new alarm does not steal the selection";
  board.moveSelection(0);
  EXPECT_EQ(board.selectedPatient()->patient_id, "bed-1") << "selecting an alarm selects its patient";
}

TEST(BoardStateTest, NothingIsShownBeforeTheSnapshotThenEverything) {
  StationState state{"", kStart};
  StationView board{state};
  state.apply(makeEvent("early", v1::PRIORITY_HIGH, v1::PHASE_START, 1, 5));
  board.refresh();
  EXPECT_TRUE(board.rows().empty());
  EXPECT_FALSE(board.hasSnapshot());
  state.applySnapshot(snapshotOf({makeEvent("early", v1::PRIORITY_HIGH, v1::PHASE_START, 1, 0)}, 5));
  board.refresh();
  ASSERT_EQ(board.rows().size(), 1u);
  EXPECT_EQ(board.rows()[0].alarm.alert_id, "early");
}

streamer::Envelope envelopeOf(std::string topic, std::string payload, std::size_t parts = 2) {
  return streamer::Envelope{std::move(topic), std::move(payload), parts};
}

TEST(FeedTest, DeliversEveryKindAndCountsTheRest) {
  StationState state{"", kStart};
  state.applySnapshot(snapshotOf({}, 0));
  const auto event = makeEvent("a", v1::PRIORITY_HIGH, v1::PHASE_START, 1, 1);
  const auto alarm = streamer::station::deliver(envelopeOf("alert/pacu/P-a", event.SerializeAsString()), state, kStart);
  ASSERT_TRUE(alarm.alarm.has_value());
  EXPECT_EQ(alarm.alarm->alert_id(), "a");
  EXPECT_TRUE(alarm.changed());

  v1::AdviceEvent advice;
  advice.set_patient_id("P-a");
  advice.mutable_advice()->set_action(v1::ADVICE_PAUSE);
  advice.set_engine_epoch(7);
  advice.set_sequence(2);
  const auto advised =
      streamer::station::deliver(envelopeOf("advice/pacu/P-a", advice.SerializeAsString()), state, kStart);
  ASSERT_TRUE(advised.advice.has_value());
  EXPECT_EQ(state.advice().count("P-a"), 1u);

  v1::PatientStatus status;
  status.set_patient_id("P-a");
  status.set_engine_epoch(7);
  status.set_sequence(3);
  EXPECT_TRUE(
      streamer::station::deliver(envelopeOf("status/pacu/P-a", status.SerializeAsString()), state, kStart).status);

  v1::Heartbeat heartbeat;
  heartbeat.set_engine_epoch(7);
  heartbeat.set_sequence(3);
  const auto beat =
      streamer::station::deliver(envelopeOf("heartbeat", heartbeat.SerializeAsString()), state, kStart + 10s);
  EXPECT_TRUE(beat.heartbeat());
  EXPECT_FALSE(beat.changed());
  EXPECT_TRUE(state.link(kStart + 10s).live);

  streamer::station::deliver(envelopeOf("alert/pacu/P-a", "\xff\xff\xff"), state, kStart);
  streamer::station::deliver(envelopeOf("alert/pacu/P-a", event.SerializeAsString(), 3), state, kStart);
  streamer::station::deliver(envelopeOf("alerts-but-not/x", event.SerializeAsString()), state, kStart);
  streamer::station::deliver(envelopeOf("vitals/pacu/P-a", event.SerializeAsString()), state, kStart);
  EXPECT_EQ(state.counters().undecodable, 1u);
  EXPECT_EQ(state.counters().malformed, 1u);
  EXPECT_EQ(state.counters().unknown_topic, 2u);
  EXPECT_EQ(state.counters().faults(), 4u);
  EXPECT_FALSE(state.needsSnapshot());
}

TEST(FeedTest, ADuplicateIsNotHandedOnForPrinting) {
  StationState state{"", kStart};
  state.applySnapshot(snapshotOf({}, 50));
  const auto event = makeEvent("a", v1::PRIORITY_HIGH, v1::PHASE_START, 1, 49);
  const auto delivery =
      streamer::station::deliver(envelopeOf("alert/pacu/P-a", event.SerializeAsString()), state, kStart);
  EXPECT_FALSE(delivery.alarm.has_value());
  EXPECT_FALSE(delivery.changed());
  EXPECT_EQ(delivery.outcome, Outcome::Duplicate);
}

}  // namespace
}  // namespace vigil::console
