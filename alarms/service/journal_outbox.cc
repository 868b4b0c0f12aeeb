#include "alarms/service/journal_outbox.h"

#include <algorithm>

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
    "FROM alarm_log WHERE id > ? ORDER BY id LIMIT ?";

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

}  // namespace

std::vector<v1::OutboxEntry> readOutbox(const std::string& journal_path, std::uint64_t after_position,
                                        std::uint32_t max_events, std::string& error) {
  std::vector<v1::OutboxEntry> entries;
  auto db = sqlite::Database::open(journal_path, sqlite::OpenMode::ReadOnly, error);
  if (!db.isOpen()) return entries;
  if (auto problem = prepareSchema(db, SchemaAction::CheckOnly)) {
    error = *problem;
    return entries;
  }
  auto statement = db.prepare(kOutboxQuery, error);
  if (!statement.ok()) return entries;
  const auto limit = max_events == 0 ? kOutboxDefaultEvents : std::min(max_events, kOutboxMaxEvents);
  statement.bind(1, static_cast<std::int64_t>(after_position));
  statement.bind(2, static_cast<std::int64_t>(limit));
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

v1::ControlReply outboxReply(const std::string& journal_path, const v1::OutboxRequest& request) {
  v1::ControlReply reply;
  if (journal_path.empty()) {
    reply.set_ok(false);
    reply.set_error("no outbox: the engine runs without a journal (--journal)");
    return reply;
  }
  std::string error;
  auto entries = readOutbox(journal_path, request.after_position(), request.max_events(), error);
  if (!error.empty()) {
    reply.set_ok(false);
    reply.set_error("outbox: " + error);
    return reply;
  }
  for (auto& entry : entries) *reply.mutable_outbox()->add_entries() = std::move(entry);
  reply.set_ok(true);
  return reply;
}

}  // namespace vigil::service
