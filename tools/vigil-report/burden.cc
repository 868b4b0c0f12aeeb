#include "tools/vigil-report/burden.h"

#include <algorithm>

#include "alarms/core/engine.h"
#include "streamer/codec.h"
#include "streamer/topics.h"
#include "tools/vigil-replay/inline_engine.h"
#include "vitals.pb.h"

namespace vigil::tools::report {
namespace {

// Folds the engine's alarm and advice events into episodes and spells as they come.
class Folder {
 public:
  explicit Folder(AlarmRun& run) : run_(run) {}

  void alarm(const core::AlarmEvent& event) {
    const std::int64_t at = core::toMillis(event.event_time);
    if (event.phase == core::Phase::Start) {
      open_[event.alert_id] = run_.alarms.size();
      // From when it sounded: the condition's onset (start_time) is earlier by its delay.
      run_.alarms.push_back(
          {event.patient_id, event.alert_id, event.condition, event.priority, event.kind, at, at, false, std::nullopt});
      return;
    }
    const auto found = open_.find(event.alert_id);
    if (found == open_.end()) return;  // began before the data did
    auto& episode = run_.alarms[found->second];
    episode.priority = std::max(episode.priority, event.priority);
    if (event.acknowledged_time && !episode.acknowledged_ms)
      episode.acknowledged_ms = core::toMillis(*event.acknowledged_time);
    if (event.phase == core::Phase::End) {
      episode.end_ms = at;
      episode.ended = true;
      open_.erase(found);
    }
  }

  void advice(const core::AdviceEvent& event) {
    const std::int64_t at = core::toMillis(event.event_time);
    closeAdvice(event.patient_id, at);
    if (event.advice.action == core::AdviceAction::None) return;
    open_advice_[event.patient_id] = run_.advice.size();
    run_.advice.push_back({event.patient_id, event.advice.action, event.condition, at, at});
  }

  void seen(const std::string& patient, std::int64_t at) {
    auto [span, added] = run_.patients.try_emplace(patient, PatientSpan{at, at});
    if (!added) span->second.last_ms = std::max(span->second.last_ms, at);
  }

  // Alarms and advice still on at the end run to the end of their patient's data.
  void finish() {
    for (const auto& [id, index] : open_) run_.alarms[index].end_ms = lastOf(run_.alarms[index].patient);
    for (const auto& [patient, index] : open_advice_) run_.advice[index].end_ms = lastOf(patient);
  }

 private:
  void closeAdvice(const std::string& patient, std::int64_t at) {
    const auto found = open_advice_.find(patient);
    if (found == open_advice_.end()) return;
    run_.advice[found->second].end_ms = at;
    open_advice_.erase(found);
  }
  std::int64_t lastOf(const std::string& patient) const {
    const auto found = run_.patients.find(patient);
    return found == run_.patients.end() ? 0 : found->second.last_ms;
  }

  AlarmRun& run_;
  std::map<std::string, std::size_t> open_;         // alert id -> episode
  std::map<std::string, std::size_t> open_advice_;  // patient -> spell
};

}  // namespace

double medianOf(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

double AlarmRun::patientHours() const {
  double hours = 0.0;
  for (const auto& [id, span] : patients) hours += span.hours();
  return hours;
}

AlarmRun runEngine(const std::vector<v1::RecordedMessage>& messages, core::Protocol protocol,
                   const ProgressFunction& progress) {
  core::Engine engine(std::move(protocol));
  auto pipeline = replay::replayPipeline(engine);
  AlarmRun run;
  Folder folder(run);
  constexpr std::size_t kProgressEvery = 20'000;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& message = messages[i];
    const auto result = pipeline.accept(streamer::Envelope{message.topic(), message.payload(), 2},
                                        core::fromMillis(message.receive_time_ms()));
    if (const auto topic = streamer::parseTopic(message.topic()))
      folder.seen(topic->patient_id, message.receive_time_ms());
    for (const auto& event : result.output.alarms) folder.alarm(event);
    for (const auto& event : result.output.advice) folder.advice(event);
    if (progress && (i % kProgressEvery == 0 || i + 1 == messages.size())) progress(i + 1, messages.size());
  }
  folder.finish();
  run.messages = pipeline.counters().messages;
  run.not_accepted = pipeline.counters().notAccepted();
  std::stable_sort(run.alarms.begin(), run.alarms.end(),
                   [](const auto& a, const auto& b) { return a.start_ms < b.start_ms; });
  return run;
}

core::Protocol naiveProtocol(core::Protocol protocol) {
  for (auto& rule : protocol.rules) {
    rule.delay = core::Duration{0};
    rule.consecutive_readings = 1;
    rule.latching = false;
  }
  if (protocol.news2_triggers) {
    protocol.news2_triggers->persistence = {};
    protocol.news2_triggers->single_three.latching = false;
    for (auto& level : protocol.news2_triggers->aggregate) level.level.latching = false;
  }
  return protocol;
}

std::vector<v1::RecordedMessage> withoutQuality(const std::vector<v1::RecordedMessage>& messages) {
  std::vector<v1::RecordedMessage> out = messages;
  for (auto& message : out) {
    const auto topic = streamer::parseTopic(message.topic());
    if (!topic || topic->kind != streamer::TopicKind::Vitals) continue;
    v1::VitalsFrame frame;
    if (!frame.ParseFromString(message.payload())) continue;  // the engine counts it as undecodable
    for (auto& measurement : *frame.mutable_measurements()) measurement.set_quality(v1::QUALITY_VALID);
    message.set_payload(frame.SerializeAsString());
  }
  return out;
}

Figures figuresOf(const AlarmRun& run) {
  Figures figures;
  figures.patient_hours = run.patientHours();
  const double hours = std::max(figures.patient_hours, 1e-9);
  std::map<std::pair<std::string, core::Priority>, ConditionFigures> by_condition;
  std::uint64_t ended = 0, self_ended = 0;
  double minutes = 0.0;
  for (const auto& alarm : run.alarms) {
    auto& c = by_condition[{alarm.condition, alarm.priority}];
    c.condition = alarm.condition;
    c.priority = alarm.priority;
    c.kind = alarm.kind;
    ++c.alarms;
    const double on_minutes = static_cast<double>(alarm.end_ms - alarm.start_ms) / 60'000.0;
    c.minutes_in_alarm += on_minutes;
    minutes += on_minutes;
    const bool short_lived = alarm.ended && alarm.end_ms - alarm.start_ms <= kSelfEndedMs;
    if (short_lived) ++c.ended_within_30s;
    ended += alarm.ended ? 1 : 0;
    self_ended += short_lived ? 1 : 0;
    ++figures.alarms;
    if (alarm.kind == core::AlarmKind::Physiological) ++figures.physiological;
  }
  for (auto& [key, c] : by_condition) {
    c.per_patient_hour = static_cast<double>(c.alarms) / hours;
    figures.conditions.push_back(c);
  }
  std::stable_sort(figures.conditions.begin(), figures.conditions.end(),
                   [](const auto& a, const auto& b) { return a.alarms > b.alarms; });
  figures.per_patient_hour = static_cast<double>(figures.alarms) / hours;
  figures.physiological_per_patient_hour = static_cast<double>(figures.physiological) / hours;
  figures.share_ended_within_30s = ended ? static_cast<double>(self_ended) / static_cast<double>(ended) : 0.0;
  figures.minutes_in_alarm_per_patient_hour = minutes / hours;
  std::map<core::AdviceAction, std::vector<double>> advice;
  for (const auto& spell : run.advice) {
    advice[spell.action].push_back(static_cast<double>(spell.end_ms - spell.start_ms) / 60'000.0);
  }
  for (const auto& [action, durations] : advice) {
    figures.advice.push_back({action, durations.size(), medianOf(durations)});
  }
  return figures;
}

std::vector<std::uint64_t> alarmsPerHour(const AlarmRun& run) {
  std::int64_t first = INT64_MAX, last = INT64_MIN;
  for (const auto& [id, span] : run.patients) {
    first = std::min(first, span.first_ms);
    last = std::max(last, span.last_ms);
  }
  if (first > last) return {};
  std::vector<std::uint64_t> hours(static_cast<std::size_t>((last - first) / 3'600'000 + 1), 0);
  for (const auto& alarm : run.alarms) {
    const auto hour = static_cast<std::size_t>(std::max<std::int64_t>(0, alarm.start_ms - first) / 3'600'000);
    if (hour < hours.size()) ++hours[hour];
  }
  return hours;
}

}  // namespace vigil::tools::report
