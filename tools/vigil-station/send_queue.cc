#include "tools/vigil-station/send_queue.h"

#include <algorithm>

namespace vigil::station {

Enqueued SendQueue::push(Outgoing message) {
  if (!message.supersede_key.empty()) {
    const auto same = std::find_if(waiting_.begin(), waiting_.end(), [&](const Outgoing& waiting) {
      return waiting.supersede_key == message.supersede_key;
    });
    if (same != waiting_.end()) {
      same->text = std::move(message.text);
      ++superseded_;
      return Enqueued::Superseded;
    }
    waiting_.push_back(std::move(message));
    return Enqueued::Queued;
  }
  if (undroppable_ >= max_undroppable_) return Enqueued::Overflow;
  ++undroppable_;
  waiting_.push_back(std::move(message));
  return Enqueued::Queued;
}

void SendQueue::replaceAllWith(Outgoing full_picture) {
  superseded_ += waiting_.size();
  waiting_.clear();
  undroppable_ = 1;
  full_picture.supersede_key.clear();
  waiting_.push_back(std::move(full_picture));
}

Outgoing SendQueue::pop() {
  Outgoing front = std::move(waiting_.front());
  waiting_.pop_front();
  if (front.supersede_key.empty()) --undroppable_;
  return front;
}

}  // namespace vigil::station
