#include "tools/vigil-station/ward_model.h"

#include <google/protobuf/util/json_util.h>

#include "streamer/codec.h"

namespace vigil::station {
namespace v1 = vigil::v1;
using streamer::station::Delivery;
using streamer::station::StationState;

namespace {

WardUpdate alarmUpdate(const std::string& alert_id, const StationState& state) {
  const auto held = state.alarms().find(alert_id);
  if (held == state.alarms().end()) return {UpdateKind::Alarm, alert_id, true, ""};
  return {UpdateKind::Alarm, alert_id, false, toJson(streamer::toProto(held->second.alarm))};
}

WardUpdate adviceUpdate(const std::string& patient_id, const StationState& state) {
  const auto held = state.advice().find(patient_id);
  if (held == state.advice().end()) return {UpdateKind::Advice, patient_id, true, ""};
  return {UpdateKind::Advice, patient_id, false, toJson(streamer::toProto(held->second.advice))};
}

WardUpdate statusUpdate(const std::string& patient_id, const StationState& state) {
  const auto held = state.statuses().find(patient_id);
  if (held == state.statuses().end()) return {UpdateKind::Status, patient_id, true, ""};
  return {UpdateKind::Status, patient_id, false, toJson(streamer::toProto(held->second.status))};
}

const char* kindName(UpdateKind kind) {
  switch (kind) {
    case UpdateKind::Alarm: return "alarm";
    case UpdateKind::Advice: return "advice";
    case UpdateKind::Status: return "status";
  }
  return "status";
}

void appendArray(std::string& out, const char* name, const std::map<std::string, std::string>& entries) {
  out += '"';
  out += name;
  out += "\":[";
  bool first = true;
  for (const auto& [key, json] : entries) {
    if (!first) out += ',';
    first = false;
    out += json;
  }
  out += ']';
}

std::string linkObject(const LinkReport& link) {
  auto flag = [](bool value) { return value ? "true" : "false"; };
  return std::string("{\"live\":") + flag(link.live) + ",\"silent\":" + flag(link.silent) +
         ",\"everHeard\":" + flag(link.ever_heard) + ",\"quietMs\":" + std::to_string(link.quiet_ms) +
         ",\"engineTimeMs\":" + std::to_string(link.engine_time_ms) +
         ",\"serverTimeMs\":" + std::to_string(link.server_time_ms) + ",\"resyncs\":" + std::to_string(link.resyncs) +
         ",\"gaps\":" + std::to_string(link.gaps) + ",\"unit\":" + jsonString(link.unit) +
         ",\"station\":" + jsonString(link.station) + "}";
}

}  // namespace

std::string toJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  // Our own messages always print; a failure would be a bug in the schema, shown as null.
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) return "null";
  return out;
}

std::optional<WardUpdate> updateFrom(const Delivery& delivery, const StationState& state) {
  if (!delivery.changed()) return std::nullopt;
  std::optional<WardUpdate> update;
  std::int64_t published_ms = 0;
  if (delivery.alarm) {
    update = alarmUpdate(delivery.alarm->alert_id(), state);
    published_ms = delivery.alarm->published_wall_time_ms();
  } else if (delivery.advice) {
    update = adviceUpdate(delivery.advice->patient_id(), state);
    published_ms = delivery.advice->published_wall_time_ms();
  } else if (delivery.status) {
    update = statusUpdate(delivery.status->patient_id(), state);
    published_ms = delivery.status->published_wall_time_ms();
  }
  if (update) update->published_ms = published_ms;
  return update;
}

std::vector<WardUpdate> pictureFrom(const StationState& state) {
  std::vector<WardUpdate> picture;
  for (const auto& [alert_id, entry] : state.alarms()) picture.push_back(alarmUpdate(alert_id, state));
  for (const auto& [patient_id, entry] : state.advice()) picture.push_back(adviceUpdate(patient_id, state));
  for (const auto& [patient_id, entry] : state.statuses()) picture.push_back(statusUpdate(patient_id, state));
  return picture;
}

std::map<std::string, std::string>& WardModel::slot(UpdateKind kind) {
  switch (kind) {
    case UpdateKind::Alarm: return alarms_;
    case UpdateKind::Advice: return advice_;
    case UpdateKind::Status: return statuses_;
  }
  return statuses_;
}

void WardModel::apply(const WardUpdate& update) {
  auto& entries = slot(update.kind);
  if (update.removed) {
    entries.erase(update.key);
  } else {
    entries.insert_or_assign(update.key, update.json);
  }
}

void WardModel::replaceWith(const std::vector<WardUpdate>& picture) {
  alarms_.clear();
  advice_.clear();
  statuses_.clear();
  for (const auto& update : picture) apply(update);
}

std::string WardModel::fullMessage(const LinkReport& link) const {
  std::string out = "{\"type\":\"full\",";
  appendArray(out, "alarms", alarms_);
  out += ',';
  appendArray(out, "advice", advice_);
  out += ',';
  appendArray(out, "statuses", statuses_);
  out += ",\"link\":" + linkObject(link) + "}";
  return out;
}

std::string updateMessage(const WardUpdate& update, std::int64_t received_ms) {
  return std::string("{\"type\":\"") + kindName(update.kind) + "\",\"key\":" + jsonString(update.key) +
         ",\"removed\":" + (update.removed ? "true" : "false") + ",\"rx\":" + std::to_string(received_ms) +
         ",\"pub\":" + std::to_string(update.published_ms) +
         ",\"data\":" + (update.removed ? std::string("null") : update.json) + "}";
}

std::string linkMessage(const LinkReport& link) { return "{\"type\":\"link\",\"link\":" + linkObject(link) + "}"; }

std::string supersedeKey(const WardUpdate& update) {
  return update.kind == UpdateKind::Status ? "status/" + update.key : "";
}

std::string jsonString(const std::string& text) {
  std::string out = "\"";
  for (const unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          static const char* hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace vigil::station
