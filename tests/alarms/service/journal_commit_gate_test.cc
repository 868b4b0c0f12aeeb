// The commit gate (durable before visible): nothing leaves before the journal has settled
// its mark, nothing overtakes an earlier output, and the waits are measured.
#include "alarms/service/journal_commit_gate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil::service {
namespace {

using namespace std::chrono_literals;
using Time = std::chrono::steady_clock::time_point;

std::vector<std::string> releaseUpTo(CommitGate<std::string>& gate, std::uint64_t settled, Time now) {
  std::vector<std::string> out;
  gate.release(settled, now, [&out](std::string& item) { out.push_back(item); });
  return out;
}

TEST(CommitGate, HoldsEachOutputUntilItsRowsAreSettledAndKeepsTheOrder) {
  CommitGate<std::string> gate;
  const Time t0{};
  gate.hold(2, t0, "alert A");
  gate.hold(2, t0, "alert B");
  gate.hold(5, t0, "snapshot");
  EXPECT_TRUE(releaseUpTo(gate, 1, t0).empty()) << "row 2 is not committed yet";
  EXPECT_EQ(releaseUpTo(gate, 2, t0), (std::vector<std::string>{"alert A", "alert B"}));
  gate.hold(3, t0, "reply");  // settled earlier than the snapshot's mark, but comes after it
  EXPECT_TRUE(releaseUpTo(gate, 4, t0).empty()) << "the reply overtook the snapshot";
  EXPECT_EQ(releaseUpTo(gate, 5, t0), (std::vector<std::string>{"snapshot", "reply"}));
  EXPECT_EQ(gate.size(), 0u);
}

TEST(CommitGate, MeasuresHowLongEachOutputWaited) {
  CommitGate<int> gate;
  const Time t0{};
  for (int i = 0; i < 100; ++i) gate.hold(1, t0 + std::chrono::microseconds(i * 10), i);
  gate.release(1, t0 + 1000us, [](int&) {});
  // Waits of 1000, 990, ... 10 us.
  EXPECT_EQ(gate.waits().max(), 1000u);
  EXPECT_EQ(gate.waits().percentile(50), 510u);
  EXPECT_EQ(gate.waits().percentile(99), 1000u);
}

TEST(WaitWindow, KeepsOnlyTheLatestWaitsButTheMaximumOfAll) {
  WaitWindow window;
  EXPECT_EQ(window.percentile(99), 0u);
  window.add(50ms);
  for (std::size_t i = 0; i < WaitWindow::kSize; ++i) window.add(1us);
  EXPECT_EQ(window.percentile(99), 1u) << "the 50 ms wait left the window";
  EXPECT_EQ(window.max(), 50'000u);
}

}  // namespace
}  // namespace vigil::service
