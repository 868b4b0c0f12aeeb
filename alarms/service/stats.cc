#include "alarms/service/stats.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace vigil::service {

void visitEngineCounters(const core::EngineCounters& c, const core::CounterVisitor& visit) {
  visit("engine.vitals_frames", c.vitals_frames);
  visit("engine.pump_statuses", c.pump_statuses);
  visit("engine.measurements_evaluated", c.measurements_evaluated);
  visit("engine.measurements_unknown_code", c.measurements_unknown_code);
  visit("engine.measurements_quality_gated", c.measurements_quality_gated);
  visit("engine.pump_statuses_other_drug", c.pump_statuses_other_drug);
  visit("engine.acknowledgements", c.acknowledgements);
  visit("engine.acknowledgements_refused", c.acknowledgements_refused);
}

StatsBuilder::StatsBuilder(std::uint64_t engine_epoch, core::TimePoint wall_time) {
  stats_.set_engine_epoch(engine_epoch);
  stats_.set_wall_time_ms(core::toMillis(wall_time));
}

core::CounterVisitor StatsBuilder::visitor() {
  return [this](std::string_view name, std::uint64_t value) { (*stats_.mutable_counters())[std::string(name)] = value; };
}

std::string formatStatsTable(const vigil::v1::Stats& stats) {
  // protobuf maps have no order: sort for a table a person can scan.
  const std::map<std::string, std::uint64_t> sorted(stats.counters().begin(), stats.counters().end());
  std::size_t width = 0;
  for (const auto& [name, value] : sorted) width = std::max(width, name.size());
  std::ostringstream out;
  out << "engine epoch " << stats.engine_epoch() << ", wall time " << stats.wall_time_ms() << " ms, "
      << sorted.size() << " counters\n";
  std::string group;
  for (const auto& [name, value] : sorted) {
    const auto this_group = name.substr(0, name.find('.'));
    if (this_group != group) {
      out << "\n";
      group = this_group;
    }
    out << "  " << name << std::string(width - name.size() + 2, ' ') << value << "\n";
  }
  return out.str();
}

}  // namespace vigil::service
