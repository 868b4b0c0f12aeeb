// Care units as the partition (issue 16), with the real programs: an engine that serves
// three units numbers its alert stream per unit, so a station following one of them sees
// a whole session without a gap or a resync; and behind vigil-proxy two engines take one
// unit each from the same gateways, each alarm reaching exactly the station of its unit,
// once.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "streamer/control_client.h"
#include "streamer/station/station_client.h"
#include "support.h"

namespace vigil::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;
using streamer::station::StationClient;
using streamer::station::StationOptions;

// 35 simulated minutes at 600x: a few seconds, with the desaturation and tachycardia
// alarms of the simulator's scenarios inside them.
constexpr char kSpeed[] = "600";
constexpr char kSessionMin[] = "30";
constexpr char kObservationMin[] = "5";

struct RunningProxy {
  std::unique_ptr<ChildProcess> process;
  std::string frontend;
  std::string backend;
  std::string control;
};

// Where each process of the scale-out runs: on loopback, or each in a network namespace of
// its own (NetnsSite below). `prefix` goes before a role's command line, `host` is the
// address it binds, `network_flags` what binding off loopback needs.
struct Site {
  std::function<std::vector<std::string>(const std::string& role)> prefix = [](const std::string&) {
    return std::vector<std::string>{};
  };
  std::function<std::string(const std::string& role)> host = [](const std::string&) { return "127.0.0.1"; };
  std::vector<std::string> network_flags;
};

std::vector<std::string> commandLine(const Site& site, const std::string& role, std::vector<std::string> argv) {
  auto line = site.prefix(role);
  line.insert(line.end(), argv.begin(), argv.end());
  line.insert(line.end(), site.network_flags.begin(), site.network_flags.end());
  return line;
}

RunningProxy startProxy(const Site& site = {}) {
  const auto any = "tcp://" + site.host("proxy") + ":*";
  RunningProxy proxy{
      std::make_unique<ChildProcess>(commandLine(site, "proxy",
                                                 {binary("tools/vigil-proxy"), "--frontend", any, "--backend", any,
                                                  "--control", any, "--stats-interval-ms", "1000"})),
      {},
      {},
      {}};
  const auto match = proxy.process->waitForLine(std::regex(R"(listening frontend=(\S+) backend=(\S+) control=(\S+))"),
                                                Clock::now() + 10s);
  if (!match) throw std::runtime_error("vigil-proxy did not report its endpoints");
  proxy.frontend = (*match)[1];
  proxy.backend = (*match)[2];
  proxy.control = (*match)[3];
  return proxy;
}

// An engine of one unit behind the proxy, as startEngine() reads its endpoints.
RunningEngine startUnitEngine(const Site& site, const std::string& unit, const std::string& proxy_backend) {
  const auto role = "engine-" + unit;
  const auto any = "tcp://" + site.host(role) + ":*";
  RunningEngine engine{std::make_unique<ChildProcess>(
                           commandLine(site, role,
                                       {binary("alarms/vigil-engine"), "--clock", "stream", "--no-journal", "--units",
                                        unit, "--ingest-from", proxy_backend, "--alerts", any, "--control", any})),
                       {},
                       {},
                       {}};
  const auto match = engine.process->waitForLine(std::regex(R"(listening ingest=(\S+) alerts=(\S+) control=(\S+))"),
                                                 Clock::now() + 10s);
  if (!match) throw std::runtime_error("vigil-engine for " + unit + " did not report its endpoints");
  engine.ingest = (*match)[1];
  engine.alerts = (*match)[2];
  engine.control = (*match)[3];
  return engine;
}

// One of the proxy's counters, asked at its control socket as `vigil-proxy --stats` does.
std::optional<std::uint64_t> proxyCounter(zmq::context_t& context, const std::string& control,
                                          const std::string& name) {
  zmq::socket_t request(context, zmq::socket_type::req);
  request.set(zmq::sockopt::linger, 0);
  request.connect(control);
  (void)request.send(zmq::str_buffer("STATISTICS"), zmq::send_flags::none);
  zmq::pollitem_t item{request.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, 5s);
  zmq::message_t reply;
  v1::Stats stats;
  if (!(item.revents & ZMQ_POLLIN) || !request.recv(reply)) return std::nullopt;
  if (!stats.ParseFromArray(reply.data(), static_cast<int>(reply.size()))) return std::nullopt;
  const auto found = stats.counters().find(name);
  if (found == stats.counters().end()) return std::nullopt;
  return found->second;
}

std::unique_ptr<ChildProcess> startGateway(const std::string& unit, const std::string& endpoint,
                                           const std::string& seed, const Site& site = {}) {
  auto argv = site.prefix("gateways");  // a gateway connects: no flag needed off loopback
  const std::vector<std::string> gateway{binary("streamer/vigil-gateway"),
                                         "--simulate",
                                         "3",
                                         "--scenarios",
                                         "desaturation,tachycardia,quiet",
                                         "--unit",
                                         unit,
                                         "--connect",
                                         endpoint,
                                         "--speed",
                                         kSpeed,
                                         "--session-min",
                                         kSessionMin,
                                         "--observation-min",
                                         kObservationMin,
                                         "--seed",
                                         seed};
  argv.insert(argv.end(), gateway.begin(), gateway.end());
  return std::make_unique<ChildProcess>(argv);
}

// A station following one unit, and every alarm START it applied, by alert id.
struct FollowedUnit {
  FollowedUnit(zmq::context_t& context, const RunningEngine& engine, const std::string& unit)
      : unit(unit), client(context, options(engine, unit), Clock::now()), control_endpoint(engine.control) {}

  static StationOptions options(const RunningEngine& engine, const std::string& unit) {
    StationOptions options;
    options.alerts_endpoint = engine.alerts;
    options.control_endpoint = engine.control;
    options.unit = unit;
    return options;
  }

  void pump() {
    for (const auto& delivery : client.pump(Clock::now(), 1000).deliveries) {
      if (!delivery.alarm) continue;
      units_seen.insert(delivery.alarm->unit());
      if (delivery.alarm->phase() == v1::PHASE_START) ++starts[delivery.alarm->alert_id()];
    }
  }

  std::string unit;
  StationClient client;
  std::string control_endpoint;
  std::map<std::string, int> starts;
  std::set<std::string> units_seen;
  std::string last_check;  // what caughtUp() compared last, for a failure message
};

// Pumps every station (each one's socket polled) until `done` or the deadline.
bool followUntil(std::vector<FollowedUnit*> stations, const std::function<bool()>& done, Clock::time_point deadline) {
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::vector<zmq::pollitem_t> items;
    for (auto* station : stations) items.push_back({station->client.alertsSocket().handle(), 0, ZMQ_POLLIN, 0});
    zmq::poll(items, 20ms);
    for (auto* station : stations) station->pump();
  }
  return true;
}

// Checked a few times a second only: each look waits a little, and the stations must be
// pumped meanwhile.
class GatewaysDone {
 public:
  explicit GatewaysDone(std::vector<std::unique_ptr<ChildProcess>>& gateways) : gateways_(gateways) {}
  bool operator()() {
    if (Clock::now() < next_look_) return false;
    next_look_ = Clock::now() + 250ms;
    for (auto& gateway : gateways_) {
      if (gateway && !gateway->waitForExit(5ms)) return false;
      gateway.reset();
    }
    return true;
  }

 private:
  std::vector<std::unique_ptr<ChildProcess>>& gateways_;
  Clock::time_point next_look_{};
};

// The engine's own snapshot of the unit: the station has caught up when it holds the
// same sequence and the same alarms.
std::optional<v1::Snapshot> engineSnapshot(zmq::context_t& context, const std::string& control,
                                           const std::string& unit) {
  streamer::ControlClient client(context, control, {});
  v1::ControlRequest request;
  request.mutable_snapshot()->set_unit_prefix(unit);
  const auto reply = client.request(request, 5s);
  if (!reply || !reply->ok()) return std::nullopt;
  return reply->snapshot();
}

bool caughtUp(zmq::context_t& context, FollowedUnit& station) {
  const auto snapshot = engineSnapshot(context, station.control_endpoint, station.unit);
  if (!snapshot || station.client.state().needsSnapshot()) return false;
  std::set<std::string> engine_ids;
  for (const auto& alarm : snapshot->alarms()) engine_ids.insert(alarm.alert_id());
  std::set<std::string> station_ids;
  for (const auto& [id, entry] : station.client.state().alarms()) station_ids.insert(id);
  station.last_check = "station at " + std::to_string(station.client.state().lastSequence()) + " with " +
                       std::to_string(station_ids.size()) + " alarms, engine at " +
                       std::to_string(snapshot->unit_sequence()) + " with " + std::to_string(engine_ids.size());
  return station.client.state().lastSequence() == snapshot->unit_sequence() && station_ids == engine_ids;
}

std::string describe(const FollowedUnit& station) {
  const auto& c = station.client.state().counters();
  return station.unit + ": applied " + std::to_string(c.applied) + ", alarm starts " +
         std::to_string(station.starts.size()) + ", gaps " + std::to_string(c.gaps) + ", resyncs " +
         std::to_string(c.resyncs) + ", snapshots " + std::to_string(c.snapshots) + " (" + station.last_check + ")";
}

TEST(Units, AStationFollowsOneUnitOfAThreeUnitEngineForAWholeSessionWithoutAResync) {
  // Four gateways drive one stream clock: a gateway a little behind the others must not
  // have its frames refused as stale (2 simulated minutes are 0.2 s at 600x).
  auto engine = startEngine({"--clock", "stream", "--units", "pacu,icu,ccu", "--stale-tolerance-ms", "3600000"});
  zmq::context_t context;
  FollowedUnit pacu(context, engine, "pacu");
  ASSERT_TRUE(followUntil(
      {&pacu}, [&] { return pacu.client.state().hasSnapshot(); }, Clock::now() + 10s));

  // pacu is a simulated ward; icu and ccu (and ward9, which this engine does not serve)
  // are pump statuses from the test, interleaved with it, each switching a patient's rate
  // above the protocol's maximum and back, so their alarms take engine-wide sequence
  // numbers between pacu's. (Simulated wards of several units would share bed names.)
  streamer::Publisher others(context);
  others.connect(engine.ingest);
  ASSERT_TRUE(others.awaitSubscriber(10s));
  std::uint64_t sent = 0;
  const std::int64_t start_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::map<std::string, std::uint64_t> device_sequences;
  const auto publishOtherUnits = [&] {
    ++sent;
    for (const std::string unit : {"icu", "ccu", "ward9"}) {
      const auto patient = unit + "-bed-" + std::to_string(sent % 4);
      const auto sequence = ++device_sequences[patient];
      const double rate = sequence % 2 == 1 ? 0.5 : 0.1;
      (void)others.publish(streamer::makeTopic(streamer::TopicKind::Infusion, unit, patient),
                           ketaminePump(unit, patient, patient + "-pump", sequence,
                                        start_ms + static_cast<std::int64_t>(sent) * 100, rate));
    }
  };
  std::vector<std::unique_ptr<ChildProcess>> gateways;
  gateways.push_back(startGateway("pacu", engine.ingest, "1"));
  GatewaysDone pacu_done(gateways);
  ASSERT_TRUE(followUntil(
      {&pacu},
      [&] {
        publishOtherUnits();
        return pacu_done();
      },
      Clock::now() + 90s))
      << "the pacu gateway did not finish its session";
  ASSERT_TRUE(followUntil(
      {&pacu}, [&] { return caughtUp(context, pacu); }, Clock::now() + 30s))
      << describe(pacu);

  const auto& counters = pacu.client.state().counters();
  EXPECT_EQ(counters.gaps, 0u) << describe(pacu);
  EXPECT_EQ(counters.resyncs, 0u) << describe(pacu);
  EXPECT_EQ(counters.snapshots, 1u) << "only the first one";
  EXPECT_EQ(counters.faults(), 0u);
  EXPECT_TRUE(pacu.client.state().perUnit());
  EXPECT_GT(pacu.starts.size(), 0u) << "the desaturating and tachycardic patients raise alarms";
  EXPECT_EQ(pacu.units_seen, std::set<std::string>{"pacu"});

  // The other units ran beside it (so pacu's sequence is not the engine's), ward9 did not.
  const auto all = engineSnapshot(context, engine.control, "");
  ASSERT_TRUE(all);
  std::set<std::string> units;
  for (const auto& status : all->statuses()) units.insert(status.unit());
  EXPECT_EQ(units, (std::set<std::string>{"pacu", "icu", "ccu"}));
  EXPECT_GT(all->sequence(), pacu.client.state().lastSequence()) << "other units' messages were interleaved";
  std::cout << "one unit of a three-unit engine: " << describe(pacu) << "; engine-wide sequence " << all->sequence()
            << std::endl;
}

void runScaleOut(const Site& site, const std::string& where) {
  auto proxy = startProxy(site);
  zmq::context_t context;
  auto pacu_engine = startUnitEngine(site, "pacu", proxy.backend);
  auto icu_engine = startUnitEngine(site, "icu", proxy.backend);
  // Each engine subscribes to three prefixes (vitals, infusion, event of its unit): once
  // all six crossed (libzmq counts each as a message the backend received), a gateway that connects is told of both
  // engines at once.
  ASSERT_TRUE(followUntil(
      {}, [&] { return proxyCounter(context, proxy.control, "traffic.backend_messages_in").value_or(0) >= 6; },
      Clock::now() + 10s))
      << "the engines' subscriptions never reached the proxy";

  FollowedUnit pacu(context, pacu_engine, "pacu");
  FollowedUnit icu(context, icu_engine, "icu");
  ASSERT_TRUE(followUntil(
      {&pacu, &icu}, [&] { return pacu.client.state().hasSnapshot() && icu.client.state().hasSnapshot(); },
      Clock::now() + 10s));

  const auto started = Clock::now();
  std::vector<std::unique_ptr<ChildProcess>> gateways;
  gateways.push_back(startGateway("pacu", proxy.frontend, "1", site));
  gateways.push_back(startGateway("icu", proxy.frontend, "2", site));
  gateways.push_back(startGateway("ccu", proxy.frontend, "3", site));  // no engine serves ccu
  ASSERT_TRUE(followUntil({&pacu, &icu}, GatewaysDone(gateways), Clock::now() + 90s));
  const auto seconds = std::chrono::duration<double>(Clock::now() - started).count();
  ASSERT_TRUE(followUntil(
      {&pacu, &icu}, [&] { return caughtUp(context, pacu) && caughtUp(context, icu); }, Clock::now() + 30s))
      << describe(pacu) << "; " << describe(icu);

  for (auto* station : {&pacu, &icu}) {
    EXPECT_GT(station->starts.size(), 0u) << station->unit;
    EXPECT_EQ(station->units_seen, std::set<std::string>{station->unit});
    for (const auto& [id, count] : station->starts) EXPECT_EQ(count, 1) << station->unit << " " << id;
    EXPECT_EQ(station->client.state().counters().resyncs, 0u) << describe(*station);
  }
  // (Alert ids alone may coincide: both simulated wards have a bed-02 started in the same
  // millisecond. The unit of every event each station took is what says it went right.)
  // Neither engine knows a ccu patient: the proxy never sent them ccu frames.
  for (const auto* engine : {&pacu_engine, &icu_engine}) {
    const auto all = engineSnapshot(context, engine->control, "");
    ASSERT_TRUE(all);
    for (const auto& status : all->statuses()) EXPECT_NE(status.unit(), "ccu");
  }
  const auto frames = proxyCounter(context, proxy.control, "traffic.frontend_messages_in");
  ASSERT_TRUE(frames);
  EXPECT_GT(*frames, 0u);
  std::cout << "through vigil-proxy (" << where << "): " << *frames << " frames in " << seconds << " s, "
            << static_cast<long>(static_cast<double>(*frames) / seconds) << " frames/s (gateways at " << kSpeed
            << "x); " << describe(pacu) << "; " << describe(icu) << std::endl;
  EXPECT_EQ(proxy.process->stop(), 0) << "a clean TERMINATE through the steering socket";
}

TEST(Units, BehindTheProxyTwoEnginesTakeOneUnitEachAndEveryAlarmReachesItsStationOnce) {
  runScaleOut(Site{}, "loopback");
}

// Each of proxy, engines and gateways in a network namespace of its own, joined by veth
// links to a bridge in a hub namespace; the test's stations reach them over one more veth
// from this namespace. Off loopback without keys the programs need --insecure (CURVE is
// covered by CurveTest and the proxy's own tests). Names carry the test's pid.
class NetnsSite {
 public:
  NetnsSite() : tag_(std::to_string(::getpid())) {}
  ~NetnsSite() {
    for (const auto& ns : namespaces_) run("ip netns del " + ns);
    run("ip link del vr" + tag_);
  }
  NetnsSite(const NetnsSite&) = delete;
  NetnsSite& operator=(const NetnsSite&) = delete;

  // "" when every namespace and link is up, else the command that failed.
  std::string setUp() {
    const auto hub = add("hub");
    if (hub.empty()) return failed_;
    for (const auto& cmd : {"ip -n " + hub + " link add br0 type bridge", "ip -n " + hub + " link set br0 up"}) {
      if (!run(cmd)) return cmd;
    }
    int index = 1;
    for (const std::string role : {"proxy", "engine-pacu", "engine-icu", "gateways"}) {
      const auto ns = add(role);
      if (ns.empty()) return failed_;
      hosts_[role] = "10.77.0." + std::to_string(index);
      const auto a = "va" + std::to_string(index) + "x" + tag_, b = "vb" + std::to_string(index) + "x" + tag_;
      for (const auto& cmd :
           {"ip link add " + a + " type veth peer name " + b, "ip link set " + a + " netns " + ns,
            "ip link set " + b + " netns " + hub, "ip -n " + ns + " addr add " + hosts_[role] + "/24 dev " + a,
            "ip -n " + ns + " link set " + a + " up", "ip -n " + ns + " link set lo up",
            "ip -n " + hub + " link set " + b + " master br0", "ip -n " + hub + " link set " + b + " up"}) {
        if (!run(cmd)) return cmd;
      }
      ++index;
    }
    const auto root = "vr" + tag_, root_peer = "vrb" + tag_;
    for (const auto& cmd :
         {"ip link add " + root + " type veth peer name " + root_peer, "ip link set " + root_peer + " netns " + hub,
          "ip -n " + hub + " link set " + root_peer + " master br0", "ip -n " + hub + " link set " + root_peer + " up",
          "ip addr add 10.77.0.100/24 dev " + root, "ip link set " + root + " up"}) {
      if (!run(cmd)) return cmd;
    }
    return "";
  }

  Site site() const {
    Site site;
    site.prefix = [this](const std::string& role) {
      return std::vector<std::string>{ipCommand(), "netns", "exec", names_.at(role)};
    };
    site.host = [this](const std::string& role) { return hosts_.at(role); };
    site.network_flags = {"--insecure"};
    return site;
  }

 private:
  // ChildProcess runs a path, not a name looked up in PATH.
  static std::string ipCommand() {
    for (const char* path : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
      if (std::filesystem::exists(path)) return path;
    }
    return "ip";
  }

  static bool run(const std::string& command) { return std::system((command + " 2>/dev/null").c_str()) == 0; }

  std::string add(const std::string& role) {
    const auto name = "vigil-" + role + "-" + tag_;
    if (!run("ip netns add " + name)) {
      failed_ = "ip netns add " + name;
      return "";
    }
    namespaces_.push_back(name);
    names_[role] = name;
    return name;
  }

  std::string tag_;
  std::vector<std::string> namespaces_;
  std::map<std::string, std::string> names_;
  std::map<std::string, std::string> hosts_;
  std::string failed_;
};

TEST(Units, TheScaleOutWithEachProcessInItsOwnNetworkNamespace) {
  NetnsSite netns;
  if (const auto failed = netns.setUp(); !failed.empty()) {
    GTEST_SKIP() << "network namespaces are not available here (needs root and iproute2): '" << failed << "' failed";
  }
  runScaleOut(netns.site(), "network namespaces over veth");
}

}  // namespace
}  // namespace vigil::testing
