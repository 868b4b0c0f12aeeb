// Durable before visible (issue 9, item 1): whatever alarm a station saw, a restart after
// kill -9 still has, under the same id. A real vigil-engine with a journal takes a 20-bed
// ward at full speed from a gateway thread while the test, as a station, follows the alert
// stream; on the k-th START it receives it kills the engine with SIGKILL (at once from its
// receive loop, or a few hundred microseconds to a few milliseconds later), reads what
// was still in flight, restarts the engine on the same journal and asks for a snapshot.
// Every alarm the station saw start and not end must be in it with the same id.
//
// Before group commit the engine published an alarm as soon as the core raised it while
// the input behind it waited up to 50 ms for the journal's next batch: killed within that
// window, the restarted engine had no such alarm.
#include <gtest/gtest.h>

#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "alarms/core/metrics.h"
#include "streamer/control_client.h"
#include "support.h"

namespace vigil::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;

constexpr char kUnit[] = "icu";
constexpr int kBeds = 20;
constexpr int kSeconds = 130;  // of data per bed
constexpr std::int64_t kT0 = 1'700'000'000'000;

std::string bed(int b) { return "bed-" + std::to_string(b + 1); }

// One second of the ward: every bed's SpO2; bed b desaturates from second 10 + 3b on, so
// its HIGH "SpO2 below 90 %" starts 15 s later and the starts are spread over the run.
v1::VitalsFrame frameAt(int b, int second) {
  v1::VitalsFrame frame;
  frame.set_patient_id(bed(b));
  frame.set_unit(kUnit);
  frame.set_device_id("monitor-" + bed(b));
  frame.set_sequence(static_cast<std::uint64_t>(second) + 1);
  frame.set_source_time_ms(kT0 + second * 1000LL);
  auto* spo2 = frame.add_measurements();
  spo2->set_code(core::mdc::kSpO2);
  spo2->set_value(second >= 10 + 3 * b ? 86.0 : 97.0);
  return frame;
}

// The gateway: the whole ward as fast as the socket takes it, until done or told to stop.
void sendWard(const std::string& endpoint, zmq::context_t& context, const std::atomic<bool>& stop) {
  streamer::Publisher gateway(context);
  // Paced by the engine instead of dropping at the high-water mark: every frame arrives.
  gateway.handle().set(zmq::sockopt::xpub_nodrop, 1);
  gateway.connect(endpoint);
  if (!gateway.awaitSubscriber(10s)) return;
  for (int second = 0; second < kSeconds && !stop; ++second) {
    for (int b = 0; b < kBeds && !stop; ++b) {
      const auto topic = streamer::makeTopic(streamer::TopicKind::Vitals, kUnit, bed(b));
      const auto payload = frameAt(b, second).SerializeAsString();
      while (!stop && !gateway.publishRawWaiting(topic, payload, 100ms)) {
      }
    }
  }
}

struct KillPoint {
  int start_number;                 // killed on the station's k-th START
  std::chrono::microseconds delay;  // after receiving it
};

struct Seen {
  std::set<std::string> started;
  std::set<std::string> ended;
  bool killed = false;
};

void busyWait(std::chrono::microseconds delay) {
  const auto until = Clock::now() + delay;
  while (Clock::now() < until) {
  }
}

// The station: follows the alert stream and kills the engine from its receive loop.
Seen followAndKill(streamer::Subscriber& station, ChildProcess& engine, KillPoint point) {
  Seen seen;
  int starts = 0;
  const auto deadline = Clock::now() + 20s;
  while (Clock::now() < deadline) {
    const auto envelope = station.receive(seen.killed ? 200ms : 1000ms);
    if (!envelope) {
      if (seen.killed) break;  // what was in flight has arrived
      continue;
    }
    if (envelope->topic.rfind("alert/", 0) != 0) continue;
    v1::AlarmEvent event;
    if (!event.ParseFromString(envelope->payload)) continue;
    if (event.phase() == v1::PHASE_END) seen.ended.insert(event.alert_id());
    if (event.phase() != v1::PHASE_START) continue;
    seen.started.insert(event.alert_id());
    if (seen.killed || ++starts < point.start_number) continue;
    busyWait(point.delay);
    ::kill(engine.pid(), SIGKILL);
    seen.killed = true;
  }
  return seen;
}

std::optional<v1::Snapshot> snapshotOf(zmq::context_t& context, const std::string& control) {
  streamer::ControlClient client(context, control);
  v1::ControlRequest request;
  request.mutable_snapshot();
  const auto reply = client.request(request, 10s);
  if (!reply || !reply->ok()) return std::nullopt;
  return reply->snapshot();
}

class DurableBeforeVisible : public ::testing::TestWithParam<KillPoint> {
 protected:
  zmq::context_t context_;
  TempDir dir_{"vigil-durable"};
};

TEST_P(DurableBeforeVisible, EveryAlarmAStationSawSurvivesKillNine) {
  const auto point = GetParam();
  const auto journal = dir_.file("vigil.db");
  Seen seen;
  {
    auto engine = startEngine({"--clock", "stream", "--journal", journal, "--heartbeat-ms", "50"});
    streamer::Subscriber station(context_);
    station.connect(engine.alerts);
    station.subscribe("alert/");
    station.subscribe("heartbeat");
    // A heartbeat proves the subscription reached the engine before the ward starts.
    const auto subscribed = station.receive(10s);
    ASSERT_TRUE(subscribed) << "no heartbeat from the engine";
    std::atomic<bool> stop{false};
    std::thread gateway([&] { sendWard(engine.ingest, context_, stop); });
    seen = followAndKill(station, *engine.process, point);
    stop = true;
    gateway.join();
    ASSERT_TRUE(seen.killed) << "the station never saw START number " << point.start_number;
    const auto status = engine.process->waitForExit(5s);
    ASSERT_TRUE(status);
    EXPECT_EQ(*status, 128 + SIGKILL);
  }

  auto restarted = startEngine({"--clock", "stream", "--journal", journal});
  const auto snapshot = snapshotOf(context_, restarted.control);
  ASSERT_TRUE(snapshot);
  std::set<std::string> recovered;
  for (const auto& alarm : snapshot->alarms()) recovered.insert(alarm.alert_id());
  int expected = 0;
  int found = 0;
  for (const auto& id : seen.started) {
    if (seen.ended.count(id)) continue;
    ++expected;
    if (recovered.count(id)) {
      ++found;
    } else {
      ADD_FAILURE() << "the station saw " << id << " start; after kill -9 and a restart the engine has no such alarm";
    }
  }
  std::cout << "kill point: START #" << point.start_number << " + " << point.delay.count() << " us; alarms seen "
            << seen.started.size() << ", open " << expected << ", recovered " << found << " (engine holds "
            << recovered.size() << ")" << std::endl;
  EXPECT_GE(expected, point.start_number);
}

// The engine's stderr and stdout as one stream of lines, up to its "listening" line.
std::vector<std::string> startupLines(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$@\" 2>&1", "sh", binary("alarms/vigil-engine")};
  for (const char* endpoint : {"--ingest", "--alerts", "--control"})
    argv.insert(argv.end(), {endpoint, "tcp://127.0.0.1:*"});
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess engine(argv);
  std::vector<std::string> lines;
  while (auto line = engine.readLine(Clock::now() + 10s)) {
    lines.push_back(*line);
    if (line->find("vigil-engine listening") != std::string::npos) break;
  }
  EXPECT_EQ(engine.stop(), 0);
  return lines;
}

bool saysNothingSurvives(const std::vector<std::string>& lines) {
  return std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
    return line.find("WARNING: --no-journal: NOTHING SURVIVES A CRASH") != std::string::npos;
  });
}

TEST(NoJournal, TheEngineSaysAtStartThatNothingSurvivesACrash) {
  const auto without = startupLines({"--no-journal"});
  ASSERT_FALSE(without.empty());
  EXPECT_TRUE(saysNothingSurvives(without)) << "no warning among " << without.size() << " start-up lines";
  TempDir dir("vigil-journal-warning");
  EXPECT_FALSE(saysNothingSurvives(startupLines({"--journal", dir.file("vigil.db")})));
}

std::vector<KillPoint> killPoints() {
  std::vector<KillPoint> points;
  for (int start : {1, 2, 5, 9, 14, 19}) {
    for (auto delay : {0us, 300us, 1000us}) points.push_back({start, delay});
  }
  points.push_back({3, 3000us});
  points.push_back({12, 10000us});
  return points;
}

INSTANTIATE_TEST_SUITE_P(KillPoints, DurableBeforeVisible, ::testing::ValuesIn(killPoints()), [](const auto& info) {
  return "start" + std::to_string(info.param.start_number) + "_after" + std::to_string(info.param.delay.count()) + "us";
});

}  // namespace
}  // namespace vigil::testing
