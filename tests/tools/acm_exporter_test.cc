// vigil-acm's delivery loop against a test alert manager on a real socket: not there at
// first, then refusing, then accepting; a silent one (timeout); the state file; the ACK
// reading that decides what counts as delivered; and the switch to the other engine of a
// Binary Star pair, whose journal numbers the same transitions differently.
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

// An engine's journal outbox as the engine serves it (journal_outbox.h): rows by position,
// and a catch-up by data time for a position that belongs to another journal.
struct FakeJournal {
  std::string id;
  std::vector<v1::OutboxEntry> rows;

  v1::OutboxReply serve(const v1::OutboxRequest& request) const {
    v1::OutboxReply reply;
    reply.set_journal_id(id);
    reply.set_last_position(rows.empty() ? 0 : rows.back().position());
    reply.set_catch_up(!request.journal_id().empty() && request.journal_id() != id);
    const auto after = reply.catch_up() ? 0 : request.after_position();
    const auto until = reply.catch_up() ? reply.last_position() : request.until_position();
    const bool filtered = reply.catch_up() || until != 0;
    for (const auto& row : rows) {
      if (row.position() <= after || (until != 0 && row.position() > until)) continue;
      if (filtered && row.event().event_time_ms() < request.from_event_time_ms()) continue;
      if (reply.entries_size() == static_cast<int>(request.max_events())) break;
      *reply.add_entries() = row;
    }
    return reply;
  }
};

struct Harness {
  FakeJournal journal{"engine-a", {}};
  std::vector<v1::OutboxEntry>& outbox = journal.rows;
  std::vector<v1::OutboxRequest> requests;
  std::vector<AcmState> persisted;
  std::vector<std::chrono::milliseconds> backoffs;
  std::function<bool(std::size_t)> on_wait = [](std::size_t) { return true; };

  std::vector<std::uint64_t> persistedPositions() const {
    std::vector<std::uint64_t> positions;
    for (const auto& state : persisted) positions.push_back(state.at.position);
    return positions;
  }

  Exporter make(MllpClient& client, ExporterOptions options, std::uint64_t start = 0) {
    AcmState state;
    state.at.position = start;
    return make(client, options, state);
  }
  Exporter make(MllpClient& client, ExporterOptions options, const AcmState& start) {
    return Exporter(
        [this](const v1::OutboxRequest& request) {
          requests.push_back(request);
          return std::optional(journal.serve(request));
        },
        [this](const AcmState& state) {
          persisted.push_back(state);
          return true;
        },
        [this](std::chrono::milliseconds backoff) {
          backoffs.push_back(backoff);
          return on_wait(backoffs.size());
        },
        client, start, options);
  }
};

std::string idOf(const v1::OutboxEntry& entry) { return messageIdFor(transitionKeyOf(entry.event())); }

std::vector<std::string> receivedIds(TestAlertManager& manager) {
  std::vector<std::string> ids;
  for (const auto& message : manager.received()) ids.push_back(messageIdOf(message));
  return ids;
}

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
  EXPECT_EQ(harness.persistedPositions(), (std::vector<std::uint64_t>{3, 5, 8, 9}));
  EXPECT_EQ(harness.persisted.back().at.journal, "engine-a") << "the journal the positions count in";
  const auto received = manager.received();
  const auto& o = harness.outbox;
  // Refused twice (the same message, the same id), then each once, in outbox order.
  EXPECT_EQ(receivedIds(manager),
            (std::vector<std::string>{idOf(o[0]), idOf(o[0]), idOf(o[0]), idOf(o[1]), idOf(o[2]), idOf(o[3])}));
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
  EXPECT_EQ(exporter.at().position, 9u);
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
  EXPECT_EQ(messageIdOf(received[0]), idOf(harness.outbox[1]));
  EXPECT_EQ(messageIdOf(received[1]), idOf(harness.outbox[1])) << "the unanswered message again, same id";
  EXPECT_EQ(messageIdOf(received[2]), idOf(harness.outbox[2]));
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
  EXPECT_EQ(exporter.at().position, 6u);
  EXPECT_TRUE(harness.persisted.empty());
  EXPECT_EQ(exporter.counters().refused, 3u);
}

v1::OutboxEntry at(std::uint64_t position, const v1::OutboxEntry& transition) {
  auto moved = transition;
  moved.set_position(position);
  moved.mutable_event()->set_engine_epoch(position * 1000);  // each engine stamps its own epoch
  return moved;
}

// Binary Star: engine A's journal delivered three transitions, then A died. Engine B's
// journal has the same transitions under other row numbers (and two patients' in another
// order), one of its own, and what A never logged. vigil-acm reads B from the data time
// it had reached (minus the look-back), skips what it delivered, sends the rest once, and
// carries on in B's positions.
TEST(AcmExporter, AfterATakeoverTheOtherJournalIsCaughtUpWithoutRepeatsOrGaps) {
  TestAlertManager manager([](std::size_t, const std::string&) { return "AA"; });
  manager.startListening();
  const auto t = [](std::int64_t ms, const std::string& alert, v1::AlarmPhase phase) {
    auto e = entry(0, alert, phase);
    e.mutable_event()->set_event_time_ms(1'700'000'000'000 + ms);
    return e;
  };
  const auto a1_start = t(1000, "a1", v1::PHASE_START), a2_start = t(2000, "a2", v1::PHASE_START),
             a1_end = t(3000, "a1", v1::PHASE_END), a2_end = t(5000, "a2", v1::PHASE_END),
             a3_start = t(6000, "a3", v1::PHASE_START), b_own = t(2500, "b-overload", v1::PHASE_START),
             too_old = t(-9000, "a0", v1::PHASE_END), a3_end = t(7000, "a3", v1::PHASE_END);
  Harness harness;
  harness.journal = FakeJournal{"engine-a", {at(1, a1_start), at(2, a2_start), at(3, a1_end)}};
  MllpClient client("127.0.0.1", manager.port());
  auto options = quickOptions();
  options.lookback = 2500ms;
  auto exporter = harness.make(client, options);
  ASSERT_EQ(exporter.drainOnce(), std::optional<std::size_t>(3));

  harness.journal = FakeJournal{"engine-b",
                                {at(20, too_old), at(21, a2_start), at(22, a1_start), at(23, b_own), at(24, a1_end),
                                 at(25, a2_end), at(26, a3_start)}};
  EXPECT_EQ(exporter.drainOnce(), std::optional<std::size_t>(6)) << "3 skipped, 3 delivered";
  const auto& switched = harness.requests.back();
  EXPECT_EQ(switched.journal_id(), "engine-a");
  EXPECT_EQ(switched.after_position(), 3u);
  EXPECT_EQ(switched.from_event_time_ms(), 1'700'000'000'500) << "the latest data time delivered minus 2.5 s";
  EXPECT_EQ(exporter.at(), (OutboxPosition{"engine-b", 26, 26, 1'700'000'000'500})) << "still catching up";
  EXPECT_EQ(exporter.drainOnce(), std::optional<std::size_t>(0)) << "an empty page ends the catch-up";
  EXPECT_EQ(harness.requests.back().until_position(), 26u);
  EXPECT_EQ(exporter.at(), (OutboxPosition{"engine-b", 26, 0, 0}));
  harness.journal.rows.push_back(at(27, a3_end));
  EXPECT_EQ(exporter.drainOnce(), std::optional<std::size_t>(1));
  EXPECT_EQ(harness.requests.back().until_position(), 0u) << "back to B's plain outbox";

  EXPECT_EQ(receivedIds(manager), (std::vector<std::string>{idOf(a1_start), idOf(a2_start), idOf(a1_end), idOf(b_own),
                                                            idOf(a2_end), idOf(a3_start), idOf(a3_end)}))
      << "each once; a transition older than the look-back (a0) is behind the catch-up";
  EXPECT_EQ(exporter.counters().skipped_delivered, 3u);
  EXPECT_EQ(exporter.counters().journal_switches, 1u);
  EXPECT_EQ(harness.persisted.back().at, exporter.at());
  EXPECT_EQ(harness.persisted.back().watermark_ms, 1'700'000'007'000);
}

// A state file of the first vigil-acm (a position alone) resumes on the engine it was
// written against as before, and from then on names that engine's journal.
TEST(AcmExporter, AnOldPositionOnlyStateResumesInTheJournalThatAnswers) {
  TestAlertManager manager([](std::size_t, const std::string&) { return "AA"; });
  manager.startListening();
  Harness harness;
  harness.outbox = {entry(1, "a1", v1::PHASE_START), entry(2, "a1", v1::PHASE_END), entry(4, "a2", v1::PHASE_START)};
  MllpClient client("127.0.0.1", manager.port());
  auto exporter = harness.make(client, quickOptions(), /*start=*/2);
  ASSERT_EQ(exporter.drainOnce(), std::optional<std::size_t>(1));
  EXPECT_EQ(harness.requests.front().journal_id(), "");
  EXPECT_EQ(harness.requests.front().after_position(), 2u);
  EXPECT_EQ(receivedIds(manager), (std::vector<std::string>{idOf(harness.outbox[2])}));
  EXPECT_EQ(exporter.at(), (OutboxPosition{"engine-a", 4, 0, 0}));
  EXPECT_EQ(exporter.counters().journal_switches, 0u);
}

TEST(AcmAck, ReadsMsaOneOnlyForTheMessageItAnswers) {
  EXPECT_EQ(ackCodeFor("MSH|^~\\&|AM\rMSA|AA|VIGIL-ACM-4\r", "VIGIL-ACM-4"), "AA");
  EXPECT_EQ(ackCodeFor("MSH|^~\\&|AM\rMSA|AE|VIGIL-ACM-4|bad\rERR|||207\r", "VIGIL-ACM-4"), "AE");
  EXPECT_EQ(ackCodeFor("MSH|^~\\&|AM\rMSA|AA|VIGIL-ACM-3\r", "VIGIL-ACM-4"), "") << "an answer to another message";
  EXPECT_EQ(ackCodeFor("MSH|^~\\&|AM\r", "VIGIL-ACM-4"), "");
  EXPECT_EQ(ackCodeFor("", "VIGIL-ACM-4"), "");
}

TEST(AcmState, RoundTripsAtomicallyReadsTheFirstFormatAndRefusesAFileThatHoldsNoPosition) {
  const auto dir = std::filesystem::temp_directory_path() / ("vigil-acm-state-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "acm.state").string();
  std::string error;
  const auto empty = loadState(path, error);
  ASSERT_TRUE(empty) << "no file yet: from the start";
  EXPECT_EQ(empty->at, OutboxPosition{});
  AcmState state;
  state.at = OutboxPosition{"host-b:/var/lib/vigil/pacu b.db@17", 42, 80, 1'700'000'100'000};
  state.watermark_ms = 1'700'000'400'000;
  state.delivered = {{1'700'000'390'000, 0x9f0c1e2d3b4a5968ULL}, {1'700'000'400'000, 7}};
  ASSERT_TRUE(saveState(path, AcmState{}, error)) << error;
  ASSERT_TRUE(saveState(path, state, error)) << error;
  const auto loaded = loadState(path, error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(loaded->at, state.at) << "a journal name with a space in it too";
  EXPECT_EQ(loaded->watermark_ms, state.watermark_ms);
  EXPECT_EQ(loaded->delivered, state.delivered);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  // The first vigil-acm's file: the position alone, in whichever journal answers first.
  std::ofstream(path) << "42\n";
  const auto old = loadState(path, error);
  ASSERT_TRUE(old) << error;
  EXPECT_EQ(old->at, (OutboxPosition{"", 42, 0, 0}));
  std::ofstream(path) << "forty-two";
  EXPECT_FALSE(loadState(path, error));
  EXPECT_NE(error.find("does not hold"), std::string::npos) << error;
  std::ofstream(path) << "vigil-acm state 2\nposition 4x\n";
  EXPECT_FALSE(loadState(path, error));
  EXPECT_NE(error.find("damaged"), std::string::npos) << error;
  EXPECT_FALSE(saveState((dir / "missing" / "acm.state").string(), state, error));
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
