#include "alarms/service/stats.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace vigil::service {

void visitEngineCounters(const core::EngineCounters& c, const core::CounterVisitor& visit) {
  visit("engine.vitals_frames", c.vitals_frames);
  visit("engine.pump_statuses", c.pump_statuses);
  visit("engine.clinical_events", c.clinical_events);
  visit("engine.clinical_events_refused", c.clinical_events_refused);
  visit("engine.measurements_evaluated", c.measurements_evaluated);
  visit("engine.measurements_unknown_code", c.measurements_unknown_code);
  visit("engine.measurements_quality_gated", c.measurements_quality_gated);
  visit("engine.pump_statuses_other_drug", c.pump_statuses_other_drug);
  visit("engine.sequence_gaps", c.sequence_gaps);
  visit("engine.frames_missing", c.frames_missing);
  visit("engine.acknowledgements", c.acknowledgements);
  visit("engine.acknowledgements_refused", c.acknowledgements_refused);
  visit("engine.audio_pauses", c.audio_pauses);
  visit("engine.audio_pauses_refused", c.audio_pauses_refused);
  visit("engine.news2_scores", c.news2_scores);
}

void visitJournalCounters(const JournalCounters& c, const core::CounterVisitor& visit) {
  visit("journal.rows_queued", c.rows_queued);
  visit("journal.queue_depth", c.queue_depth);
  visit("journal.rows_written", c.rows_written);
  visit("journal.transactions", c.transactions);
  visit("journal.queue_full_waits", c.queue_full_waits);
  visit("journal.queue_full_wait_us", c.queue_full_wait_us);
  visit("journal.rows_dropped", c.rows_dropped);
  visit("journal.rows_failed", c.rows_failed);
  visit("journal.checkpoints", c.checkpoints);
  visit("journal.checkpoints_failed", c.checkpoints_failed);
}

void visitZapCounters(const ZapCounters& c, const core::CounterVisitor& visit) {
  visit("zap.admitted", c.admitted);
  visit("zap.rejected_ingest", c.rejected_ingest);
  visit("zap.rejected_alerts", c.rejected_alerts);
  visit("zap.rejected_control", c.rejected_control);
  visit("zap.rejected_unknown_domain", c.rejected_unknown_domain);
  visit("zap.malformed", c.malformed);
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
