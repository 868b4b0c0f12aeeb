// The ingest socket's own thread: it takes every message off the SUB socket as it arrives,
// stamps the time it arrived, and queues it for the engine's thread, so that the engine can
// see how long each frame waited (ZeroMQ's own queue has no clock) and bound that wait in
// time as well as in count (issue 13, "overload is visible and bounded"). Nothing it
// refuses is lost uncounted: a full queue is counted here, a message too old to apply is
// counted by the engine service.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "streamer/zmq_io.h"

namespace vigil::service {

struct ArrivedMessage {
  streamer::Envelope envelope;
  std::string gateway;  // the ZAP User-Id with CURVE, "" on plain connections
  std::chrono::steady_clock::time_point arrived;
};

struct IntakeCounters {
  std::uint64_t received = 0;
  std::uint64_t dropped_queue_full = 0;
};

class IngestIntake {
 public:
  // `wake` is called on the intake thread when a message lands in an empty queue; it must
  // hand over to the engine's thread (post to its io_context), never do the work itself.
  IngestIntake(zmq::socket_ref socket, std::size_t max_messages, bool with_user_id, std::function<void()> wake);
  ~IngestIntake();
  IngestIntake(const IngestIntake&) = delete;
  IngestIntake& operator=(const IngestIntake&) = delete;

  void start();
  // Up to `max` queued messages, oldest first; fewer (maybe none) when the queue ran dry,
  // after which the next arrival calls `wake` again.
  std::size_t take(std::vector<ArrivedMessage>& into, std::size_t max);
  IntakeCounters counters() const;
  std::size_t depth() const;

 private:
  void run();

  zmq::socket_ref socket_;
  std::size_t max_messages_;
  bool with_user_id_;
  std::function<void()> wake_;
  mutable std::mutex mutex_;
  std::deque<ArrivedMessage> queue_;
  IntakeCounters counters_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace vigil::service
