#include "tools/vigil-acm/status_listener.h"

#include "streamer/hl7/hl7_ack.h"

namespace vigil::acm {

using streamer::importers::Hl7ErrorCode;

StatusHandler::StatusHandler(Forward forward, WallClock clock, std::size_t dedupe_capacity)
    : forward_(std::move(forward)), clock_(std::move(clock)), dedupe_(dedupe_capacity) {}

std::string StatusHandler::handle(std::string_view message) {
  ++counters_.messages;
  auto read = readAlertStatus(message);
  const auto sender = read.verdict.header.sending_application + "|" + read.verdict.header.sending_facility;
  if (read.verdict.accepted() && dedupe_.seen(sender, read.verdict.header.control_id)) {
    ++counters_.duplicates;
    return answer(read.verdict);
  }
  if (read.verdict.accepted()) forward(read);
  if (read.verdict.accepted()) dedupe_.remember(sender, read.verdict.header.control_id);
  return answer(read.verdict);
}

std::string StatusHandler::refuseOversize(std::string_view head, std::size_t limit) {
  ++counters_.messages;
  ++counters_.oversize;
  return answer(streamer::hl7::oversizeRefusal(head, limit));
}

// The engine journals the status before it answers: AA means it is kept.
void StatusHandler::forward(AlertStatusRead& read) {
  v1::ControlRequest request;
  *request.mutable_alert_status() = read.request;
  const auto reply = forward_(request);
  auto& verdict = read.verdict;
  if (!reply) {
    ++counters_.engine_unanswered;
    verdict.acknowledgement = "AE";
    verdict.error_code = Hl7ErrorCode::ApplicationError;
    verdict.error_text = "the engine did not answer: send the status again";
    return;
  }
  if (!reply->ok()) {
    ++counters_.not_current;
    verdict.acknowledgement = "AE";
    verdict.error_code = Hl7ErrorCode::UnknownKeyIdentifier;
    verdict.error_location = "OBR^1^3";
    verdict.error_text = reply->error();
    return;
  }
  if (reply->alert_status().acknowledged()) ++counters_.acknowledged;
}

std::string StatusHandler::answer(const streamer::importers::Hl7MessageResult& verdict) {
  if (verdict.accepted()) {
    ++counters_.accepted;
  } else {
    ++(verdict.acknowledgement == "AR" ? counters_.rejected : counters_.errors);
    ++counters_.refusal_reasons[verdict.acknowledgement + " " + std::to_string(static_cast<int>(verdict.error_code))];
  }
  streamer::hl7::AckOptions options;
  options.sending_application = "VIGIL-ACM";
  options.control_id = "VIGIL-ACM-ACK" + std::to_string(++acks_sent_);
  options.time_ms = clock_();
  return streamer::hl7::buildAck(verdict, options);
}

void StatusHandler::addCounters(streamer::hl7::CounterTable& table) const {
  const auto& c = counters_;
  table["status_messages"] = c.messages;
  table["status_accepted"] = c.accepted;
  table["status_duplicates"] = c.duplicates;
  table["status_acknowledged"] = c.acknowledged;
  table["status_errors"] = c.errors;
  table["status_rejected"] = c.rejected;
  table["status_oversize"] = c.oversize;
  table["status_not_current"] = c.not_current;
  table["status_engine_unanswered"] = c.engine_unanswered;
  streamer::hl7::CounterTable reasons;
  streamer::hl7::addRefusalReasons(reasons, c.refusal_reasons);
  for (const auto& [name, count] : reasons) table["status_" + name] = count;
}

}  // namespace vigil::acm
