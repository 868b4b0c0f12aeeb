#include "alarms/service/ingest_intake.h"

namespace vigil::service {
namespace {

// How often the thread looks at its stop flag while nothing arrives.
constexpr auto kPollTimeout = std::chrono::milliseconds(50);

}  // namespace

IngestIntake::IngestIntake(zmq::socket_ref socket, std::size_t max_messages, bool with_user_id,
                           std::function<void()> wake)
    : socket_(socket), max_messages_(max_messages), with_user_id_(with_user_id), wake_(std::move(wake)) {}

IngestIntake::~IngestIntake() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void IngestIntake::start() {
  thread_ = std::thread([this] { run(); });
}

void IngestIntake::run() {
  while (!stopping_) {
    // A signal landing on this thread is "nothing yet" too (awaitEvents).
    if (!streamer::awaitEvents(socket_, ZMQ_POLLIN, kPollTimeout)) continue;
    // Everything waiting, each stamped as it is taken: the stamp is when the engine could
    // first have seen it.
    for (auto frames = streamer::receiveMultipart(socket_); !frames.empty();
         frames = streamer::receiveMultipart(socket_)) {
      ArrivedMessage message;
      message.arrived = std::chrono::steady_clock::now();
      message.envelope.parts = frames.size();
      message.envelope.topic = frames[0].to_string();
      if (frames.size() > 1) message.envelope.payload = frames[1].to_string();
      if (with_user_id_) {
        if (const char* user_id = zmq_msg_gets(frames.back().handle(), "User-Id")) message.gateway = user_id;
      }
      bool was_empty = false;
      {
        std::lock_guard lock(mutex_);
        ++counters_.received;
        if (queue_.size() >= max_messages_) {
          ++counters_.dropped_queue_full;
          continue;
        }
        was_empty = queue_.empty();
        queue_.push_back(std::move(message));
      }
      if (was_empty) wake_();
      if (stopping_) return;
    }
  }
}

std::size_t IngestIntake::take(std::vector<ArrivedMessage>& into, std::size_t max) {
  std::lock_guard lock(mutex_);
  std::size_t taken = 0;
  for (; taken < max && !queue_.empty(); ++taken) {
    into.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return taken;
}

IntakeCounters IngestIntake::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::size_t IngestIntake::depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

}  // namespace vigil::service
