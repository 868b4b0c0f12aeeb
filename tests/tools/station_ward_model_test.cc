// The ward picture the browsers get: read back from the shared StationState, so an END or
// an ADVICE_NONE removes exactly what the state removed, and a late browser starts from
// the whole picture.
#include "tools/vigil-station/ward_model.h"

#include <gtest/gtest.h>

namespace vigil::station {
namespace {
namespace v1 = vigil::v1;
using streamer::station::Delivery;
using streamer::station::Outcome;
using streamer::station::StationState;

v1::AlarmEvent alarm(const std::string& id, v1::AlarmPhase phase, std::uint64_t sequence) {
  v1::AlarmEvent event;
  event.set_alert_id(id);
  event.set_patient_id("bed-01");
  event.set_unit("pacu");
  event.set_title("SpO2 below 90 %");
  event.set_priority(v1::PRIORITY_HIGH);
  event.set_phase(phase);
  event.set_state(phase == v1::PHASE_END ? v1::STATE_INACTIVE : v1::STATE_ACTIVE);
  event.set_engine_epoch(7);
  event.set_sequence(sequence);
  return event;
}

class StationWardModel : public ::testing::Test {
 protected:
  StationWardModel() : state_("", std::chrono::steady_clock::now()) {
    v1::Snapshot snapshot;
    snapshot.set_engine_epoch(7);
    snapshot.set_sequence(0);
    state_.applySnapshot(snapshot);
  }

  std::optional<WardUpdate> deliver(const v1::AlarmEvent& event) {
    Delivery delivery;
    delivery.kind = streamer::TopicKind::Alert;
    delivery.outcome = state_.apply(event);
    delivery.alarm = event;
    return updateFrom(delivery, state_);
  }

  StationState state_;
};

TEST_F(StationWardModel, AnAlarmIsAddedThenRemovedWhenTheStateEndsIt) {
  WardModel model;
  const auto started = deliver(alarm("bed-01/spo2/1", v1::PHASE_START, 1));
  ASSERT_TRUE(started);
  EXPECT_FALSE(started->removed);
  EXPECT_NE(started->json.find("\"alertId\":\"bed-01/spo2/1\""), std::string::npos) << started->json;
  EXPECT_NE(started->json.find("PRIORITY_HIGH"), std::string::npos);
  model.apply(*started);
  EXPECT_TRUE(model.hasAlarm("bed-01/spo2/1"));

  const auto ended = deliver(alarm("bed-01/spo2/1", v1::PHASE_END, 2));
  ASSERT_TRUE(ended);
  EXPECT_TRUE(ended->removed);
  model.apply(*ended);
  EXPECT_FALSE(model.hasAlarm("bed-01/spo2/1"));
  EXPECT_EQ(updateMessage(*ended, 1234),
            "{\"type\":\"alarm\",\"key\":\"bed-01/spo2/1\",\"removed\":true,\"rx\":1234,\"pub\":0,\"data\":null}");
}

// The page measures engine-to-pixel latency from the engine's publication time, so it
// must reach the page with the update it belongs to.
TEST_F(StationWardModel, AnUpdateCarriesTheEnginesPublicationTime) {
  auto event = alarm("bed-01/spo2/1", v1::PHASE_START, 1);
  event.set_published_wall_time_ms(1'700'000'000'123);
  const auto started = deliver(event);
  ASSERT_TRUE(started);
  EXPECT_EQ(started->published_ms, 1'700'000'000'123);
  const auto message = updateMessage(*started, 1'700'000'000'130);
  EXPECT_NE(message.find("\"rx\":1700000000130,\"pub\":1700000000123,\"data\":{"), std::string::npos) << message;
}

TEST_F(StationWardModel, AnUpdateOutOfSequenceChangesNothingOnThePage) {
  ASSERT_TRUE(deliver(alarm("bed-01/spo2/1", v1::PHASE_START, 1)));
  // Sequence 5 after 1: a gap. The state buffers it and asks for a resync; the page waits
  // for the snapshot's full picture instead of showing a picture with a hole in it.
  EXPECT_FALSE(deliver(alarm("bed-01/spo2/2", v1::PHASE_START, 5)));
  EXPECT_TRUE(state_.needsSnapshot());
}

TEST_F(StationWardModel, TheFullMessageCarriesThePictureAndTheLink) {
  ASSERT_TRUE(deliver(alarm("bed-01/spo2/1", v1::PHASE_START, 1)));
  WardModel model;
  model.replaceWith(pictureFrom(state_));
  LinkReport link;
  link.live = true;
  link.station = "station \"A\"";
  const auto full = model.fullMessage(link);
  EXPECT_EQ(full.rfind("{\"type\":\"full\",\"alarms\":[{", 0), 0u) << full;
  EXPECT_NE(full.find("\"advice\":[],\"statuses\":[]"), std::string::npos) << full;
  EXPECT_NE(full.find("\"live\":true"), std::string::npos);
  EXPECT_NE(full.find("\"station\":\"station \\\"A\\\"\""), std::string::npos) << full;
}

TEST(StationJson, EscapesWhatWouldBreakTheMessage) {
  EXPECT_EQ(jsonString("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
}

}  // namespace
}  // namespace vigil::station
