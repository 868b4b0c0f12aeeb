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

IngestResult IngestPipeline::accept(const streamer::Envelope& envelope, core::TimePoint receive_time,
                                    std::string_view gateway) {
  ++counters_.messages;
  if (!envelope.wellFormed()) {
    return stop(IngestOutcome::MalformedMultipart, "expected 2 frames, got " + std::to_string(envelope.parts));
  }
  const auto topic = streamer::parseTopic(envelope.topic);
  if (!topic) return stop(IngestOutcome::UnknownTopic, "topic is not <kind>/<unit>/<patient>");
  switch (topic->kind) {
    case TopicKind::Vitals:
      return admit(streamer::decodeVitals(envelope.payload, vitals_scratch_), *topic, receive_time, gateway,
                   [this](const core::VitalsFrame& frame) { return engine_.onVitals(frame); });
    case TopicKind::Infusion:
      return admit(streamer::decodePumpStatus(envelope.payload), *topic, receive_time, gateway,
                   [this](const core::PumpStatus& status) { return engine_.onInfusion(status); });
    case TopicKind::Event:
      return admit(streamer::decodeClinicalEvent(envelope.payload), *topic, receive_time, gateway,
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
                                   core::TimePoint receive_time, std::string_view gateway, Feed feed) {
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
  result.verdict = guard_.check(value, wall_now, gateway);
  noteSourceBudget(gateway, topic.unit, result.verdict, result.output);
  if (!result.verdict.accepted()) {
    ++counters_.refused_by_guard;
    result.outcome = IngestOutcome::Refused;
    result.error = result.verdict.reason;
    return result;
  }
  if (result.verdict.missing > 0) {
    result.gap = core::SequenceGap{value.patient_id, value.unit, sourceId(value), result.verdict.missing, value.time};
    // The lost frames come before this one: the engine hears of the gap first.
    result.output.append(engine_.onSequenceGap(*result.gap));
  }
  result.output.append(feed(value));
  ++counters_.accepted;
  return result;
}

namespace {

constexpr char kSourceLimitCondition[] = "gateway-source-limit";

std::string gatewayName(std::string_view gateway) {
  return "gateway:" + (gateway.empty() ? std::string("plain") : std::string(gateway));
}

}  // namespace

void IngestPipeline::noteSourceBudget(std::string_view gateway, const std::string& unit,
                                      const core::IngestVerdict& verdict, core::Outputs& out) {
  const bool refused = verdict.fault == core::FrameFault::TooManySources;
  auto board = gateway_boards_.find(gateway);
  if (!refused && (board == gateway_boards_.end() || !verdict.accepted() || verdict.gateway_full)) return;
  // Stamped with the engine's time: the refused frame's own time is not to be trusted.
  const auto now = engine_.now();
  if (refused) {
    if (board == gateway_boards_.end()) {
      board =
          gateway_boards_
              .emplace(std::string(gateway), core::AlarmBoard(gatewayName(gateway), engine_.protocol().alarm_system))
              .first;
    }
    if (board->second.has(kSourceLimitCondition)) return;
    board->second.setUnit(unit);
    core::Raise raise;
    raise.condition = kSourceLimitCondition;
    raise.kind = core::AlarmKind::Technical;
    raise.level = core::ConditionLevel{"Gateway at its device limit: new devices refused", core::Priority::Medium,
                                       core::AdviceAction::None, false};
    raise.trigger.metric = "sources";
    raise.trigger.value = static_cast<double>(guard_.sourceCount(gateway));
    raise.trigger.limit = "max " + std::to_string(config_.guard.max_sources) + " per gateway";
    raise.trigger.limit_value = static_cast<double>(config_.guard.max_sources);
    board->second.raise(std::move(raise), now, out.alarms);
    return;
  }
  board->second.clear(kSourceLimitCondition, now, out.alarms);
}

std::vector<core::AlarmEvent> IngestPipeline::gatewayAlarms() const {
  std::vector<core::AlarmEvent> alarms;
  for (const auto& [gateway, board] : gateway_boards_) {
    for (const auto* alarm : board.all()) alarms.push_back(*alarm);
  }
  return alarms;
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
