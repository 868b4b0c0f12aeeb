// Reads a journal: the inputs in apply order (recovery) and the log by patient and time
// (--history, tests). Read-only; in WAL mode it reads a consistent snapshot while an
// engine keeps writing the same file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alarms/core/domain.h"
#include "alarms/service/journal_rows.h"
#include "alarms/service/journal_sqlite.h"

namespace vigil::service {

// Log rows as stored: enumerations keep their stored names.
struct LoggedAlarm {
  std::uint64_t epoch = 0;
  std::string alert_id;
  std::string patient_id;
  std::string unit;
  std::string condition;
  std::string title;
  std::string phase;
  std::string state;
  std::string inactivation;
  std::string priority;
  core::TimePoint event_time;
  core::TimePoint start_time;
  std::string metric;
  double trigger_value = 0.0;
  std::string trigger_unit;
  std::string limit_text;
  double limit_value = 0.0;
  std::string advice;
  std::string advice_reason;
  double advice_target_mg_per_kg_per_h = 0.0;
  double cp_ug_per_ml = 0.0;
  double ce_ug_per_ml = 0.0;
  std::string acknowledged_by;
  std::optional<core::TimePoint> acknowledged_time;
};

struct LoggedAdvice {
  std::string advice_id;
  std::string patient_id;
  core::TimePoint event_time;
  std::string action;
  std::string previous_action;
  double target_mg_per_kg_per_h = 0.0;
  double target_ml_per_h = 0.0;
  std::string reason;
  std::string condition;
  std::string alert_id;
};

struct LoggedPump {
  std::string patient_id;
  std::string device_id;
  core::TimePoint time;
  std::string drug;
  std::string state;
  double rate_ml_per_h = 0.0;
  double dose_rate_mg_per_kg_per_h = 0.0;
};

class JournalReader {
 public:
  // nullptr and `error` when the file is missing, not a Vigil journal, corrupt or of an
  // unknown schema version.
  static std::unique_ptr<JournalReader> open(const std::string& path, std::string& error);

  // Calls `visit` for every input in apply order. nullopt when all were read, else why
  // reading stopped (a damaged page): the caller must not trust a partial replay.
  std::optional<std::string> forEachInput(const std::function<void(const JournalInput&)>& visit);
  // The same for the inputs after `after_seq` (those after a snapshot).
  std::optional<std::string> forEachInputAfter(std::int64_t after_seq,
                                               const std::function<void(const JournalInput&)>& visit);
  std::int64_t inputCount();
  // The oldest input kept (0 when there is none): above 1, older ones were pruned.
  std::int64_t firstInputSeq();
  // The stored snapshots, latest first (none in a schema-1 journal). Errors in `error`.
  std::vector<SnapshotRow> snapshots(std::string& error);
  // The latest engine start recorded, if any.
  std::optional<SessionRow> lastSession(std::string& error);

  // The log of one patient from `since` (inclusive) on, oldest first. Errors come back in
  // `error` with whatever was read before.
  std::vector<LoggedAlarm> alarms(const std::string& patient_id, core::TimePoint since, std::string& error);
  std::vector<AcknowledgementRow> acknowledgements(const std::string& patient_id, core::TimePoint since,
                                                   std::string& error);
  std::vector<LoggedAdvice> advice(const std::string& patient_id, core::TimePoint since, std::string& error);
  std::vector<LoggedPump> pumpChanges(const std::string& patient_id, core::TimePoint since, std::string& error);

 private:
  explicit JournalReader(sqlite::Database db) : db_(std::move(db)) {}
  sqlite::Database db_;
};

}  // namespace vigil::service
