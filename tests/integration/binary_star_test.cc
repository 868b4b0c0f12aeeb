// Binary Star (issue 16, item 3): a primary and a backup engine for the same unit, one ward
// feed into both, a station that knows both addresses. kill -9 the primary in the middle
// of a scenario with an acknowledged alarm: within the takeover time the station shows the
// same alarms with the same ids and the acknowledgement, from the backup's new epoch, and
// an alarm raised during the takeover is not lost. A restarted primary rejoins as passive.
// Every endpoint is an ipc path in a fresh directory, so a restarted engine is found where
// it was.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <memory>

#include "alarms/core/metrics.h"
#include "streamer/control_client.h"
#include "streamer/station/station_client.h"
#include "star_pair.h"
#include "support.h"
#include "vitals.pb.h"

namespace vigil::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;
using streamer::station::StationClient;

constexpr std::int64_t kT0 = 1'700'000'000'000;  // fixed data times: both engines see the same inputs
constexpr std::int64_t kSecond = 1000;

// The station: pumps its client until `done` holds, calling `between` (the gateway's next
// frame) on every round; false at the deadline.
bool follow(StationClient& station, const std::function<bool(const StationClient&)>& done,
            const std::function<void()>& between, std::chrono::milliseconds within) {
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

const core::AlarmEvent* alarmOf(const StationClient& station, const std::string& patient) {
  for (const auto& [id, entry] : station.state().alarms()) {
    if (entry.alarm.patient_id == patient && entry.alarm.condition == "spo2-below-90") return &entry.alarm;
  }
  return nullptr;
}

streamer::station::StationOptions stationOptions(Pair& pair) {
  streamer::station::StationOptions options;
  options.alerts_endpoint = pair.both("alerts");
  options.control_endpoint = pair.both("control");
  options.unit = kUnit;
  options.retry_after_failure = 200ms;  // a takeover is a short outage: ask again soon
  return options;
}

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

class BinaryStarFailover : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_.start(pair_.primary());
    pair_.start(pair_.backup());
    ASSERT_TRUE(pair_.awaitCounter(pair_.backup(), "star.went_passive", 1)) << "the backup never went passive";
    feed_ = std::make_unique<WardFeed>(context_, pair_.both("ingest"));
  }

  zmq::context_t context_;
  Pair pair_{context_};
  std::unique_ptr<WardFeed> feed_;
  std::int64_t data_time_ = kT0;
};

TEST_F(BinaryStarFailover, KillNineThePrimaryAndTheStationCarriesOnFromTheBackup) {
  StationClient station(context_, stationOptions(pair_), std::chrono::steady_clock::now());
  ASSERT_TRUE(follow(
      station, [](const StationClient& s) { return s.state().hasSnapshot(); }, {}, 10s));
  const auto primary_epoch = station.state().epoch();

  // bed-01 desaturates on a running infusion; the station acknowledges through the pair.
  feed_->pump("bed-01", kT0, 0.2);
  for (int s = 0; s <= 15; ++s) feed_->spo2("bed-01", kT0 + (60 + s) * kSecond, 87);
  data_time_ = kT0 + 75 * kSecond;
  ASSERT_TRUE(follow(
      station, [](const StationClient& s) { return alarmOf(s, "bed-01"); }, {}, 10s));
  const auto alert_id = alarmOf(station, "bed-01")->alert_id;
  v1::ControlRequest ack;
  ack.mutable_acknowledge()->set_alert_id(alert_id);
  ack.mutable_acknowledge()->set_station("station-3");
  const auto reply = station.request(ack);
  ASSERT_TRUE(reply && reply->ok()) << (reply ? reply->error() : "no reply");
  ASSERT_TRUE(follow(
      station, [](const StationClient& s) { return !alarmOf(s, "bed-01")->acknowledged_by.empty(); }, {}, 10s));
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
  EXPECT_EQ(acknowledged->acknowledged_by, "station-3 (unauthenticated)");
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
  streamer::ControlClient primary_only(context_, pair_.endpoint(pair_.primary(), "control"));
  v1::ControlRequest snapshot;
  snapshot.mutable_snapshot();
  const auto refused = primary_only.request(snapshot, 2s);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->ok());
  EXPECT_EQ(refused->error(), streamer::kPassiveRefusal);
}

// Takeover time: the active engine killed -> the first alert-stream message from the
// other. The engines take turns: each killed one comes back as the passive one.
TEST_F(BinaryStarFailover, TakeoverTimeOverTenRuns) {
  constexpr int kRuns = 10;
  streamer::Subscriber stream(context_);
  stream.subscribe("");
  for (const auto& endpoint : streamer::splitEndpoints(pair_.both("alerts"))) stream.connect(endpoint);
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
      "Binary Star takeover (kill -9 -> first message from the other engine), peer timeout %d ms, %d runs: "
      "p50 %.0f ms, min %.0f ms, max %.0f ms\n",
      kPeerTimeoutMs, kRuns, p50, takeover_ms.front(), takeover_ms.back());
  EXPECT_LT(takeover_ms.back(), 5 * kPeerTimeoutMs);
}

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

}  // namespace
}  // namespace vigil::testing
