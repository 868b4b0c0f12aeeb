#include "streamer/source/source.h"

#include <type_traits>
#include <variant>

#include "streamer/codec.h"
#include "streamer/recording/message_source.h"
#include "streamer/topics.h"

namespace vigil::streamer::source {
namespace v1 = vigil::v1;
namespace {

template <typename Value>
v1::RecordedMessage encodeAs(TopicKind kind, const Value& value) {
  v1::RecordedMessage message;
  message.set_receive_time_ms(core::toMillis(value.time));
  message.set_topic(makeTopic(kind, value.unit, value.patient_id));
  message.set_payload(toProto(value).SerializeAsString());
  return message;
}

}  // namespace

v1::RecordedMessage encode(const core::VitalsFrame& frame) { return encodeAs(TopicKind::Vitals, frame); }
v1::RecordedMessage encode(const core::PumpStatus& status) { return encodeAs(TopicKind::Infusion, status); }
v1::RecordedMessage encode(const core::ClinicalEvent& event) { return encodeAs(TopicKind::Event, event); }

std::vector<v1::RecordedMessage> drain(Source& source) {
  std::vector<v1::RecordedMessage> messages;
  source.pull(source.end(), messages);
  return messages;
}

SimulatorSource::SimulatorSource(sim::WardConfig config) : ward_(std::move(config)) {}

void SimulatorSource::pull(core::TimePoint until, std::vector<v1::RecordedMessage>& out) {
  pending_.clear();
  ward_.advanceTo(until, pending_);
  out.reserve(out.size() + pending_.size());
  for (const auto& output : pending_) {
    std::visit([&out](const auto& value) { out.push_back(encode(value)); }, output);
  }
}

RecordedSource::RecordedSource(std::vector<v1::RecordedMessage> messages) : messages_(std::move(messages)) {}

void RecordedSource::pull(core::TimePoint until, std::vector<v1::RecordedMessage>& out) {
  const auto until_ms = core::toMillis(until);
  while (next_ < messages_.size() && messages_[next_].receive_time_ms() <= until_ms) out.push_back(messages_[next_++]);
}

core::TimePoint RecordedSource::start() const {
  return messages_.empty() ? core::TimePoint{} : core::fromMillis(messages_.front().receive_time_ms());
}

core::TimePoint RecordedSource::end() const {
  return messages_.empty() ? core::TimePoint{} : core::fromMillis(messages_.back().receive_time_ms());
}

core::Result<std::unique_ptr<Source>> openFileSource(const std::filesystem::path& path) {
  auto loaded = recording::loadMessages(path);
  if (!loaded.ok()) return core::Result<std::unique_ptr<Source>>::failure(loaded.error);
  return {std::make_unique<RecordedSource>(std::move(loaded.messages)), {}};
}

}  // namespace vigil::streamer::source
