// The topic scheme of DESIGN.md section 1: <kind>/<unit>/<patient>, so a subscriber can
// take one message kind of one care unit by prefix ("alert/pacu/").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vigil::streamer {

enum class TopicKind { Vitals, Infusion, Event, Alert, Status, Heartbeat, Advice, Stats };

struct Topic {
  TopicKind kind = TopicKind::Vitals;
  std::string unit;
  std::string patient_id;
};

std::string_view topicKindName(TopicKind kind);
// "vitals/pacu/P01"; the engine-wide kinds are just their name: "heartbeat", "stats".
std::string makeTopic(TopicKind kind, std::string_view unit, std::string_view patient_id);
// The same into a string the caller reuses (no allocation once it is long enough).
void makeTopic(TopicKind kind, std::string_view unit, std::string_view patient_id, std::string& into);
// The prefix a subscriber uses for one kind, optionally of one unit: "alert/" or "alert/pacu/".
std::string topicPrefix(TopicKind kind, std::string_view unit = {});
// nullopt for anything not of the scheme (unknown kind, missing or empty parts, '/' in a part).
std::optional<Topic> parseTopic(std::string_view topic);

}  // namespace vigil::streamer
