#include "alarms/service/journal_schema.h"

#include <set>

namespace vigil::service {
namespace {

constexpr char kApplication[] = "vigil-engine journal";

// Times are milliseconds since the Unix epoch (UTC), like every time in the engine.
constexpr char kSchemaSql[] = R"sql(
CREATE TABLE journal_schema (
  version     INTEGER NOT NULL,
  application TEXT NOT NULL,
  created_ms  INTEGER NOT NULL
);

-- One row per engine start: replay is exact only under the same protocol, so a restart
-- under another one is told loudly.
CREATE TABLE sessions (
  id               INTEGER PRIMARY KEY,
  epoch            INTEGER NOT NULL,
  started_ms       INTEGER NOT NULL,
  clock_mode       TEXT NOT NULL,
  protocol_name    TEXT NOT NULL,
  protocol_version TEXT NOT NULL,
  protocol_digest  TEXT NOT NULL,
  recovered_rows   INTEGER NOT NULL
);

-- What the engine applied, in order: replaying these into a fresh core rebuilds its state.
CREATE TABLE inputs (
  seq             INTEGER PRIMARY KEY,  -- apply order
  kind            TEXT NOT NULL CHECK (kind IN ('ingest', 'control', 'tick')),
  engine_time_ms  INTEGER NOT NULL,     -- the core's time before applying (tick: the time advanced to)
  receive_time_ms INTEGER NOT NULL,     -- the service clock when it arrived
  epoch           INTEGER NOT NULL,     -- the engine run that applied it
  topic           TEXT,                 -- ingest: the ZeroMQ topic
  payload         BLOB,                 -- ingest: protobuf payload; control: ControlRequest
  identity        TEXT                  -- control: the station identity the service used
);

-- IEC 60601-1-8 6.12: every alarm transition with its limit in force and trigger value.
CREATE TABLE alarm_log (
  id                   INTEGER PRIMARY KEY,
  epoch                INTEGER NOT NULL,
  alert_id             TEXT NOT NULL,
  patient_id           TEXT NOT NULL,
  unit                 TEXT NOT NULL,
  condition            TEXT NOT NULL,
  title                TEXT,
  kind                 TEXT,
  phase                TEXT NOT NULL,
  state                TEXT NOT NULL,
  inactivation         TEXT NOT NULL,
  priority             TEXT NOT NULL,
  event_time_ms        INTEGER NOT NULL,
  start_time_ms        INTEGER NOT NULL,
  metric               TEXT,
  trigger_value        REAL,
  trigger_unit         TEXT,
  limit_text           TEXT,
  limit_value          REAL,
  baseline             REAL,
  advice               TEXT,
  advice_target_mg_per_kg_per_h REAL,
  advice_target_ml_per_h        REAL,
  advice_reason        TEXT,
  dose_rate_mg_per_kg_per_h     REAL,
  cp_ug_per_ml         REAL,
  ce_ug_per_ml         REAL,
  dose_related         INTEGER,
  attribution          TEXT,
  acknowledged_by      TEXT,
  acknowledged_time_ms INTEGER
);
CREATE INDEX alarm_log_by_patient ON alarm_log (patient_id, event_time_ms);
CREATE INDEX alarm_log_by_alert ON alarm_log (alert_id);

CREATE TABLE acknowledgements (
  id         INTEGER PRIMARY KEY,
  alert_id   TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  unit       TEXT NOT NULL,
  station    TEXT NOT NULL,
  time_ms    INTEGER NOT NULL
);
CREATE INDEX acknowledgements_by_patient ON acknowledgements (patient_id, time_ms);

CREATE TABLE advice_log (
  id                    INTEGER PRIMARY KEY,
  advice_id             TEXT NOT NULL,
  patient_id            TEXT NOT NULL,
  unit                  TEXT NOT NULL,
  event_time_ms         INTEGER NOT NULL,
  action                TEXT NOT NULL,
  previous_action       TEXT NOT NULL,
  target_mg_per_kg_per_h REAL,
  target_ml_per_h       REAL,
  reason                TEXT,
  condition             TEXT,
  alert_id              TEXT,
  metric                TEXT,
  trigger_value         REAL,
  limit_text            TEXT,
  dose_rate_mg_per_kg_per_h REAL,
  cp_ug_per_ml          REAL,
  ce_ug_per_ml          REAL
);
CREATE INDEX advice_log_by_patient ON advice_log (patient_id, event_time_ms);

-- Only changes of rate, drug or state: a pump reporting every few seconds is not news.
CREATE TABLE pump_log (
  id                        INTEGER PRIMARY KEY,
  patient_id                TEXT NOT NULL,
  unit                      TEXT NOT NULL,
  device_id                 TEXT,
  time_ms                   INTEGER NOT NULL,
  drug                      TEXT,
  state                     TEXT NOT NULL,
  rate_ml_per_h             REAL,
  dose_rate_mg_per_kg_per_h REAL,
  concentration_mg_per_ml   REAL,
  weight_kg                 REAL,
  volume_infused_ml         REAL
);
CREATE INDEX pump_log_by_patient ON pump_log (patient_id, time_ms);
)sql";

// Version 2. Recovery restores the latest snapshot and replays the inputs after it.
constexpr char kSnapshotsSql[] = R"sql(
CREATE TABLE snapshots (
  id             INTEGER PRIMARY KEY,
  after_seq      INTEGER NOT NULL,  -- the last input applied before it (0: none)
  engine_time_ms INTEGER NOT NULL,
  epoch          INTEGER NOT NULL,
  version        INTEGER NOT NULL,  -- of proto/snapshot.proto's CoreSnapshot
  payload        BLOB NOT NULL      -- CoreSnapshot
);
)sql";

constexpr const char* kTablesV1[] = {"journal_schema",   "sessions",   "inputs",  "alarm_log",
                                     "acknowledgements", "advice_log", "pump_log"};

// The names of the tables present; nullopt (and `error`) when the file cannot be read as
// a database at all, which is how SQLite reports a corrupt or foreign file.
std::optional<std::set<std::string>> tableNames(sqlite::Database& db, std::string& error) {
  auto statement = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'", error);
  if (!statement.ok()) return std::nullopt;
  std::set<std::string> names;
  for (;;) {
    const auto step = statement.step();
    if (step == sqlite::Statement::Step::Done) return names;
    if (step == sqlite::Statement::Step::Error) {
      error = db.lastError();
      return std::nullopt;
    }
    names.insert(statement.text(0));
  }
}

std::optional<std::string> createSchema(sqlite::Database& db) {
  std::string error;
  // Only takes effect before the first table exists.
  if (!db.execute("PRAGMA auto_vacuum = INCREMENTAL", error)) return "cannot create the journal: " + error;
  if (!db.execute("BEGIN IMMEDIATE", error)) return "cannot create the journal: " + error;
  if (!db.execute(kSchemaSql, error) || !db.execute(kSnapshotsSql, error)) {
    std::string ignored;
    db.execute("ROLLBACK", ignored);
    return "cannot create the journal: " + error;
  }
  auto insert = db.prepare(
      "INSERT INTO journal_schema (version, application, created_ms) "
      "VALUES (?, ?, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))",
      error);
  if (insert.ok()) {
    insert.bind(1, std::int64_t{kJournalSchemaVersion});
    insert.bind(2, std::string_view(kApplication));
  }
  if (!insert.ok() || insert.step() != sqlite::Statement::Step::Done || !db.execute("COMMIT", error)) {
    if (error.empty()) error = db.lastError();
    std::string ignored;
    db.execute("ROLLBACK", ignored);
    return "cannot create the journal: " + error;
  }
  return std::nullopt;
}

std::optional<std::string> checkVersion(sqlite::Database& db) {
  std::string error;
  auto query = db.prepare("SELECT version, application FROM journal_schema", error);
  if (!query.ok()) return "cannot read its schema version: " + error;
  if (query.step() != sqlite::Statement::Step::Row) return "it has no schema version row";
  const auto version = query.integer(0);
  if (query.text(1) != kApplication) return "it was written by '" + query.text(1) + "', not by vigil-engine";
  if (version > kJournalSchemaVersion || version < kOldestJournalSchemaVersion) {
    return "its schema version is " + std::to_string(version) + " and this engine reads versions " +
           std::to_string(kOldestJournalSchemaVersion) + " to " + std::to_string(kJournalSchemaVersion) +
           (version > kJournalSchemaVersion ? " (it was written by a newer vigil-engine)" : "");
  }
  return std::nullopt;
}

// 1 -> 2: the snapshots table in one transaction, then the file rebuilt with incremental
// auto-vacuum (VACUUM cannot run inside a transaction; a crash before it leaves a
// version-2 journal without auto-vacuum, which works, only without giving pages back).
std::optional<std::string> migrate(sqlite::Database& db, int from) {
  std::string error;
  if (from >= kJournalSchemaVersion) return std::nullopt;
  if (!db.execute("BEGIN IMMEDIATE", error)) return "cannot migrate it: " + error;
  if (!db.execute(kSnapshotsSql, error) ||
      !db.execute("UPDATE journal_schema SET version = " + std::to_string(kJournalSchemaVersion), error) ||
      !db.execute("COMMIT", error)) {
    std::string ignored;
    db.execute("ROLLBACK", ignored);
    return "cannot migrate it from schema version " + std::to_string(from) + ": " + error;
  }
  if (!db.execute("PRAGMA auto_vacuum = INCREMENTAL", error) || !db.execute("VACUUM", error)) {
    return "migrated to schema version " + std::to_string(kJournalSchemaVersion) +
           " but cannot turn on incremental vacuum: " + error;
  }
  return std::nullopt;
}

std::optional<std::string> quickCheck(sqlite::Database& db) {
  std::string error;
  auto check = db.prepare("PRAGMA quick_check", error);
  if (!check.ok()) return "its integrity check failed: " + error;
  if (check.step() != sqlite::Statement::Step::Row) return "its integrity check failed: " + db.lastError();
  const auto verdict = check.text(0);
  if (verdict != "ok") return "it is damaged: " + verdict;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> prepareSchema(sqlite::Database& db, SchemaAction action) {
  std::string error;
  const auto names = tableNames(db, error);
  if (!names) return "it is not a readable SQLite database (" + error + ")";
  if (names->empty()) {
    if (action == SchemaAction::CheckOnly) return "it is empty (no journal tables)";
    return createSchema(db);
  }
  if (!names->count("journal_schema")) return "it is a SQLite database but not a Vigil journal";
  if (auto wrong = checkVersion(db)) return wrong;
  for (const char* table : kTablesV1) {
    if (!names->count(table)) return std::string("its table '") + table + "' is missing";
  }
  const int version = schemaVersion(db);
  if (version >= 2 && !names->count("snapshots")) return "its table 'snapshots' is missing";
  if (action == SchemaAction::CreateIfEmpty) {
    if (auto failed = migrate(db, version)) return failed;
  }
  // The writer starts from this file after a crash: catch a damaged page now, while the
  // operator is watching the start, rather than half-way through replaying it.
  if (action == SchemaAction::CreateIfEmpty) return quickCheck(db);
  return std::nullopt;
}

int schemaVersion(sqlite::Database& db) {
  std::string error;
  auto query = db.prepare("SELECT version FROM journal_schema", error);
  if (!query.ok() || query.step() != sqlite::Statement::Step::Row) return 0;
  return static_cast<int>(query.integer(0));
}

std::optional<std::string> configureConnection(sqlite::Database& db, bool writer) {
  std::string error;
  if (!writer) return std::nullopt;
  // WAL: readers (--history, a station's history query) never block the writer, and a
  // commit is one append to the -wal file. synchronous=NORMAL: a commit is not fsync'ed,
  // only checkpoints are; a killed process (kill -9) loses nothing committed, because the
  // data is already in the kernel's page cache, but a power loss or kernel crash may lose
  // the last transactions (never corrupt the file). That trade buys thousands of commits
  // a second instead of one fsync per batch.
  auto mode = db.prepare("PRAGMA journal_mode = WAL", error);
  if (!mode.ok() || mode.step() != sqlite::Statement::Step::Row) return "cannot switch to WAL: " + db.lastError();
  if (mode.text(0) != "wal") return "cannot switch to WAL (the journal is in '" + mode.text(0) + "' mode)";
  if (!db.execute("PRAGMA synchronous = NORMAL", error)) return "cannot set synchronous=NORMAL: " + error;
  // A checkpoint that caught up truncates the log to this: the file stays bounded after a burst.
  if (!db.execute("PRAGMA journal_size_limit = 67108864", error)) return "cannot limit the WAL size: " + error;
  return std::nullopt;
}

}  // namespace vigil::service
