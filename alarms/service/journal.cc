#include "alarms/service/journal.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>

#include "alarms/service/journal_schema.h"
#include "alarms/service/journal_sqlite.h"
#include "streamer/codec.h"

namespace vigil::service {
namespace {

using sqlite::Statement;

constexpr char kInsertInput[] =
    "INSERT INTO inputs (kind, engine_time_ms, receive_time_ms, epoch, topic, payload, identity) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";
constexpr char kInsertAlarm[] =
    "INSERT INTO alarm_log (epoch, alert_id, patient_id, unit, condition, title, kind, phase, state, inactivation, "
    "priority, event_time_ms, start_time_ms, metric, trigger_value, trigger_unit, limit_text, limit_value, baseline, "
    "advice, advice_target_mg_per_kg_per_h, advice_target_ml_per_h, advice_reason, dose_rate_mg_per_kg_per_h, "
    "cp_ug_per_ml, ce_ug_per_ml, dose_related, attribution, acknowledged_by, acknowledged_time_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kInsertAcknowledgement[] =
    "INSERT INTO acknowledgements (alert_id, patient_id, unit, station, time_ms) VALUES (?, ?, ?, ?, ?)";
constexpr char kInsertAdvice[] =
    "INSERT INTO advice_log (advice_id, patient_id, unit, event_time_ms, action, previous_action, "
    "target_mg_per_kg_per_h, target_ml_per_h, reason, condition, alert_id, metric, trigger_value, limit_text, "
    "dose_rate_mg_per_kg_per_h, cp_ug_per_ml, ce_ug_per_ml) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kInsertPump[] =
    "INSERT INTO pump_log (patient_id, unit, device_id, time_ms, drug, state, rate_ml_per_h, "
    "dose_rate_mg_per_kg_per_h, concentration_mg_per_ml, weight_kg, volume_infused_ml) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kInsertSession[] =
    "INSERT INTO sessions (epoch, started_ms, clock_mode, protocol_name, protocol_version, protocol_digest, "
    "recovered_rows) VALUES (?, ?, ?, ?, ?, ?, ?)";
// The snapshot follows every input queued before it, and the writer inserts in queue order.
constexpr char kInsertSnapshot[] =
    "INSERT INTO snapshots (after_seq, engine_time_ms, epoch, version, payload) "
    "VALUES ((SELECT COALESCE(MAX(seq), 0) FROM inputs), ?, ?, ?, ?)";
// The latest snapshot and the one before it (a fallback) are kept.
constexpr char kForgetOldSnapshots[] =
    "DELETE FROM snapshots WHERE id NOT IN (SELECT id FROM snapshots ORDER BY id DESC LIMIT 2)";
constexpr char kKeptSnapshots[] = "SELECT after_seq, engine_time_ms FROM snapshots ORDER BY id DESC LIMIT 2";
constexpr char kLatestPumpPerPatient[] =
    "SELECT patient_id, drug, state, rate_ml_per_h, dose_rate_mg_per_kg_per_h FROM pump_log "
    "WHERE id IN (SELECT MAX(id) FROM pump_log GROUP BY patient_id)";

std::int64_t ms(core::TimePoint time) { return core::toMillis(time); }

// What makes a pump status worth logging: any change in these.
struct PumpSignature {
  std::string drug;
  std::string state;
  double rate_ml_per_h = 0.0;
  double dose_rate = 0.0;
  bool operator==(const PumpSignature&) const = default;
};

PumpSignature signatureOf(const core::PumpStatus& status) {
  return {status.drug, std::string(streamer::nameOf(status.state)), status.rate_ml_per_h,
          status.dose_rate_mg_per_kg_per_h};
}

// Holds the journal file exclusively for this engine: two engines appending inputs to one
// journal would each replay the other's patients. flock() is independent of SQLite's own
// fcntl locks, and the descriptor stays open until SQLite has closed the file.
int lockExclusively(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = std::string("cannot open it: ") + std::strerror(errno);
    return -1;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    error = errno == EWOULDBLOCK ? "another vigil-engine is writing it"
                                 : std::string("cannot lock it: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

// The SQLite side, used by the journal thread only.
class Journal::Writer {
 public:
  static std::unique_ptr<Writer> open(const std::string& path, std::chrono::milliseconds retention,
                                      std::string& error) {
    auto writer = std::unique_ptr<Writer>(new Writer);
    writer->retention_ms_ = retention.count();
    writer->db_ = sqlite::Database::open(path, sqlite::OpenMode::ReadWriteCreate, error);
    if (!writer->db_.isOpen()) return nullptr;
    if (auto problem = prepareSchema(writer->db_, SchemaAction::CreateIfEmpty)) {
      error = *problem;
      return nullptr;
    }
    if (auto problem = configureConnection(writer->db_, true)) {
      error = *problem;
      return nullptr;
    }
    // The journal's checkpoint thread does them (JournalOptions::checkpoint_interval).
    if (!writer->db_.execute("PRAGMA wal_autocheckpoint = 0", error)) return nullptr;
    if (!writer->prepareStatements(error) || !writer->seedPumpState(error)) return nullptr;
    return writer;
  }

  // What pruning may delete, as the stored snapshots allow (nothing without one).
  struct PruneTargets {
    std::int64_t inputs_up_to = 0;               // seq, inclusive
    std::optional<std::int64_t> logs_before_ms;  // log rows older than this
  };

  // One small transaction of pruning; true while more remains to delete.
  bool pruneSome(std::size_t batch_rows, JournalCounters& counters, std::string& error) {
    if (!targets_) return false;
    const auto limit = static_cast<std::int64_t>(batch_rows);
    if (targets_->inputs_up_to > 0) {
      const auto deleted =
          deleteBatch("DELETE FROM inputs WHERE seq IN (SELECT seq FROM inputs WHERE seq <= ? ORDER BY seq LIMIT ?)",
                      targets_->inputs_up_to, limit, error);
      if (deleted < 0) return fail(counters);
      counters.inputs_pruned += static_cast<std::uint64_t>(deleted);
      if (deleted == limit) return true;
      targets_->inputs_up_to = 0;
    }
    if (targets_->logs_before_ms) {
      static constexpr const char* kLogs[] = {
          "DELETE FROM alarm_log WHERE id IN (SELECT id FROM alarm_log WHERE event_time_ms < ? ORDER BY id LIMIT ?)",
          "DELETE FROM acknowledgements WHERE id IN "
          "(SELECT id FROM acknowledgements WHERE time_ms < ? ORDER BY id LIMIT ?)",
          "DELETE FROM advice_log WHERE id IN (SELECT id FROM advice_log WHERE event_time_ms < ? ORDER BY id LIMIT ?)",
          "DELETE FROM pump_log WHERE id IN (SELECT id FROM pump_log WHERE time_ms < ? ORDER BY id LIMIT ?)"};
      std::int64_t total = 0;
      for (const char* sql : kLogs) {
        const auto deleted = deleteBatch(sql, *targets_->logs_before_ms, limit, error);
        if (deleted < 0) return fail(counters);
        total += deleted;
      }
      counters.log_rows_pruned += static_cast<std::uint64_t>(total);
      if (total > 0) return true;
    }
    targets_.reset();
    // The freed pages go back to the file system (auto_vacuum = INCREMENTAL, schema 2).
    std::string ignored;
    db_.execute("PRAGMA incremental_vacuum", ignored);
    return false;
  }

  // Writes the batch in one transaction. false (and `error`) when it was rolled back.
  bool write(const std::deque<JournalRow>& batch, std::uint64_t& pump_unchanged, std::string& error) {
    if (!db_.execute("BEGIN IMMEDIATE", error)) return false;
    for (const auto& row : batch) {
      if (!std::visit([&](const auto& value) { return insert(value, pump_unchanged); }, row)) {
        error = db_.lastError();
        std::string ignored;
        db_.execute("ROLLBACK", ignored);
        // What we believed was logged last may not be: ask the file again.
        seedPumpState(ignored);
        return false;
      }
    }
    if (db_.execute("COMMIT", error)) return true;
    std::string ignored;
    db_.execute("ROLLBACK", ignored);
    seedPumpState(ignored);
    return false;
  }

 private:
  Writer() = default;

  bool fail(JournalCounters& counters) {
    ++counters.prune_failures;
    targets_.reset();  // tried again after the next snapshot
    return false;
  }

  // Rows deleted, or -1.
  std::int64_t deleteBatch(const char* sql, std::int64_t bound, std::int64_t limit, std::string& error) {
    auto statement = db_.prepare(sql, error);
    if (!statement.ok()) return -1;
    statement.bind(1, bound);
    statement.bind(2, limit);
    if (statement.step() != Statement::Step::Done) {
      error = db_.lastError();
      return -1;
    }
    return sqlite3_changes(db_.handle());
  }

  bool prepareStatements(std::string& error) {
    insert_input_ = db_.prepare(kInsertInput, error);
    insert_alarm_ = db_.prepare(kInsertAlarm, error);
    insert_acknowledgement_ = db_.prepare(kInsertAcknowledgement, error);
    insert_advice_ = db_.prepare(kInsertAdvice, error);
    insert_pump_ = db_.prepare(kInsertPump, error);
    insert_session_ = db_.prepare(kInsertSession, error);
    insert_snapshot_ = db_.prepare(kInsertSnapshot, error);
    return insert_input_.ok() && insert_alarm_.ok() && insert_acknowledgement_.ok() && insert_advice_.ok() &&
           insert_pump_.ok() && insert_session_.ok() && insert_snapshot_.ok();
  }

  // A restarted engine must not log again a pump state the journal already holds.
  bool seedPumpState(std::string& error) {
    last_pump_.clear();
    auto latest = db_.prepare(kLatestPumpPerPatient, error);
    if (!latest.ok()) return false;
    while (latest.step() == Statement::Step::Row) {
      last_pump_[latest.text(0)] = PumpSignature{latest.text(1), latest.text(2), latest.real(3), latest.real(4)};
    }
    return true;
  }

  static bool run(Statement& statement) {
    const bool done = statement.step() == Statement::Step::Done;
    statement.reset();
    return done;
  }

  bool insert(const JournalInput& input, std::uint64_t&) {
    auto& s = insert_input_;
    s.bind(1, inputKindName(input.kind));
    s.bind(2, ms(input.engine_time));
    s.bind(3, ms(input.receive_time));
    s.bind(4, static_cast<std::int64_t>(input.epoch));
    if (input.kind == InputKind::Ingest) s.bind(5, std::string_view(input.topic));
    if (input.kind != InputKind::Tick) s.bindBlob(6, input.payload);
    if (input.kind == InputKind::Control) s.bind(7, std::string_view(input.identity));
    return run(s);
  }

  bool insert(const AlarmLogRow& row, std::uint64_t&) {
    const auto& e = row.event;
    auto& s = insert_alarm_;
    int i = 0;
    s.bind(++i, static_cast<std::int64_t>(row.epoch));
    s.bind(++i, std::string_view(e.alert_id));
    s.bind(++i, std::string_view(e.patient_id));
    s.bind(++i, std::string_view(e.unit));
    s.bind(++i, std::string_view(e.condition));
    s.bind(++i, std::string_view(e.title));
    s.bind(++i, streamer::nameOf(e.kind));
    s.bind(++i, streamer::nameOf(e.phase));
    s.bind(++i, streamer::nameOf(e.state));
    s.bind(++i, streamer::nameOf(e.inactivation));
    s.bind(++i, streamer::nameOf(e.priority));
    s.bind(++i, ms(e.event_time));
    s.bind(++i, ms(e.start_time));
    s.bind(++i, std::string_view(e.trigger.metric));
    s.bind(++i, e.trigger.value);
    s.bind(++i, std::string_view(e.trigger.unit));
    s.bind(++i, std::string_view(e.trigger.limit));
    s.bind(++i, e.trigger.limit_value);
    s.bind(++i, e.trigger.baseline);
    s.bind(++i, streamer::nameOf(e.advice.action));
    s.bind(++i, e.advice.target_rate_mg_per_kg_per_h);
    s.bind(++i, e.advice.target_rate_ml_per_h);
    s.bind(++i, std::string_view(e.advice.reason));
    s.bind(++i, e.dose.rate_mg_per_kg_per_h);
    s.bind(++i, e.dose.cp_ug_per_ml);
    s.bind(++i, e.dose.ce_ug_per_ml);
    s.bind(++i, std::int64_t{e.dose.likely_dose_related ? 1 : 0});
    s.bind(++i, std::string_view(e.dose.attribution));
    if (e.acknowledged_by.empty()) {
      s.bindNull(++i);
    } else {
      s.bind(++i, std::string_view(e.acknowledged_by));
    }
    if (e.acknowledged_time) {
      s.bind(++i, ms(*e.acknowledged_time));
    } else {
      s.bindNull(++i);
    }
    return run(s);
  }

  bool insert(const AcknowledgementRow& row, std::uint64_t&) {
    auto& s = insert_acknowledgement_;
    s.bind(1, std::string_view(row.alert_id));
    s.bind(2, std::string_view(row.patient_id));
    s.bind(3, std::string_view(row.unit));
    s.bind(4, std::string_view(row.station));
    s.bind(5, ms(row.time));
    return run(s);
  }

  bool insert(const AdviceLogRow& row, std::uint64_t&) {
    const auto& e = row.event;
    auto& s = insert_advice_;
    int i = 0;
    s.bind(++i, std::string_view(e.advice_id));
    s.bind(++i, std::string_view(e.patient_id));
    s.bind(++i, std::string_view(e.unit));
    s.bind(++i, ms(e.event_time));
    s.bind(++i, streamer::nameOf(e.advice.action));
    s.bind(++i, streamer::nameOf(e.previous_action));
    s.bind(++i, e.advice.target_rate_mg_per_kg_per_h);
    s.bind(++i, e.advice.target_rate_ml_per_h);
    s.bind(++i, std::string_view(e.advice.reason));
    s.bind(++i, std::string_view(e.condition));
    s.bind(++i, std::string_view(e.alert_id));
    s.bind(++i, std::string_view(e.trigger.metric));
    s.bind(++i, e.trigger.value);
    s.bind(++i, std::string_view(e.trigger.limit));
    s.bind(++i, e.dose.rate_mg_per_kg_per_h);
    s.bind(++i, e.dose.cp_ug_per_ml);
    s.bind(++i, e.dose.ce_ug_per_ml);
    return run(s);
  }

  bool insert(const SessionRow& row, std::uint64_t&) {
    auto& s = insert_session_;
    s.bind(1, static_cast<std::int64_t>(row.epoch));
    s.bind(2, ms(row.started));
    s.bind(3, std::string_view(row.clock_mode));
    s.bind(4, std::string_view(row.protocol_name));
    s.bind(5, std::string_view(row.protocol_version));
    s.bind(6, std::string_view(row.protocol_digest));
    s.bind(7, row.recovered_rows);
    return run(s);
  }

  bool insert(const SnapshotRow& row, std::uint64_t&) {
    auto& s = insert_snapshot_;
    s.bind(1, ms(row.engine_time));
    s.bind(2, static_cast<std::int64_t>(row.epoch));
    s.bind(3, std::int64_t{row.version});
    s.bindBlob(4, row.payload);
    std::string error;
    if (!run(s) || !db_.execute(kForgetOldSnapshots, error)) return false;
    return planPruning();
  }

  // Recovery needs the inputs after the latest snapshot, and after the one before it should
  // the latest not be usable: the inputs up to that one go. The input just before the
  // latest snapshot stays, so that seq keeps counting up (no AUTOINCREMENT in schema 1).
  bool planPruning() {
    std::string error;
    auto kept = db_.prepare(kKeptSnapshots, error);
    if (!kept.ok() || kept.step() != Statement::Step::Row) return false;
    const auto latest_after = kept.integer(0);
    PruneTargets targets;
    targets.logs_before_ms = kept.integer(1) - retention_ms_;
    if (kept.step() == Statement::Step::Row) targets.inputs_up_to = std::min(kept.integer(0), latest_after - 1);
    targets_ = targets;
    return true;
  }

  bool insert(const PumpLogRow& row, std::uint64_t& pump_unchanged) {
    const auto& p = row.status;
    auto signature = signatureOf(p);
    auto& last = last_pump_[p.patient_id];
    if (last && *last == signature) {
      ++pump_unchanged;
      return true;
    }
    auto& s = insert_pump_;
    int i = 0;
    s.bind(++i, std::string_view(p.patient_id));
    s.bind(++i, std::string_view(p.unit));
    s.bind(++i, std::string_view(p.device_id));
    s.bind(++i, ms(p.time));
    s.bind(++i, std::string_view(p.drug));
    s.bind(++i, streamer::nameOf(p.state));
    s.bind(++i, p.rate_ml_per_h);
    s.bind(++i, p.dose_rate_mg_per_kg_per_h);
    s.bind(++i, p.concentration_mg_per_ml);
    s.bind(++i, p.patient_weight_kg);
    s.bind(++i, p.volume_infused_ml);
    if (!run(s)) return false;
    last = std::move(signature);
    return true;
  }

  sqlite::Database db_;
  Statement insert_input_;
  Statement insert_alarm_;
  Statement insert_acknowledgement_;
  Statement insert_advice_;
  Statement insert_pump_;
  Statement insert_session_;
  Statement insert_snapshot_;
  std::map<std::string, std::optional<PumpSignature>> last_pump_;
  std::optional<PruneTargets> targets_;
  std::int64_t retention_ms_ = 0;
};

std::unique_ptr<Journal> Journal::open(const std::string& path, JournalOptions options, std::string& error) {
  const int lock_fd = lockExclusively(path, error);
  if (lock_fd < 0) return nullptr;
  auto writer = Writer::open(path, options.retention, error);
  if (!writer) {
    ::close(lock_fd);
    return nullptr;
  }
  return std::unique_ptr<Journal>(new Journal(path, options, std::move(writer), lock_fd));
}

Journal::Journal(std::string path, JournalOptions options, std::unique_ptr<Writer> writer, int lock_fd)
    : path_(std::move(path)), options_(options), writer_(std::move(writer)), lock_fd_(lock_fd) {
  thread_ = std::thread([this] { run(); });
  checkpointer_ = std::thread([this] { runCheckpoints(path_); });
}

// PASSIVE: copies what no reader still needs and never blocks the writer, which goes on
// appending to the log meanwhile. The log starts over once a checkpoint caught up.
void Journal::runCheckpoints(std::string path) {
  std::string error;
  auto db = sqlite::Database::open(path, sqlite::OpenMode::ReadWriteCreate, error);
  if (!db.isOpen()) {
    std::cerr << "vigil-engine: journal " << path << ": no checkpoint connection (" << error
              << "): the write-ahead log will grow until the engine stops" << std::endl;
    return;
  }
  std::uint64_t checkpointed_rows = 0;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    checkpoint_wake_.wait_for(lock, options_.checkpoint_interval, [this] { return stopping_; });
    if (stopping_) break;
    if (counters_.rows_written < checkpointed_rows + options_.checkpoint_rows) continue;
    checkpointed_rows = counters_.rows_written;
    lock.unlock();
    const bool done = db.execute("PRAGMA wal_checkpoint(PASSIVE)", error);
    lock.lock();
    ++(done ? counters_.checkpoints : counters_.checkpoints_failed);
  }
}

Journal::~Journal() { close(); }

void Journal::close() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  has_rows_.notify_all();
  has_room_.notify_all();
  checkpoint_wake_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
  if (thread_.joinable()) thread_.join();
  writer_.reset();  // SQLite closes the file before the lock is let go
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
}

void Journal::recordSession(SessionRow session) { push(std::move(session)); }

void Journal::recordIngest(std::string_view topic, std::string_view payload, core::TimePoint engine_time,
                           core::TimePoint receive_time, std::uint64_t epoch) {
  push(JournalInput{
      0, InputKind::Ingest, engine_time, receive_time, epoch, std::string(topic), std::string(payload), {}});
}

void Journal::recordControl(std::string_view request_bytes, std::string_view identity, core::TimePoint engine_time,
                            core::TimePoint receive_time, std::uint64_t epoch) {
  push(JournalInput{
      0, InputKind::Control, engine_time, receive_time, epoch, {}, std::string(request_bytes), std::string(identity)});
}

void Journal::recordTick(core::TimePoint advanced_to, core::TimePoint receive_time, std::uint64_t epoch) {
  push(JournalInput{0, InputKind::Tick, advanced_to, receive_time, epoch, {}, {}, {}});
}

void Journal::recordSnapshot(std::string payload, std::uint32_t version, core::TimePoint engine_time,
                             std::uint64_t epoch) {
  {
    std::lock_guard lock(mutex_);
    ++counters_.snapshots_written;
    counters_.snapshot_bytes = payload.size();
  }
  push(SnapshotRow{0, engine_time, epoch, version, std::move(payload)});
}

void Journal::logAlarms(const core::AlarmEvents& events, std::uint64_t epoch) {
  for (const auto& event : events) push(AlarmLogRow{event, epoch});
}

void Journal::logAcknowledgement(const core::AlarmEvent& acknowledged) {
  push(AcknowledgementRow{acknowledged.alert_id, acknowledged.patient_id, acknowledged.unit,
                          acknowledged.acknowledged_by,
                          acknowledged.acknowledged_time.value_or(acknowledged.event_time)});
}

void Journal::logAdvice(const core::AdviceEvents& events) {
  for (const auto& event : events) push(AdviceLogRow{event});
}

void Journal::logPumpStatus(const core::PumpStatus& status) { push(PumpLogRow{status}); }

void Journal::push(JournalRow row) {
  std::unique_lock lock(mutex_);
  if (queue_.size() >= options_.queue_capacity && !stopping_) {
    ++counters_.queue_full_waits;
    const auto started = std::chrono::steady_clock::now();
    has_room_.wait_for(lock, options_.max_block,
                       [this] { return queue_.size() < options_.queue_capacity || stopping_; });
    counters_.queue_full_wait_us += static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
  }
  if (queue_.size() >= options_.queue_capacity || stopping_) {
    ++counters_.rows_dropped;
    if (!writer_stuck_reported_) {
      writer_stuck_reported_ = true;
      std::cerr << "vigil-engine: journal " << path_ << (stopping_ ? " is closed" : " writer is stuck")
                << ": dropping journal rows (counted) so that alarms keep being evaluated" << std::endl;
    }
    return;
  }
  writer_stuck_reported_ = false;
  queue_.push_back(std::move(row));
  ++counters_.rows_queued;
  queued_mark_.store(counters_.rows_queued, std::memory_order_release);
  // Wake the writer only when it has something new to decide: its first row (starts the
  // batch clock) or a full batch. Waking it for every row costs a context switch each.
  if (queue_.size() == 1 || queue_.size() == options_.max_batch_rows) has_rows_.notify_one();
}

std::size_t Journal::takeBatch(std::deque<JournalRow>& batch) {
  const auto n = std::min(queue_.size(), options_.max_batch_rows);
  for (std::size_t i = 0; i < n; ++i) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return n;
}

void Journal::run() {
  constexpr auto kBusyWithin = std::chrono::milliseconds(2);
  auto last_commit = std::chrono::steady_clock::time_point{};
  bool backlog = false;
  for (;;) {
    std::deque<JournalRow> batch;
    {
      std::unique_lock lock(mutex_);
      const auto has_rows = [this] { return !queue_.empty() || stopping_; };
      // Rows the file refused are tried again every retry_interval even when nothing new comes.
      if (unwritten_.empty()) {
        has_rows_.wait(lock, has_rows);
      } else {
        has_rows_.wait_for(lock, options_.retry_interval, has_rows);
      }
      if (queue_.empty() && (stopping_ || unwritten_.empty())) {
        if (!unwritten_.empty()) reportLostAtStop(lock);
        return;  // stopping, and everything is written (or counted as lost)
      }
      if (!backlog) {
        // The first row of a batch waits at most max_batch_delay for company, and at most
        // commit_gather once somebody waits for it.
        const auto full = [this] { return queue_.size() >= options_.max_batch_rows || stopping_; };
        has_rows_.wait_for(lock, options_.max_batch_delay, [&] { return full() || flush_requested_; });
        // Gathering pays only while commits follow each other closely (a busy engine);
        // after a quiet spell the waiting output goes at once.
        const bool busy = std::chrono::steady_clock::now() - last_commit < kBusyWithin;
        if (busy && !full()) has_rows_.wait_for(lock, options_.commit_gather, full);
      }
      takeBatch(batch);
      backlog = !queue_.empty();
      if (!backlog) {
        flush_requested_ = false;
        commit_soon_.store(false, std::memory_order_release);
      }
    }
    has_room_.notify_all();
    const auto outcome = writeOrHold(batch);
    last_commit = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mutex_);
      counters_.rows_written += outcome.written;
      counters_.transactions += outcome.transactions;
      counters_.rows_failed += outcome.refused;
      counters_.rows_lost += outcome.lost;
      counters_.rows_unwritten = unwritten_.size();
      counters_.pump_statuses_unchanged += outcome.pump_unchanged;
      if (outcome.refused && !counters_.failing) ++counters_.failures;
      counters_.failing = unwritten_.empty() ? 0 : 1;
      if (!outcome.error.empty()) last_error_ = outcome.error;
      // Held rows settle too: outputs must reach the stations while the disk refuses
      // (durable-before-visible is suspended, and the JOURNAL FAILING alarm says so).
      rows_settled_ += batch.size();
      settled_mark_.store(rows_settled_, std::memory_order_release);
      if (commit_listener_) commit_listener_(rows_settled_);
    }
    committed_.notify_all();
    pruneWhileIdle();
  }
}

// Writes the batch, behind whatever the file refused before; what it refuses now is held
// (up to unwritten_capacity rows; beyond that the oldest are lost, counted) and tried again.
Journal::WriteOutcome Journal::writeOrHold(std::deque<JournalRow>& batch) {
  WriteOutcome outcome;
  if (unwritten_.empty()) {
    if (writer_->write(batch, outcome.pump_unchanged, outcome.error)) {
      outcome.written = batch.size();
      outcome.transactions = 1;
      return outcome;
    }
    std::cerr << "vigil-engine: journal " << path_ << ": JOURNAL FAILING: a batch of " << batch.size()
              << " rows was not written (" << outcome.error << "); holding them in memory and trying again every "
              << options_.retry_interval.count() << " ms" << std::endl;
    outcome.refused = batch.size();
    hold(batch, outcome);
    return outcome;
  }
  hold(batch, outcome);
  // Oldest first, in batches, until the file refuses again.
  while (!unwritten_.empty()) {
    std::deque<JournalRow> retry;
    const auto n = std::min(unwritten_.size(), options_.max_batch_rows * 10);
    // Copied, not moved: a refused retry leaves them held as they were.
    std::copy(unwritten_.begin(), unwritten_.begin() + static_cast<std::ptrdiff_t>(n), std::back_inserter(retry));
    std::string error;
    if (!writer_->write(retry, outcome.pump_unchanged, error)) {
      outcome.error = error;
      return outcome;
    }
    unwritten_.erase(unwritten_.begin(), unwritten_.begin() + static_cast<std::ptrdiff_t>(n));
    outcome.written += n;
    ++outcome.transactions;
  }
  std::cerr << "vigil-engine: journal " << path_ << ": the journal takes writes again; every held row is written"
            << std::endl;
  return outcome;
}

void Journal::hold(std::deque<JournalRow>& batch, WriteOutcome& outcome) {
  for (auto& row : batch) unwritten_.push_back(std::move(row));
  while (unwritten_.size() > options_.unwritten_capacity) {
    unwritten_.pop_front();
    ++outcome.lost;
  }
}

void Journal::reportLostAtStop(std::unique_lock<std::mutex>&) {
  std::cerr << "vigil-engine: journal " << path_ << ": stopping with " << unwritten_.size()
            << " rows the journal never took: they are lost" << std::endl;
  counters_.rows_lost += unwritten_.size();
  unwritten_.clear();
  counters_.rows_unwritten = 0;
}

std::string Journal::lastWriteError() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

// Small batches, and only while nothing waits to be written: outputs wait for commits.
void Journal::pruneWhileIdle() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (!queue_.empty() || stopping_ || !unwritten_.empty()) return;
    }
    JournalCounters pruned;
    std::string error;
    const bool more = writer_->pruneSome(options_.prune_batch_rows, pruned, error);
    {
      std::lock_guard lock(mutex_);
      counters_.inputs_pruned += pruned.inputs_pruned;
      counters_.log_rows_pruned += pruned.log_rows_pruned;
      counters_.prune_failures += pruned.prune_failures;
    }
    if (pruned.prune_failures)
      std::cerr << "vigil-engine: journal " << path_ << ": pruning failed: " << error << std::endl;
    if (!more) return;
  }
}

void Journal::flush() {
  std::unique_lock lock(mutex_);
  const auto target = counters_.rows_queued;
  if (rows_settled_ >= target) return;
  flush_requested_ = true;
  has_rows_.notify_one();
  committed_.wait(lock, [&] { return rows_settled_ >= target; });
}

std::uint64_t Journal::queuedRows() const { return queued_mark_.load(std::memory_order_acquire); }

std::uint64_t Journal::settledRows() const { return settled_mark_.load(std::memory_order_acquire); }

void Journal::setCommitListener(std::function<void(std::uint64_t settled)> listener) {
  std::lock_guard lock(mutex_);
  commit_listener_ = std::move(listener);
}

void Journal::commitSoon() {
  // Already asked, and the writer has not yet taken everything: it will commit at once.
  if (commit_soon_.load(std::memory_order_acquire)) return;
  {
    std::lock_guard lock(mutex_);
    if (rows_settled_ >= counters_.rows_queued) return;
    flush_requested_ = true;
    commit_soon_.store(true, std::memory_order_release);
  }
  has_rows_.notify_one();
}

JournalCounters Journal::counters() const {
  std::lock_guard lock(mutex_);
  auto counters = counters_;
  counters.queue_depth = queue_.size();
  return counters;
}

}  // namespace vigil::service
