#include "alarms/service/journal.h"

#include <fcntl.h>
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
  static std::unique_ptr<Writer> open(const std::string& path, std::string& error) {
    auto writer = std::unique_ptr<Writer>(new Writer);
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
    if (!writer->prepareStatements(error) || !writer->seedPumpState(error)) return nullptr;
    return writer;
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

  bool prepareStatements(std::string& error) {
    insert_input_ = db_.prepare(kInsertInput, error);
    insert_alarm_ = db_.prepare(kInsertAlarm, error);
    insert_acknowledgement_ = db_.prepare(kInsertAcknowledgement, error);
    insert_advice_ = db_.prepare(kInsertAdvice, error);
    insert_pump_ = db_.prepare(kInsertPump, error);
    insert_session_ = db_.prepare(kInsertSession, error);
    return insert_input_.ok() && insert_alarm_.ok() && insert_acknowledgement_.ok() && insert_advice_.ok() &&
           insert_pump_.ok() && insert_session_.ok();
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
  std::map<std::string, std::optional<PumpSignature>> last_pump_;
};

std::unique_ptr<Journal> Journal::open(const std::string& path, JournalOptions options, std::string& error) {
  const int lock_fd = lockExclusively(path, error);
  if (lock_fd < 0) return nullptr;
  auto writer = Writer::open(path, error);
  if (!writer) {
    ::close(lock_fd);
    return nullptr;
  }
  return std::unique_ptr<Journal>(new Journal(path, options, std::move(writer), lock_fd));
}

Journal::Journal(std::string path, JournalOptions options, std::unique_ptr<Writer> writer, int lock_fd)
    : path_(std::move(path)), options_(options), writer_(std::move(writer)), lock_fd_(lock_fd) {
  thread_ = std::thread([this] { run(); });
}

Journal::~Journal() { close(); }

void Journal::close() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  has_rows_.notify_all();
  has_room_.notify_all();
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
  bool backlog = false;
  for (;;) {
    std::deque<JournalRow> batch;
    {
      std::unique_lock lock(mutex_);
      has_rows_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, and everything is written
      if (!backlog) {
        // The first row of a batch waits at most max_batch_delay for company.
        has_rows_.wait_for(lock, options_.max_batch_delay, [this] {
          return queue_.size() >= options_.max_batch_rows || flush_requested_ || stopping_;
        });
      }
      takeBatch(batch);
      backlog = !queue_.empty();
      if (!backlog) flush_requested_ = false;
    }
    has_room_.notify_all();
    std::uint64_t pump_unchanged = 0;
    std::string error;
    const bool written = writer_->write(batch, pump_unchanged, error);
    if (!written) {
      std::cerr << "vigil-engine: journal " << path_ << ": a batch of " << batch.size()
                << " rows was not written: " << error << std::endl;
    }
    {
      std::lock_guard lock(mutex_);
      (written ? counters_.rows_written : counters_.rows_failed) += batch.size();
      if (written) ++counters_.transactions;
      counters_.pump_statuses_unchanged += pump_unchanged;
      rows_settled_ += batch.size();
    }
    committed_.notify_all();
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

JournalCounters Journal::counters() const {
  std::lock_guard lock(mutex_);
  auto counters = counters_;
  counters.queue_depth = queue_.size();
  return counters;
}

}  // namespace vigil::service
