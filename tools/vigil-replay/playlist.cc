#include "tools/vigil-replay/playlist.h"

#include <algorithm>

#include "streamer/topics.h"
#include "vitals.pb.h"

namespace vigil::tools::replay {
namespace v1 = vigil::v1;
using streamer::TopicKind;

namespace {

template <typename Message>
bool shiftPayload(std::string& payload, std::int64_t shift_ms, std::uint64_t sequence_offset) {
  Message decoded;
  if (!decoded.ParseFromString(payload)) return false;
  decoded.set_source_time_ms(decoded.source_time_ms() + shift_ms);
  decoded.set_sequence(decoded.sequence() + sequence_offset);
  payload = decoded.SerializeAsString();
  return true;
}

template <typename Message>
std::optional<std::int64_t> sourceTimeOf(const std::string& payload) {
  Message decoded;
  if (!decoded.ParseFromString(payload)) return std::nullopt;
  return decoded.source_time_ms();
}

template <typename Message>
std::optional<std::uint64_t> sequenceOf(const std::string& payload) {
  Message decoded;
  if (!decoded.ParseFromString(payload)) return std::nullopt;
  return decoded.sequence();
}

std::optional<std::uint64_t> payloadSequence(const v1::RecordedMessage& message) {
  const auto topic = streamer::parseTopic(message.topic());
  if (!topic) return std::nullopt;
  switch (topic->kind) {
    case TopicKind::Vitals: return sequenceOf<v1::VitalsFrame>(message.payload());
    case TopicKind::Infusion: return sequenceOf<v1::PumpStatus>(message.payload());
    case TopicKind::Event: return sequenceOf<v1::ClinicalEvent>(message.payload());
    default: return std::nullopt;
  }
}

std::vector<std::int64_t> pacingTimes(const std::vector<v1::RecordedMessage>& messages, Timing timing) {
  std::vector<std::int64_t> times;
  times.reserve(messages.size());
  std::optional<std::int64_t> last;
  for (const auto& message : messages) {
    auto time = timing == Timing::Receive ? message.receive_time_ms() : sourceTimeMs(message);
    if (!time) time = last.value_or(message.receive_time_ms());
    times.push_back(*time);
    last = time;
  }
  return times;
}

}  // namespace

std::optional<std::int64_t> sourceTimeMs(const v1::RecordedMessage& message) {
  const auto topic = streamer::parseTopic(message.topic());
  if (!topic) return std::nullopt;
  switch (topic->kind) {
    case TopicKind::Vitals: return sourceTimeOf<v1::VitalsFrame>(message.payload());
    case TopicKind::Infusion: return sourceTimeOf<v1::PumpStatus>(message.payload());
    case TopicKind::Event: return sourceTimeOf<v1::ClinicalEvent>(message.payload());
    default: return std::nullopt;
  }
}

std::vector<v1::RecordedMessage> keepPatient(std::vector<v1::RecordedMessage> messages, const std::string& patient_id) {
  std::erase_if(messages, [&](const v1::RecordedMessage& message) {
    const auto topic = streamer::parseTopic(message.topic());
    return !topic || topic->patient_id != patient_id;
  });
  return messages;
}

ShiftedMessage shiftMessage(const v1::RecordedMessage& message, std::int64_t shift_ms, std::uint64_t sequence_offset) {
  ShiftedMessage shifted{message, false};
  shifted.message.set_receive_time_ms(message.receive_time_ms() + shift_ms);
  const auto topic = streamer::parseTopic(message.topic());
  if (!topic) return shifted;
  auto& payload = *shifted.message.mutable_payload();
  switch (topic->kind) {
    case TopicKind::Vitals:
      shifted.payload_shifted = shiftPayload<v1::VitalsFrame>(payload, shift_ms, sequence_offset);
      break;
    case TopicKind::Infusion:
      shifted.payload_shifted = shiftPayload<v1::PumpStatus>(payload, shift_ms, sequence_offset);
      break;
    case TopicKind::Event:
      shifted.payload_shifted = shiftPayload<v1::ClinicalEvent>(payload, shift_ms, sequence_offset);
      break;
    default: break;
  }
  return shifted;
}

Playlist::Playlist(std::vector<v1::RecordedMessage> messages, std::optional<std::int64_t> shift_to_ms, Timing timing)
    : messages_(std::move(messages)), pace_ms_(pacingTimes(messages_, timing)) {
  if (shift_to_ms && !messages_.empty()) shift_ms_ = *shift_to_ms - messages_.front().receive_time_ms();
  if (!shift_ms_) return;                                                // strides only matter when loops are moved on
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> range;  // topic -> min, max
  for (const auto& message : messages_) {
    const auto sequence = payloadSequence(message);
    if (!sequence) continue;
    auto [it, fresh] = range.try_emplace(message.topic(), *sequence, *sequence);
    it->second.first = std::min(it->second.first, *sequence);
    it->second.second = std::max(it->second.second, *sequence);
  }
  for (const auto& [topic, bounds] : range) sequence_stride_[topic] = bounds.second - bounds.first + 1;
}

std::int64_t Playlist::spanMs() const {
  if (pace_ms_.empty()) return 0;
  return pace_ms_.back() - pace_ms_.front();
}

std::int64_t Playlist::playbackTimeMs(std::uint64_t loop, std::size_t index) const {
  return pace_ms_[index] + static_cast<std::int64_t>(loop) * loopPeriodMs();
}

std::int64_t Playlist::dataTimeMs(std::uint64_t loop, std::size_t index) const {
  if (!shift_ms_) return pace_ms_[index];
  return pace_ms_[index] + *shift_ms_ + static_cast<std::int64_t>(loop) * loopPeriodMs();
}

ShiftedMessage Playlist::emitted(std::uint64_t loop, std::size_t index) const {
  const auto& message = messages_[index];
  if (!shift_ms_) return {message, false};
  const auto stride = sequence_stride_.find(message.topic());
  const std::uint64_t sequence_offset = stride == sequence_stride_.end() ? 0 : loop * stride->second;
  return shiftMessage(message, *shift_ms_ + static_cast<std::int64_t>(loop) * loopPeriodMs(), sequence_offset);
}

}  // namespace vigil::tools::replay
