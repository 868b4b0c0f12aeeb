// vigil-proxy in-process (issue 16): what crosses libzmq's steerable proxy, its counters,
// the capture copy, a clean TERMINATE, and its command line.
#include "tools/vigil-proxy/proxy.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "streamer/zmq_io.h"
#include "tools/vigil-proxy/proxy_options.h"

namespace vigil::tools::proxy {
namespace {

using namespace std::chrono_literals;

// Runs the proxy on a thread for one test; stops and joins it whatever the test did.
class Serving {
 public:
  explicit Serving(Proxy& proxy) : thread_([this, &proxy] { proxy.run(stop_); }) {}
  ~Serving() { join(); }
  void join() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

ProxyConfig loopback() {
  ProxyConfig config;
  config.frontend = config.backend = config.control = config.capture = "tcp://127.0.0.1:*";
  config.stats_interval = 0ms;
  return config;
}

std::uint64_t counter(const vigil::v1::Stats& stats, const std::string& name) {
  const auto found = stats.counters().find(name);
  return found == stats.counters().end() ? ~0ull : found->second;
}

// The proxy forwards an engine's unit subscription upstream: only that unit's frames
// reach it, and the capture socket copies what entered the proxy.
TEST(Proxy, ForwardsOnlyTheSubscribedUnitCountsItAndStopsCleanly) {
  zmq::context_t context;
  Proxy proxy(context, loopback());
  Serving serving(proxy);

  streamer::Subscriber engine(context);
  engine.subscribe("vitals/pacu/");
  engine.connect(proxy.endpoints().backend);
  streamer::Subscriber recorder(context);
  recorder.subscribe("vitals/");
  recorder.connect(proxy.endpoints().capture);
  streamer::Publisher gateway(context);
  gateway.connect(proxy.endpoints().frontend);
  ASSERT_TRUE(gateway.awaitSubscriber(10s)) << "the engine's subscription never crossed the proxy";

  // Frames of both units until the recorder's own subscription to the capture has
  // arrived. The gateway's PUB keeps icu's frames (nobody subscribed to them upstream), so
  // only pacu's enter the proxy, and the capture copies what entered.
  std::optional<streamer::Envelope> captured;
  for (const auto deadline = std::chrono::steady_clock::now() + 10s;
       !captured && std::chrono::steady_clock::now() < deadline;) {
    ASSERT_TRUE(gateway.publishRaw("vitals/icu/bed-1", "not for pacu"));
    ASSERT_TRUE(gateway.publishRaw("vitals/pacu/bed-2", "for pacu"));
    captured = recorder.receive(100ms);
  }
  ASSERT_TRUE(captured) << "nothing reached the capture socket";
  EXPECT_EQ(captured->topic, "vitals/pacu/bed-2");
  const auto received = engine.receive(5s);
  ASSERT_TRUE(received);
  EXPECT_EQ(received->topic, "vitals/pacu/bed-2") << "icu's frames must not cross to a pacu engine";
  EXPECT_EQ(received->payload, "for pacu");

  serving.join();
  const auto stats = proxy.stats();  // after the join: the final counts, no proxy thread to ask
  EXPECT_EQ(counter(stats, "proxy.control_malformed"), 0u);
}

TEST(Proxy, StatisticsCountEveryFrameForwardedOnce) {
  zmq::context_t context;
  Proxy proxy(context, loopback());
  Serving serving(proxy);
  streamer::Subscriber engine(context);
  engine.subscribe("vitals/");
  engine.connect(proxy.endpoints().backend);
  streamer::Publisher gateway(context);
  gateway.connect(proxy.endpoints().frontend);
  ASSERT_TRUE(gateway.awaitSubscriber(10s));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(gateway.publishRaw("vitals/pacu/bed-1", "x"));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(engine.receive(5s));

  zmq::socket_t asker(context, zmq::socket_type::req);
  asker.connect(proxy.endpoints().control);
  (void)asker.send(zmq::str_buffer("STATISTICS"), zmq::send_flags::none);
  zmq::message_t reply;
  ASSERT_TRUE(asker.recv(reply));
  vigil::v1::Stats stats;
  ASSERT_TRUE(stats.ParseFromArray(reply.data(), static_cast<int>(reply.size())));
  EXPECT_EQ(counter(stats, "traffic.frontend_messages_in"), 10u) << "a [topic][payload] frame is one message";
  EXPECT_EQ(counter(stats, "traffic.backend_messages_out"), 10u);
  // "vitals/pacu/bed-1" and "x" each time (18 bytes), plus the engine's subscription
  // ("\x01vitals/", 8 bytes) going the other way.
  EXPECT_EQ(counter(stats, "traffic.frontend_bytes_in"), 180u);
  EXPECT_EQ(counter(stats, "traffic.backend_bytes_in"), 8u);
  EXPECT_EQ(counter(stats, "proxy.stats_requests"), 1u);

  (void)asker.send(zmq::str_buffer("PAUSE"), zmq::send_flags::none);  // not ours to steer
  ASSERT_TRUE(asker.recv(reply));
  EXPECT_EQ(reply.size(), 0u);
  serving.join();
  EXPECT_EQ(counter(proxy.stats(), "proxy.control_malformed"), 1u);
}

TEST(ProxyTraffic, OnlyEightFramesOfEightBytesAreStatistics) {
  std::vector<zmq::message_t> frames;
  for (std::uint64_t i = 1; i <= 8; ++i) frames.emplace_back(&i, sizeof i);
  const auto traffic = parseTraffic(frames);
  ASSERT_TRUE(traffic);
  EXPECT_EQ(traffic->frontend_messages_in, 1u);
  EXPECT_EQ(traffic->backend_bytes_out, 8u);
  frames.pop_back();
  EXPECT_FALSE(parseTraffic(frames));
  frames.emplace_back("short", 5);
  EXPECT_FALSE(parseTraffic(frames));
}

ParsedProxyOptions parse(std::vector<const char*> flags) {
  flags.insert(flags.begin(), "vigil-proxy");
  return parseProxyOptions(static_cast<int>(flags.size()), flags.data());
}

TEST(ProxyOptions, TheNetworkNeedsKeysOrASpokenInsecure) {
  const auto open = parse({"--frontend", "tcp://0.0.0.0:7410"});
  ASSERT_TRUE(open.value) << open.error;
  EXPECT_NE(proxyBindRefusal(*open.value).find("refusing to bind tcp://0.0.0.0:7410"), std::string::npos);
  EXPECT_EQ(proxyBindRefusal(*parse({"--frontend", "tcp://0.0.0.0:7410", "--insecure"}).value), "");
  EXPECT_EQ(proxyBindRefusal(*parse({}).value), "");
  EXPECT_NE(parse({"--stats-interval-ms", "-5"}).error.find("cannot be negative"), std::string::npos);
}

}  // namespace
}  // namespace vigil::tools::proxy
