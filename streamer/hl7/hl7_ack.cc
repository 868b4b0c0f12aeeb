#include "streamer/hl7/hl7_ack.h"

#include <chrono>
#include <cstdio>
#include <vector>

namespace vigil::streamer::hl7 {
namespace {

std::string field(const std::vector<std::string_view>& fields, std::size_t index) {
  return index < fields.size() ? std::string(fields[index]) : std::string();
}

std::string firstComponent(std::string_view text) { return std::string(text.substr(0, text.find('^'))); }

}  // namespace

std::string escapeField(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '|': out += "\\F\\"; break;
      case '^': out += "\\S\\"; break;
      case '~': out += "\\R\\"; break;
      case '\\': out += "\\E\\"; break;
      case '&': out += "\\T\\"; break;
      default: out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
    }
  }
  return out;
}

std::string hl7Timestamp(std::int64_t epoch_ms) {
  const auto seconds = std::chrono::sys_seconds(std::chrono::seconds(epoch_ms / 1000));
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss time(seconds - day);
  char text[64];
  std::snprintf(text, sizeof text, "%04d%02u%02u%02ld%02ld%02ld+0000", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                static_cast<long>(time.seconds().count()));
  return text;
}

std::string buildAck(const importers::Hl7MessageResult& result, const AckOptions& options) {
  const auto& header = result.header;
  const auto version = header.version.rfind("2.", 0) == 0 ? header.version : std::string("2.6");
  const auto event = header.trigger_event.empty() ? std::string() : escapeField(header.trigger_event);
  std::string ack = "MSH|^~\\&|" + escapeField(options.sending_application) + "||" + header.sending_application + "|" +
                    header.sending_facility + "|" + hl7Timestamp(options.time_ms) + "||ACK^" + event + "^ACK|" +
                    escapeField(options.control_id) + "|P|" + escapeField(version) + "\r";
  ack += "MSA|" + result.acknowledgement + "|" + escapeField(header.control_id);
  if (result.accepted()) return ack + "\r";
  // MSA-3 carries the reason for v2.3-era receivers; ERR-2/3/4/8 for v2.5 and later.
  ack += "|" + escapeField(result.error_text) + "\r";
  // ERR-2 is a composite (segment^sequence^field) that Vigil builds itself.
  ack += "ERR||" + result.error_location + "|" + std::to_string(static_cast<int>(result.error_code)) + "^" +
         escapeField(result.error_text) + "^HL70357|E||||" + escapeField(result.error_text) + "\r";
  return ack;
}

importers::Hl7Header readHeaderLeniently(std::string_view first_segment) {
  importers::Hl7Header header;
  if (first_segment.substr(0, 3) != "MSH" || first_segment.size() < 4 || first_segment[3] != '|') return header;
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= first_segment.size(); ++i) {
    if (i == first_segment.size() || first_segment[i] == '|') {
      fields.push_back(first_segment.substr(start, i - start));
      start = i + 1;
    }
  }
  // fields[1] is MSH-2: MSH's numbering is one higher than the split index.
  header.sending_application = field(fields, 2);
  header.sending_facility = field(fields, 3);
  header.receiving_application = field(fields, 4);
  header.receiving_facility = field(fields, 5);
  const auto type = field(fields, 8);
  header.message_type = firstComponent(type);
  if (const auto caret = type.find('^'); caret != std::string::npos)
    header.trigger_event = firstComponent(type.substr(caret + 1));
  header.control_id = firstComponent(field(fields, 9));
  header.version = firstComponent(field(fields, 11));
  header.character_set = firstComponent(field(fields, 17));
  return header;
}

importers::Hl7MessageResult oversizeRefusal(std::string_view head, std::size_t limit) {
  importers::Hl7MessageResult result;
  result.header = readHeaderLeniently(head);
  result.acknowledgement = "AR";
  result.error_code = importers::Hl7ErrorCode::ApplicationError;
  result.error_text = "message larger than the limit of " + std::to_string(limit) + " bytes";
  return result;
}

}  // namespace vigil::streamer::hl7
