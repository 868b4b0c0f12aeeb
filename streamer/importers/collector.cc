#include "streamer/importers/collector.h"

#include <algorithm>
#include <cctype>
#include <utility>
#include <variant>

#include "streamer/importers/codes.h"
#include "streamer/topics.h"

namespace vigil::streamer::importers {

std::string topicSafe(std::string_view text) {
  std::string safe;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    safe.push_back(c == '/' || std::isspace(byte) || std::iscntrl(byte) ? '_' : c);
  }
  return safe.empty() ? "unknown" : safe;
}

MessageCollector::MessageCollector(const ImportOptions& options, ImportStats& stats)
    : options_(options), stats_(stats) {}

std::string MessageCollector::patientFor(std::string_view patient) const {
  return topicSafe(options_.patient_id.empty() ? patient : std::string_view(options_.patient_id));
}

bool MessageCollector::addReading(std::string_view patient, std::string_view device, std::int64_t time_ms,
                                  std::uint32_t code, double value, std::string_view unit,
                                  vigil::v1::MeasurementQuality quality) {
  const auto* info = findCode(code);
  if (info == nullptr) {
    skip("unknown code " + std::to_string(code));
    return false;
  }
  const auto normalized = normalizeReading(*info, value, unit);
  if (!normalized.error.empty()) {
    skip(normalized.error);
    return false;
  }
  auto& measurements = frames_[FrameKey{time_ms, patientFor(patient), std::string(device)}];
  const bool duplicate =
      std::any_of(measurements.begin(), measurements.end(), [code](const auto& m) { return m.code() == code; });
  if (duplicate) {
    // Two names for one quantity (IntelliVue's HR and ECG_HR): the first one wins.
    skip("second value for " + std::string(info->refid) + " at the same instant");
    return false;
  }
  vigil::v1::Measurement measurement;
  measurement.set_code(code);
  measurement.set_value(normalized.value);
  measurement.set_unit(normalized.unit);
  measurement.set_quality(quality);
  measurements.push_back(std::move(measurement));
  return true;
}

void MessageCollector::addPump(vigil::v1::PumpStatus status) {
  status.set_patient_id(patientFor(status.patient_id()));
  status.set_unit(options_.unit);
  pumps_.push_back(std::move(status));
}

void MessageCollector::skip(std::string_view reason, std::size_t count) {
  stats_.skipped_rows += count;
  stats_.skipped_reasons[std::string(reason)] += count;
}

void MessageCollector::note(std::string_view what, std::size_t count) { stats_.notes[std::string(what)] += count; }

void MessageCollector::skipAt(std::string_view reason, std::size_t line) {
  first_line_.emplace(std::string(reason), line);
  skip(reason);
}

vigil::v1::VitalsFrame MessageCollector::buildFrame(const FrameKey& key,
                                                    std::vector<vigil::v1::Measurement>& measurements) {
  stats_.sensor_off += static_cast<std::size_t>(markSensorOff(measurements));
  vigil::v1::VitalsFrame frame;
  frame.set_source_time_ms(std::get<0>(key));
  frame.set_patient_id(std::get<1>(key));
  frame.set_device_id(std::get<2>(key));
  frame.set_unit(options_.unit);
  for (auto& measurement : measurements) *frame.add_measurements() = std::move(measurement);
  return frame;
}

std::vector<vigil::v1::RecordedMessage> MessageCollector::finish() {
  using Item = std::variant<vigil::v1::VitalsFrame, vigil::v1::PumpStatus>;
  std::vector<Item> items;
  items.reserve(frames_.size() + pumps_.size());
  for (auto& [key, measurements] : frames_) {
    if (!measurements.empty()) items.emplace_back(buildFrame(key, measurements));
  }
  for (auto& status : pumps_) items.emplace_back(std::move(status));
  frames_.clear();
  pumps_.clear();
  for (const auto& [reason, line] : first_line_) {
    const auto count = stats_.skipped_reasons[reason];
    stats_.skipped_reasons.erase(reason);
    stats_.skipped_reasons[reason + " (first at line " + std::to_string(line) + ")"] += count;
  }
  first_line_.clear();
  const auto time_of = [](const Item& item) {
    return std::visit([](const auto& message) { return message.source_time_ms(); }, item);
  };
  std::stable_sort(items.begin(), items.end(), [&](const Item& a, const Item& b) { return time_of(a) < time_of(b); });

  std::map<std::string, std::uint64_t> next_sequence;  // per source, +1 per message
  std::vector<vigil::v1::RecordedMessage> messages;
  messages.reserve(items.size());
  for (auto& item : items) {
    vigil::v1::RecordedMessage recorded;
    recorded.set_receive_time_ms(time_of(item));
    if (auto* frame = std::get_if<vigil::v1::VitalsFrame>(&item)) {
      frame->set_sequence(++next_sequence["vitals:" + frame->device_id()]);
      recorded.set_topic(makeTopic(TopicKind::Vitals, options_.unit, frame->patient_id()));
      recorded.set_payload(frame->SerializeAsString());
      ++stats_.vitals_frames;
      stats_.measurements += static_cast<std::size_t>(frame->measurements_size());
    } else {
      auto& status = std::get<vigil::v1::PumpStatus>(item);
      status.set_sequence(++next_sequence["pump:" + status.device_id()]);
      recorded.set_topic(makeTopic(TopicKind::Infusion, options_.unit, status.patient_id()));
      recorded.set_payload(status.SerializeAsString());
      ++stats_.pump_statuses;
    }
    messages.push_back(std::move(recorded));
  }
  return messages;
}

}  // namespace vigil::streamer::importers
