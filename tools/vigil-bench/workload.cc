#include "tools/vigil-bench/workload.h"

#include <charconv>
#include <cstdio>

#include "alerts.pb.h"
#include "vitals.pb.h"

namespace vigil::bench {
namespace {

struct Vital {
  std::uint32_t code;
  double value;
  const char* unit;
};

// A quiet adult: nothing alarms, so every pipeline carries the same one-in one-out traffic.
// Eight measurements, NIBP among them so NEWS2 is scored on every frame as on a real ward.
constexpr Vital kVitals[] = {
    {147842, 72.0, "/min"}, {150456, 98.0, "%"},       {151562, 14.0, "/min"},   {151708, 38.0, "mm[Hg]"},
    {150364, 36.8, "Cel"},  {150021, 121.0, "mm[Hg]"}, {150022, 76.0, "mm[Hg]"}, {150023, 91.0, "mm[Hg]"},
};

std::optional<std::size_t> patientOfTopic(std::string_view topic) {
  const auto slash = topic.rfind("/p");
  if (slash == std::string_view::npos) return std::nullopt;
  std::size_t patient = 0;
  const auto* begin = topic.data() + slash + 2;
  const auto* end = topic.data() + topic.size();
  const auto [ptr, ec] = std::from_chars(begin, end, patient);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return patient;
}

}  // namespace

std::string patientId(std::size_t patient) {
  char id[16];
  std::snprintf(id, sizeof id, "p%06zu", patient);
  return id;
}

Frame Workload::frame(std::uint64_t index) const {
  const auto patient = static_cast<std::size_t>(index % patients_);
  const auto round = index / patients_;
  vigil::v1::VitalsFrame message;
  const auto id = patientId(patient);
  message.set_patient_id(id);
  message.set_unit(kUnit);
  message.set_device_id("bedside-monitor-" + id);
  message.set_sequence(round + 1);
  message.set_source_time_ms(kFirstFrameMs + static_cast<std::int64_t>(round) * kRoundMs);
  for (const auto& vital : kVitals) {
    auto* measurement = message.add_measurements();
    measurement->set_code(vital.code);
    // A little movement, so that no layer can take a repeated value for free.
    measurement->set_value(vital.value + static_cast<double>(round % 3));
    measurement->set_unit(vital.unit);
    measurement->set_quality(vigil::v1::QUALITY_VALID);
  }
  return Frame{"vitals/" + std::string(kUnit) + "/" + id, message.SerializeAsString()};
}

std::vector<Frame> Workload::frames(std::uint64_t first, std::uint64_t count) const {
  std::vector<Frame> all;
  all.reserve(count);
  for (std::uint64_t i = first; i < first + count; ++i) all.push_back(frame(i));
  return all;
}

std::optional<std::uint64_t> Workload::frameAt(std::string_view topic, std::int64_t time_ms) const {
  const auto patient = patientOfTopic(topic);
  if (!patient || *patient >= patients_ || time_ms < kFirstFrameMs) return std::nullopt;
  const auto offset = time_ms - kFirstFrameMs;
  if (offset % kRoundMs != 0) return std::nullopt;
  return static_cast<std::uint64_t>(offset / kRoundMs) * patients_ + *patient;
}

std::optional<std::uint64_t> Workload::frameOfVitals(std::string_view topic, std::string_view payload) const {
  vigil::v1::VitalsFrame message;
  if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return std::nullopt;
  return frameAt(topic, message.source_time_ms());
}

std::optional<std::uint64_t> Workload::frameOfStatus(std::string_view topic, std::string_view payload) const {
  vigil::v1::PatientStatus message;
  if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return std::nullopt;
  return frameAt(topic, message.event_time_ms());
}

}  // namespace vigil::bench
