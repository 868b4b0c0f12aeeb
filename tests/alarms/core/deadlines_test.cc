// The schedule of the engine's parts (deadlines.h): a deadline is declared once, with what
// runs at it; running what is due stamps it with the due time; and a part whose run does
// not move its own deadline on is caught, not left to fall due forever.
#include <gtest/gtest.h>

#include <optional>
#include <tuple>
#include <vector>

#include "alarms/core/deadlines.h"

namespace vigil::core {
namespace {

using deadlines::DeadlineVisit;

TimePoint at(std::int64_t ms) { return fromMillis(ms); }

// A hold that ends: its run clears it, as every real part's run does.
struct Hold {
  explicit Hold(std::optional<TimePoint> until_time = std::nullopt) : until(until_time) {}
  std::optional<TimePoint> until;
  std::vector<TimePoint> ran;
  void deadlines(DeadlineVisit& visit) {
    visit.at(until, [&](TimePoint due, Outputs&) {
      ran.push_back(due);
      until.reset();
    });
  }
};

// The bug the check is for: a run that forgets to move its deadline on.
struct ForgetfulHold {
  explicit ForgetfulHold(std::optional<TimePoint> until_time) : until(until_time) {}
  std::optional<TimePoint> until;
  int runs = 0;
  void deadlines(DeadlineVisit& visit) {
    visit.at(until, [&](TimePoint, Outputs&) { ++runs; });
  }
};

// The schedule sees parts through a const view, as the engine's bound parts.
template <class Part>
struct View {
  Part& part;
  void deadlines(DeadlineVisit& visit) const { part.deadlines(visit); }
};

TEST(Deadlines, TheNextDeadlineIsTheEarliestOfAllParts) {
  Hold a{at(5000)};
  Hold b{at(3000)};
  Hold none;
  EXPECT_EQ(deadlines::next(std::tuple{View<Hold>{a}, View<Hold>{b}, View<Hold>{none}}), at(3000));
  EXPECT_FALSE(deadlines::next(std::tuple{View<Hold>{none}}).has_value());
  EXPECT_TRUE(a.ran.empty() && b.ran.empty()) << "finding the next deadline must run nothing";
}

TEST(Deadlines, RunsWhatIsDueStampedWithTheDueTimeAndNothingLater) {
  Hold early{at(3000)};
  Hold late{at(5000)};
  Outputs out;
  const auto parts = std::tuple{View<Hold>{early}, View<Hold>{late}};
  EXPECT_EQ(deadlines::runDue(parts, at(4000), out), 0u);
  EXPECT_EQ(early.ran, std::vector<TimePoint>{at(4000)});
  EXPECT_TRUE(late.ran.empty());
  EXPECT_EQ(deadlines::next(parts), at(5000));
}

TEST(Deadlines, ADeadlineAtExactlyTheDueTimeRuns) {
  Hold hold{at(3000)};
  Outputs out;
  EXPECT_EQ(deadlines::runDue(std::tuple{View<Hold>{hold}}, at(3000), out), 0u);
  EXPECT_EQ(hold.ran.size(), 1u);
}

TEST(Deadlines, ARunThatDoesNotMoveItsDeadlineOnIsCaught) {
  ForgetfulHold broken{at(3000)};
  Hold fine{at(3000)};
  Outputs out;
  const auto parts = std::tuple{View<Hold>{fine}, View<ForgetfulHold>{broken}};
  EXPECT_EQ(deadlines::runDue(parts, at(3000), out), 1u) << "the forgetful part still reports a deadline it ran";
  EXPECT_EQ(broken.runs, 1);
  EXPECT_EQ(fine.ran.size(), 1u);
  // Left alone it would be due again at once, forever.
  EXPECT_EQ(deadlines::next(parts), at(3000));
}

}  // namespace
}  // namespace vigil::core
