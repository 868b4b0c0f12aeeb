#include "alarms/service/journal_reader.h"

#include <sys/stat.h>

#include "alarms/service/journal_schema.h"

namespace vigil::service {
namespace {

using sqlite::Statement;

// Runs `sql` with (patient, since) bound and hands each row to `read`.
template <typename Row, typename Read>
std::vector<Row> query(sqlite::Database& db, const char* sql, const std::string& patient_id, core::TimePoint since,
                       std::string& error, Read read) {
  std::vector<Row> rows;
  auto statement = db.prepare(sql, error);
  if (!statement.ok()) return rows;
  statement.bind(1, std::string_view(patient_id));
  statement.bind(2, core::toMillis(since));
  for (;;) {
    const auto step = statement.step();
    if (step == Statement::Step::Done) return rows;
    if (step == Statement::Step::Error) {
      error = db.lastError();
      return rows;
    }
    rows.push_back(read(statement));
  }
}

}  // namespace

std::unique_ptr<JournalReader> JournalReader::open(const std::string& path, std::string& error) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    error = "there is no journal at " + path;
    return nullptr;
  }
  auto db = sqlite::Database::open(path, sqlite::OpenMode::ReadOnly, error);
  if (!db.isOpen()) return nullptr;
  if (auto problem = prepareSchema(db, SchemaAction::CheckOnly)) {
    error = *problem;
    return nullptr;
  }
  return std::unique_ptr<JournalReader>(new JournalReader(std::move(db)));
}

std::optional<std::string> JournalReader::forEachInput(const std::function<void(const JournalInput&)>& visit) {
  return forEachInputAfter(0, visit);
}

std::optional<std::string> JournalReader::forEachInputAfter(std::int64_t after_seq,
                                                            const std::function<void(const JournalInput&)>& visit) {
  std::string error;
  auto statement = db_.prepare(
      "SELECT seq, kind, engine_time_ms, receive_time_ms, epoch, topic, payload, identity FROM inputs "
      "WHERE seq > ? ORDER BY seq",
      error);
  if (!statement.ok()) return error;
  statement.bind(1, after_seq);
  JournalInput input;
  for (;;) {
    const auto step = statement.step();
    if (step == Statement::Step::Done) return std::nullopt;
    if (step == Statement::Step::Error) return db_.lastError();
    const auto kind = inputKindFromName(statement.text(1));
    if (!kind)
      return "input " + std::to_string(statement.integer(0)) + " has an unknown kind '" + statement.text(1) + "'";
    input.seq = statement.integer(0);
    input.kind = *kind;
    input.engine_time = core::fromMillis(statement.integer(2));
    input.receive_time = core::fromMillis(statement.integer(3));
    input.epoch = static_cast<std::uint64_t>(statement.integer(4));
    input.topic = statement.text(5);
    input.payload = statement.blob(6);
    input.identity = statement.text(7);
    visit(input);
  }
}

std::int64_t JournalReader::inputCount() {
  std::string error;
  auto statement = db_.prepare("SELECT COUNT(*) FROM inputs", error);
  if (!statement.ok() || statement.step() != Statement::Step::Row) return -1;
  return statement.integer(0);
}

std::int64_t JournalReader::firstInputSeq() {
  std::string error;
  auto statement = db_.prepare("SELECT COALESCE(MIN(seq), 0) FROM inputs", error);
  if (!statement.ok() || statement.step() != Statement::Step::Row) return -1;
  return statement.integer(0);
}

std::vector<SnapshotRow> JournalReader::snapshots(std::string& error) {
  std::vector<SnapshotRow> rows;
  if (schemaVersion(db_) < 2) return rows;
  auto statement =
      db_.prepare("SELECT after_seq, engine_time_ms, epoch, version, payload FROM snapshots ORDER BY id DESC", error);
  if (!statement.ok()) return rows;
  for (;;) {
    const auto step = statement.step();
    if (step == Statement::Step::Done) return rows;
    if (step == Statement::Step::Error) {
      error = db_.lastError();
      return rows;
    }
    rows.push_back(SnapshotRow{statement.integer(0), core::fromMillis(statement.integer(1)),
                               static_cast<std::uint64_t>(statement.integer(2)),
                               static_cast<std::uint32_t>(statement.integer(3)), statement.blob(4)});
  }
}

std::optional<SessionRow> JournalReader::lastSession(std::string& error) {
  auto statement = db_.prepare(
      "SELECT epoch, started_ms, clock_mode, protocol_name, protocol_version, protocol_digest, recovered_rows "
      "FROM sessions ORDER BY id DESC LIMIT 1",
      error);
  if (!statement.ok()) return std::nullopt;
  const auto step = statement.step();
  if (step == Statement::Step::Error) error = db_.lastError();
  if (step != Statement::Step::Row) return std::nullopt;
  return SessionRow{static_cast<std::uint64_t>(statement.integer(0)),
                    core::fromMillis(statement.integer(1)),
                    statement.text(2),
                    statement.text(3),
                    statement.text(4),
                    statement.text(5),
                    statement.integer(6)};
}

std::vector<LoggedAlarm> JournalReader::alarms(const std::string& patient_id, core::TimePoint since,
                                               std::string& error) {
  constexpr char sql[] =
      "SELECT epoch, alert_id, patient_id, unit, condition, title, phase, state, inactivation, priority, "
      "event_time_ms, start_time_ms, metric, trigger_value, trigger_unit, limit_text, limit_value, advice, "
      "advice_reason, advice_target_mg_per_kg_per_h, cp_ug_per_ml, ce_ug_per_ml, acknowledged_by, "
      "acknowledged_time_ms FROM alarm_log WHERE patient_id = ? AND event_time_ms >= ? ORDER BY event_time_ms, id";
  return query<LoggedAlarm>(db_, sql, patient_id, since, error, [](const Statement& s) {
    LoggedAlarm row;
    int i = 0;
    row.epoch = static_cast<std::uint64_t>(s.integer(i++));
    row.alert_id = s.text(i++);
    row.patient_id = s.text(i++);
    row.unit = s.text(i++);
    row.condition = s.text(i++);
    row.title = s.text(i++);
    row.phase = s.text(i++);
    row.state = s.text(i++);
    row.inactivation = s.text(i++);
    row.priority = s.text(i++);
    row.event_time = core::fromMillis(s.integer(i++));
    row.start_time = core::fromMillis(s.integer(i++));
    row.metric = s.text(i++);
    row.trigger_value = s.real(i++);
    row.trigger_unit = s.text(i++);
    row.limit_text = s.text(i++);
    row.limit_value = s.real(i++);
    row.advice = s.text(i++);
    row.advice_reason = s.text(i++);
    row.advice_target_mg_per_kg_per_h = s.real(i++);
    row.cp_ug_per_ml = s.real(i++);
    row.ce_ug_per_ml = s.real(i++);
    row.acknowledged_by = s.text(i++);
    if (!s.isNull(i)) row.acknowledged_time = core::fromMillis(s.integer(i));
    return row;
  });
}

std::vector<AcknowledgementRow> JournalReader::acknowledgements(const std::string& patient_id, core::TimePoint since,
                                                                std::string& error) {
  constexpr char sql[] =
      "SELECT alert_id, patient_id, unit, station, time_ms FROM acknowledgements "
      "WHERE patient_id = ? AND time_ms >= ? ORDER BY time_ms, id";
  return query<AcknowledgementRow>(db_, sql, patient_id, since, error, [](const Statement& s) {
    return AcknowledgementRow{s.text(0), s.text(1), s.text(2), s.text(3), core::fromMillis(s.integer(4))};
  });
}

std::vector<LoggedAdvice> JournalReader::advice(const std::string& patient_id, core::TimePoint since,
                                                std::string& error) {
  constexpr char sql[] =
      "SELECT advice_id, patient_id, event_time_ms, action, previous_action, target_mg_per_kg_per_h, "
      "target_ml_per_h, reason, condition, alert_id FROM advice_log "
      "WHERE patient_id = ? AND event_time_ms >= ? ORDER BY event_time_ms, id";
  return query<LoggedAdvice>(db_, sql, patient_id, since, error, [](const Statement& s) {
    return LoggedAdvice{
        s.text(0), s.text(1), core::fromMillis(s.integer(2)), s.text(3), s.text(4), s.real(5), s.real(6), s.text(7),
        s.text(8), s.text(9)};
  });
}

std::vector<LoggedPump> JournalReader::pumpChanges(const std::string& patient_id, core::TimePoint since,
                                                   std::string& error) {
  constexpr char sql[] =
      "SELECT patient_id, device_id, time_ms, drug, state, rate_ml_per_h, dose_rate_mg_per_kg_per_h FROM pump_log "
      "WHERE patient_id = ? AND time_ms >= ? ORDER BY time_ms, id";
  return query<LoggedPump>(db_, sql, patient_id, since, error, [](const Statement& s) {
    return LoggedPump{s.text(0), s.text(1), core::fromMillis(s.integer(2)), s.text(3), s.text(4), s.real(5), s.real(6)};
  });
}

}  // namespace vigil::service
