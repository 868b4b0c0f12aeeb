// A schedule of deadlines, earliest first, whose cost per move does not grow with what it
// holds (issue 13): the engine moves a patient's next deadline on nearly every frame, and
// nearly always later (a staleness watch pushed on by the frame that just came in).
//
// Lazy re-insertion: each handle has at most one live entry in a binary heap, at a key no
// later than its deadline. A deadline that moves later leaves the entry where it is (no
// work now); when that entry comes up, it is put back at the handle's real deadline instead
// of being returned. Only a deadline that moves earlier is pushed at once. Entries made
// obsolete (superseded by an earlier push, or their handle released) carry an old
// generation and are skipped; the heap is rebuilt when they outnumber the live ones, so
// its size stays within a few times the number of handles.
//
// The order is exact, not approximate: popBefore() returns deadlines in (time, tie key)
// order, as a std::set<std::pair<TimePoint, TieKey>> would. Every live key is at or before
// its handle's real (time, tie) key, so when the heap's first live entry is a real one,
// every other handle's real key is at or after it.
//
// Handles are small integers the caller gives out (an index per patient or per source),
// so the per-handle state is an array, not another lookup. No clocks: times are values.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "alarms/core/domain.h"

namespace vigil::core {

template <class TieKey>
class DeadlineQueue {
 public:
  using Handle = std::uint32_t;
  struct Due {
    TimePoint time;
    Handle handle;
  };

  // The handle's deadline is now `when` (nullopt: none); `tie` orders it among deadlines at
  // the same time. Later than its queued key: nothing moves until that key comes up.
  void set(Handle handle, std::optional<TimePoint> when, TieKey tie) {
    Slot& slot = slotOf(handle);
    slot.due = when;
    slot.tie = tie;
    if (!when) return;  // a live entry, if any, is dropped when it comes up
    if (slot.queued && !before(*when, tie, *slot.queued, slot.queued_tie)) return;
    push(handle, slot);
  }

  std::optional<TimePoint> deadline(Handle handle) const {
    return handle < slots_.size() ? slots_[handle].due : std::nullopt;
  }

  // Takes the earliest deadline strictly before `time` off the schedule (ties in TieKey
  // order); its handle has no deadline until set() again. nullopt: none is that early.
  std::optional<Due> popBefore(TimePoint time) {
    while (!heap_.empty() && heap_.front().time < time) {
      std::pop_heap(heap_.begin(), heap_.end(), Later{});
      const Entry top = heap_.back();
      heap_.pop_back();
      Slot& slot = slots_[top.handle];
      if (top.generation != slot.generation) continue;  // superseded or released
      slot.queued.reset();
      --live_;
      if (slot.due && *slot.due == top.time && !before(top.time, top.tie, *slot.due, slot.tie)) {
        slot.due.reset();
        return Due{top.time, top.handle};
      }
      if (slot.due) push(top.handle, slot);  // moved later since it was queued
    }
    return std::nullopt;
  }

  // The handle's deadline and entries are forgotten; the handle may be given out again.
  void release(Handle handle) {
    if (handle >= slots_.size()) return;
    Slot& slot = slots_[handle];
    if (slot.queued) --live_;
    slot.due.reset();
    slot.queued.reset();
    ++slot.generation;
  }

  void clear() {
    heap_.clear();
    slots_.clear();
    live_ = 0;
  }

  // Entries in the heap, obsolete ones included (tests bound it).
  std::size_t entries() const { return heap_.size(); }

 private:
  struct Slot {
    std::optional<TimePoint> due;
    TieKey tie{};
    std::optional<TimePoint> queued;  // the key of its live entry
    TieKey queued_tie{};
    std::uint32_t generation = 0;
  };
  struct Entry {
    TimePoint time;
    TieKey tie;
    Handle handle;
    std::uint32_t generation;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const { return before(b.time, b.tie, a.time, a.tie); }
  };

  static bool before(TimePoint a, const TieKey& a_tie, TimePoint b, const TieKey& b_tie) {
    return a < b || (a == b && a_tie < b_tie);
  }

  Slot& slotOf(Handle handle) {
    if (handle >= slots_.size()) slots_.resize(static_cast<std::size_t>(handle) + 1);
    return slots_[handle];
  }

  // A live entry at the handle's deadline; the one it had, if any, becomes obsolete.
  void push(Handle handle, Slot& slot) {
    if (!slot.queued) ++live_;
    slot.queued = slot.due;
    slot.queued_tie = slot.tie;
    ++slot.generation;
    heap_.push_back({*slot.due, slot.tie, handle, slot.generation});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
    if (heap_.size() > 2 * live_ + kSlack) compact();
  }

  // Drops the obsolete entries (the live ones keep their keys), in time linear in the heap:
  // paid for by the pushes that made them obsolete.
  void compact() {
    std::erase_if(heap_, [this](const Entry& entry) { return entry.generation != slots_[entry.handle].generation; });
    std::make_heap(heap_.begin(), heap_.end(), Later{});
  }

  static constexpr std::size_t kSlack = 64;  // small queues are not rebuilt on every push

  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::size_t live_ = 0;  // handles with a live entry
};

}  // namespace vigil::core
