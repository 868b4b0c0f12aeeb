#include "alarms/service/recovery.h"

#include <set>
#include <sstream>

#include "alarms/service/journal_history.h"
#include "alarms/service/journal_reader.h"
#include "streamer/topics.h"

namespace vigil::service {

std::optional<RecoverySummary> recoverFromJournal(const std::string& path, EngineService& service,
                                                  std::string& error) {
  const auto started = std::chrono::steady_clock::now();
  auto reader = JournalReader::open(path, error);
  if (!reader) return std::nullopt;
  RecoverySummary summary;
  std::set<std::string, std::less<>> patients;
  const auto failed = reader->forEachInput([&](const JournalInput& input) {
    ++summary.rows;
    switch (input.kind) {
      case InputKind::Ingest: {
        ++summary.ingest_rows;
        if (const auto topic = streamer::parseTopic(input.topic)) patients.insert(topic->patient_id);
        break;
      }
      case InputKind::Control: ++summary.control_rows; break;
      case InputKind::Tick: ++summary.tick_rows; break;
    }
    service.applyJournaled(input);
  });
  if (failed) {
    error = "reading its inputs failed after " + std::to_string(summary.rows) + " rows: " + *failed;
    return std::nullopt;
  }
  summary.patients = patients.size();
  summary.active_alarms = service.engine().activeAlarmCount();
  summary.engine_time = service.engine().now();
  summary.took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  return summary;
}

std::string describe(const RecoverySummary& summary) {
  std::ostringstream text;
  text << "recovered " << summary.rows << " journal rows (" << summary.ingest_rows << " ingest, "
       << summary.control_rows << " control, " << summary.tick_rows << " tick): " << summary.patients
       << " patients, " << summary.active_alarms << " active alarms, engine time "
       << (summary.rows ? formatUtc(summary.engine_time) + " UTC" : std::string("unset")) << ", in "
       << summary.took.count() / 1000.0 << " ms";
  return text.str();
}

}  // namespace vigil::service
