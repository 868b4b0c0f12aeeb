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

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
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
  // WAL checkpoints (copying the log into the database, with an fsync) run on a thread of
  // their own this often, never inside a commit: outputs wait for commits (group commit),
  // and a checkpoint inside one cost tens of milliseconds of alarm latency.
  std::chrono::milliseconds checkpoint_interval{500};
  // ... and only once this many rows were written since the last one (a few MB of log):
  // each checkpoint fsyncs, and at a quiet ward's pace an fsync every half second stalled
  // the commits that outputs wait for (p50 3 ms instead of under 1 ms).
  std::uint64_t checkpoint_rows = 10000;
  // Group commit: once an output waits for the rows queued (commitSoon), a busy writer
  // (its last commit ended less than 2 ms ago) still gathers company this long (or until
  // max_batch_rows) before it commits. Without it a
  // busy engine paid one transaction per frame or two, 12 times as many as before group
  // commit, and the writer's CPU was taken from the engine on a small machine.
  std::chrono::microseconds commit_gather{300};
  // The bounded journal: once a snapshot is stored, the inputs before the one it replaced
  // (kept as a fallback) are deleted, and the alarm, acknowledgement, advice and pump logs
  // older than `retention` (engine time of the latest snapshot) too; at most
  // `prune_batch_rows` rows per batch, between the batches that outputs wait for.
  std::chrono::milliseconds retention{std::chrono::hours(24 * 30)};
  std::size_t prune_batch_rows = 2000;
  // A file that refuses writes (disk full, read-only, I/O error): the refused rows wait in
  // memory, at most this many (beyond it the oldest are lost, counted), and are tried again
  // this often and before every new batch.
  std::size_t unwritten_capacity = 500'000;
  std::chrono::milliseconds retry_interval{1000};
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
  std::uint64_t rows_failed = 0;              // SQLite refused them (disk full, I/O error): held, tried again
  std::uint64_t rows_unwritten = 0;           // held in memory now, waiting for the file to take them
  std::uint64_t rows_lost = 0;                // held rows beyond unwritten_capacity, or at a stop
  std::uint64_t failing = 0;                  // 1 while held rows wait: the JOURNAL FAILING alarm
  std::uint64_t failures = 0;                 // times the journal started failing
  std::uint64_t pump_statuses_unchanged = 0;  // not logged: same rate, drug and state
  std::uint64_t checkpoints = 0;
  std::uint64_t checkpoints_failed = 0;
  std::uint64_t snapshots_written = 0;
  std::uint64_t snapshot_bytes = 0;  // of the latest
  std::uint64_t inputs_pruned = 0;
  std::uint64_t log_rows_pruned = 0;  // alarm, acknowledgement, advice and pump logs past retention
  std::uint64_t prune_failures = 0;

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
    visit("rows_unwritten", rows_unwritten);
    visit("rows_lost", rows_lost);
    visit("failing", failing);
    visit("failures", failures);
    visit("pump_statuses_unchanged", pump_statuses_unchanged);
    visit("checkpoints", checkpoints);
    visit("checkpoints_failed", checkpoints_failed);
    visit("snapshots_written", snapshots_written);
    visit("snapshot_bytes", snapshot_bytes);
    visit("inputs_pruned", inputs_pruned);
    visit("log_rows_pruned", log_rows_pruned);
    visit("prune_failures", prune_failures);
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
  // The core's state after every input recorded so far (core_snapshot.h).
  void recordSnapshot(std::string payload, std::uint32_t version, core::TimePoint engine_time, std::uint64_t epoch);

  // The log.
  void logAlarms(const core::AlarmEvents& events, std::uint64_t epoch);
  void logAcknowledgement(const core::AlarmEvent& acknowledged);
  void logAdvice(const core::AdviceEvents& events);
  void logPumpStatus(const core::PumpStatus& status);

  // Blocks until every row queued before the call is committed (or counted as lost).
  void flush();

  // Group commit (durable before visible): the engine thread reads queuedRows() after
  // queuing the rows an output depends on, holds the output, and shows it once
  // settledRows() has reached that mark. Rows settle in the order they were queued.
  std::uint64_t queuedRows() const;
  // Rows committed, or counted as failed (SQLite refused them; logged loudly).
  std::uint64_t settledRows() const;
  // Called on the journal's thread after each batch settles, with settledRows(). It must
  // only hand the number over (asio::post): it runs while the journal's lock is held.
  // An empty function detaches the listener.
  void setCommitListener(std::function<void(std::uint64_t settled)> listener);
  // Somebody waits for what is queued: commit it now instead of waiting up to
  // max_batch_delay for a fuller batch. Never blocks; rows queued while a commit is in
  // flight go together in the next one.
  void commitSoon();
  // Flushes, stops the thread and closes the file (also done by the destructor).
  void close();
  JournalCounters counters() const;
  // Why the file last refused a write ("" if it never did).
  std::string lastWriteError() const;
  const std::string& path() const { return path_; }

 private:
  class Writer;
  Journal(std::string path, JournalOptions options, std::unique_ptr<Writer> writer, int lock_fd);
  void push(JournalRow row);
  void run();
  void runCheckpoints(std::string path);
  std::size_t takeBatch(std::deque<JournalRow>& batch);
  void pruneWhileIdle();
  struct WriteOutcome {
    std::size_t written = 0;
    std::size_t transactions = 0;
    std::size_t refused = 0;  // rows refused for the first time
    std::size_t lost = 0;
    std::uint64_t pump_unchanged = 0;
    std::string error;
  };
  WriteOutcome writeOrHold(std::deque<JournalRow>& batch);
  void hold(std::deque<JournalRow>& batch, WriteOutcome& outcome);
  void reportLostAtStop(std::unique_lock<std::mutex>& lock);

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
  std::function<void(std::uint64_t)> commit_listener_;
  // Copies of rows_queued and rows_settled_ that the engine thread reads per output
  // without taking the lock; written under it.
  std::atomic<std::uint64_t> queued_mark_{0};
  std::atomic<std::uint64_t> settled_mark_{0};
  std::atomic<bool> commit_soon_{false};  // flush_requested_, as the engine thread last set it
  JournalCounters counters_;
  std::string last_error_;            // under mutex_
  std::deque<JournalRow> unwritten_;  // the journal thread's own: rows the file refused
  std::thread thread_;
  std::condition_variable checkpoint_wake_;  // under mutex_; stopping_ ends the thread
  std::thread checkpointer_;
};

}  // namespace vigil::service
