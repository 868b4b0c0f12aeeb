// Binary Star (issue 16, item 3): a primary and a backup engine for the same unit, one ward
// feed into both, a station that knows both addresses. kill -9 the primary in the middle
// of a scenario with an acknowledged alarm: within the takeover time the station shows the
// same alarms with the same ids and the acknowledgement, from the backup's new epoch, and
// an alarm raised during the takeover is not lost. A restarted primary rejoins as passive.
// Every endpoint is an ipc path in a fresh directory, so a restarted engine is found where
// it was. The same with CurveZMQ (--keys, --peer-key): the pair's own link is CURVE, only the
// peer's key may forward to the passive, and nobody else's state reaches an engine.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include "alarms/core/metrics.h"
#include "star_pair.h"
#include "streamer/control_client.h"
#include "streamer/security.h"
#include "streamer/station/station_client.h"
#include "support.h"
#include "vitals.pb.h"

namespace vigil::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;
namespace fs = std::filesystem;
using streamer::station::StationClient;

constexpr std::int64_t kT0 = 1'700'000'000'000;  // fixed data times: both engines see the same inputs
constexpr std::int64_t kSecond = 1000;

// The first message on the alert stream (any engine), or nullopt at the deadline.
std::optional<Clock::time_point> firstMessage(streamer::Subscriber& stream, const std::function<void()>& between,
                                              std::chrono::milliseconds within) {
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    between();
    if (stream.receive(10ms)) return Clock::now();
  }
  return std::nullopt;
}

void drain(streamer::Subscriber& stream) {
  while (stream.receive(0ms)) {
  }
}

v1::ControlRequest acknowledgement(const std::string& alert_id) {
  v1::ControlRequest ack;
  ack.mutable_acknowledge()->set_alert_id(alert_id);
  ack.mutable_acknowledge()->set_station("station-3");
  return ack;
}

// The station sees bed-01's alarm and acknowledges it through the engine(s) it follows;
// the alarm's id, or "" after a failed assertion.
std::string acknowledgeBed01(StationClient& station) {
  if (!follow(
          station, [](const StationClient& s) { return alarmOf(s, "bed-01"); }, {}, 10s)) {
    ADD_FAILURE() << "the station never saw bed-01's alarm";
    return {};
  }
  const auto alert_id = alarmOf(station, "bed-01")->alert_id;
  const auto reply = station.request(acknowledgement(alert_id));
  if (!reply || !reply->ok()) {
    ADD_FAILURE() << "acknowledgement refused: " << (reply ? reply->error() : "no reply");
    return {};
  }
  if (!follow(
          station, [](const StationClient& s) { return !alarmOf(s, "bed-01")->acknowledged_by.empty(); }, {}, 10s)) {
    ADD_FAILURE() << "the acknowledgement never reached the station";
    return {};
  }
  return alert_id;
}

class BinaryStarFailover : public ::testing::Test {
 protected:
  explicit BinaryStarFailover(PairKeys keys = PairKeys::Plain) : pair_(context_, keys) {}

  void SetUp() override {
    pair_.start(pair_.primary());
    pair_.start(pair_.backup());
    ASSERT_TRUE(pair_.awaitCounter(pair_.backup(), "star.went_passive", 1)) << "the backup never went passive";
    feed_ = std::make_unique<WardFeed>(context_, pair_.ingests());
  }

  // kill -9 the primary in the middle of a scenario with an acknowledged alarm; the station
  // carries on from the backup; the restarted primary rejoins as passive.
  void killNineThePrimaryAndCarryOn(const std::string& acknowledged_by);
  // Takeover time: the active engine killed -> the first alert-stream message from the
  // other. The engines take turns: each killed one comes back as the passive one.
  void measureTakeoverTime(const char* what);

  zmq::context_t context_;
  Pair pair_;
  std::unique_ptr<WardFeed> feed_;
  std::int64_t data_time_ = kT0;
};

// The same pair with CurveZMQ, one engine key for both.
class BinaryStarCurveFailover : public BinaryStarFailover {
 protected:
  BinaryStarCurveFailover() : BinaryStarFailover(PairKeys::SharedEngineKey) {}
};

// A key of its own per engine: the station gives both (--server-key primary.pub,backup.pub).
class BinaryStarOwnKeysFailover : public BinaryStarFailover {
 protected:
  BinaryStarOwnKeysFailover() : BinaryStarFailover(PairKeys::OwnEngineKeys) {}
};

void BinaryStarFailover::killNineThePrimaryAndCarryOn(const std::string& acknowledged_by) {
  StationClient station(context_, stationOptions(pair_), std::chrono::steady_clock::now());
  ASSERT_TRUE(follow(
      station, [](const StationClient& s) { return s.state().hasSnapshot(); }, {}, 10s));
  const auto primary_epoch = station.state().epoch();

  // bed-01 desaturates on a running infusion; the station acknowledges through the pair.
  data_time_ = feed_->desaturate("bed-01", kT0);
  const auto alert_id = acknowledgeBed01(station);
  ASSERT_FALSE(alert_id.empty());
  // The primary answered only after the backup applied the acknowledgement.
  EXPECT_EQ(pair_.counter(pair_.backup(), "star.forwards_applied"), 1u);
  EXPECT_EQ(pair_.counter(pair_.primary(), "star.forwards_confirmed"), 1u);

  pair_.killHard(pair_.primary());
  // bed-02 desaturates while nobody publishes: the backup computes it in shadow.
  feed_->pump("bed-02", data_time_, 0.2);
  for (int s = 1; s <= 16; ++s) feed_->spo2("bed-02", data_time_ + s * kSecond, 86);
  data_time_ += 16 * kSecond;
  // The gateway carries on (bed-01 still low): these frames are the clients the backup
  // must hear to take over.
  const auto carry_on = [&] { feed_->spo2("bed-01", data_time_ += kSecond, 87); };
  const auto taken_over = [&](const StationClient& s) {
    return s.state().epoch() != primary_epoch && !s.state().needsSnapshot() && alarmOf(s, "bed-02");
  };
  ASSERT_TRUE(follow(station, taken_over, carry_on, 10s)) << "the station never followed the backup";

  const auto* acknowledged = alarmOf(station, "bed-01");
  ASSERT_TRUE(acknowledged);
  EXPECT_EQ(acknowledged->alert_id, alert_id) << "alarm ids must survive a takeover";
  EXPECT_EQ(acknowledged->acknowledged_by, acknowledged_by);
  EXPECT_EQ(pair_.counter(pair_.backup(), "star.takeovers"), 1u);

  // The primary comes back: it hears the active backup and rejoins as passive.
  pair_.start(pair_.primary());
  ASSERT_TRUE(pair_.awaitCounter(pair_.primary(), "star.went_passive", 1));
  EXPECT_EQ(pair_.counter(pair_.primary(), "star.takeovers"), 0u);
  const auto backup_epoch = station.state().epoch();
  feed_->spo2("bed-01", data_time_ += kSecond, 87);
  ASSERT_TRUE(follow(
      station, [&](const StationClient& s) { return s.state().lastSequence() > 0; }, {}, 2s));
  EXPECT_EQ(station.state().epoch(), backup_epoch) << "a rejoining primary must not take the unit back";
  // Asked alone, the passive primary refuses a station's request with the reason.
  streamer::ControlClient primary_only(context_, pair_.endpoint(pair_.primary(), "control"),
                                       pair_.client(pair_.primary(), "station-3"));
  v1::ControlRequest snapshot;
  snapshot.mutable_snapshot();
  const auto refused = primary_only.request(snapshot, 2s);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->ok());
  EXPECT_EQ(refused->error(), streamer::kPassiveRefusal);
}

TEST_F(BinaryStarFailover, KillNineThePrimaryAndTheStationCarriesOnFromTheBackup) {
  killNineThePrimaryAndCarryOn("station-3 (unauthenticated)");
}

// With keys the acknowledgement carries the station key's name, on both engines alike.
TEST_F(BinaryStarCurveFailover, KillNineThePrimaryAndTheStationCarriesOnFromTheBackup) {
  killNineThePrimaryAndCarryOn("station-3");
}

void BinaryStarFailover::measureTakeoverTime(const char* what) {
  constexpr int kRuns = 10;
  streamer::Subscriber stream(context_);
  const auto station_keys = pair_.clientOfPair("station-3");
  station_keys.apply(stream.handle());
  stream.subscribe("");
  station_keys.connectEach(stream.handle(), pair_.both("alerts"));
  ASSERT_TRUE(stream.receive(5s)) << "the active primary publishes nothing";
  const auto carry_on = [&] { feed_->spo2("bed-01", data_time_ += kSecond, 97); };
  std::vector<double> takeover_ms;
  StarEngine* active = &pair_.primary();
  for (int run = 0; run < kRuns; ++run) {
    const auto killed_at = Clock::now();
    pair_.killHard(*active);
    drain(stream);  // from the dead engine: the other cannot publish within the peer timeout
    const auto first = firstMessage(stream, carry_on, 10s);
    ASSERT_TRUE(first) << "run " << run << ": no takeover";
    takeover_ms.push_back(std::chrono::duration<double, std::milli>(*first - killed_at).count());
    auto& survivor = pair_.other(*active);
    // The dead engine's last state went out at most a third of the timeout before the kill.
    EXPECT_GE(takeover_ms.back(), kPeerTimeoutMs * 2.0 / 3 - 10) << "taken over before the peer timeout: split brain";
    pair_.start(*active);
    ASSERT_TRUE(pair_.awaitCounter(*active, "star.went_passive", 1)) << "run " << run << ": no rejoin as passive";
    active = &survivor;
  }
  std::sort(takeover_ms.begin(), takeover_ms.end());
  const auto p50 = takeover_ms[takeover_ms.size() / 2];
  std::printf(
      "Binary Star takeover%s (kill -9 -> first message from the other engine), peer timeout %d ms, %d runs: "
      "p50 %.0f ms, min %.0f ms, max %.0f ms\n",
      what, kPeerTimeoutMs, kRuns, p50, takeover_ms.front(), takeover_ms.back());
  EXPECT_LT(takeover_ms.back(), 5 * kPeerTimeoutMs);
}

TEST_F(BinaryStarOwnKeysFailover, KillNineThePrimaryAndTheStationCarriesOnFromTheBackup) {
  killNineThePrimaryAndCarryOn("station-3");
}

TEST_F(BinaryStarFailover, TakeoverTimeOverTenRuns) { measureTakeoverTime(""); }

TEST_F(BinaryStarCurveFailover, TakeoverTimeOverTenRuns) { measureTakeoverTime(" with CurveZMQ"); }

// The peer-state socket and the forwarding request are new ways in: garbage on the first
// is counted and changes nothing, and an active engine refuses a "forwarded" request
// (only a passive one applies what its active peer sends).
TEST(BinaryStarHostile, GarbageStatesAndStrayForwardsAreRefusedAndCounted) {
  zmq::context_t context;
  Pair pair(context);
  zmq::socket_t fake_backup(context, zmq::socket_type::pub);
  fake_backup.bind(pair.endpoint(pair.backup(), "state"));
  pair.start(pair.primary());
  const std::vector<std::string> garbage{"", "activ", "ACTIVE", std::string(10000, '\xff'),
                                         std::string("pri\0mary", 8)};
  const auto deadline = Clock::now() + 10s;
  // PUB/SUB joins late: send until the engine has counted every kind of garbage.
  while (Clock::now() < deadline && pair.counter(pair.primary(), "star.peer_states_malformed").value_or(0) < 20) {
    for (const auto& text : garbage) fake_backup.send(zmq::buffer(text), zmq::send_flags::dontwait);
  }
  EXPECT_GE(pair.counter(pair.primary(), "star.peer_states_malformed"), 20u);
  EXPECT_EQ(pair.counter(pair.primary(), "star.takeovers"), 0u) << "garbage made the primary active";
  // A real backup's state: the primary becomes active.
  const auto heard_by = Clock::now() + 10s;
  while (Clock::now() < heard_by && pair.counter(pair.primary(), "star.takeovers").value_or(0) < 1) {
    fake_backup.send(zmq::str_buffer("backup"), zmq::send_flags::dontwait);
  }
  ASSERT_EQ(pair.counter(pair.primary(), "star.takeovers"), 1u);

  streamer::ControlClient control(context, pair.endpoint(pair.primary(), "control"));
  v1::ControlRequest stray;
  stray.mutable_peer_forward()->set_request("not a request");
  const auto reply = control.request(stray, 2s);
  ASSERT_TRUE(reply);
  EXPECT_FALSE(reply->ok());
  EXPECT_NE(reply->error().find("only a passive"), std::string::npos) << reply->error();
}

// Each engine its own key: the forward crosses CURVE between two different keys, and a
// station's key, admitted on the passive's control socket, still cannot forward there.
TEST(BinaryStarCurve, OnlyThePeersKeyMayForwardToThePassive) {
  zmq::context_t context;
  Pair pair(context, PairKeys::OwnEngineKeys);
  pair.start(pair.primary());
  pair.start(pair.backup());
  ASSERT_TRUE(pair.awaitCounter(pair.backup(), "star.went_passive", 1)) << "the backup never went passive";
  WardFeed feed(context, pair.ingests());
  // This station knows only the primary (its key is the primary's alone).
  auto options = stationOptions(pair);
  options.security = pair.client(pair.primary(), "station-3");
  options.alerts_endpoint = pair.endpoint(pair.primary(), "alerts");
  options.control_endpoint = pair.endpoint(pair.primary(), "control");
  StationClient station(context, options, std::chrono::steady_clock::now());
  ASSERT_TRUE(follow(
      station, [](const StationClient& s) { return s.state().hasSnapshot(); }, {}, 10s));
  const auto end = feed.desaturate("bed-01", kT0);
  const auto alert_id = acknowledgeBed01(station);
  ASSERT_FALSE(alert_id.empty());
  EXPECT_EQ(alarmOf(station, "bed-01")->acknowledged_by, "station-3");
  EXPECT_EQ(pair.counter(pair.backup(), "star.forwards_applied"), 1u) << "the peer's forward did not arrive";
  EXPECT_EQ(pair.counter(pair.primary(), "star.forwards_confirmed"), 1u);

  // station-3 forges what the primary sends: the passive refuses it and counts it.
  streamer::ControlClient intruder(context, pair.endpoint(pair.backup(), "control"),
                                   pair.client(pair.backup(), "station-3"));
  v1::ControlRequest forged;
  forged.mutable_peer_forward()->set_request(acknowledgement(alert_id).SerializeAsString());
  forged.mutable_peer_forward()->set_identity("primary");
  forged.mutable_peer_forward()->set_engine_time_ms(end);
  const auto reply = intruder.request(forged, 2s);
  ASSERT_TRUE(reply) << "the passive did not answer";
  EXPECT_FALSE(reply->ok());
  EXPECT_NE(reply->error().find("only from the peer engine's key 'primary', not from 'station-3'"), std::string::npos)
      << reply->error();
  EXPECT_EQ(pair.counter(pair.backup(), "star.forwards_refused_not_peer"), 1u);
  EXPECT_EQ(pair.counter(pair.backup(), "star.forwards_applied"), 1u) << "a forged forward was applied";
}

// After the primary dies, a stranger binds its state endpoint and announces ACTIVE, to keep
// the backup passive (the unit then has no engine). The backup's state SUB accepts only
// the primary's key as server: a plain stranger and one with a CURVE key of its own are
// both never heard, and the backup takes over on the gateway's frames as it should.
void strangerCannotHoldTheBackupPassive(bool stranger_has_curve_key) {
  zmq::context_t context;
  Pair pair(context, PairKeys::OwnEngineKeys);
  pair.start(pair.primary());
  pair.start(pair.backup());
  ASSERT_TRUE(pair.awaitCounter(pair.backup(), "star.went_passive", 1)) << "the backup never went passive";
  WardFeed feed(context, {pair.ingest(pair.backup())});
  pair.killHard(pair.primary());
  zmq::socket_t stranger(context, zmq::socket_type::pub);
  stranger.set(zmq::sockopt::linger, 0);
  if (stranger_has_curve_key) {
    streamer::applyCurveServer(stranger, streamer::generateKeyPair().secret_z85, "vigil-peer");
  }
  stranger.bind(pair.endpoint(pair.primary(), "state"));  // where the backup's SUB reconnects
  std::int64_t data_time = kT0;
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline && pair.counter(pair.backup(), "star.takeovers").value_or(0) < 1) {
    (void)stranger.send(zmq::str_buffer("active"), zmq::send_flags::dontwait);
    feed.spo2("bed-01", data_time += kSecond, 97);
  }
  EXPECT_EQ(pair.counter(pair.backup(), "star.takeovers"), 1u) << "the stranger held the backup passive";
  EXPECT_EQ(pair.counter(pair.backup(), "star.faults"), 0u) << "the stranger's ACTIVE was heard";

  // And nobody but the peer reads the pair's state: a station's key on the backup's state
  // socket is refused by ZAP (counted), and so is a key nobody admitted.
  for (const char* key : {"station-3", "rogue"}) {
    const auto refused_before = pair.counter(pair.backup(), "zap.rejected_peer").value_or(0);
    zmq::socket_t spy(context, zmq::socket_type::sub);
    spy.set(zmq::sockopt::linger, 0);
    pair.client(pair.backup(), key).apply(spy);
    spy.set(zmq::sockopt::subscribe, "");
    spy.connect(pair.endpoint(pair.backup(), "state"));
    EXPECT_TRUE(pair.awaitCounter(pair.backup(), "zap.rejected_peer", refused_before + 1)) << key;
    zmq::message_t message;
    EXPECT_FALSE(spy.recv(message, zmq::recv_flags::dontwait)) << key << " read the state: " << message.to_string();
  }
}

TEST(BinaryStarCurve, APlainStrangersStateNeverReachesTheBackup) { strangerCannotHoldTheBackupPassive(false); }

TEST(BinaryStarCurve, AStrangersStateWithItsOwnCurveKeyNeverReachesTheBackup) {
  strangerCannotHoldTheBackupPassive(true);
}

}  // namespace
}  // namespace vigil::testing
