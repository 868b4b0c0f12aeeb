#include "streamer/control_client.h"

#include <gtest/gtest.h>

#include <thread>

#include "streamer/zmq_io.h"

namespace vigil::streamer {
namespace {

using namespace std::chrono_literals;

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
    const auto payload = reply.SerializeAsString();
    frames.back().rebuild(payload.data(), payload.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
      router.send(frames[i], i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
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

}  // namespace
}  // namespace vigil::streamer
