#include "alarms/service/stats.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace vigil::service {

StatsBuilder::StatsBuilder(std::uint64_t engine_epoch, core::TimePoint wall_time) {
  stats_.set_engine_epoch(engine_epoch);
  stats_.set_wall_time_ms(core::toMillis(wall_time));
}

core::CounterVisitor StatsBuilder::visitor() {
  return
      [this](std::string_view name, std::uint64_t value) { (*stats_.mutable_counters())[std::string(name)] = value; };
}

std::string formatStatsTable(const vigil::v1::Stats& stats) {
  // protobuf maps have no order: sort for a table a person can scan.
  const std::map<std::string, std::uint64_t> sorted(stats.counters().begin(), stats.counters().end());
  std::size_t width = 0;
  for (const auto& [name, value] : sorted) width = std::max(width, name.size());
  std::ostringstream out;
  out << "engine epoch " << stats.engine_epoch() << ", wall time " << stats.wall_time_ms() << " ms, " << sorted.size()
      << " counters\n";
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
