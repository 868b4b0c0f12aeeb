#include "alarms/service/recovery.h"

#include <cstdio>
#include <set>
#include <sstream>

#include "alarms/service/journal_history.h"
#include "alarms/service/journal_reader.h"
#include "alarms/service/protocol_file.h"
#include "alarms/snapshot/core_snapshot.h"
#include "streamer/topics.h"

namespace vigil::service {
namespace {

// The latest snapshot the service can use, if any. false (and `error`) when none can be
// used and inputs before them were pruned, or when one is newer than this engine.
bool restoreLatestSnapshot(JournalReader& reader, EngineService& service, RecoverySummary& summary,
                           std::string& error) {
  const auto snapshots = reader.snapshots(error);
  if (!error.empty()) {
    error = "cannot read its snapshots: " + error;
    return false;
  }
  for (const auto& snapshot : snapshots) {
    if (snapshot.version > snapshot::kCoreSnapshotVersion) {
      error = "its latest snapshot is of version " + std::to_string(snapshot.version) +
              " and this engine reads snapshots up to version " + std::to_string(snapshot::kCoreSnapshotVersion) +
              " (it was written by a newer vigil-engine)";
      return false;
    }
    std::string why;
    if (service.restoreSnapshot(snapshot, why)) {
      summary.snapshot_time = snapshot.engine_time;
      summary.snapshot_after_seq = snapshot.after_seq;
      return true;
    }
    summary.snapshots_refused.push_back(why);
  }
  if (reader.firstInputSeq() > 1) {
    error = "its oldest inputs were pruned after a snapshot and no snapshot can be used";
    for (const auto& why : summary.snapshots_refused) error += "; " + why;
    return false;
  }
  return true;  // every input is there: replay them all
}

}  // namespace

std::optional<RecoverySummary> recoverFromJournal(const std::string& path, EngineService& service, std::string& error) {
  const auto started = std::chrono::steady_clock::now();
  auto reader = JournalReader::open(path, error);
  if (!reader) return std::nullopt;
  RecoverySummary summary;
  if (!restoreLatestSnapshot(*reader, service, summary, error)) return std::nullopt;
  std::set<std::string, std::less<>> patients;
  for (const auto& patient : service.engine().statuses()) patients.insert(patient.patient_id);
  const auto failed = reader->forEachInputAfter(summary.snapshot_after_seq, [&](const JournalInput& input) {
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
       << (summary.rows || summary.snapshot_time ? formatUtc(summary.engine_time) + " UTC" : std::string("unset"))
       << ", in " << summary.took.count() / 1000.0 << " ms";
  if (summary.snapshot_time) {
    text << ", from the snapshot at " << formatUtc(*summary.snapshot_time) << " UTC (after input "
         << summary.snapshot_after_seq << ")";
  }
  for (const auto& why : summary.snapshots_refused) text << "; a snapshot was not used: " << why;
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
