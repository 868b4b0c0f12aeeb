// vigil-acm's delivery loop against a test alert manager on a real socket: not there at
// first, then refusing, then accepting; a silent one (timeout); the state file; and the
// ACK reading that decides what counts as delivered.
#include "tools/vigil-acm/exporter.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "../test_alert_manager.h"
#include "tools/vigil-acm/acm_state.h"

namespace vigil::acm {
namespace {

using namespace std::chrono_literals;

using testing::TestAlertManager;

std::string field(const std::string& message, const std::string& segment, std::size_t index) {
  return testing::acmSegmentField(message, segment, index);
}

std::string messageIdOf(const std::string& message) { return testing::acmMessageId(message); }

v1::OutboxEntry entry(std::uint64_t position, const std::string& alert, v1::AlarmPhase phase) {
  v1::OutboxEntry entry;
  entry.set_position(position);
  auto& event = *entry.mutable_event();
  event.set_alert_id(alert);
  event.set_patient_id("bed-1");
  event.set_unit("pacu");
  event.set_condition("spo2-below-90");
  event.set_title("SpO2 low");
  event.set_priority(v1::PRIORITY_HIGH);
  event.set_phase(phase);
  event.set_event_time_ms(1'700'000'000'000 + static_cast<std::int64_t>(position));
  event.mutable_trigger()->set_code(150456);
  event.mutable_trigger()->set_metric("SPO2");
  event.mutable_trigger()->set_value(87);
  event.mutable_trigger()->set_unit("%");
  event.mutable_trigger()->set_limit("< 90");
  return entry;
}

struct Harness {
  std::vector<v1::OutboxEntry> outbox;
  std::vector<std::uint64_t> persisted;
  std::vector<std::chrono::milliseconds> backoffs;
  std::function<bool(std::size_t)> on_wait = [](std::size_t) { return true; };

  Exporter make(MllpClient& client, ExporterOptions options, std::uint64_t start = 0) {
    return Exporter(
        [this](std::uint64_t after) {
          std::vector<v1::OutboxEntry> after_position;
          for (const auto& e : outbox)
            if (e.position() > after) after_position.push_back(e);
          return std::optional(after_position);
        },
        [this](std::uint64_t position) {
          persisted.push_back(position);
          return true;
        },
        [this](std::chrono::milliseconds backoff) {
          backoffs.push_back(backoff);
          return on_wait(backoffs.size());
        },
        client, start, options);
  }
};

ExporterOptions quickOptions() {
  ExporterOptions options;
  options.ack_timeout = 5s;
  options.first_backoff = 100ms;
  options.max_backoff = 300ms;
  return options;
}

TEST(AcmExporter, DeliversInOrderThroughAnAbsentThenRefusingAlertManager) {
  TestAlertManager manager([](std::size_t n, const std::string&) { return n < 2 ? "AE" : "AA"; });
  Harness harness;
  harness.outbox = {entry(3, "a1", v1::PHASE_START), entry(5, "a2", v1::PHASE_START),
                    entry(8, "a1", v1::PHASE_ESCALATE), entry(9, "a1", v1::PHASE_END)};
  // The alert manager comes up after the second failed connection.
  harness.on_wait = [&](std::size_t waits) {
    if (waits == 2) manager.startListening();
    return true;
  };
  MllpClient client("127.0.0.1", manager.port());
  auto exporter = harness.make(client, quickOptions());

  const auto delivered = exporter.drainOnce();

  ASSERT_TRUE(delivered);
  EXPECT_EQ(*delivered, 4u);
  EXPECT_EQ(harness.persisted, (std::vector<std::uint64_t>{3, 5, 8, 9}));
  const auto received = manager.received();
  std::vector<std::string> ids;
  for (const auto& message : received) ids.push_back(messageIdOf(message));
  // Refused twice (the same message, the same id), then each once, in outbox order.
  EXPECT_EQ(ids, (std::vector<std::string>{"VIGIL-ACM-3", "VIGIL-ACM-3", "VIGIL-ACM-3", "VIGIL-ACM-5", "VIGIL-ACM-8",
                                           "VIGIL-ACM-9"}));
  EXPECT_EQ(field(received[0], "MSH", 8), "ORU^R40^ORU_R40");
  EXPECT_EQ(field(received[4], "OBR", 3).substr(0, 2), "a1") << "alert identity in OBR-3";
  EXPECT_EQ(harness.backoffs, (std::vector<std::chrono::milliseconds>{100ms, 200ms, 300ms, 300ms}))
      << "doubling, capped";
  const auto& counters = exporter.counters();
  EXPECT_EQ(counters.connect_failures, 2u);
  EXPECT_EQ(counters.refused, 2u);
  EXPECT_EQ(counters.acked, 4u);
  EXPECT_EQ(counters.sent, 6u);
  EXPECT_EQ(counters.retried, 4u);
  EXPECT_EQ(exporter.position(), 9u);
}

TEST(AcmExporter, RetriesAfterTheAckTimeoutAndResumesAfterTheGivenPosition) {
  TestAlertManager manager([](std::size_t n, const std::string&) { return n == 0 ? "" : "AA"; });
  manager.startListening();
  Harness harness;
  harness.outbox = {entry(1, "a1", v1::PHASE_START), entry(2, "a1", v1::PHASE_END), entry(4, "a2", v1::PHASE_START)};
  MllpClient client("127.0.0.1", manager.port());
  auto options = quickOptions();
  options.ack_timeout = 150ms;
  auto exporter = harness.make(client, options, /*start=*/1);

  ASSERT_EQ(exporter.drainOnce(), std::optional<std::size_t>(2));

  const auto received = manager.received();
  ASSERT_EQ(received.size(), 3u);
  EXPECT_EQ(messageIdOf(received[0]), "VIGIL-ACM-2");
  EXPECT_EQ(messageIdOf(received[1]), "VIGIL-ACM-2") << "the unanswered message again, same id";
  EXPECT_EQ(messageIdOf(received[2]), "VIGIL-ACM-4");
  EXPECT_EQ(exporter.counters().timeouts, 1u);
  EXPECT_EQ(client.connections(), 2u) << "a timed-out connection is not reused";
}

TEST(AcmExporter, AStopDuringBackoffLeavesThePositionWhereItWas) {
  TestAlertManager manager([](std::size_t, const std::string&) { return "AR"; });
  manager.startListening();
  Harness harness;
  harness.outbox = {entry(7, "a1", v1::PHASE_START)};
  harness.on_wait = [](std::size_t waits) { return waits < 3; };
  MllpClient client("127.0.0.1", manager.port());
  auto exporter = harness.make(client, quickOptions(), 6);

  EXPECT_FALSE(exporter.drainOnce());
  EXPECT_EQ(exporter.position(), 6u);
  EXPECT_TRUE(harness.persisted.empty());
  EXPECT_EQ(exporter.counters().refused, 3u);
}

TEST(AcmAck, ReadsMsaOneOnlyForTheMessageItAnswers) {
  EXPECT_EQ(ackCodeFor("MSH|^~\\&|AM\rMSA|AA|VIGIL-ACM-4\r", "VIGIL-ACM-4"), "AA");
  EXPECT_EQ(ackCodeFor("MSH|^~\\&|AM\rMSA|AE|VIGIL-ACM-4|bad\rERR|||207\r", "VIGIL-ACM-4"), "AE");
  EXPECT_EQ(ackCodeFor("MSH|^~\\&|AM\rMSA|AA|VIGIL-ACM-3\r", "VIGIL-ACM-4"), "") << "an answer to another message";
  EXPECT_EQ(ackCodeFor("MSH|^~\\&|AM\r", "VIGIL-ACM-4"), "");
  EXPECT_EQ(ackCodeFor("", "VIGIL-ACM-4"), "");
  EXPECT_EQ(messageIdFor(12), "VIGIL-ACM-12");
}

TEST(AcmState, RoundTripsAtomicallyAndRefusesAFileThatHoldsNoPosition) {
  const auto dir = std::filesystem::temp_directory_path() / ("vigil-acm-state-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "acm.state").string();
  std::string error;
  EXPECT_EQ(loadPosition(path, error), std::optional<std::uint64_t>(0)) << "no file yet: from the start";
  ASSERT_TRUE(savePosition(path, 41, error)) << error;
  ASSERT_TRUE(savePosition(path, 42, error)) << error;
  EXPECT_EQ(loadPosition(path, error), std::optional<std::uint64_t>(42));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::ofstream(path) << "forty-two";
  EXPECT_FALSE(loadPosition(path, error));
  EXPECT_NE(error.find("does not hold"), std::string::npos) << error;
  EXPECT_FALSE(savePosition((dir / "missing" / "acm.state").string(), 1, error));
  std::filesystem::remove_all(dir);
}

TEST(AcmHostPort, SplitsAndRefuses) {
  std::string host;
  std::uint16_t port = 0;
  ASSERT_TRUE(splitHostPort("127.0.0.1:2575", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 2575);
  ASSERT_TRUE(splitHostPort("[::1]:99", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_FALSE(splitHostPort("127.0.0.1", host, port));
  EXPECT_FALSE(splitHostPort("h:0", host, port));
  EXPECT_FALSE(splitHostPort("h:70000", host, port));
  EXPECT_FALSE(splitHostPort("h:12x", host, port));
}

}  // namespace
}  // namespace vigil::acm
