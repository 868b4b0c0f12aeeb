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
#include "star_pair.h"
#include "streamer/control_client.h"
#include "streamer/station/station_client.h"
#include "support.h"
#include "vitals.pb.h"

namespace vigil::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;
using streamer::station::StationClient;

constexpr std::int64_t kT0 = 1'700'000'000'000;
constexpr std::int64_t kSecond = 1000;

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
    pair_.start(pair_.primary());
    pair_.start(pair_.backup());
    // The backup copies the primary's (still empty) core when it goes passive.
    ASSERT_TRUE(await([&] { return pair_.counter(pair_.backup(), "star.synchronised") == 1u; }))
        << "the backup never synchronised with the active primary";
    // Nothing queued for an engine that is down, as behind vigil-proxy: a restarted engine
    // gets the frames of its downtime only by copying its peer.
    gateway_ = std::make_unique<WardFeed>(context_, pair_.both("ingest"), DownEngine::Drop);
    station_ = std::make_unique<StationClient>(context_, stationOptions(pair_), std::chrono::steady_clock::now());
    ASSERT_TRUE(follow(*station_, [](const StationClient& s) { return s.state().hasSnapshot(); }, {}));
  }

  // The gateway carries on: bed-01 stays low, a twentieth of a data second per frame, so the
  // engines hear their clients and time moves without re-alarming the acknowledged alarm.
  void carryOn() { gateway_->spo2("bed-01", data_time_ += kSecond / 20, 87); }

  // A patient on a running infusion desaturates for 16 data seconds: spo2-below-90. bed-01
  // goes on meanwhile, so that no alarm comes and goes with the moment a picture is taken.
  void desaturate(const std::string& patient) {
    gateway_->pump(patient, data_time_, 0.2);
    for (int s = 1; s <= 16; ++s) {
      data_time_ += kSecond;
      gateway_->spo2(patient, data_time_, 86);
      if (patient != "bed-01") gateway_->spo2("bed-01", data_time_, 87);
    }
  }

  // Every frame sent so far applied by both engines: their guards accepted the same count.
  bool bothCoresCaughtUp() {
    const auto primary = pair_.counter(pair_.primary(), "guard.accepted");
    return primary && primary == pair_.counter(pair_.backup(), "guard.accepted");
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
  Pair pair_{context_};
  std::unique_ptr<WardFeed> gateway_;
  std::unique_ptr<StationClient> station_;
  std::int64_t data_time_ = kT0;
};

TEST_F(StarRejoin, ARestartedPrimaryCopiesWhatItMissedAndKeepsTheAlarmIdsAndAcknowledgementsOnTheSecondFailover) {
  const auto primary_epoch = station_->state().epoch();
  // bed-01 desaturates and is acknowledged through the primary, which forwards it.
  desaturate("bed-01");
  ASSERT_TRUE(follow(*station_, [](const StationClient& s) { return alarmOf(s, "bed-01"); }, {}));
  const auto bed01 = alarmOf(*station_, "bed-01")->alert_id;
  ASSERT_TRUE(acknowledge(*station_, bed01, "station-3"));

  // kill -9 the primary; the backup takes over.
  pair_.killHard(pair_.primary());
  ASSERT_TRUE(follow(
      *station_,
      [&](const StationClient& s) { return s.state().epoch() != primary_epoch && !s.state().needsSnapshot(); },
      [&] { carryOn(); }))
      << "the backup never took over";
  const auto backup_epoch = station_->state().epoch();

  // While the primary is away: bed-02 desaturates, and a nurse acknowledges it at the backup.
  desaturate("bed-02");
  ASSERT_TRUE(follow(
      *station_, [](const StationClient& s) { return alarmOf(s, "bed-02"); }, [&] { carryOn(); }));
  const auto bed02 = alarmOf(*station_, "bed-02")->alert_id;
  ASSERT_TRUE(acknowledge(*station_, bed02, "station-4"));
  ASSERT_TRUE(
      follow(*station_, [](const StationClient& s) { return !alarmOf(s, "bed-02")->acknowledged_by.empty(); }, {}));

  // The primary restarts with its journal (which ends before bed-02) while the ward goes on,
  // rejoins as passive and copies the backup's core.
  pair_.start(pair_.primary());
  const auto listening = Clock::now();
  ASSERT_TRUE(await([&] { return pair_.counter(pair_.primary(), "star.synchronised") == 1u; }, [&] { carryOn(); }))
      << "the restarted primary never synchronised";
  std::printf("restarted primary: listening to synchronised (passive, asked, copied, held frames applied) in %.0f ms\n",
              std::chrono::duration<double, std::milli>(Clock::now() - listening).count());
  EXPECT_GE(pair_.counter(pair_.primary(), "star.resyncs"), 1u);
  EXPECT_EQ(pair_.counter(pair_.backup(), "star.resync_states_sent"), 1u);
  // After the copy: bed-03 desaturates, computed by both.
  desaturate("bed-03");
  ASSERT_TRUE(follow(*station_, [](const StationClient& s) { return alarmOf(s, "bed-03"); }, {}));
  EXPECT_TRUE(await([&] { return bothCoresCaughtUp(); })) << "the two cores did not apply the same frames";
  const auto before = shownAlarms(*station_);
  ASSERT_EQ(before.at(bed01), "station-3 (unauthenticated)");
  ASSERT_EQ(before.at(bed02), "station-4 (unauthenticated)");
  ASSERT_EQ(station_->state().epoch(), backup_epoch);

  // kill -9 the backup: the primary takes over with the same picture.
  pair_.killHard(pair_.backup());
  ASSERT_TRUE(tookOverFrom(backup_epoch, before)) << "the station never saw the primary's same alarms";
  const auto after = shownAlarms(*station_);
  EXPECT_EQ(after, before) << "the same alarm ids, acknowledged by the same names, from the primary";
  EXPECT_EQ(pair_.counter(pair_.primary(), "star.takeovers"), 1u);
  EXPECT_EQ(pair_.counter(pair_.primary(), "star.takeovers_unsynchronised"), 0u);

  // The primary journaled the state it adopted: killed and restarted alone, it recovers it.
  const auto primary_active_epoch = station_->state().epoch();
  pair_.killHard(pair_.primary());
  pair_.start(pair_.primary());
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
  const auto send = [&](StarEngine& engine, const std::string& core_snapshot, std::uint64_t ask_id) {
    streamer::ControlClient control(context_, pair_.endpoint(engine, "control"));
    v1::ControlRequest request;
    request.mutable_peer_resync()->set_resync_id(ask_id);
    request.mutable_peer_resync()->set_core_snapshot(core_snapshot);
    return control.request(request, 2s);
  };
  const auto error = [](const std::optional<v1::ControlReply>& reply) {
    return reply && !reply->ok() ? reply->error() : std::string("(no refusal)");
  };
  EXPECT_NE(error(send(pair_.backup(), "", 1)).find("only the active"), std::string::npos);
  EXPECT_NE(error(send(pair_.backup(), std::string(100000, '\xff'), 42)).find("synchronised"), std::string::npos);
  EXPECT_NE(error(send(pair_.primary(), "not a state", 42)).find("keeps its own"), std::string::npos);

  const auto stranger = send(pair_.primary(), "", 77);
  ASSERT_TRUE(stranger && stranger->ok());
  EXPECT_FALSE(stranger->peer_resync().adopted());
  EXPECT_GT(stranger->peer_resync().snapshot_bytes(), 0u) << "sent, but to the peer, not in this reply";
  EXPECT_TRUE(await([&] { return pair_.counter(pair_.backup(), "star.resync_pushes_ignored") >= 2u; }))
      << "the backup adopted a state it never asked for";
  EXPECT_EQ(pair_.counter(pair_.backup(), "star.resyncs"), 1u);
  EXPECT_EQ(pair_.counter(pair_.backup(), "star.synchronised"), 1u);
  EXPECT_EQ(pair_.counter(pair_.primary(), "star.takeovers"), 1u) << "the pair carries on as it was";
}

}  // namespace
}  // namespace vigil::testing
