#include "tools/vigil-replay/inline_engine.h"

#include <ostream>
#include <sstream>

#include <google/protobuf/util/json_util.h>

#include "streamer/codec.h"

namespace vigil::tools::replay {

service::IngestPipeline replayPipeline(core::Engine& engine) {
  return service::IngestPipeline(engine, {core::IngestGuardConfig{}, /*wall_clock=*/false});
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
  auto pipeline = replayPipeline(engine);
  InlineCounts counts;
  for (const auto& message : messages) {
    const auto result = pipeline.accept(streamer::Envelope{message.topic(), message.payload(), 2},
                                        core::fromMillis(message.receive_time_ms()));
    // The one place the engine's output is consumed.
    for (const auto& event : result.output.alarms) {
      jsonl << alarmJson(event) << '\n';
      ++counts.alarm_events;
    }
  }
  jsonl.flush();
  counts.ingest = pipeline.counters();
  return counts;
}

std::string describeInlineCounts(const InlineCounts& c) {
  std::ostringstream text;
  text << c.ingest.messages << " messages, " << c.ingest.accepted << " accepted, " << c.alarm_events
       << " alarm events; not accepted " << c.ingest.notAccepted() << " (unknown topic " << c.ingest.unknown_topic
       << ", undecodable " << c.ingest.undecodable << ", mismatched " << c.ingest.address_mismatch
       << ", refused by the guard " << c.ingest.refused_by_guard << "), non-finite measurements "
       << c.ingest.non_finite_measurements;
  return text.str();
}

}  // namespace vigil::tools::replay
