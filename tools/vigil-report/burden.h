// vigil-report's measurements (issue 14): the engine core replayed over a recording (or an
// imported file, or a journal's inputs) the way vigil-replay --engine-inline does, the
// alarms it raised folded into episodes, and the figures an alarm-management committee
// reads: alarms per patient-hour by condition and priority, time in alarm, the share that
// ended by themselves within 30 s, advice given and how long it stood. Also the naive
// monitor the engine is measured against: the same limits applied to every sample, with
// no delay, no persistence and no quality gating. No sockets; files only in main.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "alarms/core/protocol.h"
#include "recording.pb.h"

namespace vigil::tools::report {

// An alarm from START to END (or to the end of the patient's data).
struct AlarmEpisode {
  std::string patient;
  std::string alert_id;
  std::string condition;
  core::Priority priority = core::Priority::None;  // the highest it reached
  core::AlarmKind kind = core::AlarmKind::Physiological;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  bool ended = false;  // false: still on when the data ended
  std::optional<std::int64_t> acknowledged_ms;
};

// One piece of advice from when it was given until the next change for the patient.
struct AdviceSpell {
  std::string patient;
  core::AdviceAction action = core::AdviceAction::None;
  std::string condition;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
};

struct PatientSpan {
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
  double hours() const { return static_cast<double>(last_ms - first_ms) / 3'600'000.0; }
};

struct AlarmRun {
  std::vector<AlarmEpisode> alarms;  // by start time
  std::vector<AdviceSpell> advice;   // by start time
  std::map<std::string, PatientSpan> patients;
  std::uint64_t messages = 0;
  std::uint64_t not_accepted = 0;
  double patientHours() const;
};

// Called now and then with (messages done, messages in all): the progress bar.
using ProgressFunction = std::function<void(std::size_t done, std::size_t total)>;

// Runs the core with `protocol` over `messages` through vigil-engine's own ingest pipeline
// (tools/vigil-replay/inline_engine.h) and folds what it said into episodes.
AlarmRun runEngine(const std::vector<vigil::v1::RecordedMessage>& messages, core::Protocol protocol,
                   const ProgressFunction& progress = {});

// The naive monitor: `protocol`'s limits with every delay and persistence at zero, every
// reading count at one, nothing latched; run over `messages` with every measurement's
// quality set to valid (a bedside monitor's bare thresholds).
core::Protocol naiveProtocol(core::Protocol protocol);
std::vector<vigil::v1::RecordedMessage> withoutQuality(const std::vector<vigil::v1::RecordedMessage>& messages);

// The committee's figures over a run.
struct ConditionFigures {
  std::string condition;
  core::Priority priority = core::Priority::None;
  core::AlarmKind kind = core::AlarmKind::Physiological;
  std::uint64_t alarms = 0;
  double per_patient_hour = 0.0;
  double minutes_in_alarm = 0.0;
  std::uint64_t ended_within_30s = 0;
};

struct AdviceFigures {
  core::AdviceAction action = core::AdviceAction::None;
  std::uint64_t given = 0;
  double median_minutes = 0.0;  // how long it stood
};

struct AckFigures {
  std::uint64_t alarms = 0;  // HIGH and MEDIUM alarms the journal logged
  std::uint64_t acknowledged = 0;
  double median_seconds = 0.0;  // START to acknowledgement
};

struct Figures {
  double patient_hours = 0.0;
  std::uint64_t alarms = 0;
  std::uint64_t physiological = 0;
  double per_patient_hour = 0.0;
  double physiological_per_patient_hour = 0.0;
  double share_ended_within_30s = 0.0;  // of the alarms that ended
  double minutes_in_alarm_per_patient_hour = 0.0;
  std::vector<ConditionFigures> conditions;  // most frequent first
  std::vector<AdviceFigures> advice;
};

// An alarm that ends by itself within this long is likely nuisance (issue 14).
inline constexpr std::int64_t kSelfEndedMs = 30'000;

Figures figuresOf(const AlarmRun& run);

// The median; 0 for none.
double medianOf(std::vector<double> values);

// Alarms per patient-hour and per hour of data, for the plot: counts per clock hour since
// the first message.
std::vector<std::uint64_t> alarmsPerHour(const AlarmRun& run);

}  // namespace vigil::tools::report
