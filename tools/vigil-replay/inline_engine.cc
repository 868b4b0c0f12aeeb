#include "tools/vigil-replay/inline_engine.h"

#include <fstream>
#include <ostream>
#include <sstream>

#include <google/protobuf/util/json_util.h>

#include "streamer/codec.h"
#include "streamer/topics.h"

namespace vigil::tools::replay {
using streamer::TopicKind;

namespace {

// The payload's own unit and patient count only if they agree with the topic (the engine
// service's rule): a mis-addressed frame must not raise alarms for another patient.
template <typename Value>
bool addressedConsistently(Value& value, const streamer::Topic& topic) {
  if (value.unit.empty()) value.unit = topic.unit;
  return value.patient_id == topic.patient_id && value.unit == topic.unit;
}

template <typename Value, typename Apply>
Fed apply(streamer::Decoded<Value> decoded, const streamer::Topic& topic, Apply into_engine) {
  Fed fed;
  fed.non_finite_dropped = decoded.dropped;
  if (!decoded.ok()) {
    fed.outcome = FeedOutcome::Undecodable;
  } else if (!addressedConsistently(*decoded.value, topic)) {
    fed.outcome = FeedOutcome::Mismatched;
  } else {
    fed.outputs = into_engine(*decoded.value);
  }
  return fed;
}

}  // namespace

Fed feedEngine(core::Engine& engine, const vigil::v1::RecordedMessage& message) {
  const auto topic = streamer::parseTopic(message.topic());
  if (!topic) return {{}, FeedOutcome::UnknownTopic, 0};
  switch (topic->kind) {
    case TopicKind::Vitals:
      return apply(streamer::decodeVitals(message.payload()), *topic,
                   [&](const core::VitalsFrame& frame) { return engine.onVitals(frame); });
    case TopicKind::Infusion:
      return apply(streamer::decodePumpStatus(message.payload()), *topic,
                   [&](const core::PumpStatus& status) { return engine.onInfusion(status); });
    case TopicKind::Event:
      return apply(streamer::decodeClinicalEvent(message.payload()), *topic,
                   [&](const core::ClinicalEvent& event) { return engine.onClinicalEvent(event); });
    default:
      return {{}, FeedOutcome::UnknownTopic, 0};
  }
}

std::string alarmJson(const core::AlarmEvent& event) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = true;
  std::string json;
  // Printing a message we built ourselves cannot fail.
  (void)google::protobuf::util::MessageToJsonString(streamer::toProto(event), &json, options);
  return json;
}

InlineCounts runInline(const std::vector<vigil::v1::RecordedMessage>& messages, core::Engine& engine,
                       std::ostream& jsonl) {
  InlineCounts counts;
  for (const auto& message : messages) {
    ++counts.messages;
    const Fed fed = feedEngine(engine, message);
    counts.non_finite_measurements += static_cast<std::uint64_t>(fed.non_finite_dropped);
    switch (fed.outcome) {
      case FeedOutcome::Applied: ++counts.applied; break;
      case FeedOutcome::UnknownTopic: ++counts.unknown_topic; break;
      case FeedOutcome::Undecodable: ++counts.undecodable; break;
      case FeedOutcome::Mismatched: ++counts.mismatched; break;
    }
    // The one place the engine's output is consumed.
    for (const auto& event : fed.outputs.alarms) {
      jsonl << alarmJson(event) << '\n';
      ++counts.alarm_events;
    }
  }
  jsonl.flush();
  return counts;
}

std::string describeInlineCounts(const InlineCounts& c) {
  std::ostringstream text;
  text << c.messages << " messages, " << c.applied << " applied, " << c.alarm_events << " alarm events; unknown topic "
       << c.unknown_topic << ", undecodable " << c.undecodable << ", mismatched " << c.mismatched
       << ", non-finite measurements " << c.non_finite_measurements;
  return text.str();
}

core::ProtocolLoad loadProtocol(const std::string& path) {
  std::ifstream file(path);
  if (!file) return {std::nullopt, {{"", "cannot open the protocol file (give one with --protocol P)"}}};
  std::stringstream text;
  text << file.rdbuf();
  return core::parseProtocol(text.str());
}

}  // namespace vigil::tools::replay
