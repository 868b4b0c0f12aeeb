#include "alarms/service/ingest_pipeline.h"

#include "alarms/core/counters.h"

namespace vigil::service {
using streamer::TopicKind;

namespace {

// The payload's own unit and patient win only if they agree with the topic it came on;
// otherwise a mis-addressed frame would raise alarms for someone else's patient.
template <typename Value>
bool addressedConsistently(Value& value, const streamer::Topic& topic) {
  if (value.unit.empty()) value.unit = topic.unit;
  return value.patient_id == topic.patient_id && value.unit == topic.unit;
}

}  // namespace

std::string_view ingestOutcomeName(IngestOutcome outcome) {
  switch (outcome) {
    case IngestOutcome::Accepted: return "accepted";
    case IngestOutcome::MalformedMultipart: return "malformed_multipart";
    case IngestOutcome::UnknownTopic: return "unknown_topic";
    case IngestOutcome::Undecodable: return "undecodable";
    case IngestOutcome::AddressMismatch: return "address_mismatch";
    case IngestOutcome::Refused: return "refused_by_guard";
  }
  return "?";
}

IngestPipeline::IngestPipeline(core::Engine& engine, IngestPipelineConfig config)
    : engine_(engine), config_(config), guard_(config.guard) {}

IngestResult IngestPipeline::accept(const streamer::Envelope& envelope, core::TimePoint receive_time) {
  ++counters_.messages;
  if (!envelope.wellFormed()) {
    return stop(IngestOutcome::MalformedMultipart, "expected 2 frames, got " + std::to_string(envelope.parts));
  }
  const auto topic = streamer::parseTopic(envelope.topic);
  if (!topic) return stop(IngestOutcome::UnknownTopic, "topic is not <kind>/<unit>/<patient>");
  switch (topic->kind) {
    case TopicKind::Vitals:
      return admit(streamer::decodeVitals(envelope.payload), *topic, receive_time,
                   [this](const core::VitalsFrame& frame) { return engine_.onVitals(frame); });
    case TopicKind::Infusion:
      return admit(streamer::decodePumpStatus(envelope.payload), *topic, receive_time,
                   [this](const core::PumpStatus& status) { return engine_.onInfusion(status); });
    case TopicKind::Event:
      return admit(streamer::decodeClinicalEvent(envelope.payload), *topic, receive_time,
                   [this](const core::ClinicalEvent& event) { return engine_.onClinicalEvent(event); });
    default:
      return stop(IngestOutcome::UnknownTopic,
                  "the engine does not take '" + std::string(streamer::topicKindName(topic->kind)) + "' messages");
  }
}

namespace {

template <typename Value>
const std::string& sourceId(const Value& value) {
  if constexpr (requires { value.device_id; }) {
    return value.device_id;
  } else {
    return value.source_id;
  }
}

}  // namespace

template <typename Value, typename Feed>
IngestResult IngestPipeline::admit(streamer::Decoded<Value> decoded, const streamer::Topic& topic,
                                   core::TimePoint receive_time, Feed feed) {
  counters_.non_finite_measurements += static_cast<std::uint64_t>(decoded.dropped);
  if (decoded.unknown_enum) ++counters_.unknown_enum_values;
  if (!decoded.ok()) return stop(IngestOutcome::Undecodable, decoded.error);
  auto& value = *decoded.value;
  if (!addressedConsistently(value, topic)) {
    return stop(IngestOutcome::AddressMismatch, "payload for " + value.unit + "/" + value.patient_id + " on topic " +
                                                    topic.unit + "/" + topic.patient_id);
  }
  const auto wall_now = config_.wall_clock ? std::optional<core::TimePoint>(receive_time) : std::nullopt;
  IngestResult result;
  result.verdict = guard_.check(value, wall_now);
  if (!result.verdict.accepted()) {
    ++counters_.refused_by_guard;
    result.outcome = IngestOutcome::Refused;
    result.error = result.verdict.reason;
    return result;
  }
  if (result.verdict.missing > 0) {
    result.gap = core::SequenceGap{value.patient_id, value.unit, sourceId(value), result.verdict.missing, value.time};
    // The lost frames come before this one: the engine hears of the gap first.
    result.output = engine_.onSequenceGap(*result.gap);
  }
  result.output.append(feed(value));
  ++counters_.accepted;
  return result;
}

IngestResult IngestPipeline::stop(IngestOutcome outcome, std::string error) {
  switch (outcome) {
    case IngestOutcome::MalformedMultipart: ++counters_.malformed_multipart; break;
    case IngestOutcome::UnknownTopic: ++counters_.unknown_topic; break;
    case IngestOutcome::Undecodable: ++counters_.undecodable; break;
    case IngestOutcome::AddressMismatch: ++counters_.address_mismatch; break;
    case IngestOutcome::Refused: ++counters_.refused_by_guard; break;
    case IngestOutcome::Accepted: break;
  }
  IngestResult result;
  result.outcome = outcome;
  result.error = std::move(error);
  return result;
}

void IngestPipeline::visitCounters(const core::CounterVisitor& visit) const {
  core::visitPrefixed(counters_, "ingest.", visit);
  core::visitPrefixed(guard_.counters(), "guard.", visit);
}

}  // namespace vigil::service
