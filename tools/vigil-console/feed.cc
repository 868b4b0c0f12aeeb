#include "tools/vigil-console/feed.h"

#include "streamer/topics.h"

namespace vigil::console {
namespace {

template <typename Message>
bool parse(const std::string& payload, Message& message) {
  return message.ParseFromArray(payload.data(), static_cast<int>(payload.size()));
}

Delivery deliverAlarm(const std::string& payload, AlarmBoard& board) {
  Delivery delivery;
  vigil::v1::AlarmEvent event;
  if (!parse(payload, event)) {
    ++board.drops().undecodable;
    return delivery;
  }
  const auto outcome = board.apply(event);
  delivery.changed = changedBoard(outcome);
  if (delivery.changed) delivery.event = std::move(event);
  return delivery;
}

Delivery deliverHeartbeat(const std::string& payload, AlarmBoard& board, SteadyTime now) {
  Delivery delivery;
  vigil::v1::Heartbeat heartbeat;
  if (!parse(payload, heartbeat)) {
    ++board.drops().undecodable;
    return delivery;
  }
  board.onHeartbeat(heartbeat, now);
  delivery.heartbeat = true;
  return delivery;
}

}  // namespace

Delivery deliver(const streamer::Envelope& envelope, AlarmBoard& board, SteadyTime now) {
  if (!envelope.wellFormed()) {
    ++board.drops().malformed;
    return {};
  }
  const auto topic = streamer::parseTopic(envelope.topic);
  if (topic && topic->kind == streamer::TopicKind::Alert) return deliverAlarm(envelope.payload, board);
  if (topic && topic->kind == streamer::TopicKind::Heartbeat) return deliverHeartbeat(envelope.payload, board, now);
  ++board.drops().unknown_topic;
  return {};
}

}  // namespace vigil::console
