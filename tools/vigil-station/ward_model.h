// The station's picture as the browsers get it: every alarm, advice and patient status
// held by the shared StationState (streamer/station, Clone pattern), already turned into
// the JSON the page reads (protobuf's JSON mapping of alerts.proto, so the page and the
// wire format cannot drift apart).
//
// Two halves, for the two threads of vigil-station: the feed thread, which owns the
// StationClient, turns what a pump changed into WardUpdates (updatesFrom, pictureFrom);
// the web thread keeps a WardModel of them, so a browser that connects (or reconnects
// after being dropped as too slow) starts from the whole picture.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "streamer/station/station_client.h"

namespace vigil::station {

enum class UpdateKind { Alarm, Advice, Status };

struct WardUpdate {
  UpdateKind kind = UpdateKind::Status;
  std::string key;       // the alert id, or the patient id for advice and status
  bool removed = false;  // the alarm ended (or no advice stands any more)
  std::string json;      // the message in protobuf's JSON mapping; "" when removed
  // The engine's wall clock when it published the message (0: from a snapshot): the page
  // measures engine-to-pixel latency from it.
  std::int64_t published_ms = 0;
};

// What one delivery changed, read back from the state after it applied it, so an END or
// an ADVICE_NONE is a removal exactly when the shared state removed it.
std::optional<WardUpdate> updateFrom(const streamer::station::Delivery& delivery,
                                     const streamer::station::StationState& state);
// The whole picture after a snapshot.
std::vector<WardUpdate> pictureFrom(const streamer::station::StationState& state);

// How the engine link looks from the web thread.
struct LinkReport {
  bool live = false;
  bool silent = false;
  bool ever_heard = false;
  std::int64_t quiet_ms = 0;
  std::int64_t engine_time_ms = 0;  // 0: no heartbeat carried one yet
  std::int64_t server_time_ms = 0;  // wall clock of the station server
  std::uint64_t resyncs = 0;
  std::uint64_t gaps = 0;
  std::string unit;
  std::string station;
};

class WardModel {
 public:
  void apply(const WardUpdate& update);
  void replaceWith(const std::vector<WardUpdate>& picture);

  // {"type":"full", "alarms":[..], "advice":[..], "statuses":[..], "link":{..}}
  std::string fullMessage(const LinkReport& link) const;

  bool hasAlarm(const std::string& alert_id) const { return alarms_.count(alert_id) > 0; }
  std::size_t alarmCount() const { return alarms_.size(); }
  std::size_t patientCount() const { return statuses_.size(); }

 private:
  std::map<std::string, std::string>& slot(UpdateKind kind);
  std::map<std::string, std::string> alarms_;
  std::map<std::string, std::string> advice_;
  std::map<std::string, std::string> statuses_;
};

// {"type":"alarm"|"advice"|"status", "key":..., "removed":bool, "rx":ms, "pub":ms, "data":{..}}.
// `received_ms` is the station's wall clock when the message arrived from the engine,
// "pub" the engine's when it published it: the page measures receipt-to-pixel and
// engine-to-pixel latency from them.
std::string updateMessage(const WardUpdate& update, std::int64_t received_ms);
std::string linkMessage(const LinkReport& link);
// Key under which a newer message of the same kind supersedes a waiting one ("" never).
std::string supersedeKey(const WardUpdate& update);

std::string jsonString(const std::string& text);  // quoted and escaped
// In protobuf's JSON mapping (camelCase names, 64-bit integers and NaN as strings).
std::string toJson(const google::protobuf::Message& message);

}  // namespace vigil::station
