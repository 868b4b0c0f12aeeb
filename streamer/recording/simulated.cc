#include "streamer/recording/simulated.h"

#include <type_traits>
#include <variant>

#include "streamer/codec.h"
#include "streamer/topics.h"

namespace vigil::streamer::recording {

std::vector<vigil::v1::RecordedMessage> simulatedMessages(const sim::WardConfig& config) {
  sim::Ward ward(config);
  std::vector<vigil::v1::RecordedMessage> messages;
  for (const auto& output : ward.advanceTo(ward.endTime())) {
    std::visit(
        [&messages](const auto& value) {
          using Value = std::decay_t<decltype(value)>;
          const auto kind = std::is_same_v<Value, core::VitalsFrame> ? TopicKind::Vitals : TopicKind::Infusion;
          vigil::v1::RecordedMessage message;
          message.set_receive_time_ms(core::toMillis(value.time));
          message.set_topic(makeTopic(kind, value.unit, value.patient_id));
          message.set_payload(toProto(value).SerializeAsString());
          messages.push_back(std::move(message));
        },
        output);
  }
  return messages;
}

}  // namespace vigil::streamer::recording
