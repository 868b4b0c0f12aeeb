// A Binary Star pair of real vigil-engine processes for the integration tests (issue 16):
// a primary and a backup for one unit on ipc endpoints in a fresh directory (so a
// restarted engine is found where it was), each with its own journal, and the ward's
// gateway publishing every frame to both.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <array>
#include <map>
#include <memory>
#include <stdexcept>

#include "alarms/core/metrics.h"
#include "streamer/control_client.h"
#include "support.h"
#include "vitals.pb.h"

namespace vigil::testing {

using namespace std::chrono_literals;

inline constexpr char kUnit[] = "pacu";
inline constexpr int kPeerTimeoutMs = 500;

// One engine of the pair: its endpoints are ipc paths named after its role.
struct StarEngine {
  std::string role;
  std::unique_ptr<ChildProcess> process;

  std::string endpoint(const TempDir& dir, const std::string& socket) const {
    return "ipc://" + dir.file(role + "-" + socket);
  }
};

class Pair {
 public:
  explicit Pair(zmq::context_t& context) : context_(context) {}

  StarEngine& primary() { return engines_.at(0); }
  StarEngine& backup() { return engines_.at(1); }
  StarEngine& other(const StarEngine& engine) { return &engine == &primary() ? backup() : primary(); }

  void start(StarEngine& engine) {
    const auto& peer = other(engine);
    std::vector<std::string> argv{binary("alarms/vigil-engine"),
                                  "--clock",
                                  "stream",
                                  "--journal",
                                  journal(engine),
                                  "--heartbeat-ms",
                                  "100",
                                  "--ingest",
                                  engine.endpoint(dir_, "ingest"),
                                  "--alerts",
                                  engine.endpoint(dir_, "alerts"),
                                  "--control",
                                  engine.endpoint(dir_, "control"),
                                  "--star",
                                  engine.role,
                                  "--peer-state-bind",
                                  engine.endpoint(dir_, "state"),
                                  "--peer-state-connect",
                                  peer.endpoint(dir_, "state"),
                                  "--peer-control",
                                  peer.endpoint(dir_, "control"),
                                  "--peer-timeout-ms",
                                  std::to_string(kPeerTimeoutMs)};
    engine.process = std::make_unique<ChildProcess>(argv);
    ASSERT_TRUE(engine.process->waitForLine(std::regex("listening .* peer-state="), Clock::now() + 10s))
        << engine.role << " did not start";
  }

  // kill -9: no signal handler runs, nothing is flushed, no goodbye to the peer.
  void killHard(StarEngine& engine) {
    ASSERT_EQ(::kill(engine.process->pid(), SIGKILL), 0);
    ASSERT_TRUE(engine.process->waitForExit(5s));
  }

  // The engine's journal, which outlives its process.
  std::string journal(const StarEngine& engine) const { return dir_.file(engine.role + ".db"); }

  std::string endpoint(const StarEngine& engine, const std::string& socket) const {
    return engine.endpoint(dir_, socket);
  }

  std::string both(const std::string& socket) const {
    return engines_[0].endpoint(dir_, socket) + "," + engines_[1].endpoint(dir_, socket);
  }

  // One engine's counters, which a passive engine answers too.
  std::optional<std::uint64_t> counter(const StarEngine& engine, const std::string& name) {
    streamer::ControlClient control(context_, engine.endpoint(dir_, "control"));
    v1::ControlRequest request;
    request.mutable_stats();
    const auto reply = control.request(request, 2s);
    if (!reply || !reply->ok()) return std::nullopt;
    const auto found = reply->stats().counters().find(name);
    return found == reply->stats().counters().end() ? 0 : found->second;
  }

  bool awaitCounter(const StarEngine& engine, const std::string& name, std::uint64_t at_least) {
    const auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
      if (counter(engine, name).value_or(0) >= at_least) return true;
    }
    return false;
  }

 private:
  zmq::context_t& context_;
  TempDir dir_{"vigil-star"};
  std::array<StarEngine, 2> engines_{StarEngine{"primary", nullptr}, StarEngine{"backup", nullptr}};
};

// The ward's gateway, publishing every frame to both engines (two connections, so that
// each engine's subscription is awaited on its own).
class WardFeed {
 public:
  WardFeed(zmq::context_t& context, const std::string& endpoints) {
    for (const auto& endpoint : streamer::splitEndpoints(endpoints)) {
      auto& publisher = publishers_.emplace_back(std::make_unique<streamer::Publisher>(context));
      publisher->connect(endpoint);
      if (!publisher->awaitSubscriber(10s)) throw std::runtime_error("no engine subscribed at " + endpoint);
    }
  }

  void pump(const std::string& patient, std::int64_t at, double mg_per_kg_per_h) {
    const auto status =
        ketaminePump(kUnit, patient, "pump-" + patient, ++sequences_["pump-" + patient], at, mg_per_kg_per_h);
    publish(streamer::makeTopic(streamer::TopicKind::Infusion, kUnit, patient), status);
  }

  void spo2(const std::string& patient, std::int64_t at, double value) {
    const auto frame = vitalsFrame(kUnit, patient, ++sequences_["monitor-" + patient], at, core::mdc::kSpO2, value);
    publish(streamer::makeTopic(streamer::TopicKind::Vitals, kUnit, patient), frame);
  }

 private:
  void publish(const std::string& topic, const google::protobuf::MessageLite& message) {
    for (auto& publisher : publishers_) EXPECT_TRUE(publisher->publish(topic, message));
  }

  std::vector<std::unique_ptr<streamer::Publisher>> publishers_;
  std::map<std::string, std::uint64_t> sequences_;
};

}  // namespace vigil::testing
