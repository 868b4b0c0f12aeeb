// HL7 v2 device messages (IHE PCD): ORU^R01 observations become vital-sign frames, pump
// observations (in ORU^R42 or ORU^R01) a PumpStatus, ORU^R40 alarm reports are counted as
// skipped. Segments may end in CR, LF or CRLF; MLLP framing bytes are dropped. See README.md.
// One parser serves both the file importer (importHl7Text) and the MLLP listener
// (importHl7Message), which also needs the header and the verdict an ACK carries.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "alarms/core/metrics.h"
#include "streamer/importers/codes.h"
#include "streamer/importers/collector.h"
#include "streamer/importers/importer.h"
#include "streamer/importers/text.h"

namespace vigil::streamer::importers {
namespace {

namespace mdc = core::mdc;

// Pump observations (IHE PCD-10 / PCD-01 infusion pump profile).
constexpr std::uint32_t kFlowCurrent = 158014;     // MDC_FLOW_FLUID_PUMP_CURRENT, mL/h
constexpr std::uint32_t kPatientWeight = 68063;    // MDC_ATTR_PT_WEIGHT
constexpr std::uint32_t kDrugName = 184514;        // MDC_DRUG_NAME_LABEL
constexpr std::uint32_t kInfusingStatus = 184519;  // MDC_PUMP_INFUSING_STATUS
constexpr std::uint32_t kDeliveryStatus = 158005;  // MDC_DEV_PUMP_CURRENT_DELIVERY_STATUS
constexpr std::uint32_t kSystemId = 67972;         // MDC_ATTR_SYS_ID: the pump's own key

struct Encoding {
  char field = '|';
  char component = '^';
  char repetition = '~';
  char escape = '\\';
  char subcomponent = '&';
};

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// \Xhhhh\: the bytes, two hex digits each; a malformed one is dropped whole.
void appendHex(std::string_view hex, std::string& out) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    const int high = hexDigit(hex[i]);
    const int low = hexDigit(hex[i + 1]);
    if (high < 0 || low < 0) return;
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  if (hex.size() % 2 == 0) out += bytes;
}

// \F\ \S\ \T\ \R\ \E\ \Xhh..\ and \.br\ ; other escapes (formatting) are dropped.
std::string unescape(std::string_view text, const Encoding& encoding) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != encoding.escape) {
      out.push_back(text[i]);
      continue;
    }
    const auto end = text.find(encoding.escape, i + 1);
    if (end == std::string_view::npos) {  // a lone escape character is kept as it is
      out.append(text.substr(i));
      break;
    }
    const auto sequence = text.substr(i + 1, end - i - 1);
    if (sequence == "F") out.push_back(encoding.field);
    else if (sequence == "S") out.push_back(encoding.component);
    else if (sequence == "T") out.push_back(encoding.subcomponent);
    else if (sequence == "R") out.push_back(encoding.repetition);
    else if (sequence == "E") out.push_back(encoding.escape);
    else if (sequence == ".br") out.push_back('\n');
    else if (!sequence.empty() && sequence.front() == 'X') appendHex(sequence.substr(1), out);
    i = end;
  }
  return out;
}

class Segment {
 public:
  Segment(std::string_view text, const Encoding& encoding) : encoding_(encoding) {
    fields_ = split(text, encoding.field);
    // MSH-1 is the separator itself, so MSH's fields are numbered one higher.
    if (!fields_.empty() && fields_[0] == "MSH") fields_.insert(fields_.begin() + 1, std::string_view("|"));
  }
  std::string_view name() const { return fields_.empty() ? std::string_view() : fields_[0]; }
  std::string_view raw(std::size_t index) const { return index < fields_.size() ? fields_[index] : std::string_view(); }
  // The first repetition's component (1-based), unescaped.
  std::string component(std::size_t index, std::size_t component_index) const {
    const auto first_repetition = split(raw(index), encoding_.repetition)[0];
    const auto components = split(first_repetition, encoding_.component);
    if (component_index == 0 || component_index > components.size()) return {};
    return unescape(components[component_index - 1], encoding_);
  }
  std::vector<std::string> components(std::size_t index) const {
    std::vector<std::string> all;
    const auto first_repetition = split(raw(index), encoding_.repetition)[0];
    for (const auto part : split(first_repetition, encoding_.component)) {
      all.push_back(unescape(part, encoding_));
    }
    return all;
  }

 private:
  Encoding encoding_;
  std::vector<std::string_view> fields_;
};

// OBX-6: UCUM when the coding system (or the alternate one) says UCUM, else an MDC_DIM_* code.
std::string unitOf(const Segment& obx) {
  const auto parts = obx.components(6);
  auto part = [&parts](std::size_t i) { return i < parts.size() ? parts[i] : std::string(); };
  if (toUpper(part(2)) == "UCUM") return part(0);
  if (toUpper(part(5)) == "UCUM") return part(3);
  if (auto ucum = unitFromMdc(part(0)); !ucum.empty()) return ucum;
  if (auto ucum = unitFromMdc(part(1)); !ucum.empty()) return ucum;
  return part(0);
}

// OBX-3: the number, or (for the partition-less or private "0" codes) the REFID.
std::optional<std::uint32_t> codeOf(const Segment& obx) {
  if (const auto number = parseInt(obx.component(3, 1)); number && *number > 0) {
    return static_cast<std::uint32_t>(*number);
  }
  return codeForName(obx.component(3, 2));
}

struct PumpReadings {
  std::optional<double> programmed_rate_ml_per_h;
  std::optional<double> current_flow_ml_per_h;
  std::optional<double> dose_rate_mg_per_kg_per_h;
  std::optional<double> concentration_mg_per_ml;
  std::optional<double> weight_kg;
  std::optional<double> volume_infused_ml;
  std::string drug;
  std::string status;
  std::string system_id;
  std::optional<std::int64_t> time_ms;
  bool any() const { return programmed_rate_ml_per_h || current_flow_ml_per_h || dose_rate_mg_per_kg_per_h; }
};

// Converts a dose rate to mg/kg/h; nullopt for a unit that is not a mass per kg per time.
std::optional<double> doseRateMgPerKgPerH(double value, std::string_view unit) {
  const auto key = toUpper(trim(unit));
  if (key == "MG/KG/H" || key == "MG/KG/HR" || key == "MG/KG/HOUR") return value;
  if (key == "UG/KG/MIN" || key == "MCG/KG/MIN") return value * 60 / 1000;
  if (key == "UG/KG/H" || key == "MCG/KG/H" || key == "MCG/KG/HOUR") return value / 1000;
  if (key == "MG/KG/MIN") return value * 60;
  return std::nullopt;
}

// What the listener's ACK needs beyond the readings: the header, whether a patient was
// named, the location, and the first observation that could not be read.
struct MessageFindings {
  bool header_read = false;
  Hl7Header header;
  std::string patient;  // PID-3.1, "" when absent
  std::string point_of_care, room, bed;
  std::string problem_location;  // ERR-2 of the first unreadable observation, "OBX^3^5"
  std::string problem;
};

struct MessageContext {
  MessageFindings findings;
  Encoding encoding;
  std::string event;  // "R01"
  std::string patient;
  std::string device;
  int zone_minutes = 0;
  std::optional<std::int64_t> message_time_ms;
  std::optional<std::int64_t> observation_time_ms;  // OBR-7
  std::string order_text;                           // OBR-4 text: the drug for pumps
  PumpReadings pump;
};

class Hl7Parser {
 public:
  Hl7Parser(std::string_view source_name, MessageCollector& collector) : source_(source_name), collector_(collector) {}

  MessageFindings message(const std::vector<std::string_view>& segments, std::size_t first_segment_number) {
    MessageContext context;
    if (!header(segments.front(), context, first_segment_number)) return context.findings;
    if (context.event == "R40") {
      collector_.skip("ORU^R40 alarm report (alarms are not imported)");
      return context.findings;
    }
    for (std::size_t i = 1; i < segments.size(); ++i) {
      const Segment segment(segments[i], context.encoding);
      if (segment.name() == "PID") patient(segment, context);
      else if (segment.name() == "PV1") visit(segment, context);
      else if (segment.name() == "OBR") order(segment, context);
      else if (segment.name() == "OBX") observation(segment, context);
    }
    if (context.pump.any()) collector_.addPump(pumpStatus(context));
    return context.findings;
  }

 private:
  bool header(std::string_view text, MessageContext& context, std::size_t segment_number) {
    if (text.size() < 8) {
      collector_.skip("MSH segment too short (segment " + std::to_string(segment_number) + ")");
      return false;
    }
    context.encoding.field = text[3];
    context.encoding.component = text[4];
    context.encoding.repetition = text[5];
    context.encoding.escape = text[6];
    context.encoding.subcomponent = text[7];
    const Segment msh(text, context.encoding);
    const auto type = msh.component(9, 1);
    context.event = msh.component(9, 2);
    readHeader(msh, text, context.findings);
    if (type != "ORU") {
      collector_.skip("message type " + type + "^" + context.event + " (not an observation report)");
      return false;
    }
    context.zone_minutes = hl7ZoneOffsetMinutes(msh.raw(7)).value_or(0);
    context.message_time_ms = parseHl7Time(msh.raw(7), context.zone_minutes);
    context.device = msh.component(3, 1);
    if (context.device.empty()) context.device = source_;
    context.patient = source_;
    return true;
  }

  static void readHeader(const Segment& msh, std::string_view text, MessageFindings& findings) {
    auto& header = findings.header;
    header.field_separator = std::string(1, text[3]);
    header.encoding_characters = std::string(msh.raw(2));
    header.sending_application = std::string(msh.raw(3));
    header.sending_facility = std::string(msh.raw(4));
    header.receiving_application = std::string(msh.raw(5));
    header.receiving_facility = std::string(msh.raw(6));
    header.message_type = msh.component(9, 1);
    header.trigger_event = msh.component(9, 2);
    header.control_id = msh.component(10, 1);
    header.processing_id = msh.component(11, 1);
    header.version = msh.component(12, 1);
    header.character_set = msh.component(18, 1);
    findings.header_read = true;
  }

  void patient(const Segment& pid, MessageContext& context) {
    const auto id = pid.component(3, 1);
    if (!id.empty()) context.patient = id;
    context.findings.patient = id;
  }

  // PV1-3, the assigned location: point of care, room, bed.
  static void visit(const Segment& pv1, MessageContext& context) {
    context.findings.point_of_care = pv1.component(3, 1);
    context.findings.room = pv1.component(3, 2);
    context.findings.bed = pv1.component(3, 3);
  }

  // The first unreadable observation is what an ACK's ERR segment names.
  void unreadable(const Segment& obx, std::size_t field, std::string_view reason, MessageContext& context) {
    collector_.skip(reason);
    if (!context.findings.problem.empty()) return;
    const auto set_id = trim(obx.raw(1));
    // ERR-2 is a composite: only a numeric set id goes into it as it is.
    const bool numeric = !set_id.empty() && set_id.find_first_not_of("0123456789") == std::string_view::npos;
    context.findings.problem_location = "OBX^" + std::string(numeric ? set_id : "1") + "^" + std::to_string(field);
    context.findings.problem =
        std::string(reason) + " in OBX " + std::string(set_id) + " (" + obx.component(3, 2) + ")";
  }

  void order(const Segment& obr, MessageContext& context) {
    context.observation_time_ms = parseHl7Time(obr.raw(7), context.zone_minutes);
    context.order_text = obr.component(4, 2);
  }

  std::optional<std::int64_t> timeOf(const Segment& obx, const MessageContext& context) {
    if (!trim(obx.raw(14)).empty()) return parseHl7Time(obx.raw(14), context.zone_minutes);
    return context.observation_time_ms ? context.observation_time_ms : context.message_time_ms;
  }

  void observation(const Segment& obx, MessageContext& context) {
    const auto code = codeOf(obx);
    const auto value_text = obx.component(5, 1);
    const auto value_type = toUpper(trim(obx.raw(2)));
    if (!code) return collector_.skip("OBX with code 0 or none (private attribute)");
    if (pumpObservation(*code, obx, context)) return;
    if (value_type.empty() && trim(obx.raw(5)).empty()) return collector_.skip("device hierarchy OBX (no value)");
    if (value_type != "NM") return collector_.skip("non-numeric observation (" + value_type + ")");
    const auto status = toUpper(trim(obx.raw(11)));
    if (status == "W" || status == "D") return collector_.skip("observation withdrawn (OBX-11 " + status + ")");
    const auto value = parseDouble(value_text);
    if (!value) return unreadable(obx, 5, "unreadable numeric value", context);
    const auto time_ms = timeOf(obx, context);
    if (!time_ms) return unreadable(obx, 14, "unreadable observation time", context);
    collector_.addReading(context.patient, context.device, *time_ms, *code, *value, unitOf(obx));
  }

  // Pump observations fill context.pump; true when the code was one of them.
  bool pumpObservation(std::uint32_t code, const Segment& obx, MessageContext& context) {
    auto& pump = context.pump;
    const auto value = parseDouble(obx.component(5, 1));
    const auto unit = canonicalUnit(unitOf(obx));
    switch (code) {
      case mdc::kPumpFlow:
        pump.programmed_rate_ml_per_h = value;
        pump.time_ms = timeOf(obx, context);
        return true;
      case kFlowCurrent:
        pump.current_flow_ml_per_h = value;
        if (!pump.time_ms) pump.time_ms = timeOf(obx, context);
        return true;
      case mdc::kDoseRate:
        if (value) pump.dose_rate_mg_per_kg_per_h = doseRateMgPerKgPerH(*value, unit);
        if (value && !pump.dose_rate_mg_per_kg_per_h)
          collector_.skip("dose rate unit '" + unit + "' not convertible to mg/kg/h");
        return true;
      case mdc::kDrugConcentration:
        if (value && (unit == "mg/mL" || unit.empty())) pump.concentration_mg_per_ml = value;
        else if (value && (unit == "ug/mL" || unit == "mcg/mL")) pump.concentration_mg_per_ml = *value / 1000;
        else collector_.skip("drug concentration unit '" + unit + "' not convertible to mg/mL");
        return true;
      case kPatientWeight:
        if (value && (unit == "kg" || unit.empty())) pump.weight_kg = value;
        else if (value && unit == "g") pump.weight_kg = *value / 1000;
        else if (value && (unit == "[lb_av]" || unit == "lb")) pump.weight_kg = *value * 0.45359237;
        else collector_.skip("patient weight unit '" + unit + "' not convertible to kg");
        return true;
      case mdc::kVolumeInfused: pump.volume_infused_ml = value; return true;
      case kDrugName: pump.drug = obx.component(5, 1); return true;
      case kInfusingStatus:
      case kDeliveryStatus:
        if (pump.status.empty() || code == kDeliveryStatus) pump.status = obx.component(5, 2);
        return true;
      case kSystemId: pump.system_id = obx.component(5, 1); return true;
      default: return false;
    }
  }

  vigil::v1::PumpState stateOf(const PumpReadings& pump, double rate) const {
    const auto status = toUpper(pump.status);
    if (status.find("NOT-INFUSING") != std::string::npos || status.find("NOT-DELIVERING") != std::string::npos) {
      return vigil::v1::PUMP_STOPPED;
    }
    if (status.find("PAUSE") != std::string::npos) return vigil::v1::PUMP_PAUSED;
    if (status.find("ALARM") != std::string::npos) return vigil::v1::PUMP_ALARM;
    if (status.find("INFUSING") != std::string::npos || status.find("DELIVERING") != std::string::npos) {
      return vigil::v1::PUMP_RUNNING;
    }
    return rate > 0 ? vigil::v1::PUMP_RUNNING : vigil::v1::PUMP_STOPPED;
  }

  vigil::v1::PumpStatus pumpStatus(const MessageContext& context) {
    const auto& pump = context.pump;
    vigil::v1::PumpStatus status;
    status.set_patient_id(context.patient);
    status.set_device_id(pump.system_id.empty() ? context.device : pump.system_id);
    const auto time_ms = pump.time_ms
                             ? pump.time_ms
                             : (context.observation_time_ms ? context.observation_time_ms : context.message_time_ms);
    status.set_source_time_ms(time_ms.value_or(0));
    status.set_drug(pump.drug.empty() ? context.order_text : pump.drug);
    const double rate = pump.programmed_rate_ml_per_h.value_or(pump.current_flow_ml_per_h.value_or(0));
    status.set_rate_ml_per_h(rate);
    status.set_dose_rate_mg_per_kg_per_h(pump.dose_rate_mg_per_kg_per_h.value_or(0));
    status.set_concentration_mg_per_ml(pump.concentration_mg_per_ml.value_or(0));
    status.set_patient_weight_kg(pump.weight_kg.value_or(0));
    status.set_volume_infused_ml(pump.volume_infused_ml.value_or(0));
    status.set_state(stateOf(pump, rate));
    return status;
  }

  std::string source_;
  MessageCollector& collector_;
};

// Segments split on CR, LF or CRLF; MLLP's start (0x0B) and end (0x1C) bytes separate too.
std::vector<std::string_view> segmentsOf(std::string_view text) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\r' || text[i] == '\n' || text[i] == '\x0b' || text[i] == '\x1c') {
      const auto segment = trim(text.substr(start, i - start));
      if (!segment.empty()) segments.push_back(segment);
      start = i + 1;
    }
  }
  return segments;
}

}  // namespace

// The byte offset of the first invalid UTF-8 sequence (overlong forms, surrogates and
// code points above U+10FFFF included), or nullopt when the text is valid.
std::optional<std::size_t> firstInvalidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    if (lead < 0x80) length = 1, code_point = lead;
    else if ((lead & 0xE0) == 0xC0) length = 2, code_point = lead & 0x1F;
    else if ((lead & 0xF0) == 0xE0) length = 3, code_point = lead & 0x0F;
    else if ((lead & 0xF8) == 0xF0) length = 4, code_point = lead & 0x07;
    else return i;
    if (i + length > text.size()) return i;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return i;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    static constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kSmallest[length] || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return i;
    }
    i += length;
  }
  return std::nullopt;
}

// MSH-18 names a single-byte character set (ISO 8859): any byte is a character.
bool singleByteCharacterSet(std::string_view character_set) {
  return toUpper(character_set).find("8859") != std::string::npos;
}

namespace {

// Why a message is refused (AR: not for this receiver) or in error (AE), in the order an
// interface engineer would look: version, type, character set, patient, observations.
void judge(std::string_view message, const MessageFindings& findings, Hl7MessageResult& result) {
  const auto refuse = [&result](const char* code, Hl7ErrorCode error, std::string location, std::string text) {
    result.acknowledgement = code;
    result.error_code = error;
    result.error_location = std::move(location);
    result.error_text = std::move(text);
  };
  const auto& header = findings.header;
  if (header.version.rfind("2.", 0) != 0) {
    return refuse("AR", Hl7ErrorCode::UnsupportedVersion, "MSH^1^12",
                  "unsupported HL7 version '" + header.version + "' (v2.x only)");
  }
  if (trim(header.control_id).empty()) {
    return refuse("AR", Hl7ErrorCode::RequiredFieldMissing, "MSH^1^10", "no message id: MSH-10 is empty");
  }
  const auto type = header.message_type + "^" + header.trigger_event;
  if (header.message_type != "ORU") {
    return refuse("AR", Hl7ErrorCode::UnsupportedMessageType, "MSH^1^9",
                  "unsupported message type " + type + " (only ORU^R01 vitals and ORU^R42 infusion events)");
  }
  if (header.trigger_event != "R01" && header.trigger_event != "R42") {
    return refuse("AR", Hl7ErrorCode::UnsupportedEventCode, "MSH^1^9",
                  "unsupported event " + type +
                      (header.trigger_event == "R40" ? " (alarm reports go to an alert manager, not to Vigil)"
                                                     : " (only ORU^R01 vitals and ORU^R42 infusion events)"));
  }
  if (!singleByteCharacterSet(header.character_set)) {
    if (const auto offset = firstInvalidUtf8(message)) {
      return refuse("AE", Hl7ErrorCode::DataTypeError, "MSH^1^18", "invalid UTF-8 at byte " + std::to_string(*offset));
    }
  }
  if (findings.patient.empty()) {
    return refuse("AE", Hl7ErrorCode::RequiredFieldMissing, "PID^1^3", "no patient: PID-3 is missing or empty");
  }
  if (!findings.problem.empty()) {
    return refuse("AE", Hl7ErrorCode::DataTypeError, findings.problem_location, findings.problem);
  }
}

// The care unit of the topics: PV1-3's point of care when the message names one.
ImportOptions withLocationUnit(const std::vector<std::string_view>& segments, ImportOptions options) {
  for (const auto segment : segments) {
    if (segment.substr(0, 4) != "PV1|" || segments.front().size() < 8) continue;
    Encoding encoding;
    encoding.field = segments.front()[3];
    encoding.component = segments.front()[4];
    encoding.repetition = segments.front()[5];
    encoding.escape = segments.front()[6];
    const auto point_of_care = Segment(segment, encoding).component(3, 1);
    if (!trim(point_of_care).empty()) options.unit = topicSafe(point_of_care);
  }
  return options;
}

}  // namespace

ImportResult importHl7Text(std::string_view text, std::string_view source_name, const ImportOptions& options) {
  ImportResult result;
  result.format = "hl7";
  const auto segments = segmentsOf(text);
  std::size_t first_message = 0;
  while (first_message < segments.size() && segments[first_message].substr(0, 3) != "MSH") ++first_message;
  if (first_message == segments.size()) {
    result.error = "no MSH segment: not an HL7 v2 message";
    return result;
  }
  MessageCollector collector(options, result.stats);
  if (first_message > 0) collector.skip("segments before the first MSH", first_message);
  Hl7Parser parser(source_name, collector);
  std::size_t start = first_message;
  for (std::size_t i = first_message + 1; i <= segments.size(); ++i) {
    if (i == segments.size() || segments[i].substr(0, 3) == "MSH") {
      parser.message(
          {segments.begin() + static_cast<std::ptrdiff_t>(start), segments.begin() + static_cast<std::ptrdiff_t>(i)},
          start + 1);
      start = i;
    }
  }
  result.messages = collector.finish();
  return result;
}

ImportResult importHl7(const std::filesystem::path& path, const ImportOptions& options) {
  std::string error;
  const auto text = readWholeFile(path, error);
  if (!text) {
    ImportResult result;
    result.format = "hl7";
    result.error = error;
    return result;
  }
  auto result = importHl7Text(*text, path.stem().string(), options);
  if (!result.ok()) result.error = path.string() + ": " + result.error;
  return result;
}

Hl7MessageResult importHl7Message(std::string_view message, std::string_view source_name,
                                  const ImportOptions& options) {
  Hl7MessageResult result;
  result.import.format = "hl7";
  const auto segments = segmentsOf(message);
  if (segments.empty() || segments.front().substr(0, 3) != "MSH" || segments.front().size() < 8) {
    result.acknowledgement = "AR";
    result.error_code = Hl7ErrorCode::SegmentSequence;
    result.error_location = "MSH^1";
    result.error_text = "the message does not start with a readable MSH segment";
    return result;
  }
  const auto message_options = withLocationUnit(segments, options);
  MessageCollector collector(message_options, result.import.stats);
  Hl7Parser parser(source_name, collector);
  const auto findings = parser.message(segments, 1);
  result.header = findings.header;
  result.patient = findings.patient;
  result.point_of_care = findings.point_of_care;
  result.room = findings.room;
  result.bed = findings.bed;
  judge(message, findings, result);
  // A message in error publishes nothing: the sender corrects it and sends it again.
  if (result.accepted()) result.import.messages = collector.finish();
  return result;
}

}  // namespace vigil::streamer::importers
