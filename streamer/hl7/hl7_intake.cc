#include "streamer/hl7/hl7_intake.h"

#include "streamer/hl7/hl7_ack.h"
#include "streamer/topics.h"
#include "vitals.pb.h"

namespace vigil::streamer::hl7 {

Hl7Intake::Hl7Intake(Publish publish, WallClock clock, IntakeOptions options)
    : publish_(std::move(publish)),
      clock_(std::move(clock)),
      options_(std::move(options)),
      dedupe_(options_.dedupe_capacity) {}

std::string Hl7Intake::handle(std::string_view message) {
  ++counters_.messages;
  importers::ImportOptions import_options;
  import_options.unit = options_.default_unit;
  auto result = importers::importHl7Message(message, "hl7", import_options);
  const auto sender = result.header.sending_application + "|" + result.header.sending_facility;
  if (result.accepted() && dedupe_.seen(sender, result.header.control_id)) {
    ++counters_.duplicates;
    return acknowledge(result);
  }
  if (result.accepted() && !publishAll(result)) {
    result.acknowledgement = "AE";
    result.error_code = importers::Hl7ErrorCode::ApplicationError;
    result.error_location.clear();
    result.error_text = "could not forward to the engine (send queue full): send the message again";
  }
  if (result.accepted()) dedupe_.remember(sender, result.header.control_id);
  count(result);
  return acknowledge(result);
}

std::string Hl7Intake::refuseOversize(std::string_view head, std::size_t limit) {
  ++counters_.messages;
  ++counters_.oversize;
  auto result = oversizeRefusal(head, limit);
  count(result);
  return acknowledge(result);
}

bool Hl7Intake::publishAll(const importers::Hl7MessageResult& result) {
  for (const auto& message : result.import.messages) {
    if (!publish_(message.topic(), renumbered(message.topic(), message.payload()))) {
      ++counters_.publish_failures;
      return false;
    }
    ++counters_.published;
  }
  return true;
}

// The parser numbers each message's frames from 1; the engine wants one count per device
// across messages, so the gateway numbers them as it publishes.
std::string Hl7Intake::renumbered(const std::string& topic, const std::string& payload) {
  const auto parsed = parseTopic(topic);
  if (parsed && parsed->kind == TopicKind::Infusion) {
    vigil::v1::PumpStatus status;
    status.ParseFromString(payload);
    status.set_sequence(++next_sequence_["pump:" + status.device_id()]);
    return status.SerializeAsString();
  }
  vigil::v1::VitalsFrame frame;
  frame.ParseFromString(payload);
  frame.set_sequence(++next_sequence_["vitals:" + frame.device_id()]);
  return frame.SerializeAsString();
}

std::string Hl7Intake::acknowledge(importers::Hl7MessageResult& result) {
  AckOptions options;
  options.control_id = "VIGIL" + std::to_string(++acks_sent_);
  options.time_ms = clock_();
  return buildAck(result, options);
}

void Hl7Intake::count(const importers::Hl7MessageResult& result) {
  if (result.acknowledgement == "AA") {
    ++counters_.accepted;
    return;
  }
  ++(result.acknowledgement == "AR" ? counters_.rejected : counters_.errors);
  ++counters_.refusal_reasons[result.acknowledgement + " " + std::to_string(static_cast<int>(result.error_code))];
}

}  // namespace vigil::streamer::hl7
