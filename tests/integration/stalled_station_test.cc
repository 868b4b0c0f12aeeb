// A stuck station must not block the engine or any other station, and must heal itself
// (DESIGN.md section 4, the Clone pattern). The real vigil-engine publishes thousands of
// alarm events; one station with a tiny receive queue stops reading meanwhile and so loses
// messages at the engine's high-water mark; when it reads again it must notice the gap,
// resynchronise through a snapshot and end with exactly the engine's alarms. A second
// station that never stalls must have received every message.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>

#include <functional>
#include <iostream>
#include <map>
#include <tuple>

#include "streamer/control_client.h"
#include "streamer/station/station_client.h"
#include "support.h"
#include "vitals.pb.h"

namespace vigil::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;
using streamer::station::StationClient;
using streamer::station::StationOptions;

constexpr char kUnit[] = "pacu";
constexpr int kPatients = 20;
// Pump statuses per round between which the never-stalled station must catch up: keeps it
// far inside its own high-water mark (each status causes a few alarm events at most).
constexpr int kRound = 100;
// Alarm events the engine publishes while the stalled station does not read: a few times
// what the engine's send queue (1000), the kernel's buffers and the station's own receive
// queue can hold together, so many are dropped for it; no more, so that the test stays
// quick in the sanitizer build too.
constexpr std::uint64_t kStallEvents = 6000;
// Above the protocol's maximum (0.35 mg/kg/h, and 25 mg/h at 70 kg) and back: each change
// starts or ends the dose-rate alarms at once (no delay), the cheapest way to make events.
constexpr double kHighRate = 0.5;
constexpr double kLowRate = 0.1;

// Pumps a station the way its loop would, until `done` or the deadline.
bool pumpUntil(StationClient& station, const std::function<bool()>& done, Clock::time_point deadline) {
  while (!done()) {
    if (Clock::now() > deadline) return false;
    zmq::pollitem_t item{station.alertsSocket().handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, 20ms);
    station.pump(Clock::now(), 1000);
  }
  return true;
}

// What a nurse sees of one alarm: enough to tell a stale picture from the engine's.
using AlarmView = std::tuple<int, int, int, int>;  // priority, phase, state, inactivation

std::map<std::string, AlarmView> viewOf(const StationClient& station) {
  std::map<std::string, AlarmView> view;
  for (const auto& [id, entry] : station.state().alarms()) {
    const auto& a = entry.alarm;
    view[id] = {static_cast<int>(a.priority), static_cast<int>(a.phase), static_cast<int>(a.state),
                static_cast<int>(a.inactivation)};
  }
  return view;
}

std::map<std::string, AlarmView> viewOf(const v1::Snapshot& snapshot) {
  std::map<std::string, AlarmView> view;
  for (const auto& a : snapshot.alarms()) {
    // The domain enums are the wire's, offset where the wire reserves 0 (kind, phase).
    view[a.alert_id()] = {a.priority(), a.phase() - 1, a.state(), a.inactivation()};
  }
  return view;
}

bool hasAlarmOf(const StationClient& station, const std::string& patient,
                const std::string& condition = "dose-rate-above-protocol-max") {
  for (const auto& [id, entry] : station.state().alarms()) {
    if (entry.alarm.patient_id == patient && entry.alarm.condition == condition) return true;
  }
  return false;
}

class StalledStationTest : public ::testing::Test {
 protected:
  // ZeroMQ removes its ipc socket file when the engine closes it; a killed run leaves it.
  void TearDown() override { std::filesystem::remove(alerts_path_); }

  void SetUp() override {
    // The alerts go over a Unix socket: its kernel buffers are small and fixed, where a
    // loopback TCP connection's grow to megabytes and would hold the whole burst, so the
    // stuck station could lose nothing and prove nothing.
    alerts_path_ = std::filesystem::temp_directory_path() / ("vigil-stalled-" + std::to_string(::getpid()));
    engine_ = startEngine({"--clock", "stream", "--alerts", "ipc://" + alerts_path_.string()});
    gateway_ = std::make_unique<streamer::Publisher>(context_);
    gateway_->connect(engine_.ingest);
    ASSERT_TRUE(gateway_->awaitSubscriber(10s)) << "the engine's ingest never subscribed";
  }

  StationOptions stationOptions() const {
    StationOptions options;
    options.alerts_endpoint = engine_.alerts;
    options.control_endpoint = engine_.control;
    options.unit = kUnit;
    return options;
  }

  // One pump status per patient in turn, each patient's rate alternating; at any moment
  // about half the patients are above the maximum, so alarms stand whenever it stops.
  bool sendPumpStatus() {
    const auto patient = sent_ % kPatients;
    const bool high = (sent_ / kPatients + patient) % 2 == 0;
    return sendPumpStatus("bed-" + std::to_string(patient), high ? kHighRate : kLowRate);
  }

  bool sendPumpStatus(const std::string& id, double rate) {
    const auto sequence = ++sent_;
    const auto status =
        ketaminePump(kUnit, id, id + "-pump", sequence, start_ms_ + static_cast<std::int64_t>(sequence) * 1000, rate);
    return gateway_->publish(streamer::makeTopic(streamer::TopicKind::Infusion, kUnit, id), status);
  }

  // Sends rounds of pump statuses until the live station has applied `events` more
  // messages. Each round ends with a marker patient whose dose-rate alarm (MEDIUM: it does
  // not latch) it switches on or off; the engine handles its input in order, so once the
  // live station shows the marker's new state it has every message of the round, and it
  // never falls behind by more than one round.
  void publishWhileLiveStationReads(StationClient& live, std::uint64_t events) {
    const auto target = live.state().lastSequence() + events;
    const auto deadline = Clock::now() + 60s;
    bool marker_alarmed = false;
    while (live.state().lastSequence() < target) {
      for (int i = 0; i < kRound; ++i) ASSERT_TRUE(sendPumpStatus());
      marker_alarmed = !marker_alarmed;
      ASSERT_TRUE(sendPumpStatus("round-marker", marker_alarmed ? kHighRate : kLowRate));
      ASSERT_TRUE(pumpUntil(
          live, [&] { return hasAlarmOf(live, "round-marker") == marker_alarmed; }, deadline))
          << "the live station stopped receiving at sequence " << live.state().lastSequence();
    }
  }

  std::filesystem::path alerts_path_;
  zmq::context_t context_;
  RunningEngine engine_;
  std::unique_ptr<streamer::Publisher> gateway_;
  std::uint64_t sent_ = 0;
  const std::int64_t start_ms_ = 1'700'000'000'000;
};

TEST_F(StalledStationTest, AStuckStationLosesMessagesResyncsAndEndsWithTheEnginesAlarmsWithoutSlowingOthers) {
  StationClient live(context_, stationOptions(), Clock::now());
  auto stalled_options = stationOptions();
  stalled_options.receive_high_water_mark = 2;
  stalled_options.receive_buffer_bytes = 4096;
  StationClient stalled(context_, stalled_options, Clock::now());

  const auto deadline = Clock::now() + 30s;
  ASSERT_TRUE(pumpUntil(
      live, [&] { return live.state().hasSnapshot(); }, deadline));
  ASSERT_TRUE(pumpUntil(
      stalled, [&] { return stalled.state().hasSnapshot(); }, deadline));

  // The stalled station reads nothing while the live one sees kStallEvents more events.
  publishWhileLiveStationReads(live, kStallEvents);
  // The engine takes its input in order: once the live station has the sentinel's alarm
  // and a heartbeat after it, every event has been published and the stream is quiet.
  ASSERT_TRUE(sendPumpStatus("sentinel", kHighRate));
  ASSERT_TRUE(pumpUntil(
      live, [&] { return hasAlarmOf(live, "sentinel"); }, Clock::now() + 30s));
  const auto heartbeats = live.state().counters().heartbeats;
  ASSERT_TRUE(pumpUntil(
      live, [&] { return live.state().counters().heartbeats > heartbeats; }, Clock::now() + 10s));
  const auto published = live.state().lastSequence();
  ASSERT_GE(published, kStallEvents);

  // Reading again: the stalled station must notice, resynchronise and catch up with the
  // quiet stream (stream clock: nothing more is published, only heartbeats).
  ASSERT_TRUE(pumpUntil(
      stalled,
      [&] {
        return !stalled.state().needsSnapshot() && stalled.state().lastSequence() == published &&
               stalled.state().counters().resyncs > 0;
      },
      Clock::now() + 30s))
      << "stalled station at sequence " << stalled.state().lastSequence() << " of " << published << ", gaps "
      << stalled.state().counters().gaps << ", resyncs " << stalled.state().counters().resyncs;

  const auto& lost = stalled.state().counters();
  EXPECT_GE(lost.gaps, 1u);
  EXPECT_GT(lost.messages_missed, 0u);
  EXPECT_GE(lost.resyncs, 1u);
  EXPECT_EQ(lost.faults(), 0u);
  // Printed for the record: how much a stuck station loses and how it healed.
  std::cout << "engine published " << published << " alarm events; stalled station: gaps " << lost.gaps
            << ", messages missed " << lost.messages_missed << ", resyncs " << lost.resyncs << ", snapshots "
            << lost.snapshots << ", duplicates dropped " << lost.duplicates << ", applied " << lost.applied
            << std::endl;

  // The live station never lost anything: the stuck one did not block it.
  live.pump(Clock::now(), 1000);  // take what is waiting, if anything
  EXPECT_EQ(live.state().counters().gaps, 0u);
  EXPECT_EQ(live.state().counters().messages_missed, 0u);
  EXPECT_EQ(live.state().counters().resyncs, 0u);
  EXPECT_EQ(live.state().counters().snapshots, 1u);
  EXPECT_EQ(live.state().lastSequence(), published);

  // Both show exactly the engine's alarms, as a fresh snapshot at the same sequence says.
  streamer::ControlClient control(context_, engine_.control);
  v1::ControlRequest request;
  request.mutable_snapshot()->set_unit_prefix(kUnit);
  const auto reply = control.request(request, 5s);
  ASSERT_TRUE(reply && reply->ok());
  ASSERT_EQ(reply->snapshot().sequence(), published) << "the stream was not quiet";
  const auto engine_view = viewOf(reply->snapshot());
  EXPECT_FALSE(engine_view.empty()) << "the comparison needs alarms standing at the end";
  EXPECT_EQ(viewOf(stalled), engine_view);
  EXPECT_EQ(viewOf(live), engine_view);
}

}  // namespace
}  // namespace vigil::testing
