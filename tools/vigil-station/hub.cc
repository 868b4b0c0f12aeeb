#include "tools/vigil-station/hub.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "tools/vigil-console/requests.h"
#include "tools/vigil-station/web_server.h"

namespace vigil::station {
namespace v1 = vigil::v1;
namespace pb = google::protobuf;
using namespace std::chrono_literals;

namespace {

constexpr auto kTickEvery = 500ms;
// Long enough for a name, short enough that a page cannot fill the journal with one.
constexpr std::size_t kMaxNurseName = 40;

std::optional<pb::Struct> parseObject(const std::string& text) {
  pb::Struct object;
  if (!pb::util::JsonStringToMessage(text, &object).ok()) return std::nullopt;
  return object;
}

const pb::Value* field(const pb::Struct& object, const char* name) {
  const auto found = object.fields().find(name);
  return found == object.fields().end() ? nullptr : &found->second;
}

std::string stringField(const pb::Struct& object, const char* name) {
  const auto* value = field(object, name);
  return value && value->kind_case() == pb::Value::kStringValue ? value->string_value() : "";
}

std::int64_t idField(const pb::Struct& object) {
  const auto* value = field(object, "id");
  return value && value->kind_case() == pb::Value::kNumberValue ? static_cast<std::int64_t>(value->number_value()) : 0;
}

std::optional<v1::ClinicalEvent> clinicalEventField(const pb::Struct& object) {
  const auto* value = field(object, "event");
  if (!value || value->kind_case() != pb::Value::kStructValue) return std::nullopt;
  std::string json;
  if (!pb::util::MessageToJsonString(value->struct_value(), &json).ok()) return std::nullopt;
  v1::ClinicalEvent event;
  if (!pb::util::JsonStringToMessage(json, &event).ok()) return std::nullopt;
  if (event.patient_id().empty() || event.kind() == v1::CLINICAL_EVENT_UNSPECIFIED) return std::nullopt;
  return event;
}

}  // namespace

WardHub::WardHub(boost::asio::io_context& io, std::string station_name, std::string unit)
    : timer_(io),
      station_name_(std::move(station_name)),
      unit_(std::move(unit)),
      started_(std::chrono::steady_clock::now()) {}

EngineLinkHandlers WardHub::handlers() {
  return {[this](auto updates, auto received_ms) { onUpdates(std::move(updates), received_ms); },
          [this](auto picture) { onPicture(std::move(picture)); },
          [this](auto report) { onReport(std::move(report)); }};
}

void WardHub::start() { tick(); }

void WardHub::tick() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<BrowserSession>> stuck;
  for (const auto& [id, session] : sessions_) {
    if (session->writeStuck(now)) stuck.push_back(session);
  }
  for (const auto& session : stuck) {
    ++counters_.browsers_dropped_stuck;
    session->drop();
  }
  broadcastLink();
  timer_.expires_after(kTickEvery);
  timer_.async_wait([this](boost::system::error_code error) {
    if (!error) tick();
  });
}

LinkReport WardHub::link() const {
  const auto now = std::chrono::steady_clock::now();
  LinkReport report;
  report.ever_heard = feed_.last_heartbeat.has_value();
  const auto since = feed_.last_heartbeat.value_or(started_);
  const auto quiet = std::chrono::duration_cast<std::chrono::milliseconds>(now - since);
  report.quiet_ms = quiet.count();
  report.live = report.ever_heard && quiet <= streamer::station::kSilentAfter;
  report.silent = quiet > streamer::station::kSilentAfter;
  report.engine_time_ms = feed_.engine_time_ms;
  report.server_time_ms = wallMillis();
  report.resyncs = feed_.resyncs;
  report.gaps = feed_.gaps;
  report.unit = unit_;
  report.station = station_name_;
  return report;
}

void WardHub::onUpdates(std::vector<WardUpdate> updates, std::int64_t received_ms) {
  for (const auto& update : updates) {
    ++counters_.updates_received;
    model_.apply(update);
    broadcast({supersedeKey(update), updateMessage(update, received_ms)});
  }
}

void WardHub::onPicture(std::vector<WardUpdate> picture) {
  ++counters_.pictures_received;
  model_.replaceWith(picture);
  const auto full = model_.fullMessage(link());
  for (const auto& [id, session] : sessions_) session->sendFull(full);
}

void WardHub::onReport(FeedReport report) {
  feed_ = std::move(report);
  const bool silent = link().silent;
  if (silent != was_silent_) broadcastLink();
}

void WardHub::broadcastLink() {
  const auto report = link();
  was_silent_ = report.silent;
  broadcast({"link", linkMessage(report)});
}

// A session may drop itself while sending (too slow): iterate over a copy.
void WardHub::broadcast(const Outgoing& message) {
  std::vector<std::shared_ptr<BrowserSession>> targets;
  targets.reserve(sessions_.size());
  for (const auto& [id, session] : sessions_) targets.push_back(session);
  for (const auto& session : targets) {
    ++counters_.messages_sent;
    session->send(message);
  }
}

void WardHub::join(const std::shared_ptr<BrowserSession>& session) {
  sessions_[session->id()] = session;
  ++counters_.browsers_total;
  counters_.browsers_connected = sessions_.size();
  session->sendFull(model_.fullMessage(link()));
}

void WardHub::leave(std::uint64_t session_id) {
  const auto found = sessions_.find(session_id);
  if (found == sessions_.end()) return;
  counters_.superseded += found->second->superseded();
  sessions_.erase(found);
  counters_.browsers_connected = sessions_.size();
}

void WardHub::onPageMessage(BrowserSession& session, const std::string& text) {
  const auto object = parseObject(text);
  if (!object) {
    ++counters_.page_malformed;
    replyError(session, 0, "malformed message: not a JSON object");
    return;
  }
  const auto type = stringField(*object, "type");
  const auto id = idField(*object);
  if (!session.mayAct()) {
    replyError(session, id, "signed out: sign in again to act");
    return;
  }
  // A signed-in nurse acts as herself, whatever the page typed.
  const auto nurse = session.nurse().empty() ? stringField(*object, "nurse").substr(0, kMaxNurseName) : session.nurse();
  v1::ControlRequest request;
  if (type == "ack") {
    const auto alert_id = stringField(*object, "alertId");
    if (!model_.hasAlarm(alert_id)) {
      ++counters_.page_unknown_alarm;
      replyError(session, id, "unknown alarm id '" + alert_id.substr(0, 80) + "'");
      return;
    }
    request.mutable_acknowledge()->set_alert_id(alert_id);
    request.mutable_acknowledge()->set_station(station_name_);
    request.mutable_acknowledge()->set_nurse(nurse);
  } else if (type == "pause") {
    auto* pause = request.mutable_audio_pause();
    pause->set_patient_id(stringField(*object, "patientId"));
    pause->set_unit(stringField(*object, "unit"));
    pause->set_station(station_name_);
    pause->set_nurse(nurse);
    if (pause->patient_id().empty()) {
      ++counters_.page_malformed;
      replyError(session, id, "audio pause needs a patientId");
      return;
    }
  } else if (type == "entry") {
    auto event = clinicalEventField(*object);
    if (!event) {
      ++counters_.page_malformed;
      replyError(session, id, "a nurse entry needs an event with a patientId and a known kind");
      return;
    }
    // Stamped with the engine's time: in a replay or simulation the data's time is not the wall's.
    const auto now = feed_.engine_time_ms > 0 ? core::fromMillis(feed_.engine_time_ms) : core::fromMillis(wallMillis());
    request = console::clinicalEventRequest(std::move(*event), station_name_, nurse, now, ++clinical_event_sequence_);
  } else if (type == "trend") {
    // Read-only: the engine's last hours of one bed, for the detail view.
    request.mutable_trend()->set_patient_id(stringField(*object, "patientId"));
    if (request.trend().patient_id().empty()) {
      ++counters_.page_malformed;
      replyError(session, id, "a trend request needs a patientId");
      return;
    }
  } else {
    ++counters_.page_unknown_type;
    replyError(session, id, "unknown message type '" + type.substr(0, 40) + "'");
    return;
  }
  sendRequest(session, id, std::move(request));
}

void WardHub::sendRequest(BrowserSession& session, std::int64_t id, v1::ControlRequest request) {
  ++counters_.requests_sent;
  std::weak_ptr<BrowserSession> weak = session.shared_from_this();
  link_->request(std::move(request), [this, weak, id](const ControlOutcome& outcome) {
    if (!outcome.reply) {
      ++counters_.requests_failed;
    } else if (outcome.reply->ok()) {
      ++counters_.requests_ok;
    } else {
      ++counters_.requests_refused;
    }
    if (const auto session = weak.lock()) reply(*session, id, outcome);
  });
}

void WardHub::reply(BrowserSession& session, std::int64_t id, const ControlOutcome& outcome) {
  const bool ok = outcome.reply && outcome.reply->ok();
  const auto error = outcome.reply ? outcome.reply->error() : outcome.error;
  session.send({"", "{\"type\":\"reply\",\"id\":" + std::to_string(id) + ",\"ok\":" + (ok ? "true" : "false") +
                        ",\"error\":" + jsonString(error) + ",\"tookMs\":" + std::to_string(outcome.took.count()) +
                        (ok && outcome.reply->has_trend() ? ",\"trend\":" + toJson(outcome.reply->trend()) : "") +
                        "}"});
}

void WardHub::replyError(BrowserSession& session, std::int64_t id, const std::string& error) {
  ControlOutcome outcome;
  outcome.error = error;
  reply(session, id, outcome);
}

std::string WardHub::statsJson() const {
  auto superseded = counters_.superseded;
  for (const auto& [id, session] : sessions_) superseded += session->superseded();
  const auto number = [](const char* name, std::uint64_t value) {
    return std::string("\"") + name + "\":" + std::to_string(value);
  };
  const auto& c = counters_;
  return "{" + number("browsers_connected", c.browsers_connected) + "," + number("browsers_total", c.browsers_total) +
         "," + number("browsers_dropped_slow", c.browsers_dropped_slow) + "," +
         number("browsers_dropped_stuck", c.browsers_dropped_stuck) + "," +
         number("updates_received", c.updates_received) + "," + number("pictures_received", c.pictures_received) + "," +
         number("messages_sent", c.messages_sent) + "," + number("superseded", superseded) + "," +
         number("page_malformed", c.page_malformed) + "," + number("page_oversized", c.page_oversized) + "," +
         number("page_unknown_alarm", c.page_unknown_alarm) + "," + number("page_unknown_type", c.page_unknown_type) +
         "," + number("forged_origin", c.forged_origin) + "," + number("bad_http", c.bad_http) + "," +
         number("requests_sent", c.requests_sent) + "," + number("requests_ok", c.requests_ok) + "," +
         number("requests_refused", c.requests_refused) + "," + number("requests_failed", c.requests_failed) + "," +
         number("beds", model_.patientCount()) + "," + number("alarms", model_.alarmCount()) + "}";
}

}  // namespace vigil::station
