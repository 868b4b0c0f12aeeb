#include "alarms/service/journal_watch.h"

namespace vigil::service {

void JournalWatch::check(const JournalCounters& counters, const std::string& error, const std::set<std::string>& units,
                         core::TimePoint now, core::AlarmEvents& out) {
  if (!counters.failing) {
    for (auto& [unit, board] : boards_) board.clear(kJournalFailingCondition, now, out);
    reported_lost_ = counters.rows_lost;
    return;
  }
  const bool more_lost = counters.rows_lost != reported_lost_;
  reported_lost_ = counters.rows_lost;
  for (const auto& unit : units) {
    auto board = boards_.find(unit);
    if (board == boards_.end()) {
      board = boards_.emplace(unit, core::AlarmBoard(std::string(kJournalAlarmPatient), settings_)).first;
      board->second.setUnit(unit);
    }
    if (board->second.has(kJournalFailingCondition) && !more_lost) continue;
    core::Raise raise;
    raise.condition = std::string(kJournalFailingCondition);
    raise.kind = core::AlarmKind::Technical;
    // The loss is in the title, so a station sees it change (the board updates on a new level).
    const std::string title = counters.rows_lost == 0 ? "JOURNAL FAILING: alarms are not being recorded"
                                                      : "JOURNAL FAILING: alarms are not being recorded, " +
                                                            std::to_string(counters.rows_lost) + " journal rows lost";
    raise.level = core::ConditionLevel{title, core::Priority::High, core::AdviceAction::None, false};
    raise.trigger.metric = "journal";
    raise.trigger.value = static_cast<double>(counters.rows_lost);
    raise.trigger.unit = "rows lost";
    raise.trigger.limit = error + "; " + std::to_string(counters.rows_unwritten) + " rows held in memory, " +
                          std::to_string(counters.rows_lost) + " lost";
    board->second.raise(std::move(raise), now, out);
  }
}

std::vector<core::AlarmEvent> JournalWatch::alarms() const {
  std::vector<core::AlarmEvent> alarms;
  for (const auto& [unit, board] : boards_) {
    for (const auto* alarm : board.all()) alarms.push_back(*alarm);
  }
  return alarms;
}

}  // namespace vigil::service
