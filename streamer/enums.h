// The one table of every enum that crosses the wire: for each value, the domain value
// (alarms/core/domain.h), the wire value (proto/), its name (journal rows, logs, JSON,
// history) and, where a person reads it, its wording. The codec converts through these
// tables and nothing else, so a wire value no row knows is always noticed: the engine
// refuses it (streamer/codec.h), a station shows it as the enum's `shown_as` value, the
// safe reading for someone at a bedside (an unknown priority is HIGH, never nothing).
//
// A new value: add it to domain.h, to the .proto, and one row here.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "alarms/core/domain.h"
#include "alerts.pb.h"
#include "vitals.pb.h"

namespace vigil::streamer {

template <typename Domain, typename Wire>
struct EnumRow {
  Domain value;
  Wire wire;
  std::string_view name;   // stable: journal rows and scripts depend on it
  std::string_view words;  // for a person; the name when there is nothing better
};

// Specialised below, once per enum: `what` (for error messages), `rows`, `shown_as`.
template <typename Domain>
struct EnumTable;

// One specialisation per enum; a macro only because twelve copies of the same five lines
// would hide the rows, which are what a reader looks for.
#define VIGIL_ENUM_TABLE(Domain, Wire, What, ShownAs, ...) \
  template <>                                              \
  struct EnumTable<Domain> {                               \
    using WireType = Wire;                                 \
    static constexpr std::string_view what = What;         \
    static constexpr Domain shown_as = ShownAs;            \
    static constexpr std::array rows = {__VA_ARGS__};      \
  }

template <typename Domain, typename Wire>
constexpr EnumRow<Domain, Wire> row(Domain value, Wire wire, std::string_view name, std::string_view words = {}) {
  return {value, wire, name, words.empty() ? name : words};
}

// clang-format off: one row per line, whatever fits
VIGIL_ENUM_TABLE(core::Priority, v1::Priority, "priority", core::Priority::High,
                 row(core::Priority::None, v1::PRIORITY_NONE, "NONE"),
                 row(core::Priority::Low, v1::PRIORITY_LOW, "LOW"),
                 row(core::Priority::Medium, v1::PRIORITY_MEDIUM, "MEDIUM"),
                 row(core::Priority::High, v1::PRIORITY_HIGH, "HIGH"));

// KIND_UNSPECIFIED has no row: an alarm always has a kind.
VIGIL_ENUM_TABLE(core::AlarmKind, v1::AlarmKind, "alarm kind", core::AlarmKind::Physiological,
                 row(core::AlarmKind::Physiological, v1::KIND_PHYSIOLOGICAL, "PHYSIOLOGICAL"),
                 row(core::AlarmKind::Technical, v1::KIND_TECHNICAL, "TECHNICAL"),
                 row(core::AlarmKind::Advisory, v1::KIND_ADVISORY, "ADVISORY"));

// PHASE_UNSPECIFIED has no row: a station refuses an alarm event without a phase.
VIGIL_ENUM_TABLE(core::Phase, v1::AlarmPhase, "alarm phase", core::Phase::Update,
                 row(core::Phase::Start, v1::PHASE_START, "START"),
                 row(core::Phase::Update, v1::PHASE_UPDATE, "UPDATE"),
                 row(core::Phase::Escalate, v1::PHASE_ESCALATE, "ESCALATE"),
                 row(core::Phase::DeEscalate, v1::PHASE_DE_ESCALATE, "DE_ESCALATE"),
                 row(core::Phase::End, v1::PHASE_END, "END"));

VIGIL_ENUM_TABLE(core::AlarmState, v1::AlarmState, "alarm state", core::AlarmState::Active,
                 row(core::AlarmState::Inactive, v1::STATE_INACTIVE, "INACTIVE"),
                 row(core::AlarmState::Active, v1::STATE_ACTIVE, "ACTIVE"),
                 row(core::AlarmState::Latched, v1::STATE_LATCHED, "LATCHED"));

VIGIL_ENUM_TABLE(core::Inactivation, v1::InactivationState, "inactivation state", core::Inactivation::Enabled,
                 row(core::Inactivation::Enabled, v1::INACTIVATION_ENABLED, "ENABLED"),
                 row(core::Inactivation::AudioPaused, v1::INACTIVATION_AUDIO_PAUSED, "AUDIO_PAUSED"),
                 row(core::Inactivation::Acknowledged, v1::INACTIVATION_ACKNOWLEDGED, "ACKNOWLEDGED"));

VIGIL_ENUM_TABLE(core::AdviceAction, v1::AdviceAction, "advice action", core::AdviceAction::None,
                 row(core::AdviceAction::None, v1::ADVICE_NONE, "NONE"),
                 row(core::AdviceAction::Hold, v1::ADVICE_HOLD, "HOLD"),
                 row(core::AdviceAction::Reduce, v1::ADVICE_REDUCE, "REDUCE"),
                 row(core::AdviceAction::Pause, v1::ADVICE_PAUSE, "PAUSE"),
                 row(core::AdviceAction::StopAndCall, v1::ADVICE_STOP_AND_CALL, "STOP_AND_CALL"),
                 row(core::AdviceAction::ResumePossible, v1::ADVICE_RESUME_POSSIBLE, "RESUME_POSSIBLE"));

VIGIL_ENUM_TABLE(core::News2Band, v1::News2Band, "NEWS2 band", core::News2Band::Unknown,
                 row(core::News2Band::Unknown, v1::NEWS2_UNKNOWN, "UNKNOWN"),
                 row(core::News2Band::Zero, v1::NEWS2_ZERO, "ZERO"), row(core::News2Band::Low, v1::NEWS2_LOW, "LOW"),
                 row(core::News2Band::LowMedium, v1::NEWS2_LOW_MEDIUM, "LOW_MEDIUM"),
                 row(core::News2Band::Medium, v1::NEWS2_MEDIUM, "MEDIUM"),
                 row(core::News2Band::High, v1::NEWS2_HIGH, "HIGH"));

// The input enums: the engine refuses an unknown value; `shown_as` is for displays only.
VIGIL_ENUM_TABLE(core::Quality, v1::MeasurementQuality, "measurement quality", core::Quality::Questionable,
                 row(core::Quality::Valid, v1::QUALITY_VALID, "VALID"),
                 row(core::Quality::Questionable, v1::QUALITY_QUESTIONABLE, "QUESTIONABLE"),
                 row(core::Quality::Artifact, v1::QUALITY_ARTIFACT, "ARTIFACT"),
                 row(core::Quality::SensorOff, v1::QUALITY_SENSOR_OFF, "SENSOR_OFF"));

VIGIL_ENUM_TABLE(core::PumpState, v1::PumpState, "pump state", core::PumpState::Unspecified,
                 row(core::PumpState::Unspecified, v1::PUMP_STATE_UNSPECIFIED, "UNSPECIFIED"),
                 row(core::PumpState::Running, v1::PUMP_RUNNING, "RUNNING"),
                 row(core::PumpState::Paused, v1::PUMP_PAUSED, "PAUSED"),
                 row(core::PumpState::Stopped, v1::PUMP_STOPPED, "STOPPED"),
                 row(core::PumpState::Alarm, v1::PUMP_ALARM, "ALARM"));

VIGIL_ENUM_TABLE(
    core::ClinicalEventKind, v1::ClinicalEventKind, "clinical event kind", core::ClinicalEventKind::Unspecified,
    row(core::ClinicalEventKind::Unspecified, v1::CLINICAL_EVENT_UNSPECIFIED, "UNSPECIFIED"),
    row(core::ClinicalEventKind::SedationScore, v1::SEDATION_SCORE, "SEDATION_SCORE", "sedation (RASS)"),
    row(core::ClinicalEventKind::Hallucination, v1::HALLUCINATION, "HALLUCINATION", "hallucination"),
    row(core::ClinicalEventKind::Dysphoria, v1::DYSPHORIA, "DYSPHORIA", "dysphoria"),
    row(core::ClinicalEventKind::Nightmare, v1::NIGHTMARE, "NIGHTMARE", "nightmare"),
    row(core::ClinicalEventKind::Nausea, v1::NAUSEA, "NAUSEA", "nausea"),
    row(core::ClinicalEventKind::Vomiting, v1::VOMITING, "VOMITING", "vomiting"),
    row(core::ClinicalEventKind::Consciousness, v1::CONSCIOUSNESS, "CONSCIOUSNESS", "consciousness (ACVPU)"),
    row(core::ClinicalEventKind::SupplementalOxygen, v1::SUPPLEMENTAL_OXYGEN, "SUPPLEMENTAL_OXYGEN", "oxygen"),
    row(core::ClinicalEventKind::Spo2Scale2, v1::SPO2_SCALE_2, "SPO2_SCALE_2", "SpO2 scale 2"));

VIGIL_ENUM_TABLE(core::Acvpu, v1::Acvpu, "ACVPU level", core::Acvpu::Unspecified,
                 row(core::Acvpu::Unspecified, v1::ACVPU_UNSPECIFIED, "UNSPECIFIED", "?"),
                 row(core::Acvpu::Alert, v1::ACVPU_ALERT, "ALERT", "alert"),
                 row(core::Acvpu::NewConfusion, v1::ACVPU_NEW_CONFUSION, "NEW_CONFUSION", "new confusion"),
                 row(core::Acvpu::Voice, v1::ACVPU_VOICE, "VOICE", "responds to voice"),
                 row(core::Acvpu::Pain, v1::ACVPU_PAIN, "PAIN", "responds to pain"),
                 row(core::Acvpu::Unresponsive, v1::ACVPU_UNRESPONSIVE, "UNRESPONSIVE", "unresponsive"));

VIGIL_ENUM_TABLE(core::Severity, v1::Severity, "severity", core::Severity::Unspecified,
                 row(core::Severity::Unspecified, v1::SEVERITY_UNSPECIFIED, "UNSPECIFIED", "unspecified"),
                 row(core::Severity::Mild, v1::MILD, "MILD", "mild"),
                 row(core::Severity::Severe, v1::SEVERE, "SEVERE", "severe"));

// clang-format on

#undef VIGIL_ENUM_TABLE

// The domain value of a wire integer, or nullopt when no row has it.
template <typename Domain>
constexpr std::optional<Domain> fromWire(int wire) {
  for (const auto& row : EnumTable<Domain>::rows) {
    if (static_cast<int>(row.wire) == wire) return row.value;
  }
  return std::nullopt;
}

// For displays: an unknown wire value reads as the enum's safe `shown_as`.
template <typename Domain>
constexpr Domain fromWireOrShownAs(int wire) {
  return fromWire<Domain>(wire).value_or(EnumTable<Domain>::shown_as);
}

template <typename Domain>
constexpr typename EnumTable<Domain>::WireType toWire(Domain value) {
  for (const auto& row : EnumTable<Domain>::rows) {
    if (row.value == value) return row.wire;
  }
  return EnumTable<Domain>::rows.front().wire;  // unreachable: every value has a row (enums_test.cc)
}

// "HIGH", "PAUSE", "START"; "?" for a value outside the domain enum (never from the codec).
template <typename Domain>
constexpr std::string_view nameOf(Domain value) {
  for (const auto& row : EnumTable<Domain>::rows) {
    if (row.value == value) return row.name;
  }
  return "?";
}

// "responds to voice": the wording a person reads.
template <typename Domain>
constexpr std::string_view wordsOf(Domain value) {
  for (const auto& row : EnumTable<Domain>::rows) {
    if (row.value == value) return row.words;
  }
  return "?";
}

template <typename Domain>
constexpr std::optional<Domain> fromName(std::string_view name) {
  for (const auto& row : EnumTable<Domain>::rows) {
    if (row.name == name) return row.value;
  }
  return std::nullopt;
}

}  // namespace vigil::streamer
