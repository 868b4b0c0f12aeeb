// A Binary Star pair of real vigil-engine processes for the integration tests (issue 16):
// a primary and a backup for one unit on ipc endpoints in a fresh directory (so a
// restarted engine is found where it was), each with its own journal, plain or with
// CurveZMQ keys, and the ward's gateway publishing every frame to both.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>

#include "alarms/core/metrics.h"
#include "streamer/control_client.h"
#include "streamer/security.h"
#include "streamer/station/station_client.h"
#include "support.h"
#include "vitals.pb.h"

namespace vigil::testing {

using namespace std::chrono_literals;

inline constexpr char kUnit[] = "pacu";
inline constexpr int kPeerTimeoutMs = 500;
inline constexpr std::int64_t kFeedSecond = 1000;  // data time, ms

// One engine of the pair: its endpoints are ipc paths named after its role.
struct StarEngine {
  std::string role;
  std::unique_ptr<ChildProcess> process;

  std::string endpoint(const TempDir& dir, const std::string& socket) const {
    return "ipc://" + dir.file(role + "-" + socket);
  }
};

// How the pair is secured: plain (loopback only), or CurveZMQ with one engine key for both
// (what stations need that take one --server-key for the pair's two addresses), or with a
// key of each engine's own.
enum class PairKeys { Plain, SharedEngineKey, OwnEngineKeys };

// One engine's ingest endpoint and a gateway's keys for it.
struct IngestConnection {
  std::string endpoint;
  streamer::ClientSecurity security;
};

class Pair {
 public:
  explicit Pair(zmq::context_t& context, PairKeys keys = PairKeys::Plain) : context_(context), keys_(keys) {
    if (keys_ != PairKeys::Plain) makeKeys();
  }

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
    // The peer's engine.pub sits in this engine's peers/ under the peer's role.
    if (keys_ != PairKeys::Plain) argv.insert(argv.end(), {"--keys", keysOf(engine), "--peer-key", peer.role});
    engine.process = std::make_unique<ChildProcess>(argv);
    ASSERT_TRUE(engine.process->waitForLine(std::regex("listening .* peer-state="), Clock::now() + 10s))
        << engine.role << " did not start";
  }

  // kill -9: no signal handler runs, nothing is flushed, no goodbye to the peer.
  void killHard(StarEngine& engine) {
    ASSERT_EQ(::kill(engine.process->pid(), SIGKILL), 0);
    ASSERT_TRUE(engine.process->waitForExit(5s));
  }

  std::string endpoint(const StarEngine& engine, const std::string& socket) const {
    return engine.endpoint(dir_, socket);
  }

  // The engine's journal, which outlives its process.
  std::string journal(const StarEngine& engine) const { return dir_.file(engine.role + ".db"); }

  std::string both(const std::string& socket) const {
    return engines_[0].endpoint(dir_, socket) + "," + engines_[1].endpoint(dir_, socket);
  }

  // The keys of client `name` (station-3, gw-1, or rogue whom no engine admits) for one
  // engine; none for a plain pair.
  streamer::ClientSecurity client(const StarEngine& engine, const std::string& name) const {
    return load(name, keysOf(engine) + "/engine.pub");
  }
  // The keys of client `name` for the pair's two addresses, as a station gives them:
  // --server-key primary.pub,backup.pub (the same key twice where the pair shares one).
  streamer::ClientSecurity clientOfPair(const std::string& name) const {
    return load(name, keysOf(engines_[0]) + "/engine.pub," + keysOf(engines_[1]) + "/engine.pub");
  }

  IngestConnection ingest(const StarEngine& engine) const {
    return {engine.endpoint(dir_, "ingest"), client(engine, "gw-1")};
  }
  std::vector<IngestConnection> ingests() const { return {ingest(engines_[0]), ingest(engines_[1])}; }

  // One engine's counters, which a passive engine answers too.
  std::optional<std::uint64_t> counter(const StarEngine& engine, const std::string& name) {
    streamer::ControlClient control(context_, engine.endpoint(dir_, "control"), client(engine, "station-3"));
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
  std::string keysOf(const StarEngine& engine) const { return dir_.file(engine.role + "-keys"); }

  streamer::ClientSecurity load(const std::string& name, const std::string& server_key_files) const {
    if (keys_ == PairKeys::Plain) return {};
    const auto loaded = streamer::loadClientSecurity({dir_.file("clients/" + name + ".key"), server_key_files});
    if (!loaded.ok()) throw std::runtime_error(loaded.error);
    return *loaded.value;
  }

  static void writeKey(const std::string& path, const std::string& key, unsigned mode) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    if (const auto error = streamer::writeKeyFile(path, key, mode, streamer::Overwrite::Refuse); !error.empty()) {
      throw std::runtime_error(error);
    }
  }

  // Each engine's directory as DEPLOYMENT.md lays it out: its pair, the gateway and the
  // station admitted, and the other engine's engine.pub as peers/<its role>.pub.
  void makeKeys() {
    const auto shared = streamer::generateKeyPair();
    std::map<std::string, streamer::KeyPair> engine_keys;
    for (const auto& engine : engines_) {
      engine_keys[engine.role] = keys_ == PairKeys::SharedEngineKey ? shared : streamer::generateKeyPair();
      writeKey(keysOf(engine) + "/engine.key", engine_keys[engine.role].secret_z85, 0600);
      writeKey(keysOf(engine) + "/engine.pub", engine_keys[engine.role].public_z85, 0644);
    }
    std::map<std::string, std::string> client_public;
    for (const char* name : {"station-3", "gw-1", "rogue"}) {
      const auto pair = streamer::generateKeyPair();
      writeKey(dir_.file(std::string("clients/") + name + ".key"), pair.secret_z85, 0600);
      client_public[name] = pair.public_z85;
    }
    for (const auto& engine : engines_) {
      const auto& peer = engines_[&engine == &engines_[0] ? 1 : 0];
      writeKey(keysOf(engine) + "/stations/station-3.pub", client_public["station-3"], 0644);
      writeKey(keysOf(engine) + "/gateways/gw-1.pub", client_public["gw-1"], 0644);
      writeKey(keysOf(engine) + "/peers/" + peer.role + ".pub", engine_keys[peer.role].public_z85, 0644);
    }
  }

  zmq::context_t& context_;
  PairKeys keys_;
  TempDir dir_{"vigil-star"};
  std::array<StarEngine, 2> engines_{StarEngine{"primary", nullptr}, StarEngine{"backup", nullptr}};
};

// What a gateway does with frames for an engine that is down: ZeroMQ's default queues them
// until it is back; behind vigil-proxy (ZMQ_IMMEDIATE) they are not kept for it.
enum class DownEngine { Queue, Drop };

// The ward's gateway, publishing every frame to both engines (two connections, so that
// each engine's subscription is awaited on its own).
class WardFeed {
 public:
  // Plain connections to "A,B" (or one engine).
  WardFeed(zmq::context_t& context, const std::string& endpoints, DownEngine down = DownEngine::Queue)
      : WardFeed(context, plain(endpoints), down) {}

  WardFeed(zmq::context_t& context, const std::vector<IngestConnection>& engines, DownEngine down = DownEngine::Queue) {
    for (const auto& engine : engines) {
      auto& publisher = publishers_.emplace_back(std::make_unique<streamer::Publisher>(context));
      engine.security.apply(publisher->handle());
      if (down == DownEngine::Drop) publisher->handle().set(zmq::sockopt::immediate, 1);
      publisher->connect(engine.endpoint);
      if (!publisher->awaitSubscriber(10s)) throw std::runtime_error("no engine subscribed at " + engine.endpoint);
    }
  }

  // bed-01's kind of trouble: a running infusion, then 15 s of SpO2 at 87 % a minute in (a
  // spo2-below-90 alarm). The data time it ends at.
  std::int64_t desaturate(const std::string& patient, std::int64_t from) {
    pump(patient, from, 0.2);
    for (int s = 0; s <= 15; ++s) spo2(patient, from + (60 + s) * kFeedSecond, 87);
    return from + 75 * kFeedSecond;
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
  static std::vector<IngestConnection> plain(const std::string& endpoints) {
    std::vector<IngestConnection> engines;
    for (auto& endpoint : streamer::splitEndpoints(endpoints)) engines.push_back({std::move(endpoint), {}});
    return engines;
  }

  void publish(const std::string& topic, const google::protobuf::MessageLite& message) {
    for (auto& publisher : publishers_) EXPECT_TRUE(publisher->publish(topic, message));
  }

  std::vector<std::unique_ptr<streamer::Publisher>> publishers_;
  std::map<std::string, std::uint64_t> sequences_;
};

// The station: pumps its client until `done` holds, calling `between` (the gateway's next
// frame) on every round; false at the deadline.
inline bool follow(streamer::station::StationClient& station,
                   const std::function<bool(const streamer::station::StationClient&)>& done,
                   const std::function<void()>& between, std::chrono::milliseconds within = 10s) {
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    if (between) between();
    zmq::pollitem_t item{station.alertsSocket().handle(), 0, ZMQ_POLLIN, 0};
    (void)zmq::poll(&item, 1, 20ms);
    (void)station.pump(std::chrono::steady_clock::now(), 100);
    if (done(station)) return true;
  }
  return false;
}

// The patient's spo2-below-90 alarm as the station shows it, or nullptr.
inline const core::AlarmEvent* alarmOf(const streamer::station::StationClient& station, const std::string& patient) {
  for (const auto& [id, entry] : station.state().alarms()) {
    if (entry.alarm.patient_id == patient && entry.alarm.condition == "spo2-below-90") return &entry.alarm;
  }
  return nullptr;
}

// A station of the unit that knows both engines (with the pair's keys, if it has any).
inline streamer::station::StationOptions stationOptions(Pair& pair) {
  streamer::station::StationOptions options;
  options.alerts_endpoint = pair.both("alerts");
  options.control_endpoint = pair.both("control");
  options.unit = kUnit;
  options.retry_after_failure = 200ms;  // a takeover is a short outage: ask again soon
  options.security = pair.clientOfPair("station-3");
  return options;
}

}  // namespace vigil::testing
