// vigil-gateway's library: its command line, and its loop on a fake clock (no sleeps, no
// sockets): what is published when, and that refusals are counted.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <vector>

#include "streamer/gateway/gateway_loop.h"
#include "streamer/gateway/gateway_options.h"
#include "streamer/recording/simulated.h"
#include "streamer/topics.h"
#include "test_files.h"

namespace vigil::streamer::gateway {
namespace {

using streamer::testing::shortWard;

using namespace std::chrono_literals;

ParsedGatewayOptions parse(std::vector<const char*> args) {
  args.insert(args.begin(), "vigil-gateway");
  return parseGatewayOptions(static_cast<int>(args.size()), args.data());
}

TEST(GatewayOptions, DefaultsAroundTheOneRequiredFlag) {
  const auto parsed = parse({"--simulate", "6"});
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  const auto& o = *parsed.value;
  EXPECT_EQ(o.patients, 6);
  EXPECT_EQ(o.endpoint, "tcp://127.0.0.1:7401");
  EXPECT_TRUE(o.connect);
  EXPECT_FALSE(o.bind);
  EXPECT_EQ(o.unit, "pacu");
  EXPECT_EQ(o.speed, 1.0);
  EXPECT_EQ(o.seed, 1u);
  EXPECT_TRUE(o.scenarios.empty());
  EXPECT_NE(parsed.help.find("--simulate"), std::string::npos);
}

TEST(GatewayOptions, EveryFlagIsRead) {
  const auto parsed = parse({"--simulate",
                             "3",
                             "--bind",
                             "tcp://127.0.0.1:*",
                             "--unit",
                             "icu",
                             "--scenarios",
                             "quiet,probe-off",
                             "--speed",
                             "30",
                             "--seed",
                             "42",
                             "--session-min",
                             "20",
                             "--observation-min",
                             "0",
                             "--nibp-interval-s",
                             "60",
                             "--start-ms",
                             "1700000000000",
                             "--key",
                             "gw.key",
                             "--server-key",
                             "engine.pub"});
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  const auto& o = *parsed.value;
  EXPECT_FALSE(o.connect) << "--bind alone publishes only for recorders";
  EXPECT_EQ(*o.bind, "tcp://127.0.0.1:*");
  EXPECT_EQ(o.unit, "icu");
  EXPECT_EQ(o.scenarios, (std::vector{sim::ScenarioKind::Quiet, sim::ScenarioKind::ProbeOff}));
  EXPECT_EQ(o.speed, 30.0);
  EXPECT_EQ(o.seed, 42u);
  EXPECT_EQ(*o.start_ms, 1'700'000'000'000);
  EXPECT_EQ(o.keys.key_file, "gw.key");
  EXPECT_EQ(o.keys.server_key_file, "engine.pub");
  const auto config = wardConfigFor(o, core::fromMillis(*o.start_ms));
  EXPECT_EQ(config.patients, 3);
  EXPECT_EQ(config.infusion, 20min);
  EXPECT_EQ(config.observation, 0min);
  EXPECT_EQ(config.nibp_interval, 60s);
  EXPECT_EQ(config.start, core::fromMillis(1'700'000'000'000));
  EXPECT_TRUE(parse({"--simulate", "1", "--connect", "tcp://h:1", "--bind", "tcp://*:2"}).value->connect);
}

TEST(GatewayOptions, BadFlagsSayWhatIsWrong) {
  const std::map<std::string, std::vector<const char*>> cases = {
      {"missing --simulate", {}},
      {"between 1 and 1000", {"--simulate", "0"}},
      {"between 1 and 1000", {"--simulate", "1001"}},
      {"unknown scenario 'hypotension'", {"--simulate", "1", "--scenarios", "quiet,hypotension"}},
      {"--seed must be an unsigned integer", {"--simulate", "1", "--seed", "-4"}},
      {"--speed must be a number > 0", {"--simulate", "1", "--speed", "0"}},
      {"--observation-min must be a number >= 0", {"--simulate", "1", "--observation-min", "-1"}},
      {"--unit must be non-empty", {"--simulate", "1", "--unit", "a/b"}},
      {"--nibp-interval-s must be at least 1", {"--simulate", "1", "--nibp-interval-s", "0"}},
      {"unrecognised", {"--simulate", "1", "--no-such-flag"}},
  };
  for (const auto& [expected, args] : cases) {
    const auto parsed = parse(args);
    EXPECT_FALSE(parsed.ok()) << expected;
    EXPECT_NE(parsed.error.find(expected), std::string::npos) << "got: " << parsed.error;
  }
  const auto help = parse({"--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_TRUE(help.value->help) << "--help needs no --simulate";
}

struct Published {
  std::vector<std::pair<std::string, std::string>> messages;
  bool accept = true;
  PublishFunction function() {
    return [this](const std::string& topic, const std::string& payload) {
      messages.emplace_back(topic, payload);
      return accept;
    };
  }
};

TEST(GatewayPump, SimTimeRunsSpeedTimesFasterThanTheInjectedClock) {
  source::SimulatorSource ward(shortWard());
  Published published;
  GatewayPump pump(ward, 60.0, published.function());
  const SteadyTime t0{10s};
  EXPECT_FALSE(pump.tick(t0));
  EXPECT_EQ(pump.simTimeAt(t0), ward.start());
  const auto at_start = published.messages.size();
  EXPECT_GT(at_start, 0u) << "the first second's frames and pump statuses go out at once";
  EXPECT_EQ(pump.simTimeAt(t0 + 1s), ward.start() + 60s);
  EXPECT_FALSE(pump.tick(t0 + 1s));
  EXPECT_GT(published.messages.size(), at_start);
  EXPECT_EQ(pump.published(), published.messages.size());
  EXPECT_TRUE(pump.tick(t0 + 4s)) << "4 sim minutes: the whole session";
  EXPECT_TRUE(pump.finished());
  EXPECT_EQ(pump.refused(), 0u);
}

TEST(GatewayPump, PublishesExactlyWhatTheRecordingOfTheSameWardHolds) {
  const auto recorded = recording::simulatedMessages(shortWard());
  source::SimulatorSource ward(shortWard());
  Published published;
  GatewayPump pump(ward, 30.0, published.function());
  SteadyTime now{};
  while (!pump.tick(now)) now += 50ms;
  ASSERT_EQ(published.messages.size(), recorded.size());
  for (std::size_t i = 0; i < recorded.size(); ++i) {
    EXPECT_EQ(published.messages[i].first, recorded[i].topic());
    EXPECT_EQ(published.messages[i].second, recorded[i].payload()) << i;
  }
}

TEST(GatewayPump, ARefusedPublishIsCountedNotLost) {
  source::SimulatorSource ward(shortWard());
  Published published;
  published.accept = false;
  GatewayPump pump(ward, 1000.0, published.function());
  EXPECT_TRUE(pump.tick(SteadyTime{}) || pump.tick(SteadyTime{1s}));
  EXPECT_EQ(pump.published(), 0u);
  EXPECT_EQ(pump.refused(), published.messages.size());
  EXPECT_GT(pump.refused(), 0u);
}

// Moves on by a fixed step every time it is read: the loop's ticks then come due at
// once, and the whole session runs without waiting on the real clock.
class SteppingClock final : public SteadyClock {
 public:
  explicit SteppingClock(std::chrono::milliseconds step) : step_(step) {}
  SteadyTime now() const override { return now_ += step_; }

 private:
  std::chrono::milliseconds step_;
  mutable SteadyTime now_{};
};

TEST(GatewayLoop, RunsTheSessionToItsEndOnTheInjectedClockAndStops) {
  source::SimulatorSource ward(shortWard());
  Published published;
  GatewayPump pump(ward, 60.0, published.function());
  boost::asio::io_context io;
  boost::asio::signal_set signals(io);
  const SteppingClock clock(1s);
  std::ostringstream log;
  GatewayLoop loop(io, signals, pump, clock, log);
  loop.start();
  io.run_for(10s);  // a bound for a broken loop, not a wait: the fake clock runs ahead
  EXPECT_TRUE(loop.sessionOver());
  EXPECT_TRUE(io.stopped());
  EXPECT_EQ(published.messages.size(), recording::simulatedMessages(shortWard()).size());
  EXPECT_EQ(log.str(), "");
}

}  // namespace
}  // namespace vigil::streamer::gateway
