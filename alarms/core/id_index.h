// Ids (patient ids, source keys) to small dense handles, in one probe of a flat table
// (issue 13: nothing per frame may grow with the number of patients). A std::map walks
// ~17 nodes of 100,000 and a std::unordered_map follows a bucket to a node: each a cache
// miss when every frame is another patient's. Here a slot holds the handle and the id's
// hash side by side, so a lookup reads one slot (and the id itself to confirm a match).
//
// Open addressing with linear probing, at most half full; erase shifts the probe run back
// (no tombstones), so a table that sees sources come and go never degrades. A handle freed
// by erase() is given out again by the next add(). The table is never iterated: whoever
// needs an order (snapshots, statuses) keeps it beside it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::core {

class IdIndex {
 public:
  using Handle = std::uint32_t;

  std::optional<Handle> find(std::string_view id) const {
    if (slots_.empty()) return std::nullopt;
    const auto hash = hashOf(id);
    for (std::size_t i = hash & mask(); !slots_[i].empty(); i = (i + 1) & mask()) {
      if (slots_[i].hash == hash && ids_[slots_[i].handle()] == id) return slots_[i].handle();
    }
    return std::nullopt;
  }

  // The id's handle, added if it was not there.
  Handle add(std::string_view id) {
    if (const auto found = find(id)) return *found;
    if (2 * (size_ + 1) > slots_.size()) grow();
    const Handle handle = takeHandle(id);
    place(Slot{hashOf(id), handle + 1});
    ++size_;
    return handle;
  }

  // Forgets the id; its handle will be given out again.
  void erase(std::string_view id) {
    if (slots_.empty()) return;
    const auto hash = hashOf(id);
    for (std::size_t i = hash & mask(); !slots_[i].empty(); i = (i + 1) & mask()) {
      if (slots_[i].hash == hash && ids_[slots_[i].handle()] == id) {
        const Handle handle = slots_[i].handle();
        shiftBackInto(i);
        ids_[handle].clear();
        free_.push_back(handle);
        --size_;
        return;
      }
    }
  }

  const std::string& idOf(Handle handle) const { return ids_[handle]; }
  std::size_t size() const { return size_; }
  // One more than the largest handle given out: an array indexed by handle needs this size.
  std::size_t handleBound() const { return ids_.size(); }

  void clear() {
    slots_.clear();
    ids_.clear();
    free_.clear();
    size_ = 0;
  }

 private:
  struct Slot {
    std::uint32_t hash = 0;      // the low half of the id's hash; its low bits are the home slot
    std::uint32_t handle_1 = 0;  // handle + 1; 0: empty
    bool empty() const { return handle_1 == 0; }
    Handle handle() const { return handle_1 - 1; }
  };

  static std::uint32_t hashOf(std::string_view id) {
    return static_cast<std::uint32_t>(std::hash<std::string_view>{}(id));
  }
  std::size_t mask() const { return slots_.size() - 1; }

  Handle takeHandle(std::string_view id) {
    if (free_.empty()) {
      ids_.emplace_back(id);
      return static_cast<Handle>(ids_.size() - 1);
    }
    const Handle handle = free_.back();
    free_.pop_back();
    ids_[handle] = id;
    return handle;
  }

  void place(Slot slot) {
    std::size_t i = slot.hash & mask();
    while (!slots_[i].empty()) i = (i + 1) & mask();
    slots_[i] = slot;
  }

  void grow() {
    std::vector<Slot> old(slots_.empty() ? kFirstCapacity : 2 * slots_.size());
    old.swap(slots_);
    for (const Slot& slot : old) {
      if (!slot.empty()) place(slot);
    }
  }

  // Knuth's algorithm R: empties slot `hole`, moving back each later slot of the run that
  // a probe from its home would no longer reach across the hole.
  void shiftBackInto(std::size_t hole) {
    for (std::size_t j = (hole + 1) & mask(); !slots_[j].empty(); j = (j + 1) & mask()) {
      const std::size_t home = slots_[j].hash & mask();
      // The slot may stay when its home lies cyclically in (hole, j].
      const bool stays = hole < j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (stays) continue;
      slots_[hole] = slots_[j];
      hole = j;
    }
    slots_[hole] = Slot{};
  }

  static constexpr std::size_t kFirstCapacity = 16;

  std::vector<Slot> slots_;
  std::vector<std::string> ids_;  // by handle; empty when freed
  std::vector<Handle> free_;
  std::size_t size_ = 0;
};

}  // namespace vigil::core
