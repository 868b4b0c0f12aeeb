// The engine's counters as one named list: the Stats message published on topic "stats"
// and answered to ControlRequest.stats, and the table `vigil-engine --stats` prints.
#pragma once

#include <cstdint>
#include <string>

#include "alarms/core/counters.h"
#include "alarms/core/engine.h"
#include "alarms/core/ingest_guard.h"
#include "alarms/service/journal.h"
#include "alarms/service/zap.h"
#include "alerts.pb.h"

namespace vigil::service {

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
