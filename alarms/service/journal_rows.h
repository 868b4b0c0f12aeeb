// The rows the journal stores, as values the engine thread hands to the journal thread
// and the reader hands back (recovery, --history, tests).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "alarms/core/domain.h"

namespace vigil::service {

enum class InputKind {
  Ingest,   // an envelope the service accepted: topic + payload
  Control,  // a state-changing control request: ControlRequest bytes + identity
  Tick,     // advanceTo(engine_time) that produced output
};

std::string_view inputKindName(InputKind kind);
std::optional<InputKind> inputKindFromName(std::string_view name);

struct JournalInput {
  std::int64_t seq = 0;  // apply order (0 until stored)
  InputKind kind = InputKind::Ingest;
  core::TimePoint engine_time;   // the core's time before applying (tick: the time advanced to)
  core::TimePoint receive_time;  // the service clock when it arrived
  std::uint64_t epoch = 0;
  std::string topic;
  std::string payload;
  std::string identity;
};

struct AlarmLogRow {
  core::AlarmEvent event;
  std::uint64_t epoch = 0;
};

struct AcknowledgementRow {
  std::string alert_id;
  std::string patient_id;
  std::string unit;
  std::string station;
  core::TimePoint time;
};

struct AdviceLogRow {
  core::AdviceEvent event;
};

struct PumpLogRow {
  core::PumpStatus status;
};

// An engine start: which run, under which protocol, from how much history.
struct SessionRow {
  std::uint64_t epoch = 0;
  core::TimePoint started;
  std::string clock_mode;
  std::string protocol_name;
  std::string protocol_version;
  std::string protocol_digest;
  std::int64_t recovered_rows = 0;
};

// A core snapshot (alarms/snapshot/core_snapshot.h) taken after every input queued before
// it: the writer stores it with the last input's seq, so recovery knows where to resume.
struct SnapshotRow {
  std::int64_t after_seq = 0;  // set by the writer (0 until stored)
  core::TimePoint engine_time;
  std::uint64_t epoch = 0;
  std::uint32_t version = 0;
  std::string payload;  // CoreSnapshot bytes
};

using JournalRow =
    std::variant<JournalInput, AlarmLogRow, AcknowledgementRow, AdviceLogRow, PumpLogRow, SessionRow, SnapshotRow>;

// The log's text columns hold enum names from the one table, streamer/enums.h (nameOf).

}  // namespace vigil::service
