#include "alarms/service/recovery.h"

#include <cstdio>
#include <set>
#include <sstream>

#include "alarms/service/journal_history.h"
#include "alarms/service/journal_reader.h"
#include "alarms/service/protocol_file.h"
#include "streamer/topics.h"

namespace vigil::service {

std::optional<RecoverySummary> recoverFromJournal(const std::string& path, EngineService& service, std::string& error) {
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
  summary.previous_session = reader->lastSession(error);
  if (!error.empty()) return std::nullopt;
  summary.patients = patients.size();
  summary.active_alarms = service.engine().activeAlarmCount();
  summary.engine_time = service.engine().now();
  summary.took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  return summary;
}

std::string describe(const RecoverySummary& summary) {
  std::ostringstream text;
  text << "recovered " << summary.rows << " journal rows (" << summary.ingest_rows << " ingest, "
       << summary.control_rows << " control, " << summary.tick_rows << " tick): " << summary.patients << " patients, "
       << summary.active_alarms << " active alarms, engine time "
       << (summary.rows ? formatUtc(summary.engine_time) + " UTC" : std::string("unset")) << ", in "
       << summary.took.count() / 1000.0 << " ms";
  return text.str();
}

std::string protocolDigest(const core::Protocol& protocol) {
  // FNV-1a, 64 bits: a fingerprint to notice a change, not a security measure.
  std::uint64_t hash = 1469598103934665603ull;
  for (const unsigned char c : protocol.name + '\n' + protocol.version + '\n' + describeProtocol(protocol)) {
    hash = (hash ^ c) * 1099511628211ull;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

SessionRow currentSession(const EngineService& service, const core::Protocol& protocol, ClockMode clock_mode,
                          const RecoverySummary& summary) {
  return SessionRow{service.epoch(),
                    core::fromMillis(static_cast<std::int64_t>(service.epoch())),
                    clock_mode == ClockMode::Wall ? "wall" : "stream",
                    protocol.name,
                    protocol.version,
                    protocolDigest(protocol),
                    summary.rows};
}

std::optional<std::string> protocolChange(const RecoverySummary& summary, const SessionRow& current) {
  const auto& previous = summary.previous_session;
  if (!previous || previous->protocol_digest == current.protocol_digest) return std::nullopt;
  return "the journal was written under protocol '" + previous->protocol_name + "' " + previous->protocol_version +
         " (rules " + previous->protocol_digest + ") and this engine runs '" + current.protocol_name + "' " +
         current.protocol_version + " (rules " + current.protocol_digest +
         "): its history was replayed under the new rules, so alarms, ids and advice may differ from what the "
         "stations showed before the restart";
}

}  // namespace vigil::service
