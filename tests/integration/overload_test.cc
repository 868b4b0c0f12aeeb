// Overload is visible and bounded (issue 13): a real vigil-engine made slow on purpose
// (--test-delay-per-message-us: every ingest message costs 2 ms more, the same on any
// machine) gets a burst it cannot keep up with. Every station hears ENGINE OVERLOADED while
// frames wait longer than --overload-lag-ms, frames that waited longer than
// --max-ingest-age-ms are not applied but counted, and the alarm ends once the queue ran dry.
#include <gtest/gtest.h>

#include "alarms/core/metrics.h"
#include "streamer/control_client.h"
#include "streamer/topics.h"
#include "support.h"
#include "vitals.pb.h"

namespace vigil::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;

constexpr char kUnit[] = "pacu";
constexpr char kPatient[] = "bed-03";
constexpr int kBurst = 3000;  // 6 s of work at 2 ms each, against a 1.5 s age limit

class OverloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ =
        startEngine({"--clock", "stream", "--stats-interval-ms", "0", "--heartbeat-ms", "100",
                     "--test-delay-per-message-us", "2000", "--overload-lag-ms", "300", "--max-ingest-age-ms", "1500"});
    gateway_ = std::make_unique<streamer::Publisher>(context_);
    // The whole burst must reach the engine: no send queue limit on the gateway's side.
    gateway_->handle().set(zmq::sockopt::sndhwm, 0);
    gateway_->connect(engine_.ingest);
    ASSERT_TRUE(gateway_->awaitSubscriber(10s)) << "the engine's ingest never subscribed";
    station_ = std::make_unique<AlertListener>(context_, engine_.alerts);
    ASSERT_TRUE(station_->awaitHeartbeat(Clock::now() + 10s)) << "no heartbeat from the engine";
    control_ = std::make_unique<streamer::ControlClient>(context_, engine_.control);
  }

  void sendFrame(int index) {
    v1::VitalsFrame frame;
    frame.set_patient_id(kPatient);
    frame.set_unit(kUnit);
    frame.set_device_id("monitor-3");
    frame.set_sequence(static_cast<std::uint64_t>(index) + 1);
    frame.set_source_time_ms(1'700'000'000'000 + index * 1000LL);
    auto* m = frame.add_measurements();
    m->set_code(core::mdc::kSpO2);
    m->set_value(97);
    m->set_unit("%");
    ASSERT_TRUE(gateway_->publish(streamer::makeTopic(streamer::TopicKind::Vitals, kUnit, kPatient), frame));
  }

  std::map<std::string, std::uint64_t> counters() {
    v1::ControlRequest request;
    request.mutable_stats();
    const auto reply = control_->request(request, 10s);
    if (!reply || !reply->ok()) return {};
    return {reply->stats().counters().begin(), reply->stats().counters().end()};
  }

  // Waits until the engine's counters satisfy `done`; the last counters read.
  std::map<std::string, std::uint64_t> awaitCounters(
      const std::function<bool(std::map<std::string, std::uint64_t>&)>& done, Clock::time_point deadline) {
    auto now = counters();
    while (!done(now) && Clock::now() < deadline) now = counters();
    return now;
  }

  static bool overload(const v1::AlarmEvent& event, v1::AlarmPhase phase) {
    return event.condition() == "engine-overloaded" && event.phase() == phase;
  }

  zmq::context_t context_;
  RunningEngine engine_;
  std::unique_ptr<streamer::Publisher> gateway_;
  std::unique_ptr<AlertListener> station_;
  std::unique_ptr<streamer::ControlClient> control_;
};

TEST_F(OverloadTest, ABurstRaisesEngineOverloadedDropsOnlyCountedFramesAndEndsWhenDrained) {
  // The ward's unit is known to the engine before the burst (its first status names it).
  sendFrame(0);
  auto seen = awaitCounters([](auto& c) { return c["ingest.accepted"] == 1; }, Clock::now() + 10s);
  ASSERT_EQ(seen["ingest.accepted"], 1u);

  for (int i = 1; i <= kBurst; ++i) sendFrame(i);

  const auto start =
      station_->awaitAlarm([](const auto& e) { return overload(e, v1::PHASE_START); }, Clock::now() + 30s);
  ASSERT_TRUE(start) << "no ENGINE OVERLOADED alarm while frames waited";
  EXPECT_EQ(start->unit(), kUnit);
  EXPECT_EQ(start->patient_id(), "engine");
  EXPECT_EQ(start->kind(), v1::KIND_TECHNICAL);
  EXPECT_GE(start->trigger().value(), 300.0) << "the lag that raised it is beyond the limit";
  EXPECT_NE(start->title().find("ENGINE OVERLOADED"), std::string::npos);

  const auto end = station_->awaitAlarm([](const auto& e) { return overload(e, v1::PHASE_END); }, Clock::now() + 60s);
  ASSERT_TRUE(end) << "ENGINE OVERLOADED did not end once the queue ran dry";
  EXPECT_EQ(end->alert_id(), start->alert_id());

  // Every frame is accounted for: applied, or not applied because it waited too long.
  const auto total = static_cast<std::uint64_t>(kBurst) + 1;
  seen = awaitCounters([total](auto& c) { return c["intake.received"] == total && c["intake.depth"] == 0; },
                       Clock::now() + 30s);
  EXPECT_EQ(seen["intake.received"], total);
  EXPECT_EQ(seen["intake.dropped_queue_full"], 0u);
  EXPECT_GT(seen["service.ingest_dropped_too_old"], 0u) << "6 s of work against a 1.5 s limit drops some";
  EXPECT_GT(seen["ingest.accepted"], 1u) << "the early frames of the burst were applied";
  EXPECT_EQ(seen["ingest.messages"] + seen["service.ingest_dropped_too_old"], total);
  // A frame applied after dropped ones jumps ahead in the stream: the guard may refuse that
  // one (its jump rule), which the pipeline counts like any refusal.
  EXPECT_EQ(seen["ingest.accepted"] + seen["ingest.refused_by_guard"], seen["ingest.messages"]);
  EXPECT_GE(seen["service.overload_episodes"], 1u);
  EXPECT_GT(seen["service.ingest_lag_max_us"], 1'500'000u);
}

}  // namespace
}  // namespace vigil::testing
