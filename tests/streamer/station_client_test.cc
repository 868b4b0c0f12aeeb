// StationClient against a stand-in engine on real loopback sockets: an XPUB alert stream
// and a ROUTER control socket answered from its own thread.
#include "streamer/station/station_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "streamer/topics.h"
#include "streamer/zmq_io.h"

namespace vigil::streamer::station {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kEpoch = 11;

v1::AlarmEvent alarm(const std::string& id, std::uint64_t sequence) {
  v1::AlarmEvent event;
  event.set_alert_id(id);
  event.set_patient_id("bed-" + id);
  event.set_unit("pacu");
  event.set_priority(v1::PRIORITY_HIGH);
  event.set_phase(v1::PHASE_START);
  event.set_state(v1::STATE_ACTIVE);
  event.set_engine_epoch(kEpoch);
  event.set_sequence(sequence);
  return event;
}

// Answers control requests with whatever snapshot the test set last; counts them.
class FakeControl {
 public:
  FakeControl(zmq::context_t& context, bool answer) : router_(context, zmq::socket_type::router), answer_(answer) {
    router_.set(zmq::sockopt::linger, 0);
    endpoint_ = bindResolved(router_, "tcp://127.0.0.1:*");
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeControl() {
    stop_ = true;
    thread_.join();
  }

  const std::string& endpoint() const { return endpoint_; }
  int requests() const { return requests_; }
  void setSnapshot(std::uint64_t sequence, std::vector<v1::AlarmEvent> alarms) {
    std::lock_guard lock(mutex_);
    snapshot_ = v1::Snapshot{};
    snapshot_.set_engine_epoch(kEpoch);
    snapshot_.set_sequence(sequence);
    for (auto& event : alarms) {
      event.set_sequence(0);
      *snapshot_.add_alarms() = event;
    }
  }

 private:
  void serve() {
    while (!stop_) {
      zmq::pollitem_t item{router_.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, 20ms) <= 0) continue;
      auto frames = receiveMultipart(router_);
      if (frames.empty()) continue;
      ++requests_;
      if (!answer_) continue;
      v1::ControlRequest request;
      request.ParseFromArray(frames.back().data(), static_cast<int>(frames.back().size()));
      v1::ControlReply reply;
      reply.set_request_id(request.request_id());
      reply.set_ok(true);
      {
        std::lock_guard lock(mutex_);
        *reply.mutable_snapshot() = snapshot_;
      }
      const auto payload = reply.SerializeAsString();
      frames.back().rebuild(payload.data(), payload.size());
      for (std::size_t i = 0; i < frames.size(); ++i) {
        router_.send(frames[i], i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
      }
    }
  }

  zmq::socket_t router_;
  bool answer_;
  std::string endpoint_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  v1::Snapshot snapshot_;
};

class StationClientTest : public ::testing::Test {
 protected:
  StationOptions options(const std::string& control_endpoint) {
    StationOptions options;
    options.alerts_endpoint = alerts_endpoint_;
    options.control_endpoint = control_endpoint;
    options.unit = "pacu";
    options.min_resync_interval = 0ms;
    options.request_timeout = 2s;
    return options;
  }

  void publish(const v1::AlarmEvent& event) {
    ASSERT_TRUE(publisher_.publish(makeTopic(TopicKind::Alert, event.unit(), event.patient_id()), event));
  }

  void publishHeartbeat(std::uint64_t sequence) {
    v1::Heartbeat beat;
    beat.set_engine_epoch(kEpoch);
    beat.set_sequence(sequence);
    ASSERT_TRUE(publisher_.publish(makeTopic(TopicKind::Heartbeat, {}, {}), beat));
  }

  // Pumps as a station's loop would until `done`, or false at the deadline.
  static bool pumpUntil(StationClient& client, const std::function<bool()>& done) {
    const auto deadline = Clock::now() + 10s;
    while (!done()) {
      if (Clock::now() > deadline) return false;
      zmq::pollitem_t item{client.alertsSocket().handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 20ms);
      client.pump(Clock::now(), 100);
    }
    return true;
  }

  zmq::context_t context_;
  Publisher publisher_{context_};
  std::string alerts_endpoint_ = publisher_.bind("tcp://127.0.0.1:*");
};

TEST_F(StationClientTest, SubscribesFirstThenTakesTheSnapshotThenUpdatesAndResyncsAfterAGapByItself) {
  FakeControl control(context_, true);
  control.setSnapshot(3, {alarm("a", 0)});
  const auto started = Clock::now();
  StationClient client(context_, options(control.endpoint()), started);
  ASSERT_TRUE(publisher_.awaitSubscriber(10s));

  // Nothing heard yet and still within the grace: no snapshot is asked for.
  client.pump(started + 100ms, 100);
  EXPECT_EQ(control.requests(), 0);
  EXPECT_TRUE(client.state().needsSnapshot());

  publishHeartbeat(3);
  ASSERT_TRUE(pumpUntil(client, [&] { return client.state().hasSnapshot(); }));
  EXPECT_EQ(control.requests(), 1);
  EXPECT_EQ(client.state().alarms().count("a"), 1u);

  publish(alarm("b", 4));
  ASSERT_TRUE(pumpUntil(client, [&] { return client.state().alarms().count("b") == 1; }));

  // 5 and 6 never reach the station; the engine's picture at 7 holds a, b and c.
  control.setSnapshot(7, {alarm("a", 0), alarm("b", 0), alarm("c", 0)});
  publish(alarm("c", 7));
  ASSERT_TRUE(pumpUntil(client, [&] { return client.state().counters().resyncs == 1; }));
  EXPECT_FALSE(client.state().needsSnapshot());
  EXPECT_EQ(client.state().alarms().size(), 3u);
  EXPECT_EQ(client.state().counters().gaps, 1u);
  EXPECT_EQ(client.state().counters().messages_missed, 2u);
  EXPECT_EQ(client.state().lastSequence(), 7u);
  EXPECT_EQ(control.requests(), 2);
}

TEST_F(StationClientTest, AnUnansweredSnapshotIsRetriedOnlyAfterTheRetryDelay) {
  FakeControl control(context_, false);
  auto settings = options(control.endpoint());
  settings.request_timeout = 100ms;
  settings.subscription_grace = 0ms;
  const auto started = Clock::now();
  StationClient client(context_, settings, started);

  const auto first = client.pump(started, 10);
  ASSERT_TRUE(first.snapshot.has_value());
  EXPECT_FALSE(first.snapshot->ok);
  EXPECT_NE(first.snapshot->error.find("no snapshot"), std::string::npos) << first.snapshot->error;
  ASSERT_TRUE(client.nextDeadline().has_value());
  EXPECT_EQ(*client.nextDeadline(), started + settings.retry_after_failure);
  EXPECT_FALSE(client.pump(started + 1s, 10).snapshot.has_value()) << "not before the retry delay";
}

}  // namespace
}  // namespace vigil::streamer::station
