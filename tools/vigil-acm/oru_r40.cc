#include "tools/vigil-acm/oru_r40.h"

#include <cmath>
#include <cstdio>

#include "streamer/hl7/hl7_ack.h"

namespace vigil::acm {
namespace {

using streamer::hl7::escapeField;
using streamer::hl7::hl7Timestamp;

// ISO/IEEE 11073-10101 event codes (partition 3, MDC_PART_EVT).
constexpr int kEvtAlarm = 196616;  // MDC_EVT_ALARM: the generic alarm
constexpr int kEvtHigh = 196648;   // MDC_EVT_HI
constexpr int kEvtLow = 196670;    // MDC_EVT_LO
constexpr int kAttrAlertSource = 68480;
constexpr int kAttrEventPhase = 68481;
constexpr int kAttrAlarmState = 68482;
constexpr int kAttrInactivationState = 68483;

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

// Low or high from the limit in force ("< 90 %", ">= 120 % of baseline 118").
int eventCodeOf(const vigil::v1::Trigger& trigger, std::string& name) {
  const auto limit = trigger.limit();
  if (!limit.empty() && limit.front() == '<') return name = "MDC_EVT_LO", kEvtLow;
  if (!limit.empty() && limit.front() == '>') return name = "MDC_EVT_HI", kEvtHigh;
  return name = "MDC_EVT_ALARM", kEvtAlarm;
}

// OBX-8 of E.3.1: abnormal flag (L/H) ~ priority (PL/PM/PH, PN none) ~ source (SP/ST/SA).
std::string interpretation(const vigil::v1::AlarmEvent& event, int event_code) {
  std::string flags = event_code == kEvtLow ? "L~" : event_code == kEvtHigh ? "H~" : "";
  switch (event.priority()) {
    case vigil::v1::PRIORITY_HIGH: flags += "PH"; break;
    case vigil::v1::PRIORITY_MEDIUM: flags += "PM"; break;
    case vigil::v1::PRIORITY_LOW: flags += "PL"; break;
    default: flags += "PN"; break;
  }
  switch (event.kind()) {
    case vigil::v1::KIND_TECHNICAL: return flags + "~ST";
    case vigil::v1::KIND_ADVISORY: return flags + "~SA";
    default: return flags + "~SP";
  }
}

// OBX-7: the range in force, "90-" style as in the examples ("90-96"): a low limit gives
// "limit-", a high one "-limit".
std::string referenceRange(const vigil::v1::Trigger& trigger, int event_code) {
  if (trigger.limit_value() == 0 && trigger.limit().empty()) return "";
  if (event_code == kEvtLow) return number(trigger.limit_value()) + "-";
  if (event_code == kEvtHigh) return "-" + number(trigger.limit_value());
  return escapeField(trigger.limit());
}

std::string facet(int index, int code, const char* name, const std::string& value, const std::string& sub_id) {
  return "OBX|" + std::to_string(index) + "|ST|" + std::to_string(code) + "^" + name + "^MDC|" + sub_id + "|" +
         escapeField(value) + "||||||F\r";
}

}  // namespace

std::string eventPhaseName(vigil::v1::AlarmPhase phase) {
  switch (phase) {
    case vigil::v1::PHASE_START: return "start";
    case vigil::v1::PHASE_UPDATE: return "update";
    case vigil::v1::PHASE_ESCALATE: return "escalate";
    case vigil::v1::PHASE_DE_ESCALATE: return "deescalate";
    case vigil::v1::PHASE_END: return "end";
    default: return "present";
  }
}

std::string alarmStateName(vigil::v1::AlarmState state) {
  switch (state) {
    case vigil::v1::STATE_ACTIVE: return "active";
    case vigil::v1::STATE_LATCHED: return "latched";
    default: return "inactive";
  }
}

std::string inactivationStateName(vigil::v1::InactivationState state) {
  switch (state) {
    case vigil::v1::INACTIVATION_AUDIO_PAUSED: return "audio-paused";
    case vigil::v1::INACTIVATION_ACKNOWLEDGED: return "alert-acknowledged";
    default: return "enabled";
  }
}

std::string adviceInWords(const vigil::v1::Advice& advice) {
  std::string words;
  switch (advice.action()) {
    case vigil::v1::ADVICE_NONE: return "no titration advice";
    case vigil::v1::ADVICE_HOLD: words = "HOLD: do not increase the dose"; break;
    case vigil::v1::ADVICE_REDUCE:
      words = "REDUCE the dose to " + number(advice.target_rate_mg_per_kg_per_h()) + " mg/kg/h";
      break;
    case vigil::v1::ADVICE_PAUSE: words = "PAUSE the infusion"; break;
    case vigil::v1::ADVICE_STOP_AND_CALL: words = "STOP the infusion and call the responsible clinician"; break;
    case vigil::v1::ADVICE_RESUME_POSSIBLE:
      words = "the infusion may RESUME at " + number(advice.target_rate_mg_per_kg_per_h()) + " mg/kg/h";
      break;
    default: words = "advice " + std::to_string(advice.action()); break;
  }
  if (advice.action() == vigil::v1::ADVICE_REDUCE || advice.action() == vigil::v1::ADVICE_RESUME_POSSIBLE) {
    if (advice.target_rate_ml_per_h() > 0) words += " (" + number(advice.target_rate_ml_per_h()) + " mL/h)";
  }
  return advice.reason().empty() ? words : words + ": " + advice.reason();
}

std::string buildOruR40(const vigil::v1::AlarmEvent& event, const OruR40Options& options) {
  const auto time = hl7Timestamp(event.event_time_ms());
  const auto id = escapeField(options.message_id);
  const auto alert = escapeField(event.alert_id());
  std::string event_name;
  const int event_code = eventCodeOf(event.trigger(), event_name);
  const auto& trigger = event.trigger();
  std::string message = "MSH|^~\\&|VIGIL|VIGIL|" + escapeField(options.receiving_application) + "|" +
                        escapeField(options.receiving_facility) + "|" + time + "||ORU^R40^ORU_R40|" + id +
                        "|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4.1^ISO\r";
  message += "PID|||" + escapeField(event.patient_id()) + "^^^VIGIL^PI\r";
  message += "PV1||I|" + escapeField(event.unit()) + "\r";
  message += "OBR|1|" + id + "^VIGIL|" + alert + "^VIGIL|196616^MDC_EVT_ALARM^MDC|||" + time + "\r";
  message += "OBX|1|ST|" + std::to_string(event_code) + "^" + event_name + "^MDC|1.0.0.0.1|" +
             escapeField(event.title()) + "|||" + interpretation(event, event_code) + "|||F|||" + time + "||||" +
             escapeField(event.condition()) + "^VIGIL\r";
  if (trigger.code() != 0) {
    message += "OBX|2|NM|" + std::to_string(trigger.code()) + "^" + escapeField(trigger.metric()) + "^MDC|1.0.0.0.2|" +
               number(trigger.value()) + "|" + escapeField(trigger.unit()) + "^" + escapeField(trigger.unit()) +
               "^UCUM|" + referenceRange(trigger, event_code) + "||||F|||" + time + "\r";
  } else {
    message += "OBX|2|NM|0^" + escapeField(trigger.metric()) + "^99VIGIL|1.0.0.0.2|||||||F\r";
  }
  const auto source = trigger.code() != 0 ? std::to_string(trigger.code()) + "^" + trigger.metric() + "^MDC" : "";
  message +=
      "OBX|3|CWE|" + std::to_string(kAttrAlertSource) + "^MDC_ATTR_ALERT_SOURCE^MDC|1.0.0.0.3|" + source + "||||||F\r";
  message += facet(4, kAttrEventPhase, "MDC_ATTR_EVENT_PHASE", eventPhaseName(event.phase()), "1.0.0.0.4");
  message += facet(5, kAttrAlarmState, "MDC_ATTR_ALARM_STATE", alarmStateName(event.state()), "1.0.0.0.5");
  message += facet(6, kAttrInactivationState, "MDC_ATTR_ALARM_INACTIVATION_STATE",
                   inactivationStateName(event.inactivation()), "1.0.0.0.6");
  message +=
      "OBX|7|ST|0^VIGIL_TITRATION_ADVICE^99VIGIL|1.0.0.0.7|" + escapeField(adviceInWords(event.advice())) + "||||||F\r";
  return message;
}

}  // namespace vigil::acm
