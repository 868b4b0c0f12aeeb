#include "tools/vigil-acm/alert_status.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>
#include <vector>

#include "streamer/hl7/hl7_ack.h"

namespace vigil::acm {
namespace {

using streamer::importers::Hl7ErrorCode;

constexpr std::array<std::pair<v1::AlertStatusKind, std::string_view>, 6> kStatusWords{{
    {v1::ALERT_STATUS_RECEIVED, "received"},
    {v1::ALERT_STATUS_DELIVERED, "delivered"},
    {v1::ALERT_STATUS_READ, "read"},
    {v1::ALERT_STATUS_ACCEPTED, "accepted"},
    {v1::ALERT_STATUS_REJECTED, "rejected"},
    {v1::ALERT_STATUS_CANCELLED, "cancelled"},
}};

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

std::vector<std::string_view> segmentsOf(std::string_view message) {
  std::vector<std::string_view> segments;
  for (auto line : split(message, '\r')) {
    for (auto part : split(line, '\n')) {
      if (!part.empty()) segments.push_back(part);
    }
  }
  return segments;
}

// Field `index` of the first segment named `name` (not MSH: its numbering is shifted).
std::string_view fieldOf(const std::vector<std::string_view>& segments, std::string_view name, std::size_t index) {
  for (const auto segment : segments) {
    const auto fields = split(segment, '|');
    if (fields.front() != name) continue;
    return index < fields.size() ? fields[index] : std::string_view();
  }
  return {};
}

std::string_view component(std::string_view field, std::size_t index) {
  const auto parts = split(field, '^');
  return index < parts.size() ? parts[index] : std::string_view();
}

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// PRT-3 "Delivered", or coded "accepted^Accepted^L": either component may hold the word.
v1::AlertStatusKind statusOf(std::string_view field) {
  for (std::size_t i = 0; i < 2; ++i) {
    const auto word = lowered(component(field, i));
    for (const auto& [kind, text] : kStatusWords) {
      if (word == text) return kind;
    }
  }
  return v1::ALERT_STATUS_UNSPECIFIED;
}

// PRT-5 (XCN): id^family^given. "Anna Lee, RN042", or whichever parts are there (the
// engine puts it in brackets after the alert manager's name, as a station's nurse).
std::string nurseOf(std::string_view field) {
  const auto id = std::string(component(field, 0));
  const auto family = std::string(component(field, 1));
  const auto given = std::string(component(field, 2));
  auto name = given.empty() ? family : family.empty() ? given : given + " " + family;
  if (name.empty()) return id;
  return id.empty() ? name : name + ", " + id;
}

void refuse(AlertStatusRead& read, const char* code, Hl7ErrorCode error, std::string location, std::string text) {
  read.verdict.acknowledgement = code;
  read.verdict.error_code = error;
  read.verdict.error_location = std::move(location);
  read.verdict.error_text = std::move(text);
}

// The header's verdict, in the order an interface engineer would look; true when it passes.
bool judgeHeader(std::string_view message, AlertStatusRead& read) {
  const auto& header = read.verdict.header;
  if (header.message_type.empty() && header.control_id.empty() && header.version.empty()) {
    refuse(read, "AR", Hl7ErrorCode::SegmentSequence, "MSH^1", "no MSH segment first: not an HL7 v2 message");
    return false;
  }
  if (header.version.rfind("2.", 0) != 0) {
    refuse(read, "AR", Hl7ErrorCode::UnsupportedVersion, "MSH^1^12",
           "unsupported HL7 version '" + header.version + "' (v2.x only)");
    return false;
  }
  if (header.control_id.empty()) {
    refuse(read, "AR", Hl7ErrorCode::RequiredFieldMissing, "MSH^1^10", "no message id: MSH-10 is empty");
    return false;
  }
  if (header.message_type != "ORA" || header.trigger_event != "R41") {
    refuse(read, "AR",
           header.message_type != "ORA" ? Hl7ErrorCode::UnsupportedMessageType : Hl7ErrorCode::UnsupportedEventCode,
           "MSH^1^9",
           "unsupported message " + header.message_type + "^" + header.trigger_event +
               " (this listener takes IHE PCD-05 alert status, ORA^R41, only)");
    return false;
  }
  if (!streamer::importers::singleByteCharacterSet(header.character_set)) {
    if (const auto offset = streamer::importers::firstInvalidUtf8(message)) {
      refuse(read, "AE", Hl7ErrorCode::DataTypeError, "MSH^1^18", "invalid UTF-8 at byte " + std::to_string(*offset));
      return false;
    }
  }
  return true;
}

}  // namespace

std::string alertStatusWord(v1::AlertStatusKind kind) {
  for (const auto& [known, text] : kStatusWords) {
    if (known == kind) return std::string(text);
  }
  return "unspecified";
}

AlertStatusRead readAlertStatus(std::string_view message) {
  AlertStatusRead read;
  const auto segments = segmentsOf(message);
  read.verdict.header = streamer::hl7::readHeaderLeniently(segments.empty() ? std::string_view() : segments.front());
  if (!judgeHeader(message, read)) return read;
  const auto alert_id = component(fieldOf(segments, "OBR", 3), 0);
  if (alert_id.empty()) {
    refuse(read, "AE", Hl7ErrorCode::RequiredFieldMissing, "OBR^1^3", "no alert identity: OBR-3 is missing or empty");
    return read;
  }
  const auto status_field = fieldOf(segments, "PRT", 3);
  const auto status = statusOf(status_field);
  if (status == v1::ALERT_STATUS_UNSPECIFIED) {
    refuse(read, "AE", Hl7ErrorCode::TableValueNotFound, "PRT^1^3",
           "unknown alert status '" + std::string(status_field) +
               "' (received, delivered, read, accepted, rejected or cancelled)");
    return read;
  }
  const auto nurse = nurseOf(fieldOf(segments, "PRT", 5));
  if (status == v1::ALERT_STATUS_ACCEPTED && nurse.empty()) {
    refuse(read, "AE", Hl7ErrorCode::RequiredFieldMissing, "PRT^1^5",
           "an accepted alert needs the nurse who accepted it: PRT-5 is missing or empty");
    return read;
  }
  read.request.set_alert_id(std::string(alert_id));
  read.request.set_status(status);
  read.request.set_nurse(nurse);
  read.request.set_alert_manager(std::string(component(read.verdict.header.sending_application, 0)));
  read.request.set_message_id(read.verdict.header.control_id);
  return read;
}

}  // namespace vigil::acm
