// HL7 v2 acknowledgements (original mode ACK): MSH, MSA and, for AE/AR, an ERR segment
// with the HL7 table 0357 code, the location and the reason in words.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "streamer/importers/importer.h"

namespace vigil::streamer::hl7 {

// Text made safe for one HL7 field: the delimiters become their escape sequences and
// control characters become spaces.
std::string escapeField(std::string_view text);

// "YYYYMMDDHHMMSS+0000" of a time in ms since the epoch (UTC).
std::string hl7Timestamp(std::int64_t epoch_ms);

struct AckOptions {
  std::string sending_application = "VIGIL";
  std::string control_id;    // MSH-10 of the ACK itself
  std::int64_t time_ms = 0;  // MSH-7
};

// The ACK of `result` (segments end in CR, no MLLP framing).
std::string buildAck(const importers::Hl7MessageResult& result, const AckOptions& options);

// AR for a message cut off at the size limit, naming the limit, with whatever MSH it had.
importers::Hl7MessageResult oversizeRefusal(std::string_view head, std::size_t limit);

// The header a refusal still needs when the message could not be parsed (oversize, no MSH):
// whatever MSH fields the first segment gives.
importers::Hl7Header readHeaderLeniently(std::string_view first_segment);

}  // namespace vigil::streamer::hl7
