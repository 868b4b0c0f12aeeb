#include "streamer/control_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "streamer/zmq_io.h"

namespace vigil::streamer {
namespace {

using namespace std::chrono_literals;

// Sends `reply` back in the envelope the request came in.
void answer(zmq::socket_t& router, std::vector<zmq::message_t>& frames, const vigil::v1::ControlReply& reply) {
  const auto payload = reply.SerializeAsString();
  frames.back().rebuild(payload.data(), payload.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    router.send(frames[i], i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

// A one-shot engine stand-in: answers each request with `reply_ids` in turn (0 = echo).
void serve(zmq::socket_t& router, std::vector<std::uint64_t> reply_ids) {
  for (auto reply_id : reply_ids) {
    zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, 5s) <= 0) return;
    auto frames = receiveMultipart(router);
    vigil::v1::ControlRequest request;
    ASSERT_TRUE(request.ParseFromArray(frames.back().data(), static_cast<int>(frames.back().size())));
    vigil::v1::ControlReply reply;
    reply.set_ok(true);
    reply.set_request_id(reply_id == 0 ? request.request_id() : reply_id);
    reply.set_error(request.acknowledge().alert_id());
    answer(router, frames, reply);
  }
}

vigil::v1::ControlRequest acknowledge(const std::string& id) {
  vigil::v1::ControlRequest request;
  request.mutable_acknowledge()->set_alert_id(id);
  return request;
}

TEST(ControlClient, GetsTheReplyToItsOwnRequest) {
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  const auto endpoint = bindResolved(router, "tcp://127.0.0.1:*");
  std::thread engine([&] { serve(router, {0}); });
  ControlClient client(context, endpoint);
  const auto reply = client.request(acknowledge("a/b/1"), 5s);
  engine.join();
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->ok());
  EXPECT_EQ(reply->error(), "a/b/1");  // the stand-in echoes the id it was asked about
}

TEST(ControlClient, DropsAReplyToAnotherRequest) {
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  const auto endpoint = bindResolved(router, "tcp://127.0.0.1:*");
  std::thread engine([&] { serve(router, {987654}); });
  ControlClient client(context, endpoint);
  EXPECT_FALSE(client.request(acknowledge("a/b/1"), 1s)) << "a reply with a foreign request id was taken";
  engine.join();
}

TEST(ControlClient, QueuesNothingWhileTheEngineIsUnreachable) {
  zmq::context_t context;
  // Find a free port, then leave it closed while the client tries.
  std::string endpoint;
  {
    zmq::socket_t probe(context, zmq::socket_type::router);
    endpoint = bindResolved(probe, "tcp://127.0.0.1:*");
  }
  ControlClient client(context, endpoint);
  EXPECT_FALSE(client.request(acknowledge("stale/ack/1"), 300ms));

  // The engine comes up: the acknowledgement asked for while it was down must not arrive.
  zmq::socket_t router(context, zmq::socket_type::router);
  router.bind(endpoint);
  std::thread engine([&] { serve(router, {0}); });
  const auto reply = client.request(acknowledge("fresh/ack/2"), 10s);
  engine.join();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->error(), "fresh/ack/2") << "the engine was handed the stale acknowledgement first";
}

// A passive Binary Star engine stand-in: refuses every request until `stop` is set.
void refuseAsPassive(zmq::socket_t& router, const std::atomic<bool>& stop) {
  while (!stop) {
    zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, 50ms) <= 0) continue;
    auto frames = receiveMultipart(router);
    vigil::v1::ControlRequest request;
    ASSERT_TRUE(request.ParseFromArray(frames.back().data(), static_cast<int>(frames.back().size())));
    vigil::v1::ControlReply reply;
    reply.set_ok(false);
    reply.set_error(kPassiveRefusal);
    reply.set_request_id(request.request_id());
    answer(router, frames, reply);
  }
}

TEST(ControlClient, SplitsAnEnginePairsEndpoints) {
  EXPECT_EQ(splitEndpoints("tcp://a:1,tcp://b:2"), (std::vector<std::string>{"tcp://a:1", "tcp://b:2"}));
  EXPECT_EQ(splitEndpoints("tcp://a:1"), (std::vector<std::string>{"tcp://a:1"}));
  EXPECT_EQ(splitEndpoints("tcp://a:1,,"), (std::vector<std::string>{"tcp://a:1"}));
}

TEST(ControlClient, AskAgainWhereThePassiveEngineRefuses) {
  zmq::context_t context;
  zmq::socket_t passive(context, zmq::socket_type::router);
  zmq::socket_t active(context, zmq::socket_type::router);
  const auto passive_endpoint = bindResolved(passive, "tcp://127.0.0.1:*");
  const auto active_endpoint = bindResolved(active, "tcp://127.0.0.1:*");
  std::atomic<bool> stop{false};
  std::thread standby([&] { refuseAsPassive(passive, stop); });
  constexpr int kRequests = 4;
  std::thread engine([&] { serve(active, std::vector<std::uint64_t>(kRequests + 1, 0)); });
  ControlClient client(context, passive_endpoint + "," + active_endpoint);
  // Until the active engine has answered once, it may not be connected yet (only connected
  // engines get requests): the first answer proves both connections are up.
  const auto connected_by = std::chrono::steady_clock::now() + 5s;
  std::optional<vigil::v1::ControlReply> first;
  while (!(first && first->ok()) && std::chrono::steady_clock::now() < connected_by) {
    first = client.request(acknowledge("warm-up"), 1s);
  }
  ASSERT_TRUE(first && first->ok()) << "the active stand-in never answered";
  const auto refusals_before = client.passiveRefusals();
  // The DEALER takes the engines in turn, so some of these reach the passive one first:
  // every one must still come back answered by the active one.
  for (int i = 0; i < kRequests; ++i) {
    const auto id = "a/b/" + std::to_string(i);
    const auto reply = client.request(acknowledge(id), 5s);
    ASSERT_TRUE(reply) << id;
    EXPECT_TRUE(reply->ok()) << reply->error();
    EXPECT_EQ(reply->error(), id);
  }
  engine.join();
  stop = true;
  standby.join();
  EXPECT_GE(client.passiveRefusals() - refusals_before, 1u)
      << "no request went to the passive engine: the test proved nothing";
}

}  // namespace
}  // namespace vigil::streamer
