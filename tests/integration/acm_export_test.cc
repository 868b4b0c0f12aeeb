// IHE ACM out, end to end (issue 12, part 2): a real vigil-engine with a journal takes a
// scripted ward whose beds desaturate and recover; a real vigil-acm follows the engine's
// outbox and sends each alarm transition as ORU^R40 to a test alert manager that is not
// there at first, then refuses (AE) the first messages, then accepts. vigil-acm is killed
// with kill -9 once and restarted on its state file; the engine is killed once and
// restarted on its journal. Every transition in the journal's alarm log must be accepted
// exactly once per message id, in order per alarm, with the IHE fields.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "../test_alert_manager.h"
#include "alarms/core/metrics.h"
#include "streamer/control_client.h"
#include "support.h"

namespace vigil::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;

constexpr char kUnit[] = "pacu";
constexpr std::int64_t kT0 = 1'700'000'000'000;
constexpr std::size_t kRefusedFirst = 3;

std::string field(const std::string& message, const std::string& segment, std::size_t index) {
  return acmSegmentField(message, segment, index);
}

// What the alert manager made of the messages: refuses the first kRefusedFirst with AE,
// acknowledges the rest AA and, like a real receiver, discards a message id it accepted
// before (acknowledged again, counted as a duplicate).
class Receiver {
 public:
  struct Record {
    std::vector<std::string> accepted;  // first acceptance of each id, in arrival order
    std::map<std::string, std::string> message_of;
    std::size_t received = 0;
    std::size_t refused = 0;
    std::size_t duplicates = 0;
  };
  std::string answer(const std::string& message) {
    std::lock_guard lock(mutex_);
    const auto id = acmMessageId(message);
    if (record_.received++ < kRefusedFirst) {
      ++record_.refused;
      return "AE";
    }
    if (record_.message_of.count(id)) {
      ++record_.duplicates;
    } else {
      record_.accepted.push_back(id);
      record_.message_of[id] = message;
    }
    return "AA";
  }
  Record record() {
    std::lock_guard lock(mutex_);
    return record_;
  }

 private:
  std::mutex mutex_;
  Record record_;
};

// Bed b desaturates from second `from` to `to` (HIGH "SpO2 below 90" starts after its
// delay, ends after recovery).
v1::VitalsFrame frameAt(int b, int second, int from, int to) {
  v1::VitalsFrame frame;
  frame.set_patient_id("bed-" + std::to_string(b));
  frame.set_unit(kUnit);
  frame.set_device_id("monitor-" + std::to_string(b));
  frame.set_sequence(static_cast<std::uint64_t>(second) + 1);
  frame.set_source_time_ms(kT0 + second * 1000LL);
  auto* spo2 = frame.add_measurements();
  spo2->set_code(core::mdc::kSpO2);
  spo2->set_value(second >= from && second < to ? 85.0 : 97.0);
  return frame;
}

// The scripted ward from second `first` to `last`: bed 1 desaturates 5-60 s, bed 2
// 20-90 s, bed 3 100-170 s (after the engine's restart).
void sendWard(zmq::context_t& context, const std::string& ingest, int first, int last) {
  streamer::Publisher gateway(context);
  gateway.handle().set(zmq::sockopt::xpub_nodrop, 1);
  gateway.connect(ingest);
  ASSERT_TRUE(gateway.awaitSubscriber(10s));
  const int spans[][2] = {{5, 60}, {20, 90}, {100, 170}};
  for (int second = first; second <= last; ++second) {
    for (int b = 1; b <= 3; ++b) {
      const auto topic = streamer::makeTopic(streamer::TopicKind::Vitals, kUnit, "bed-" + std::to_string(b));
      const auto payload = frameAt(b, second, spans[b - 1][0], spans[b - 1][1]).SerializeAsString();
      ASSERT_TRUE(gateway.publishRawWaiting(topic, payload, 5s));
    }
  }
}

std::vector<v1::OutboxEntry> wholeOutbox(zmq::context_t& context, const std::string& control) {
  streamer::ControlClient client(context, control);
  std::vector<v1::OutboxEntry> entries;
  for (;;) {
    v1::ControlRequest request;
    request.mutable_outbox()->set_after_position(entries.empty() ? 0 : entries.back().position());
    const auto reply = client.request(request, 5s);
    if (!reply || !reply->ok()) return entries;
    if (reply->outbox().entries().empty()) return entries;
    entries.insert(entries.end(), reply->outbox().entries().begin(), reply->outbox().entries().end());
  }
}

template <typename Predicate>
bool waitUntil(Predicate predicate, Clock::duration limit) {
  const auto deadline = Clock::now() + limit;
  while (!predicate()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

class AcmExport : public ::testing::Test {
 protected:
  // `stats_ms`: how often it prints its counters (0: at exit); a test that stops reading
  // its output must not let the pipe fill.
  std::unique_ptr<ChildProcess> startExporter(std::uint16_t port, int stats_ms) {
    auto exporter = std::make_unique<ChildProcess>(std::vector<std::string>{
        binary("tools/vigil-acm"), "--control", control_, "--to", "127.0.0.1:" + std::to_string(port), "--state",
        dir_.file("acm.state"), "--poll-ms", "20", "--first-backoff-ms", "10", "--max-backoff-ms", "100",
        "--ack-timeout-ms", "2000", "--stats-interval-ms", std::to_string(stats_ms)});
    EXPECT_TRUE(exporter->waitForLine(std::regex("vigil-acm running"), Clock::now() + 10s));
    return exporter;
  }
  RunningEngine engine() {
    return startEngine(
        {"--clock", "stream", "--journal", dir_.file("journal.db"), "--control", control_, "--ingest", ingest_});
  }

  TempDir dir_{"vigil-acm"};
  std::string control_ = "ipc://" + dir_.file("control");
  std::string ingest_ = "ipc://" + dir_.file("ingest");
  zmq::context_t context_{1};
};

void killHard(ChildProcess& process) {
  ::kill(process.pid(), SIGKILL);
  process.waitForExit(10s);
}

TEST_F(AcmExport, EveryTransitionArrivesOncePerIdInOrderThroughRefusalsAndKills) {
  Receiver receiver;
  TestAlertManager manager([&receiver](std::size_t, const std::string& message) { return receiver.answer(message); });
  auto running = engine();
  auto exporter = startExporter(manager.port(), 20);
  sendWard(context_, ingest_, 0, 95);

  // The alert manager is not there: vigil-acm counts the refused connections and waits.
  ASSERT_TRUE(exporter->waitForLine(std::regex("connect_failures=[1-9]"), Clock::now() + 10s));
  manager.startListening();
  ASSERT_TRUE(waitUntil([&] { return receiver.record().accepted.size() >= 2; }, 20s));

  killHard(*exporter);
  exporter = startExporter(manager.port(), 0);
  // The engine goes down once the first part of the ward is in its log (bed 2's alarm
  // started), while vigil-acm is still delivering it.
  ASSERT_TRUE(waitUntil(
      [&] {
        const auto outbox = wholeOutbox(context_, control_);
        return std::any_of(outbox.begin(), outbox.end(), [](const v1::OutboxEntry& e) {
          return e.event().patient_id() == "bed-2" && e.event().phase() == v1::PHASE_START;
        });
      },
      20s));
  killHard(*running.process);
  running = engine();
  sendWard(context_, ingest_, 96, 180);

  auto outbox = wholeOutbox(context_, control_);
  ASSERT_TRUE(waitUntil(
      [&] {
        outbox = wholeOutbox(context_, control_);
        return outbox.size() >= 6 && receiver.record().accepted.size() == outbox.size();
      },
      30s));
  exporter->stop();
  const auto record = receiver.record();

  // Every transition of the alarm log accepted exactly once, under its position's id, in
  // the log's order (so in order per alarm too).
  std::vector<std::string> expected;
  std::map<std::string, int> phases_per_alert;
  for (const auto& entry : outbox) {
    expected.push_back("VIGIL-ACM-" + std::to_string(entry.position()));
    ++phases_per_alert[entry.event().alert_id()];
  }
  EXPECT_EQ(record.accepted, expected);
  EXPECT_EQ(record.refused, kRefusedFirst);
  EXPECT_GE(phases_per_alert.size(), 3u) << "beds 1-3 each alarmed";
  // Before and after the engine's restart: bed 3's alarm starts only on the second run.
  EXPECT_TRUE(std::any_of(outbox.begin(), outbox.end(), [](const v1::OutboxEntry& e) {
    return e.event().patient_id() == "bed-3" && e.event().phase() == v1::PHASE_START;
  }));
  for (const auto& entry : outbox) {
    const auto& message = record.message_of.at("VIGIL-ACM-" + std::to_string(entry.position()));
    EXPECT_EQ(field(message, "MSH", 8), "ORU^R40^ORU_R40");
    EXPECT_EQ(field(message, "OBR", 3), entry.event().alert_id() + "^VIGIL") << "alert identity";
    EXPECT_EQ(field(message, "PID", 3), entry.event().patient_id() + "^^^VIGIL^PI");
    EXPECT_EQ(field(message, "PV1", 3), kUnit);
    EXPECT_NE(message.find("MDC_ATTR_EVENT_PHASE"), std::string::npos);
  }
  std::cout << "acm export: transitions=" << outbox.size() << " received=" << record.received
            << " refused=" << record.refused << " duplicates=" << record.duplicates << "\n";
}

}  // namespace
}  // namespace vigil::testing
