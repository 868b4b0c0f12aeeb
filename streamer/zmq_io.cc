#include "streamer/zmq_io.h"

#include <cerrno>

#include <zmq_addon.hpp>

namespace vigil::streamer {
namespace {

// Sockets are closed without waiting for unsent messages: a stopping process must not
// hang on a peer that went away. Senders that need delivery confirm it at their level.
constexpr int kNoLinger = 0;

zmq::socket_t makeSocket(zmq::context_t& context, zmq::socket_type type) {
  zmq::socket_t socket(context, type);
  socket.set(zmq::sockopt::linger, kNoLinger);
  return socket;
}

std::optional<Envelope> toEnvelope(std::vector<zmq::message_t> frames) {
  if (frames.empty()) return std::nullopt;
  Envelope envelope;
  envelope.parts = frames.size();
  envelope.topic = frames[0].to_string();
  if (frames.size() > 1) envelope.payload = frames[1].to_string();
  return envelope;
}

bool waitReadable(zmq::socket_ref socket, std::chrono::milliseconds timeout) {
  return awaitEvents(socket, ZMQ_POLLIN, timeout);
}

}  // namespace

bool awaitEvents(zmq::socket_ref socket, short events, std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{socket.handle(), 0, events, 0};
  try {
    return zmq::poll(&item, 1, timeout) > 0;
  } catch (const zmq::error_t& error) {
    if (error.num() == EINTR) return false;
    throw;
  }
}

std::vector<zmq::message_t> receiveMultipart(zmq::socket_ref socket) {
  std::vector<zmq::message_t> frames;
  receiveMultipart(socket, frames);
  return frames;
}

bool receiveMultipart(zmq::socket_ref socket, std::vector<zmq::message_t>& into) {
  into.clear();
  const auto received = zmq::recv_multipart(socket, std::back_inserter(into), zmq::recv_flags::dontwait);
  if (!received) into.clear();
  return !into.empty();
}

std::string boundEndpoint(zmq::socket_ref socket) { return socket.get(zmq::sockopt::last_endpoint); }

std::string bindResolved(zmq::socket_ref socket, const std::string& endpoint) {
  socket.bind(endpoint);
  return boundEndpoint(socket);
}

Publisher::Publisher(zmq::context_t& context) : socket_(makeSocket(context, zmq::socket_type::xpub)) {}

std::string Publisher::bind(const std::string& endpoint) { return bindResolved(socket_, endpoint); }

void Publisher::connect(const std::string& endpoint) { socket_.connect(endpoint); }

bool Publisher::publish(std::string_view topic, const google::protobuf::MessageLite& message) {
  return publishRaw(topic, message.SerializeAsString());
}

bool Publisher::publishRaw(std::string_view topic, std::string_view payload) {
  zmq::message_t topic_message(topic.data(), topic.size());
  zmq::message_t payload_message(payload.data(), payload.size());
  return publishMessages(topic_message, payload_message);
}

bool Publisher::publishMessages(zmq::message_t& topic, zmq::message_t& payload) {
  if (!socket_.send(topic, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) return false;
  // Once the first frame is queued the second always is: ZeroMQ queues multiparts whole.
  return socket_.send(payload, zmq::send_flags::dontwait).has_value();
}

bool Publisher::publishRawWaiting(std::string_view topic, std::string_view payload, std::chrono::milliseconds timeout) {
  socket_.set(zmq::sockopt::sndtimeo, static_cast<int>(timeout.count()));
  // A blocking send retries when the peer's queue drains; sndtimeo bounds the wait.
  const auto first = socket_.send(zmq::buffer(topic), zmq::send_flags::sndmore);
  if (!first) return false;
  return socket_.send(zmq::buffer(payload), zmq::send_flags::dontwait).has_value();
}

bool Publisher::awaitSubscriber(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!has_subscriber_) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !waitReadable(socket_, left)) return false;
    for (auto& frame : receiveMultipart(socket_)) {
      // XPUB hands up subscriptions as a 0x01 byte followed by the prefix.
      if (frame.size() > 0 && frame.data<unsigned char>()[0] == 1) has_subscriber_ = true;
    }
  }
  return true;
}

Subscriber::Subscriber(zmq::context_t& context) : socket_(makeSocket(context, zmq::socket_type::sub)) {}

std::string Subscriber::bind(const std::string& endpoint) { return bindResolved(socket_, endpoint); }

void Subscriber::connect(const std::string& endpoint) { socket_.connect(endpoint); }

void Subscriber::subscribe(std::string_view prefix) { socket_.set(zmq::sockopt::subscribe, prefix); }

std::optional<Envelope> Subscriber::receive(std::chrono::milliseconds timeout) {
  if (auto envelope = tryReceive()) return envelope;
  if (!waitReadable(socket_, timeout)) return std::nullopt;
  return tryReceive();
}

std::optional<Envelope> Subscriber::tryReceive() { return toEnvelope(receiveMultipart(socket_)); }

}  // namespace vigil::streamer
