// Storage failure is an alarm, not silence (issue 15): while the journal holds rows its
// file refused (disk full, read-only, I/O error), every unit's stations show a technical
// HIGH alarm, JOURNAL FAILING, with the reason, the rows held in memory and any lost. It
// ends once the held rows are written. Outputs meanwhile still reach the stations (held
// rows settle for the commit gate): the alarm is what says they are not durable.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "alarms/core/alarm_board.h"
#include "alarms/service/journal.h"

namespace vigil::service {

inline constexpr std::string_view kJournalFailingCondition = "journal-failing";
inline constexpr std::string_view kJournalAlarmPatient = "vigil-engine";

class JournalWatch {
 public:
  explicit JournalWatch(core::AlarmSystemSettings settings) : settings_(settings) {}

  // Raises, updates (more rows held or lost) or ends the alarm on every unit in `units`.
  void check(const JournalCounters& counters, const std::string& error, const std::set<std::string>& units,
             core::TimePoint now, core::AlarmEvents& out);
  // The alarms standing now (for a station's snapshot).
  std::vector<core::AlarmEvent> alarms() const;

 private:
  core::AlarmSystemSettings settings_;
  std::map<std::string, core::AlarmBoard> boards_;  // by unit
  std::uint64_t reported_lost_ = 0;
};

}  // namespace vigil::service
