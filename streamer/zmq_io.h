// Move-only RAII wrappers over cppzmq sockets with the [topic][payload] framing of
// DESIGN.md section 1. "Would block" is a value (false / nullopt), never an exception;
// real socket errors (bad endpoint, address in use) throw zmq::error_t at set-up.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/message_lite.h>
#include <zmq.hpp>

namespace vigil::streamer {

// One received multipart message. `parts` is how many frames arrived: anything but two
// is malformed and the receiver counts it.
struct Envelope {
  std::string topic;
  std::string payload;
  std::size_t parts = 0;
  bool wellFormed() const { return parts == 2; }
};

// Publishes [topic][payload]. It is an XPUB so that a publisher can wait until a
// subscriber's subscription has arrived instead of losing its first messages (the
// ZeroMQ "slow joiner"); otherwise it behaves exactly like PUB.
class Publisher {
 public:
  explicit Publisher(zmq::context_t& context);

  // Returns the endpoint actually bound (a "*" port resolved to the real one).
  std::string bind(const std::string& endpoint);
  void connect(const std::string& endpoint);

  // false when the message was not queued (high-water mark or no peer yet): count it.
  bool publish(std::string_view topic, const google::protobuf::MessageLite& message);
  bool publishRaw(std::string_view topic, std::string_view payload);
  // The same from messages made earlier (a sender that collects a burst and sends it whole).
  bool publishMessages(zmq::message_t& topic, zmq::message_t& payload);
  // Like publishRaw, but with xpub_nodrop set a full send queue makes it wait up to
  // `timeout` for room instead of refusing at once: a replay paced by its receiver.
  bool publishRawWaiting(std::string_view topic, std::string_view payload, std::chrono::milliseconds timeout);

  // Waits until at least one subscription has reached this socket; false at the deadline.
  bool awaitSubscriber(std::chrono::milliseconds timeout);

  zmq::socket_ref handle() { return socket_; }

 private:
  zmq::socket_t socket_;
  bool has_subscriber_ = false;
};

class Subscriber {
 public:
  explicit Subscriber(zmq::context_t& context);

  std::string bind(const std::string& endpoint);
  void connect(const std::string& endpoint);
  void subscribe(std::string_view prefix);

  // Waits at most `timeout` for a message; nullopt when none came in time.
  std::optional<Envelope> receive(std::chrono::milliseconds timeout);
  std::optional<Envelope> tryReceive();

  zmq::socket_ref handle() { return socket_; }

 private:
  zmq::socket_t socket_;
};

// Waits up to `timeout` until `events` (ZMQ_POLLIN, ZMQ_POLLOUT) are ready on `socket`. A
// signal interrupting the wait (a SIGTERM may land on any thread) counts as "not ready"
// and leaves the decision to the caller's loop; cppzmq would otherwise throw.
bool awaitEvents(zmq::socket_ref socket, short events, std::chrono::milliseconds timeout);

// Reads every frame of the multipart message waiting on `socket` (non-blocking);
// an empty vector when nothing is waiting.
std::vector<zmq::message_t> receiveMultipart(zmq::socket_ref socket);
// The same into a vector the caller reuses; false when nothing was waiting.
bool receiveMultipart(zmq::socket_ref socket, std::vector<zmq::message_t>& into);
std::string boundEndpoint(zmq::socket_ref socket);

// Binds and returns the endpoint actually bound, with a "*" port resolved.
std::string bindResolved(zmq::socket_ref socket, const std::string& endpoint);

}  // namespace vigil::streamer
