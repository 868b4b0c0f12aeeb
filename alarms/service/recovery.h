// Crash recovery (DESIGN.md section 4): the core is deterministic, so replaying the
// journaled inputs, in order, into a fresh core rebuilds its whole state (active and
// latched alarms with their ids, acknowledgements and who made them, baselines, infusion
// histories and so the concentration estimate) without any "restore" API in the core.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "alarms/core/domain.h"
#include "alarms/service/engine_service.h"

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
};

// Replays every input journaled at `path` into `service` (constructed, not yet started,
// no journal attached). nullopt and `error` if the journal cannot be read to the end: the
// engine must then refuse to start rather than run with half a history.
std::optional<RecoverySummary> recoverFromJournal(const std::string& path, EngineService& service,
                                                  std::string& error);

// One line for stderr.
std::string describe(const RecoverySummary& summary);

}  // namespace vigil::service
