#include "alarms/service/journal_outbox.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <filesystem>

#include "alarms/service/journal_schema.h"
#include "alarms/service/journal_sqlite.h"
#include "streamer/codec.h"
#include "streamer/enums.h"
#include "streamer/importers/codes.h"

namespace vigil::service {
namespace {

using sqlite::Statement;

constexpr char kOutboxQuery[] =
    "SELECT id, epoch, alert_id, patient_id, unit, condition, title, kind, phase, state, inactivation, priority, "
    "event_time_ms, start_time_ms, metric, trigger_value, trigger_unit, limit_text, limit_value, baseline, advice, "
    "advice_target_mg_per_kg_per_h, advice_target_ml_per_h, advice_reason, dose_rate_mg_per_kg_per_h, cp_ug_per_ml, "
    "ce_ug_per_ml, dose_related, attribution, acknowledged_by, acknowledged_time_ms "
    "FROM alarm_log WHERE id > ? AND id <= ? AND event_time_ms >= ? ORDER BY id LIMIT ?";

// A stored enumeration name back to its value; an unknown name (a newer engine's) keeps
// the default rather than failing the whole batch.
template <typename Domain>
Domain stored(const std::string& name, Domain fallback) {
  return streamer::fromName<Domain>(name).value_or(fallback);
}

// One alarm_log row (columns in kOutboxQuery's order, from column 1) as the engine logged it.
core::AlarmEvent alarmEventOf(const Statement& s) {
  core::AlarmEvent e;
  int i = 2;
  e.alert_id = s.text(i++);
  e.patient_id = s.text(i++);
  e.unit = s.text(i++);
  e.condition = s.text(i++);
  e.title = s.text(i++);
  e.kind = stored(s.text(i++), core::AlarmKind::Physiological);
  e.phase = stored(s.text(i++), core::Phase::Start);
  e.state = stored(s.text(i++), core::AlarmState::Active);
  e.inactivation = stored(s.text(i++), core::Inactivation::Enabled);
  e.priority = stored(s.text(i++), core::Priority::None);
  e.event_time = core::fromMillis(s.integer(i++));
  e.start_time = core::fromMillis(s.integer(i++));
  e.trigger.metric = s.text(i++);
  // The log keeps the metric's name, not its 11073 code: the alias table gives it back.
  e.trigger.code = streamer::importers::codeForName(e.trigger.metric).value_or(0);
  e.trigger.value = s.real(i++);
  e.trigger.unit = s.text(i++);
  e.trigger.limit = s.text(i++);
  e.trigger.limit_value = s.real(i++);
  e.trigger.baseline = s.real(i++);
  e.advice.action = stored(s.text(i++), core::AdviceAction::None);
  e.advice.target_rate_mg_per_kg_per_h = s.real(i++);
  e.advice.target_rate_ml_per_h = s.real(i++);
  e.advice.reason = s.text(i++);
  e.dose.rate_mg_per_kg_per_h = s.real(i++);
  e.dose.cp_ug_per_ml = s.real(i++);
  e.dose.ce_ug_per_ml = s.real(i++);
  e.dose.likely_dose_related = s.integer(i++) != 0;
  e.dose.attribution = s.text(i++);
  e.acknowledged_by = s.text(i++);
  if (!s.isNull(i)) e.acknowledged_time = core::fromMillis(s.integer(i));
  return e;
}

// Opened read-only with the schema checked; not open (and `error`) otherwise.
sqlite::Database openOutbox(const std::string& journal_path, std::string& error) {
  auto db = sqlite::Database::open(journal_path, sqlite::OpenMode::ReadOnly, error);
  if (!db.isOpen()) return db;
  if (auto problem = prepareSchema(db, SchemaAction::CheckOnly)) {
    error = *problem;
    return sqlite::Database();
  }
  return db;
}

// One integer from a one-row query; 0 when there is no row or the value is NULL.
std::int64_t singleInteger(sqlite::Database& db, const char* sql, std::string& error) {
  auto statement = db.prepare(sql, error);
  if (!statement.ok() || statement.step() != Statement::Step::Row || statement.isNull(0)) return 0;
  return statement.integer(0);
}

std::vector<v1::OutboxEntry> selectOutbox(sqlite::Database& db, const OutboxQuery& query, std::string& error) {
  std::vector<v1::OutboxEntry> entries;
  auto statement = db.prepare(kOutboxQuery, error);
  if (!statement.ok()) return entries;
  const auto limit = query.max_events == 0 ? kOutboxDefaultEvents : std::min(query.max_events, kOutboxMaxEvents);
  const bool bounded = query.until_position != 0;
  // Row ids are SQLite's signed 64 bits: a larger position asked for is past every row.
  const auto row = [](std::uint64_t position) {
    return static_cast<std::int64_t>(std::min<std::uint64_t>(position, INT64_MAX));
  };
  statement.bind(1, row(query.after_position));
  statement.bind(2, bounded ? row(query.until_position) : INT64_MAX);
  statement.bind(3, bounded ? query.from_event_time_ms : INT64_MIN);
  statement.bind(4, static_cast<std::int64_t>(limit));
  for (;;) {
    const auto step = statement.step();
    if (step == Statement::Step::Done) return entries;
    if (step == Statement::Step::Error) {
      error = db.lastError();
      return entries;
    }
    auto& entry = entries.emplace_back();
    entry.set_position(static_cast<std::uint64_t>(statement.integer(0)));
    *entry.mutable_event() = streamer::toProto(alarmEventOf(statement));
    entry.mutable_event()->set_engine_epoch(static_cast<std::uint64_t>(statement.integer(1)));
  }
}

std::string hostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

// The query an OutboxRequest asks of this journal: its own positions, or, when they
// belong to another engine's journal, a catch-up by data time up to the last row now.
OutboxQuery queryFor(const v1::OutboxRequest& request, const std::string& identity, std::uint64_t last_position,
                     bool& catch_up) {
  OutboxQuery query;
  query.max_events = request.max_events();
  catch_up = !request.journal_id().empty() && request.journal_id() != identity;
  if (catch_up) {
    // An empty journal has nothing to catch up on: the plain outbox from its start.
    query.until_position = last_position;
    query.from_event_time_ms = request.from_event_time_ms();
    return query;
  }
  query.after_position = request.after_position();
  query.until_position = request.until_position();
  query.from_event_time_ms = request.from_event_time_ms();
  return query;
}

}  // namespace

std::string journalIdentity(const std::string& journal_path, std::int64_t created_ms) {
  std::error_code ignored;
  const auto path = std::filesystem::weakly_canonical(journal_path, ignored);
  return hostName() + ":" + (path.empty() ? journal_path : path.string()) + "@" + std::to_string(created_ms);
}

std::vector<v1::OutboxEntry> readOutbox(const std::string& journal_path, const OutboxQuery& query, std::string& error) {
  auto db = openOutbox(journal_path, error);
  if (!db.isOpen()) return {};
  return selectOutbox(db, query, error);
}

std::vector<v1::OutboxEntry> readOutbox(const std::string& journal_path, std::uint64_t after_position,
                                        std::uint32_t max_events, std::string& error) {
  OutboxQuery query;
  query.after_position = after_position;
  query.max_events = max_events;
  return readOutbox(journal_path, query, error);
}

v1::ControlReply outboxReply(const std::string& journal_path, const v1::OutboxRequest& request) {
  v1::ControlReply reply;
  if (journal_path.empty()) {
    reply.set_ok(false);
    reply.set_error("no outbox: the engine runs without a journal (--journal)");
    return reply;
  }
  std::string error;
  auto db = openOutbox(journal_path, error);
  std::vector<v1::OutboxEntry> entries;
  auto* outbox = reply.mutable_outbox();
  if (db.isOpen()) {
    const auto identity =
        journalIdentity(journal_path, singleInteger(db, "SELECT created_ms FROM journal_schema LIMIT 1", error));
    // Read before the rows, which are bounded by it: a row committed in between is
    // after it, so it comes with the next request, never lost between the two reads.
    const auto last = static_cast<std::uint64_t>(singleInteger(db, "SELECT max(id) FROM alarm_log", error));
    bool catch_up = false;
    if (error.empty()) entries = selectOutbox(db, queryFor(request, identity, last, catch_up), error);
    outbox->set_journal_id(identity);
    outbox->set_last_position(last);
    outbox->set_catch_up(catch_up);
  }
  if (!error.empty()) {
    reply.clear_outbox();
    reply.set_ok(false);
    reply.set_error("outbox: " + error);
    return reply;
  }
  for (auto& entry : entries) *outbox->add_entries() = std::move(entry);
  reply.set_ok(true);
  return reply;
}

}  // namespace vigil::service
