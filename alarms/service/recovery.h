// Crash recovery (DESIGN.md section 4): the core is deterministic, so replaying the
// journaled inputs, in order, into a fresh core rebuilds its whole state (active and
// latched alarms with their ids, acknowledgements and who made them, baselines, infusion
// histories and so the concentration estimate). Since schema 2 the journal also keeps a
// core snapshot every few minutes (alarms/snapshot): recovery restores the latest one it
// can use and replays only the inputs after it, so a restart takes about as long after a
// month as after an hour. Without a usable snapshot it replays every input, as long as
// none was pruned; otherwise it refuses to start rather than run with half a history.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alarms/core/domain.h"
#include "alarms/core/protocol.h"
#include "alarms/service/engine_service.h"
#include "alarms/service/journal_rows.h"

namespace vigil::service {

struct RecoverySummary {
  std::int64_t rows = 0;
  std::int64_t ingest_rows = 0;
  std::int64_t control_rows = 0;
  std::int64_t tick_rows = 0;
  std::size_t patients = 0;
  std::size_t active_alarms = 0;
  core::TimePoint engine_time;
  std::chrono::microseconds took{0};
  std::optional<core::TimePoint> snapshot_time;  // the snapshot recovery started from
  std::int64_t snapshot_after_seq = 0;
  std::vector<std::string> snapshots_refused;  // why a stored snapshot was not used
  std::optional<SessionRow> previous_session;  // the start that wrote the journal last
};

// Replays every input journaled at `path` into `service` (constructed, not yet started,
// no journal attached). nullopt and `error` if the journal cannot be read to the end: the
// engine must then refuse to start rather than run with half a history.
std::optional<RecoverySummary> recoverFromJournal(const std::string& path, EngineService& service, std::string& error);

// One line for stderr.
std::string describe(const RecoverySummary& summary);

// A digest of the effective rules (every limit, delay, priority and advice), so that a
// restart under different rules is noticed even when name and version stayed the same.
std::string protocolDigest(const core::Protocol& protocol);

// This start, to record once recovery is done.
SessionRow currentSession(const EngineService& service, const core::Protocol& protocol, ClockMode clock_mode,
                          const RecoverySummary& summary);

// Replay rebuilds exactly what the nurses saw only under the protocol that wrote the
// journal. A sentence for the operator when it was another one; nullopt otherwise.
std::optional<std::string> protocolChange(const RecoverySummary& summary, const SessionRow& current);

}  // namespace vigil::service
