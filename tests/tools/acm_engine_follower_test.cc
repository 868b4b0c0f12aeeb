// vigil-acm's control side of a Binary Star pair against two stand-in engines on real
// sockets: it asks the engine that answered last, moves on at a passive engine's refusal
// or at silence, and stays with the one that answers (engine_follower.h).
#include "tools/vigil-acm/engine_follower.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "streamer/zmq_io.h"

namespace vigil::acm {
namespace {

using namespace std::chrono_literals;

// A control ROUTER that answers every request as told: ok, the passive refusal, or not at all.
class StandInEngine {
 public:
  enum class Mode { Active, Passive, Silent, Refusing };

  StandInEngine(zmq::context_t& context, Mode mode) : socket_(context, zmq::socket_type::router), mode_(mode) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind("tcp://127.0.0.1:*");
    endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
    thread_ = std::thread([this] { serve(); });
  }
  ~StandInEngine() {
    stop_ = true;
    thread_.join();
  }
  void setMode(Mode mode) { mode_ = mode; }
  const std::string& endpoint() const { return endpoint_; }
  int answered() const { return answered_; }

 private:
  void serve() {
    while (!stop_) {
      zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, 10ms) <= 0) continue;
      auto frames = streamer::receiveMultipart(socket_);
      if (frames.size() < 2 || mode_ == Mode::Silent) continue;
      v1::ControlRequest request;
      request.ParseFromArray(frames.back().data(), static_cast<int>(frames.back().size()));
      v1::ControlReply reply;
      reply.set_request_id(request.request_id());
      reply.set_ok(mode_ == Mode::Active);
      if (mode_ == Mode::Passive) reply.set_error(streamer::kPassiveRefusal);
      if (mode_ == Mode::Refusing) reply.set_error("outbox: disk I/O error");
      reply.mutable_outbox()->set_journal_id(endpoint_);
      const auto payload = reply.SerializeAsString();
      frames.back().rebuild(payload.data(), payload.size());
      for (std::size_t i = 0; i < frames.size(); ++i) {
        socket_.send(frames[i], i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
      }
      ++answered_;
    }
  }

  zmq::socket_t socket_;
  std::atomic<Mode> mode_;
  std::atomic<bool> stop_{false};
  std::atomic<int> answered_{0};
  std::string endpoint_;
  std::thread thread_;
};

v1::ControlRequest outboxRequest() {
  v1::ControlRequest request;
  request.mutable_outbox()->set_max_events(10);
  return request;
}

TEST(AcmEngineFollower, FollowsTheActiveEngineThroughRefusalsAndSilence) {
  zmq::context_t context;
  StandInEngine a(context, StandInEngine::Mode::Active);
  StandInEngine b(context, StandInEngine::Mode::Passive);
  EngineFollower engines(context, a.endpoint() + "," + b.endpoint(), {});
  ASSERT_EQ(engines.engines(), 2u);

  auto reply = engines.request(outboxRequest(), 2s);
  ASSERT_TRUE(reply && reply->ok());
  EXPECT_EQ(reply->outbox().journal_id(), a.endpoint());
  EXPECT_EQ(engines.engineNumber(), 1u);
  EXPECT_EQ(b.answered(), 0) << "the passive engine is not asked while the active one answers";

  // A stops answering (killed); B took over.
  a.setMode(StandInEngine::Mode::Silent);
  b.setMode(StandInEngine::Mode::Active);
  reply = engines.request(outboxRequest(), 300ms);
  ASSERT_TRUE(reply && reply->ok());
  EXPECT_EQ(reply->outbox().journal_id(), b.endpoint());
  EXPECT_EQ(engines.engineNumber(), 2u);
  EXPECT_EQ(engines.engineEndpoint(), b.endpoint());
  EXPECT_EQ(engines.counters().unanswered, 1u);
  EXPECT_EQ(engines.counters().switches, 1u);
  // It stays with B: A is not asked again (no second wait for it).
  ASSERT_TRUE(engines.request(outboxRequest(), 300ms));
  EXPECT_EQ(engines.counters().unanswered, 1u);

  // A restarted and rejoined as passive; B is killed: A takes over after refusing once.
  a.setMode(StandInEngine::Mode::Passive);
  b.setMode(StandInEngine::Mode::Silent);
  EXPECT_FALSE(engines.request(outboxRequest(), 300ms)) << "no engine active yet: no answer";
  EXPECT_EQ(engines.counters().passive_refusals, 1u);
  a.setMode(StandInEngine::Mode::Active);
  reply = engines.request(outboxRequest(), 300ms);
  ASSERT_TRUE(reply && reply->ok());
  EXPECT_EQ(reply->outbox().journal_id(), a.endpoint());
  EXPECT_EQ(engines.engineNumber(), 1u);

  // Another refusal is an answer, not a reason to move.
  const auto before = engines.counters().switches;
  a.setMode(StandInEngine::Mode::Refusing);
  reply = engines.request(outboxRequest(), 300ms);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->error(), "outbox: disk I/O error");
  EXPECT_EQ(engines.counters().switches, before);
  EXPECT_EQ(engines.engineNumber(), 1u);
}

TEST(AcmEngineFollower, RefusesAnEmptyEndpointList) {
  zmq::context_t context;
  EXPECT_THROW(EngineFollower(context, ",", {}), std::invalid_argument);
}

}  // namespace
}  // namespace vigil::acm
