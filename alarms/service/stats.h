// The engine's counters as one named list: the Stats message published on topic "stats"
// and answered to ControlRequest.stats, and the table `vigil-engine --stats` prints.
#pragma once

#include <cstdint>
#include <string>

#include "alarms/core/engine.h"
#include "alarms/core/ingest_guard.h"
#include "alarms/service/journal.h"
#include "alarms/service/zap.h"
#include "alerts.pb.h"

namespace vigil::service {

// Every counter the core engine keeps, as "engine.<name>".
void visitEngineCounters(const core::EngineCounters& counters, const core::CounterVisitor& visit);
// The journal's writer ("journal.<name>") and the CURVE admissions ("zap.<name>").
void visitJournalCounters(const JournalCounters& counters, const core::CounterVisitor& visit);
void visitZapCounters(const ZapCounters& counters, const core::CounterVisitor& visit);

// Collects named counters into a Stats message.
class StatsBuilder {
 public:
  StatsBuilder(std::uint64_t engine_epoch, core::TimePoint wall_time);
  core::CounterVisitor visitor();
  vigil::v1::Stats take() { return std::move(stats_); }

 private:
  vigil::v1::Stats stats_;
};

// A readable table, counters sorted by name and grouped by their prefix.
std::string formatStatsTable(const vigil::v1::Stats& stats);

}  // namespace vigil::service
