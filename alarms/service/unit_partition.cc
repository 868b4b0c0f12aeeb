#include "alarms/service/unit_partition.h"

#include <algorithm>

#include "streamer/topics.h"

namespace vigil::service {

core::Result<UnitSet> UnitSet::parse(std::string_view list) {
  UnitSet set;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = std::min(list.find(',', start), list.size());
    const auto unit = list.substr(start, comma - start);
    if (unit.empty())
      return core::Result<UnitSet>::failure("--units: an empty unit name in '" + std::string(list) + "'");
    if (unit.find('/') != std::string_view::npos) {
      return core::Result<UnitSet>::failure("--units: '" + std::string(unit) +
                                            "' has a '/', which topics cannot carry");
    }
    if (std::find(set.units_.begin(), set.units_.end(), unit) != set.units_.end())
      return core::Result<UnitSet>::failure("--units: '" + std::string(unit) + "' named twice");
    set.units_.emplace_back(unit);
    start = comma + 1;
  }
  return core::Result<UnitSet>{set, {}};
}

bool UnitSet::serves(std::string_view unit) const {
  return all() || std::find(units_.begin(), units_.end(), unit) != units_.end();
}

std::string UnitSet::describe() const {
  if (all()) return "every unit";
  std::string text;
  for (const auto& unit : units_) text += (text.empty() ? "" : ",") + unit;
  return text;
}

std::vector<std::string> unitIngestPrefixes(const UnitSet& units) {
  using streamer::TopicKind;
  std::vector<std::string> prefixes;
  for (const auto kind : {TopicKind::Vitals, TopicKind::Infusion, TopicKind::Event}) {
    if (units.all()) prefixes.push_back(streamer::topicPrefix(kind));
    for (const auto& unit : units.units()) prefixes.push_back(streamer::topicPrefix(kind, unit));
  }
  return prefixes;
}

std::uint64_t UnitSequences::stamp(const std::string& unit) { return ++stamped_[unit]; }

void UnitSequences::released(const std::string& unit, std::uint64_t sequence) { released_[unit] = sequence; }

std::uint64_t UnitSequences::lastStamped(const std::string& unit) const {
  const auto found = stamped_.find(unit);
  return found == stamped_.end() ? 0 : found->second;
}

}  // namespace vigil::service
