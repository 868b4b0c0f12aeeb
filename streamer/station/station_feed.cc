#include "streamer/station/station_feed.h"

namespace vigil::streamer::station {
namespace {

template <typename Message>
bool parse(const std::string& payload, Message& message) {
  return message.ParseFromArray(payload.data(), static_cast<int>(payload.size()));
}

// Decodes the payload as `Message` and hands it to the state; keeps it when applied.
template <typename Message, typename Keep>
Delivery deliverMessage(const std::string& payload, StationState& state, TopicKind kind, Keep keep) {
  Delivery delivery;
  delivery.kind = kind;
  Message message;
  if (!parse(payload, message)) {
    ++state.counters().undecodable;
    return delivery;
  }
  delivery.outcome = state.apply(message);
  if (delivery.outcome == Outcome::Applied) keep(delivery, std::move(message));
  return delivery;
}

Delivery deliverHeartbeat(const std::string& payload, StationState& state, SteadyTime now) {
  Delivery delivery;
  delivery.kind = TopicKind::Heartbeat;
  vigil::v1::Heartbeat heartbeat;
  if (!parse(payload, heartbeat)) {
    ++state.counters().undecodable;
    return delivery;
  }
  delivery.outcome = state.onHeartbeat(heartbeat, now);
  return delivery;
}

}  // namespace

Delivery deliver(const Envelope& envelope, StationState& state, SteadyTime now) {
  if (!envelope.wellFormed()) {
    ++state.counters().malformed;
    return {};
  }
  const auto topic = parseTopic(envelope.topic);
  if (!topic) {
    ++state.counters().unknown_topic;
    return {};
  }
  switch (topic->kind) {
    case TopicKind::Alert:
      return deliverMessage<vigil::v1::AlarmEvent>(envelope.payload, state, topic->kind,
                                                   [](Delivery& d, auto&& m) { d.alarm = std::move(m); });
    case TopicKind::Advice:
      return deliverMessage<vigil::v1::AdviceEvent>(envelope.payload, state, topic->kind,
                                                    [](Delivery& d, auto&& m) { d.advice = std::move(m); });
    case TopicKind::Status:
      return deliverMessage<vigil::v1::PatientStatus>(envelope.payload, state, topic->kind,
                                                      [](Delivery& d, auto&& m) { d.status = std::move(m); });
    case TopicKind::Heartbeat: return deliverHeartbeat(envelope.payload, state, now);
    default:
      // Subscribed prefixes exclude the rest; something else here is a fault upstream.
      ++state.counters().unknown_topic;
      return {};
  }
}

}  // namespace vigil::streamer::station
