// A browser's send queue: a slow browser gets the latest numerics, never loses an alarm,
// and is marked for disconnection when even the undroppable messages pile up.
#include "tools/vigil-station/send_queue.h"

#include <gtest/gtest.h>

namespace vigil::station {
namespace {

std::vector<std::string> drain(SendQueue& queue) {
  std::vector<std::string> texts;
  while (!queue.empty()) texts.push_back(queue.pop().text);
  return texts;
}

TEST(StationSendQueue, ANewerStatusReplacesTheWaitingOneInPlace) {
  SendQueue queue(10);
  EXPECT_EQ(queue.push({"status/bed-01", "s1 old"}), Enqueued::Queued);
  EXPECT_EQ(queue.push({"", "alarm A"}), Enqueued::Queued);
  EXPECT_EQ(queue.push({"status/bed-02", "s2"}), Enqueued::Queued);
  EXPECT_EQ(queue.push({"status/bed-01", "s1 new"}), Enqueued::Superseded);
  EXPECT_EQ(queue.superseded(), 1u);
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"s1 new", "alarm A", "s2"}));
}

TEST(StationSendQueue, AMessageBeingWrittenIsNotReplaced) {
  SendQueue queue(10);
  queue.push({"status/bed-01", "first"});
  EXPECT_EQ(queue.pop().text, "first");
  EXPECT_EQ(queue.push({"status/bed-01", "second"}), Enqueued::Queued);
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"second"}));
}

TEST(StationSendQueue, AlarmsAreNeverDroppedButOverflowAtTheBound) {
  SendQueue queue(3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(queue.push({"", "alarm " + std::to_string(i)}), Enqueued::Queued);
  // Supersedable messages still fit: they cannot pile up.
  EXPECT_EQ(queue.push({"link", "link 1"}), Enqueued::Queued);
  EXPECT_EQ(queue.push({"link", "link 2"}), Enqueued::Superseded);
  EXPECT_EQ(queue.push({"", "alarm 3"}), Enqueued::Overflow);
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"alarm 0", "alarm 1", "alarm 2", "link 2"}));
  // Sent ones make room again.
  EXPECT_EQ(queue.push({"", "alarm 4"}), Enqueued::Queued);
}

TEST(StationSendQueue, AFullPictureReplacesEverythingWaiting) {
  SendQueue queue(2);
  queue.push({"", "alarm"});
  queue.push({"", "alarm"});
  queue.push({"status/bed-01", "s"});
  queue.replaceAllWith({"status/ignored-key", "full"});
  EXPECT_EQ(queue.push({"", "alarm after"}), Enqueued::Queued);
  EXPECT_EQ(queue.push({"", "one too many"}), Enqueued::Overflow);
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"full", "alarm after"}));
}

}  // namespace
}  // namespace vigil::station
