// The real vigil-engine process over real ZeroMQ sockets: frames in, alarms out,
// acknowledgement and snapshot over the control socket, bad input survived.
#include <gtest/gtest.h>

#include "alarms/core/metrics.h"
#include "streamer/codec.h"
#include "streamer/control_client.h"
#include "support.h"
#include "vitals.pb.h"

namespace vigil::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;

constexpr char kUnit[] = "pacu";
constexpr char kPatient[] = "bed-07";

class EngineProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = startEngine();
    gateway_ = std::make_unique<streamer::Publisher>(context_);
    gateway_->connect(engine_.ingest);
    ASSERT_TRUE(gateway_->awaitSubscriber(10s)) << "the engine's ingest never subscribed";
    station_ = std::make_unique<AlertListener>(context_, engine_.alerts);
    ASSERT_TRUE(station_->awaitHeartbeat(Clock::now() + 10s)) << "no heartbeat from the engine";
  }

  void sendPump(std::int64_t time_ms, double mg_per_kg_per_h) {
    const auto status = ketaminePump(kUnit, kPatient, "pump-7", ++pump_sequence_, time_ms, mg_per_kg_per_h);
    ASSERT_TRUE(gateway_->publish(streamer::makeTopic(streamer::TopicKind::Infusion, kUnit, kPatient), status));
  }

  void sendSpO2(std::int64_t time_ms, double spo2) {
    v1::VitalsFrame frame;
    frame.set_patient_id(kPatient);
    frame.set_unit(kUnit);
    frame.set_device_id("monitor-7");
    frame.set_sequence(++vitals_sequence_);
    frame.set_source_time_ms(time_ms);
    auto* m = frame.add_measurements();
    m->set_code(core::mdc::kSpO2);
    m->set_value(spo2);
    m->set_unit("%");
    ASSERT_TRUE(gateway_->publish(streamer::makeTopic(streamer::TopicKind::Vitals, kUnit, kPatient), frame));
  }

  // One SpO2 sample per second of data time over [from_s, to_s).
  void sendSpO2Run(std::int64_t start_ms, int from_s, int to_s, double spo2) {
    for (int s = from_s; s < to_s; ++s) sendSpO2(start_ms + s * 1000, spo2);
  }

  static bool isDesaturationStart(const v1::AlarmEvent& e) {
    return e.condition() == "spo2-below-90" && e.phase() == v1::PHASE_START;
  }

  zmq::context_t context_;
  RunningEngine engine_;
  std::unique_ptr<streamer::Publisher> gateway_;
  std::unique_ptr<AlertListener> station_;
  std::uint64_t pump_sequence_ = 0;
  std::uint64_t vitals_sequence_ = 0;
  const std::int64_t start_ms_ =
      core::toMillis(std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now()));
};

TEST_F(EngineProcessTest, DesaturationRaisesHighAlarmWithPauseAdviceAndDoseContext) {
  sendPump(start_ms_, 0.1);
  sendPump(start_ms_ + 60'000, 0.2);
  sendSpO2Run(start_ms_ + 60'000, 0, 30, 87.0);

  const auto alarm = station_->awaitAlarm(isDesaturationStart, Clock::now() + 10s);
  ASSERT_TRUE(alarm) << "no spo2-below-90 alarm";
  EXPECT_EQ(alarm->priority(), v1::PRIORITY_HIGH);
  EXPECT_EQ(alarm->advice().action(), v1::ADVICE_PAUSE);
  EXPECT_EQ(alarm->patient_id(), kPatient);
  EXPECT_EQ(alarm->unit(), kUnit);
  EXPECT_DOUBLE_EQ(alarm->trigger().value(), 87.0);
  // 15 s delay counted in data time from the first low sample.
  EXPECT_EQ(alarm->start_time_ms(), start_ms_ + 60'000 + 15'000);
  EXPECT_TRUE(alarm->dose().likely_dose_related());
  EXPECT_DOUBLE_EQ(alarm->dose().previous_rate_mg_per_kg_per_h(), 0.1);
  EXPECT_GT(alarm->sequence(), 0u);
  EXPECT_GT(alarm->engine_epoch(), 0u);
}

TEST_F(EngineProcessTest, AcknowledgeSnapshotAndEndOverTheControlSocket) {
  sendPump(start_ms_, 0.2);
  sendSpO2Run(start_ms_, 0, 20, 88.0);
  const auto alarm = station_->awaitAlarm(isDesaturationStart, Clock::now() + 10s);
  ASSERT_TRUE(alarm);

  streamer::ControlClient control(context_, engine_.control);
  v1::ControlRequest snapshot_request;
  snapshot_request.mutable_snapshot();
  const auto snapshot = control.request(snapshot_request, 5s);
  ASSERT_TRUE(snapshot && snapshot->ok());
  ASSERT_EQ(snapshot->snapshot().alarms_size(), 1);
  EXPECT_EQ(snapshot->snapshot().alarms(0).alert_id(), alarm->alert_id());

  v1::ControlRequest ack;
  ack.mutable_acknowledge()->set_alert_id(alarm->alert_id());
  ack.mutable_acknowledge()->set_station("station-3");
  const auto reply = control.request(ack, 5s);
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->ok()) << reply->error();
  const auto acknowledged = station_->awaitAlarm(
      [&](const v1::AlarmEvent& e) {
        return e.alert_id() == alarm->alert_id() && e.inactivation() == v1::INACTIVATION_ACKNOWLEDGED;
      },
      Clock::now() + 10s);
  ASSERT_TRUE(acknowledged);
  EXPECT_EQ(acknowledged->phase(), v1::PHASE_UPDATE);
  // No keys (loopback development): the claimed name, marked as such.
  EXPECT_EQ(acknowledged->acknowledged_by(), "station-3 (unauthenticated)");

  ack.mutable_acknowledge()->set_alert_id("bed-07/no-such-rule/1");
  const auto refused = control.request(ack, 5s);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->ok());
  EXPECT_NE(refused->error().find("no active alarm"), std::string::npos);

  sendSpO2(start_ms_ + 21'000, 97.0);
  const auto ended = station_->awaitAlarm(
      [&](const v1::AlarmEvent& e) { return e.alert_id() == alarm->alert_id() && e.phase() == v1::PHASE_END; },
      Clock::now() + 10s);
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->state(), v1::STATE_INACTIVE);
  EXPECT_GT(ended->sequence(), acknowledged->sequence());
}

TEST_F(EngineProcessTest, GarbageIsSurvivedAndValidFramesStillAlarm) {
  const auto vitals_topic = streamer::makeTopic(streamer::TopicKind::Vitals, kUnit, kPatient);
  ASSERT_TRUE(gateway_->publishRaw(vitals_topic, "\xff\xff\xff not a protobuf"));
  ASSERT_TRUE(gateway_->publishRaw("vitals/only-two-parts", "x"));
  ASSERT_TRUE(gateway_->publishRaw("vitals/pacu/someone-else", std::string(1, '\0')));
  sendPump(start_ms_, 0.2);
  sendSpO2Run(start_ms_, 0, 20, 86.5);
  const auto alarm = station_->awaitAlarm(isDesaturationStart, Clock::now() + 10s);
  ASSERT_TRUE(alarm) << "a valid desaturation after garbage input raised no alarm";
  EXPECT_EQ(engine_.process->stop(), 0) << "the engine did not stop cleanly on SIGTERM";
}

TEST(EngineConfiguration, InvalidProtocolExitsWithCode2) {
  const std::string bad = std::string(VIGIL_BINARY_DIR) + "/bad-protocol.json";
  FILE* file = std::fopen(bad.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs(R"({"name": "x", "noSuchField": 1})", file);
  std::fclose(file);
  ChildProcess engine({binary("alarms/vigil-engine"), "--protocol", bad, "--ingest", "tcp://127.0.0.1:*"});
  const auto code = engine.waitForExit(10s);
  ASSERT_TRUE(code) << "vigil-engine kept running with an invalid protocol";
  EXPECT_EQ(*code, 2);
}

}  // namespace
}  // namespace vigil::testing

namespace vigil::testing {
namespace {

TEST_F(EngineProcessTest, ConsoleJsonPrintsEachAlarmEventAsOneLine) {
  ChildProcess console(
      {binary("tools/vigil-console"), "--json", "--connect", engine_.alerts, "--control", engine_.control});
  // The console's snapshot comes after its subscription (Clone pattern): once the snapshot
  // line or a live event arrives nothing can be missed. Raise the alarm, then read it back.
  sendPump(start_ms_, 0.2);
  sendSpO2Run(start_ms_, 0, 20, 86.0);
  const auto start_line = console.waitForLine(
      std::regex(R"(^.*"condition":\s*"spo2-below-90".*"phase":\s*"PHASE_START".*$)"), Clock::now() + 15s);
  ASSERT_TRUE(start_line) << "vigil-console --json printed no spo2-below-90 START line";
  EXPECT_NE(start_line->str(0).find("ADVICE_PAUSE"), std::string::npos);
  EXPECT_EQ(console.stop(), 0);
}

}  // namespace
}  // namespace vigil::testing

namespace vigil::testing {
namespace {

// The one gate from wire to domain (streamer/enums.h), end to end: an enum value the
// engine does not know is refused, said why, and counted, on the ingest socket and on
// the control socket alike, and the engine carries on.
TEST_F(EngineProcessTest, AnUnknownEnumValueIsRefusedAndCountedOnIngestAndControl) {
  streamer::ControlClient control(context_, engine_.control);
  v1::ControlRequest entry;
  auto* event = entry.mutable_clinical_event();
  event->set_patient_id(kPatient);
  event->set_unit(kUnit);
  event->set_kind(static_cast<v1::ClinicalEventKind>(77));
  const auto refused = control.request(entry, 5s);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->ok());
  EXPECT_NE(refused->error().find("unknown clinical event kind 77"), std::string::npos) << refused->error();

  v1::VitalsFrame frame;
  frame.set_patient_id(kPatient);
  frame.set_unit(kUnit);
  frame.set_device_id("monitor-7");
  frame.set_sequence(1);
  frame.set_source_time_ms(start_ms_);
  auto* m = frame.add_measurements();
  m->set_code(core::mdc::kSpO2);
  m->set_value(97.0);
  m->set_quality(static_cast<v1::MeasurementQuality>(9));
  ASSERT_TRUE(gateway_->publish(streamer::makeTopic(streamer::TopicKind::Vitals, kUnit, kPatient), frame));

  v1::ControlRequest ask;
  ask.mutable_stats();
  std::optional<v1::Stats> stats;
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {  // the frame and the stats request travel on different sockets
    const auto reply = control.request(ask, 5s);
    ASSERT_TRUE(reply && reply->ok() && reply->has_stats());
    stats = reply->stats();
    if (stats->counters().count("ingest.messages") && stats->counters().at("ingest.messages") >= 1) break;
  }
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->counters().at("ingest.messages"), 1u);
  EXPECT_EQ(stats->counters().at("ingest.undecodable"), 1u);
  EXPECT_EQ(stats->counters().at("ingest.unknown_enum_values"), 1u);
  EXPECT_EQ(stats->counters().at("service.control_malformed"), 1u);
  EXPECT_EQ(stats->counters().at("engine.vitals_frames"), 0u);
  EXPECT_EQ(stats->counters().at("engine.clinical_events"), 0u);
}

}  // namespace
}  // namespace vigil::testing
