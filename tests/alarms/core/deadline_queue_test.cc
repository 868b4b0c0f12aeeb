// The engine's schedule (deadline_queue.h): deadlines come out in (time, tie key) order
// exactly as the std::set of (time, patient id) it replaced gave them, however often they
// move, while a deadline that moves later costs nothing until it comes up. The reference
// in the randomised test is a plain std::set, not the queue's own logic.
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "alarms/core/deadline_queue.h"

namespace vigil::core {
namespace {

TimePoint at(std::int64_t ms) { return fromMillis(ms); }

using Queue = DeadlineQueue<std::string_view>;

std::vector<std::pair<std::int64_t, Queue::Handle>> drainBefore(Queue& queue, std::int64_t before_ms) {
  std::vector<std::pair<std::int64_t, Queue::Handle>> popped;
  while (const auto due = queue.popBefore(at(before_ms))) popped.emplace_back(toMillis(due->time), due->handle);
  return popped;
}

TEST(DeadlineQueueTest, PopsInTimeOrderOnlyWhatIsStrictlyBefore) {
  Queue queue;
  queue.set(0, at(30), "a");
  queue.set(1, at(10), "b");
  queue.set(2, at(20), "c");
  const std::vector<std::pair<std::int64_t, Queue::Handle>> first{{10, 1}, {20, 2}};
  EXPECT_EQ(drainBefore(queue, 30), first);  // 30 is not before 30
  EXPECT_EQ(queue.deadline(0), at(30));
  EXPECT_EQ(queue.deadline(1), std::nullopt);  // popped: none until set again
  const std::vector<std::pair<std::int64_t, Queue::Handle>> rest{{30, 0}};
  EXPECT_EQ(drainBefore(queue, 31), rest);
}

TEST(DeadlineQueueTest, TiesComeOutInTieKeyOrderNotHandleOrder) {
  Queue queue;
  queue.set(0, at(10), "p3");
  queue.set(1, at(10), "p1");
  queue.set(2, at(10), "p2");
  const std::vector<std::pair<std::int64_t, Queue::Handle>> expected{{10, 1}, {10, 2}, {10, 0}};
  EXPECT_EQ(drainBefore(queue, 11), expected);
}

TEST(DeadlineQueueTest, ADeadlineMovedLaterComesUpAtItsNewTime) {
  Queue queue;
  queue.set(0, at(10), "a");
  queue.set(1, at(15), "b");
  queue.set(0, at(20), "a");  // later: the entry at 10 stays, lazily
  EXPECT_EQ(queue.deadline(0), at(20));
  const std::vector<std::pair<std::int64_t, Queue::Handle>> expected{{15, 1}};
  EXPECT_EQ(drainBefore(queue, 20), expected);  // nothing at 10: it moved
  const std::vector<std::pair<std::int64_t, Queue::Handle>> later{{20, 0}};
  EXPECT_EQ(drainBefore(queue, 21), later);
}

TEST(DeadlineQueueTest, ADeadlineMovedEarlierComesUpOnceAtItsNewTime) {
  Queue queue;
  queue.set(0, at(30), "a");
  queue.set(0, at(5), "a");
  const std::vector<std::pair<std::int64_t, Queue::Handle>> expected{{5, 0}};
  EXPECT_EQ(drainBefore(queue, 100), expected);  // the entry at 30 is obsolete
}

TEST(DeadlineQueueTest, ClearedAndReleasedDeadlinesNeverComeUp) {
  Queue queue;
  queue.set(0, at(10), "a");
  queue.set(1, at(10), "b");
  queue.set(0, std::nullopt, "a");
  queue.release(1);
  EXPECT_EQ(drainBefore(queue, 100).size(), 0u);
  queue.set(1, at(50), "b");  // a released handle given out again
  const std::vector<std::pair<std::int64_t, Queue::Handle>> expected{{50, 1}};
  EXPECT_EQ(drainBefore(queue, 100), expected);
}

// One patient's deadline moved earlier over and over: obsolete entries are dropped, so the
// heap stays within a few times the live deadlines.
TEST(DeadlineQueueTest, ObsoleteEntriesDoNotAccumulate) {
  Queue queue;
  for (std::int64_t t = 1'000'000; t > 0; --t) queue.set(0, at(t), "a");
  EXPECT_LE(queue.entries(), 2u + 64u);
  const std::vector<std::pair<std::int64_t, Queue::Handle>> expected{{1, 0}};
  EXPECT_EQ(drainBefore(queue, 2'000'000), expected);
}

// Random moves (later, earlier, cleared), pops and releases, against the std::set of
// (time, id) that the engine used before: the same deadlines in the same order.
TEST(DeadlineQueueTest, SameOrderAsAnOrderedSetUnderRandomMoves) {
  constexpr Queue::Handle kHandles = 50;
  std::vector<std::string> ids;
  for (Queue::Handle h = 0; h < kHandles; ++h) ids.push_back("p" + std::to_string((h * 37) % kHandles));
  Queue queue;
  std::set<std::pair<std::int64_t, std::string>> reference;
  std::vector<std::optional<std::int64_t>> deadline(kHandles);
  std::mt19937 random(13);
  std::int64_t now = 0;
  auto setBoth = [&](Queue::Handle h, std::optional<std::int64_t> when) {
    if (deadline[h]) reference.erase({*deadline[h], ids[h]});
    deadline[h] = when;
    if (when) reference.insert({*when, ids[h]});
    queue.set(h, when ? std::optional(at(*when)) : std::nullopt, ids[h]);
  };
  for (int step = 0; step < 20'000; ++step) {
    const auto h = static_cast<Queue::Handle>(random() % kHandles);
    switch (random() % 6) {
      case 0: setBoth(h, std::nullopt); break;
      case 1: setBoth(h, now + static_cast<std::int64_t>(random() % 5)); break;  // many ties
      default: setBoth(h, now + static_cast<std::int64_t>(random() % 200)); break;
    }
    if (step % 7 == 0) {
      now += static_cast<std::int64_t>(random() % 40);
      while (!reference.empty() && reference.begin()->first < now) {
        const auto [when, id] = *reference.begin();
        reference.erase(reference.begin());
        const auto due = queue.popBefore(at(now));
        ASSERT_TRUE(due.has_value()) << "step " << step;
        EXPECT_EQ(toMillis(due->time), when) << "step " << step;
        ASSERT_EQ(ids[due->handle], id) << "step " << step;
        deadline[due->handle].reset();
      }
      EXPECT_FALSE(queue.popBefore(at(now)).has_value()) << "step " << step;
    }
  }
}

}  // namespace
}  // namespace vigil::core
