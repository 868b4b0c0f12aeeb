// Binary Star, the second failover (issue 16, item 3: "A restarted primary rejoins as the
// backup. Alarm ids stay the same across a takeover."). kill -9 the primary; the backup
// takes over; an alarm is raised and acknowledged while the primary is away; the primary
// restarts with its journal, rejoins as passive and copies the backup's core; kill -9 the
// backup: from the primary the station sees the same alarm ids and the acknowledgement made
// while the primary was down. Then the primary alone is killed and restarted: its journal
// holds the state it adopted. The ward's gateway keeps sending throughout, so the copy
// meets a live stream. Endpoints are ipc paths in a fresh directory, so a restarted engine
// is found where it was.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>

#include "alarms/core/metrics.h"
#include "streamer/control_client.h"
#include "streamer/station/station_client.h"
#include "support.h"
#include "vitals.pb.h"

namespace vigil::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;
using streamer::station::StationClient;

constexpr char kUnit[] = "icu";
constexpr std::int64_t kT0 = 1'700'000'000'000;
constexpr std::int64_t kSecond = 1000;
constexpr int kPeerTimeoutMs = 500;

// The two engines of the pair, each with its own journal that survives its restarts.
class StarPair {
 public:
  explicit StarPair(zmq::context_t& context) : context_(context) {}

  static constexpr int kPrimary = 0;
  static constexpr int kBackup = 1;

  void start(int engine) {
    const auto& role = kRoles[engine];
    std::vector<std::string> argv{binary("alarms/vigil-engine"),
                                  "--clock",
                                  "stream",
                                  "--journal",
                                  dir_.file(role + ".db"),
                                  "--heartbeat-ms",
                                  "100",
                                  "--ingest",
                                  endpoint(engine, "ingest"),
                                  "--alerts",
                                  endpoint(engine, "alerts"),
                                  "--control",
                                  endpoint(engine, "control"),
                                  "--star",
                                  role,
                                  "--peer-state-bind",
                                  endpoint(engine, "state"),
                                  "--peer-state-connect",
                                  endpoint(1 - engine, "state"),
                                  "--peer-control",
                                  endpoint(1 - engine, "control"),
                                  "--peer-timeout-ms",
                                  std::to_string(kPeerTimeoutMs)};
    processes_[engine] = std::make_unique<ChildProcess>(argv);
    ASSERT_TRUE(processes_[engine]->waitForLine(std::regex("listening .* peer-state="), Clock::now() + 10s))
        << role << " did not start";
  }

  void killHard(int engine) {
    ASSERT_EQ(::kill(processes_[engine]->pid(), SIGKILL), 0);
    ASSERT_TRUE(processes_[engine]->waitForExit(5s));
  }

  std::string endpoint(int engine, const std::string& socket) const {
    return "ipc://" + dir_.file(kRoles[engine] + "-" + socket);
  }
  std::string both(const std::string& socket) const { return endpoint(0, socket) + "," + endpoint(1, socket); }

  // One engine's counter (a passive engine answers stats too); nullopt if it did not answer.
  std::optional<std::uint64_t> counter(int engine, const std::string& name) {
    streamer::ControlClient control(context_, endpoint(engine, "control"));
    v1::ControlRequest request;
    request.mutable_stats();
    const auto reply = control.request(request, 2s);
    if (!reply || !reply->ok()) return std::nullopt;
    const auto found = reply->stats().counters().find(name);
    return found == reply->stats().counters().end() ? 0 : found->second;
  }

  // Until `done` holds or the deadline, calling `between` (the gateway's next frame) each round.
  bool await(const std::function<bool()>& done, const std::function<void()>& between = {},
             std::chrono::seconds within = 10s) {
    const auto deadline = Clock::now() + within;
    while (Clock::now() < deadline) {
      if (between) between();
      if (done()) return true;
    }
    return false;
  }

 private:
  static inline const std::array<std::string, 2> kRoles{"primary", "backup"};
  zmq::context_t& context_;
  TempDir dir_{"vigil-rejoin"};
  std::array<std::unique_ptr<ChildProcess>, 2> processes_;
};

// The ward's gateway: every frame to both engines, each source numbering its frames.
class Gateway {
 public:
  Gateway(zmq::context_t& context, const std::string& endpoints) {
    for (const auto& endpoint : streamer::splitEndpoints(endpoints)) {
      auto& publisher = publishers_.emplace_back(std::make_unique<streamer::Publisher>(context));
      // Nothing queued for an engine that is down, as behind vigil-proxy: a restarted engine
      // gets the frames of its downtime only by copying its peer.
      publisher->handle().set(zmq::sockopt::immediate, 1);
      publisher->connect(endpoint);
      if (!publisher->awaitSubscriber(10s)) throw std::runtime_error("no engine subscribed at " + endpoint);
    }
  }

  void pump(const std::string& patient, std::int64_t at) {
    const auto status = ketaminePump(kUnit, patient, "pump-" + patient, ++sequences_["pump-" + patient], at, 0.2);
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

bool follow(StationClient& station, const std::function<bool(const StationClient&)>& done,
            const std::function<void()>& between, std::chrono::seconds within = 10s) {
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

const core::AlarmEvent* desaturation(const StationClient& station, const std::string& patient) {
  for (const auto& [id, entry] : station.state().alarms()) {
    if (entry.alarm.patient_id == patient && entry.alarm.condition == "spo2-below-90") return &entry.alarm;
  }
  return nullptr;
}

// Every alarm the station shows: id -> who acknowledged it ("" if nobody).
std::map<std::string, std::string> shownAlarms(const StationClient& station) {
  std::map<std::string, std::string> shown;
  for (const auto& [id, entry] : station.state().alarms()) shown[entry.alarm.alert_id] = entry.alarm.acknowledged_by;
  return shown;
}

bool acknowledge(StationClient& station, const std::string& alert_id, const std::string& name) {
  v1::ControlRequest ack;
  ack.mutable_acknowledge()->set_alert_id(alert_id);
  ack.mutable_acknowledge()->set_station(name);
  const auto reply = station.request(ack);
  return reply && reply->ok();
}

class StarRejoin : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_.start(StarPair::kPrimary);
    pair_.start(StarPair::kBackup);
    // The backup copies the primary's (still empty) core when it goes passive.
    ASSERT_TRUE(pair_.await([&] { return pair_.counter(StarPair::kBackup, "star.synchronised") == 1u; }))
        << "the backup never synchronised with the active primary";
    gateway_ = std::make_unique<Gateway>(context_, pair_.both("ingest"));
    streamer::station::StationOptions options;
    options.alerts_endpoint = pair_.both("alerts");
    options.control_endpoint = pair_.both("control");
    options.unit = kUnit;
    options.retry_after_failure = 200ms;
    station_ = std::make_unique<StationClient>(context_, options, std::chrono::steady_clock::now());
    ASSERT_TRUE(follow(*station_, [](const StationClient& s) { return s.state().hasSnapshot(); }, {}));
  }

  // The gateway carries on: bed-01 stays low, a twentieth of a data second per frame, so the
  // engines hear their clients and time moves without re-alarming the acknowledged alarm.
  void carryOn() { gateway_->spo2("bed-01", data_time_ += kSecond / 20, 87); }

  // A patient on a running infusion desaturates for 16 data seconds: spo2-below-90. bed-01
  // goes on meanwhile, so that no alarm comes and goes with the moment a picture is taken.
  void desaturate(const std::string& patient) {
    gateway_->pump(patient, data_time_);
    for (int s = 1; s <= 16; ++s) {
      data_time_ += kSecond;
      gateway_->spo2(patient, data_time_, 86);
      if (patient != "bed-01") gateway_->spo2("bed-01", data_time_, 87);
    }
  }

  // Every frame sent so far applied by both engines: their guards accepted the same count.
  bool bothCoresCaughtUp() {
    const auto primary = pair_.counter(StarPair::kPrimary, "guard.accepted");
    return primary && primary == pair_.counter(StarPair::kBackup, "guard.accepted");
  }

  // A new epoch, resynchronised, showing at least the `expected` alarm ids.
  ::testing::AssertionResult tookOverFrom(std::uint64_t old_epoch, const std::map<std::string, std::string>& expected) {
    if (followTakeover(old_epoch, expected)) return ::testing::AssertionSuccess();
    auto failure = ::testing::AssertionFailure() << "epoch " << station_->state().epoch() << " (was " << old_epoch
                                                 << "), needs a snapshot: " << station_->state().needsSnapshot();
    for (const auto& [id, by] : shownAlarms(*station_)) failure << "\n  shown " << id << " by '" << by << "'";
    for (const auto& [id, by] : expected) failure << "\n  expected " << id << " by '" << by << "'";
    return failure;
  }

  bool followTakeover(std::uint64_t old_epoch, const std::map<std::string, std::string>& expected) {
    return follow(
        *station_,
        [&](const StationClient& s) {
          if (s.state().epoch() == old_epoch || s.state().needsSnapshot()) return false;
          const auto shown = shownAlarms(s);
          return std::all_of(expected.begin(), expected.end(),
                             [&](const auto& alarm) { return shown.count(alarm.first) > 0; });
        },
        [&] { carryOn(); });
  }

  zmq::context_t context_;
  StarPair pair_{context_};
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<StationClient> station_;
  std::int64_t data_time_ = kT0;
};

TEST_F(StarRejoin, ARestartedPrimaryCopiesWhatItMissedAndKeepsTheAlarmIdsAndAcknowledgementsOnTheSecondFailover) {
  const auto primary_epoch = station_->state().epoch();
  // bed-01 desaturates and is acknowledged through the primary, which forwards it.
  desaturate("bed-01");
  ASSERT_TRUE(follow(*station_, [](const StationClient& s) { return desaturation(s, "bed-01"); }, {}));
  const auto bed01 = desaturation(*station_, "bed-01")->alert_id;
  ASSERT_TRUE(acknowledge(*station_, bed01, "station-3"));

  // kill -9 the primary; the backup takes over.
  pair_.killHard(StarPair::kPrimary);
  ASSERT_TRUE(follow(
      *station_,
      [&](const StationClient& s) { return s.state().epoch() != primary_epoch && !s.state().needsSnapshot(); },
      [&] { carryOn(); }))
      << "the backup never took over";
  const auto backup_epoch = station_->state().epoch();

  // While the primary is away: bed-02 desaturates, and a nurse acknowledges it at the backup.
  desaturate("bed-02");
  ASSERT_TRUE(follow(
      *station_, [](const StationClient& s) { return desaturation(s, "bed-02"); }, [&] { carryOn(); }));
  const auto bed02 = desaturation(*station_, "bed-02")->alert_id;
  ASSERT_TRUE(acknowledge(*station_, bed02, "station-4"));
  ASSERT_TRUE(follow(*station_,
                     [](const StationClient& s) { return !desaturation(s, "bed-02")->acknowledged_by.empty(); }, {}));

  // The primary restarts with its journal (which ends before bed-02) while the ward goes on,
  // rejoins as passive and copies the backup's core.
  pair_.start(StarPair::kPrimary);
  const auto listening = Clock::now();
  ASSERT_TRUE(
      pair_.await([&] { return pair_.counter(StarPair::kPrimary, "star.synchronised") == 1u; }, [&] { carryOn(); }))
      << "the restarted primary never synchronised";
  std::printf("restarted primary: listening to synchronised (passive, asked, copied, held frames applied) in %.0f ms\n",
              std::chrono::duration<double, std::milli>(Clock::now() - listening).count());
  EXPECT_GE(pair_.counter(StarPair::kPrimary, "star.resyncs"), 1u);
  EXPECT_EQ(pair_.counter(StarPair::kBackup, "star.resync_states_sent"), 1u);
  // After the copy: bed-03 desaturates, computed by both.
  desaturate("bed-03");
  ASSERT_TRUE(follow(*station_, [](const StationClient& s) { return desaturation(s, "bed-03"); }, {}));
  EXPECT_TRUE(pair_.await([&] { return bothCoresCaughtUp(); })) << "the two cores did not apply the same frames";
  const auto before = shownAlarms(*station_);
  ASSERT_EQ(before.at(bed01), "station-3 (unauthenticated)");
  ASSERT_EQ(before.at(bed02), "station-4 (unauthenticated)");
  ASSERT_EQ(station_->state().epoch(), backup_epoch);

  // kill -9 the backup: the primary takes over with the same picture.
  pair_.killHard(StarPair::kBackup);
  ASSERT_TRUE(tookOverFrom(backup_epoch, before)) << "the station never saw the primary's same alarms";
  const auto after = shownAlarms(*station_);
  EXPECT_EQ(after, before) << "the same alarm ids, acknowledged by the same names, from the primary";
  EXPECT_EQ(pair_.counter(StarPair::kPrimary, "star.takeovers"), 1u);
  EXPECT_EQ(pair_.counter(StarPair::kPrimary, "star.takeovers_unsynchronised"), 0u);

  // The primary journaled the state it adopted: killed and restarted alone, it recovers it.
  const auto primary_active_epoch = station_->state().epoch();
  pair_.killHard(StarPair::kPrimary);
  pair_.start(StarPair::kPrimary);
  ASSERT_TRUE(tookOverFrom(primary_active_epoch, before)) << "the recovered primary lost the adopted alarms";
  const auto recovered = shownAlarms(*station_);
  EXPECT_EQ(recovered.at(bed02), "station-4 (unauthenticated)");
  EXPECT_EQ(recovered.at(bed01), "station-3 (unauthenticated)");
}

// The new request is a new way in: an ask to the passive, a state pushed to the active,
// a forged state to a synchronised passive are refused with the reason and counted; a
// stranger's ask makes the active send its state to its configured peer only, which
// ignores a state it did not ask for.
TEST_F(StarRejoin, StrayAsksAndForgedStatesAreRefusedAndCounted) {
  const auto send = [&](int engine, const std::string& core_snapshot, std::uint64_t ask_id) {
    streamer::ControlClient control(context_, pair_.endpoint(engine, "control"));
    v1::ControlRequest request;
    request.mutable_peer_resync()->set_resync_id(ask_id);
    request.mutable_peer_resync()->set_core_snapshot(core_snapshot);
    return control.request(request, 2s);
  };
  const auto error = [](const std::optional<v1::ControlReply>& reply) {
    return reply && !reply->ok() ? reply->error() : std::string("(no refusal)");
  };
  EXPECT_NE(error(send(StarPair::kBackup, "", 1)).find("only the active"), std::string::npos);
  EXPECT_NE(error(send(StarPair::kBackup, std::string(100000, '\xff'), 42)).find("synchronised"), std::string::npos);
  EXPECT_NE(error(send(StarPair::kPrimary, "not a state", 42)).find("keeps its own"), std::string::npos);

  const auto stranger = send(StarPair::kPrimary, "", 77);
  ASSERT_TRUE(stranger && stranger->ok());
  EXPECT_FALSE(stranger->peer_resync().adopted());
  EXPECT_GT(stranger->peer_resync().snapshot_bytes(), 0u) << "sent, but to the peer, not in this reply";
  EXPECT_TRUE(pair_.await([&] { return pair_.counter(StarPair::kBackup, "star.resync_pushes_ignored") >= 2u; }))
      << "the backup adopted a state it never asked for";
  EXPECT_EQ(pair_.counter(StarPair::kBackup, "star.resyncs"), 1u);
  EXPECT_EQ(pair_.counter(StarPair::kBackup, "star.synchronised"), 1u);
  EXPECT_EQ(pair_.counter(StarPair::kPrimary, "star.takeovers"), 1u) << "the pair carries on as it was";
}

}  // namespace
}  // namespace vigil::testing
