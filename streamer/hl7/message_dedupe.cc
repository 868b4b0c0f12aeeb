#include "streamer/hl7/message_dedupe.h"

namespace vigil::streamer::hl7 {

std::string MessageDedupe::keyOf(std::string_view sender, std::string_view control_id) {
  // '\n' cannot occur in either part (segments end at CR or LF), so keys cannot collide.
  std::string key(sender);
  key.push_back('\n');
  key.append(control_id);
  return key;
}

bool MessageDedupe::seen(std::string_view sender, std::string_view control_id) const {
  return ids_.count(keyOf(sender, control_id)) > 0;
}

void MessageDedupe::remember(std::string_view sender, std::string_view control_id) {
  if (capacity_ == 0) return;
  auto key = keyOf(sender, control_id);
  if (!ids_.insert(key).second) return;
  order_.push_back(std::move(key));
  if (order_.size() > capacity_) {
    ids_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace vigil::streamer::hl7
