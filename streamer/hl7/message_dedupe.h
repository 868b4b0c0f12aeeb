// Message ids already published, per sender: a device gateway that did not get our ACK
// sends the message again with the same MSH-10, and it must not be published twice.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

namespace vigil::streamer::hl7 {

class MessageDedupe {
 public:
  // Remembers the last `capacity` ids (the oldest is forgotten first).
  explicit MessageDedupe(std::size_t capacity) : capacity_(capacity) {}

  bool seen(std::string_view sender, std::string_view control_id) const;
  void remember(std::string_view sender, std::string_view control_id);
  std::size_t size() const { return order_.size(); }

 private:
  static std::string keyOf(std::string_view sender, std::string_view control_id);

  std::size_t capacity_;
  std::unordered_set<std::string> ids_;
  std::deque<std::string> order_;
};

}  // namespace vigil::streamer::hl7
