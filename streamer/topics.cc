#include "streamer/topics.h"

#include <array>
#include <utility>

namespace vigil::streamer {
namespace {

constexpr std::array<std::pair<TopicKind, std::string_view>, 8> kKindNames{{
    {TopicKind::Vitals, "vitals"},
    {TopicKind::Infusion, "infusion"},
    {TopicKind::Event, "event"},
    {TopicKind::Alert, "alert"},
    {TopicKind::Status, "status"},
    {TopicKind::Heartbeat, "heartbeat"},
    {TopicKind::Advice, "advice"},
    {TopicKind::Stats, "stats"},
}};

// Engine-wide kinds belong to no unit or patient: the topic is the kind alone.
bool engineWide(TopicKind kind) { return kind == TopicKind::Heartbeat || kind == TopicKind::Stats; }

std::optional<TopicKind> kindFromName(std::string_view name) {
  for (const auto& [kind, kind_name] : kKindNames) {
    if (kind_name == name) return kind;
  }
  return std::nullopt;
}

}  // namespace

std::string_view topicKindName(TopicKind kind) {
  for (const auto& [candidate, name] : kKindNames) {
    if (candidate == kind) return name;
  }
  return "unknown";
}

std::string makeTopic(TopicKind kind, std::string_view unit, std::string_view patient_id) {
  std::string topic;
  makeTopic(kind, unit, patient_id, topic);
  return topic;
}

void makeTopic(TopicKind kind, std::string_view unit, std::string_view patient_id, std::string& into) {
  into.assign(topicKindName(kind));
  if (engineWide(kind)) return;
  into.append("/").append(unit).append("/").append(patient_id);
}

std::string topicPrefix(TopicKind kind, std::string_view unit) {
  std::string prefix(topicKindName(kind));
  if (engineWide(kind)) return prefix;
  prefix.append("/");
  if (!unit.empty()) prefix.append(unit).append("/");
  return prefix;
}

std::optional<Topic> parseTopic(std::string_view topic) {
  const auto first = topic.find('/');
  const auto kind = kindFromName(topic.substr(0, first));
  if (!kind) return std::nullopt;
  if (engineWide(*kind)) {
    if (first != std::string_view::npos) return std::nullopt;
    return Topic{*kind, {}, {}};
  }
  if (first == std::string_view::npos) return std::nullopt;
  const auto rest = topic.substr(first + 1);
  const auto second = rest.find('/');
  if (second == std::string_view::npos) return std::nullopt;
  const auto unit = rest.substr(0, second);
  const auto patient = rest.substr(second + 1);
  if (unit.empty() || patient.empty() || patient.find('/') != std::string_view::npos) return std::nullopt;
  return Topic{*kind, std::string(unit), std::string(patient)};
}

}  // namespace vigil::streamer
