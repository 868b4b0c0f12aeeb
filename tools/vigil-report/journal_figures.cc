#include "tools/vigil-report/journal_figures.h"

#include <algorithm>
#include <map>
#include <set>

#include "alarms/service/journal_reader.h"
#include "streamer/topics.h"

namespace vigil::tools::report {
namespace {

// HIGH and MEDIUM alarms are the ones IEC 60601-1-8 logs and a nurse is asked to answer.
bool mustBeAnswered(const std::string& priority) { return priority == "HIGH" || priority == "MEDIUM"; }

AckFigures acknowledgementsOf(service::JournalReader& reader, const std::set<std::string>& patients,
                              std::string& error) {
  AckFigures figures;
  std::vector<double> seconds;
  for (const auto& patient : patients) {
    std::map<std::string, core::TimePoint> started;  // alert id -> when it sounded
    std::map<std::string, core::TimePoint> acknowledged;
    for (const auto& row : reader.alarms(patient, core::TimePoint{}, error)) {
      if (row.phase == "START" && mustBeAnswered(row.priority)) started.emplace(row.alert_id, row.event_time);
      if (row.acknowledged_time) acknowledged.emplace(row.alert_id, *row.acknowledged_time);
    }
    for (const auto& [id, start] : started) {
      ++figures.alarms;
      const auto ack = acknowledged.find(id);
      if (ack == acknowledged.end()) continue;
      ++figures.acknowledged;
      seconds.push_back(std::chrono::duration<double>(ack->second - start).count());
    }
  }
  figures.median_seconds = medianOf(seconds);
  return figures;
}

}  // namespace

std::optional<JournalContents> readJournal(const std::string& path, std::string& error) {
  auto reader = service::JournalReader::open(path, error);
  if (!reader) return std::nullopt;
  JournalContents contents;
  std::set<std::string> patients;
  const auto stopped = reader->forEachInput([&](const service::JournalInput& input) {
    if (input.kind != service::InputKind::Ingest) return;
    vigil::v1::RecordedMessage message;
    message.set_receive_time_ms(core::toMillis(input.receive_time));
    message.set_topic(input.topic);
    message.set_payload(input.payload);
    contents.inputs.push_back(std::move(message));
    if (const auto topic = streamer::parseTopic(input.topic)) patients.insert(topic->patient_id);
  });
  if (stopped) {
    error = "the journal's inputs could not all be read: " + *stopped;
    return std::nullopt;
  }
  contents.acknowledgements = acknowledgementsOf(*reader, patients, error);
  if (!error.empty()) return std::nullopt;
  return contents;
}

}  // namespace vigil::tools::report
