#include "alarms/service/journal_rows.h"

namespace vigil::service {

std::string_view inputKindName(InputKind kind) {
  switch (kind) {
    case InputKind::Ingest: return "ingest";
    case InputKind::Control: return "control";
    case InputKind::Tick: return "tick";
  }
  return "?";
}

std::optional<InputKind> inputKindFromName(std::string_view name) {
  for (auto kind : {InputKind::Ingest, InputKind::Control, InputKind::Tick}) {
    if (inputKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string_view alarmStateName(core::AlarmState state) {
  switch (state) {
    case core::AlarmState::Inactive: return "INACTIVE";
    case core::AlarmState::Active: return "ACTIVE";
    case core::AlarmState::Latched: return "LATCHED";
  }
  return "?";
}

std::string_view inactivationName(core::Inactivation inactivation) {
  switch (inactivation) {
    case core::Inactivation::Enabled: return "ENABLED";
    case core::Inactivation::AudioPaused: return "AUDIO_PAUSED";
    case core::Inactivation::Acknowledged: return "ACKNOWLEDGED";
  }
  return "?";
}

std::string_view alarmKindName(core::AlarmKind kind) {
  switch (kind) {
    case core::AlarmKind::Physiological: return "PHYSIOLOGICAL";
    case core::AlarmKind::Technical: return "TECHNICAL";
    case core::AlarmKind::Advisory: return "ADVISORY";
  }
  return "?";
}

std::string_view pumpStateName(core::PumpState state) {
  switch (state) {
    case core::PumpState::Unspecified: return "UNSPECIFIED";
    case core::PumpState::Running: return "RUNNING";
    case core::PumpState::Paused: return "PAUSED";
    case core::PumpState::Stopped: return "STOPPED";
    case core::PumpState::Alarm: return "ALARM";
  }
  return "?";
}

}  // namespace vigil::service
