// The engine's journal writer (DESIGN.md section 4). The engine thread hands rows over
// through a bounded queue and never touches SQLite; the journal's own thread writes them
// in batched transactions (a commit every `max_batch_rows` rows or `max_batch_delay`,
// whichever comes first).
//
// Two kinds of rows: the inputs the engine applied, in order (recovery replays them into
// a fresh core, which rebuilds every alarm, acknowledgement, baseline and infusion history
// because the core is deterministic), and the alarm log (IEC 60601-1-8 6.12).
//
// A full queue blocks the engine thread (each wait counted) instead of dropping: a lost
// input row would make recovery rebuild a different state than the nurses saw. Only if
// the writer makes no progress for `max_block` (a hung disk) is a row dropped, loudly and
// counted, because an alarm engine that stops evaluating is worse than a journal gap.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "alarms/core/domain.h"
#include "alarms/service/journal_rows.h"

namespace vigil::service {

struct JournalOptions {
  std::size_t queue_capacity = 16384;
  std::size_t max_batch_rows = 100;
  std::chrono::milliseconds max_batch_delay{50};
  std::chrono::milliseconds max_block{2000};
};

// Read by any thread; updated under the journal's lock.
struct JournalCounters {
  std::uint64_t rows_queued = 0;
  std::uint64_t queue_depth = 0;  // rows waiting now (not yet taken by the writer)
  std::uint64_t rows_written = 0;
  std::uint64_t transactions = 0;
  std::uint64_t queue_full_waits = 0;         // the engine thread waited for room
  std::uint64_t queue_full_wait_us = 0;       // for how long, in total
  std::uint64_t rows_dropped = 0;             // writer stuck longer than max_block
  std::uint64_t rows_failed = 0;              // SQLite refused the batch (disk full, I/O error)
  std::uint64_t pump_statuses_unchanged = 0;  // not logged: same rate, drug and state

  // Every field, by name (alarms/core/counters.h).
  template <typename Visit>
  void visitFields(Visit&& visit) const {
    visit("rows_queued", rows_queued);
    visit("queue_depth", queue_depth);
    visit("rows_written", rows_written);
    visit("transactions", transactions);
    visit("queue_full_waits", queue_full_waits);
    visit("queue_full_wait_us", queue_full_wait_us);
    visit("rows_dropped", rows_dropped);
    visit("rows_failed", rows_failed);
    visit("pump_statuses_unchanged", pump_statuses_unchanged);
  }
};

class Journal {
 public:
  // Opens (creating if new) the journal at `path` and starts its thread. nullptr and
  // `error` when the file is locked by another engine, corrupt or of an unknown version.
  static std::unique_ptr<Journal> open(const std::string& path, JournalOptions options, std::string& error);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Once per start, after recovery.
  void recordSession(SessionRow session);

  // Inputs, in the order the engine applies them.
  void recordIngest(std::string_view topic, std::string_view payload, core::TimePoint engine_time,
                    core::TimePoint receive_time, std::uint64_t epoch);
  void recordControl(std::string_view request_bytes, std::string_view identity, core::TimePoint engine_time,
                     core::TimePoint receive_time, std::uint64_t epoch);
  void recordTick(core::TimePoint advanced_to, core::TimePoint receive_time, std::uint64_t epoch);

  // The log.
  void logAlarms(const core::AlarmEvents& events, std::uint64_t epoch);
  void logAcknowledgement(const core::AlarmEvent& acknowledged);
  void logAdvice(const core::AdviceEvents& events);
  void logPumpStatus(const core::PumpStatus& status);

  // Blocks until every row queued before the call is committed (or counted as lost).
  void flush();
  // Flushes, stops the thread and closes the file (also done by the destructor).
  void close();
  JournalCounters counters() const;
  const std::string& path() const { return path_; }

 private:
  class Writer;
  Journal(std::string path, JournalOptions options, std::unique_ptr<Writer> writer, int lock_fd);
  void push(JournalRow row);
  void run();
  std::size_t takeBatch(std::deque<JournalRow>& batch);

  std::string path_;
  JournalOptions options_;
  std::unique_ptr<Writer> writer_;  // used by the journal thread only
  int lock_fd_ = -1;                // held (flock) while this engine owns the file

  mutable std::mutex mutex_;
  std::condition_variable has_rows_;
  std::condition_variable has_room_;
  std::condition_variable committed_;
  std::deque<JournalRow> queue_;
  bool flush_requested_ = false;
  bool stopping_ = false;
  bool writer_stuck_reported_ = false;
  std::uint64_t rows_settled_ = 0;  // written, failed or dropped: nothing more will happen to them
  JournalCounters counters_;
  std::thread thread_;
};

}  // namespace vigil::service
