// Shared pieces of vigil-acm's integration tests: a receiving alert manager's bookkeeping,
// starting a real vigil-acm and reading its counters.
#pragma once

#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "../test_alert_manager.h"
#include "streamer/control_client.h"
#include "streamer/hl7/stats_text.h"
#include "support.h"

namespace vigil::testing {

using namespace std::chrono_literals;

inline constexpr std::size_t kRefusedFirst = 3;

template <typename Predicate>
bool waitUntil(Predicate predicate, Clock::duration limit) {
  const auto deadline = Clock::now() + limit;
  while (!predicate()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// What the alert manager made of the messages: refuses the first `refuse_first` with AE,
// acknowledges the rest AA and, like a real receiver, discards a message id it accepted
// before (acknowledged again, counted as a duplicate).
class Receiver {
 public:
  explicit Receiver(std::size_t refuse_first = kRefusedFirst) : refuse_first_(refuse_first) {}
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
    if (record_.received++ < refuse_first_) {
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
  std::size_t refuse_first_;
  std::mutex mutex_;
  Record record_;
};

// Every transition an engine's outbox holds now (asking that engine alone for one address).
inline std::vector<vigil::v1::OutboxEntry> wholeOutbox(zmq::context_t& context, const std::string& control) {
  streamer::ControlClient client(context, control);
  std::vector<vigil::v1::OutboxEntry> entries;
  for (;;) {
    vigil::v1::ControlRequest request;
    request.mutable_outbox()->set_after_position(entries.empty() ? 0 : entries.back().position());
    request.mutable_outbox()->set_max_events(1000);
    const auto reply = client.request(request, 5s);
    if (!reply || !reply->ok() || reply->outbox().entries().empty()) return entries;
    entries.insert(entries.end(), reply->outbox().entries().begin(), reply->outbox().entries().end());
  }
}

struct RunningAcm {
  std::unique_ptr<ChildProcess> process;
  int status_port = 0;  // 0: no --status-listen
  std::string stats_address;
};

// vigil-acm following `control` (one engine, or "A,B"), delivering to 127.0.0.1:port, with
// quick retries. `stats_ms`: how often it prints its counters (0: at exit); a test that
// stops reading its output must not let the pipe fill. The status listener's port and
// the --stats address are read back from its first line.
inline RunningAcm startAcm(const std::string& control, std::uint16_t port, const std::string& state, int stats_ms,
                           std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{binary("tools/vigil-acm"),
                                "--control",
                                control,
                                "--to",
                                "127.0.0.1:" + std::to_string(port),
                                "--state",
                                state,
                                "--poll-ms",
                                "20",
                                "--first-backoff-ms",
                                "10",
                                "--max-backoff-ms",
                                "100",
                                "--ack-timeout-ms",
                                "2000",
                                "--stats-interval-ms",
                                std::to_string(stats_ms)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  RunningAcm acm{std::make_unique<ChildProcess>(argv), 0, {}};
  const auto running =
      acm.process->waitForLine(std::regex(R"(vigil-acm running .* status=(\S+) stats=(\S+))"), Clock::now() + 10s);
  EXPECT_TRUE(running);
  if (running) {
    const std::string status = (*running)[1];
    acm.status_port = status == "none" ? 0 : std::stoi(status.substr(status.rfind(':') + 1));
    acm.stats_address = (*running)[2];
  }
  return acm;
}

// A running vigil-acm's counters, through `vigil-acm --stats`.
inline streamer::hl7::CounterTable acmStats(const std::string& stats_address) {
  ChildProcess cli({binary("tools/vigil-acm"), "--stats", stats_address});
  const auto line = cli.readLine(Clock::now() + 10s);
  EXPECT_EQ(cli.waitForExit(10s), std::optional<int>(0));
  return line ? streamer::hl7::parseCounters(*line) : streamer::hl7::CounterTable{};
}

}  // namespace vigil::testing
