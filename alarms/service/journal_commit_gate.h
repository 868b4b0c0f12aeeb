// Durable before visible (issue 9): what the engine shows (alert-stream messages, control
// replies, snapshots) waits here until the journal has committed the rows it depends on,
// then leaves in the order it came. A nurse must never see an alarm that a restart after
// kill -9 would not have.
//
// No sockets, no threads: the engine thread holds items with the journal's queued-row mark
// (Journal::queuedRows() after the rows were queued) and releases them when the journal
// reports a settled mark that has reached it (Journal::setCommitListener). Time is
// passed in, only to measure how long outputs waited.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <vector>

namespace vigil::service {

// The latest waits, for their median, 99th percentile and maximum. Fixed memory.
class WaitWindow {
 public:
  static constexpr std::size_t kSize = 65536;

  WaitWindow() { samples_.reserve(kSize); }

  void add(std::chrono::microseconds wait) {
    const auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(wait.count(), 0));
    if (samples_.size() < kSize) {
      samples_.push_back(us);
    } else {
      samples_[next_] = us;
    }
    next_ = (next_ + 1) % kSize;
    max_ = std::max(max_, us);
  }

  // 0..100; 0 when nothing waited yet.
  std::uint64_t percentile(unsigned pct) const {
    if (samples_.empty()) return 0;
    auto sorted = samples_;
    const auto rank = std::min(sorted.size() - 1, sorted.size() * pct / 100);
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rank), sorted.end());
    return sorted[rank];
  }
  std::uint64_t max() const { return max_; }

 private:
  std::vector<std::uint64_t> samples_;
  std::size_t next_ = 0;
  std::uint64_t max_ = 0;
};

template <typename Item>
class CommitGate {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  // `mark`: the journal's queued-row count once everything `item` depends on was queued.
  // `since`: when the input that produced it arrived (for the wait statistics).
  void hold(std::uint64_t mark, SteadyTime since, Item item) { held_.push_back({mark, since, std::move(item)}); }

  // Hands every item whose mark `settled` has reached to `deliver`, oldest first, and
  // stops at the first that must still wait: nothing overtakes an earlier output.
  template <typename Deliver>
  std::size_t release(std::uint64_t settled, SteadyTime now, Deliver&& deliver) {
    std::size_t released = 0;
    while (!held_.empty() && held_.front().mark <= settled) {
      waits_.add(std::chrono::duration_cast<std::chrono::microseconds>(now - held_.front().since));
      deliver(held_.front().item);
      held_.pop_front();
      ++released;
    }
    return released;
  }

  std::size_t size() const { return held_.size(); }
  const WaitWindow& waits() const { return waits_; }

 private:
  struct Held {
    std::uint64_t mark;
    SteadyTime since;
    Item item;
  };
  std::deque<Held> held_;
  WaitWindow waits_;
};

}  // namespace vigil::service
