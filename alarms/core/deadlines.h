// Deadlines declared once (DESIGN.md section 3). A part of the engine names each of its
// deadlines together with what runs when it falls due, in one function that the schedule
// calls two ways: to find the part's next deadline (nothing runs), and to run every
// deadline due at a moment (each run stamped with that moment). A deadline therefore
// cannot be scheduled in one place and forgotten in another.
//
// What declaring once cannot rule out is a run that does not move its own deadline on
// (a hold that is never reset): that deadline would fall due again at once, forever.
// runDue() checks for it after every run and says how many parts did so; the engine counts
// them (Engine::stalledDeadlines()) and the tests require none.
#pragma once

#include <cstddef>
#include <optional>
#include <tuple>

#include "alarms/core/domain.h"

namespace vigil::core::deadlines {

// Handed to a part's deadlines(): at(when, run) for each deadline the part has now.
class DeadlineVisit {
 public:
  // Finds the earliest deadline; runs nothing.
  static DeadlineVisit earliest() { return DeadlineVisit(std::nullopt, nullptr); }
  // Runs every deadline at or before `due`, as run(due, out).
  static DeadlineVisit runDue(TimePoint due, Outputs& out) { return DeadlineVisit(due, &out); }

  // `when` empty: no deadline. `run` is called as run(TimePoint due, Outputs& out).
  template <class Run>
  void at(std::optional<TimePoint> when, Run&& run) {
    if (!when) return;
    if (due_) {
      if (*when <= *due_) run(*due_, *out_);
    } else if (!earliest_ || *when < *earliest_) {
      earliest_ = when;
    }
  }

  std::optional<TimePoint> earliestFound() const { return earliest_; }

 private:
  DeadlineVisit(std::optional<TimePoint> due, Outputs* out) : due_(due), out_(out) {}

  std::optional<TimePoint> due_;  // empty: finding the earliest
  Outputs* out_;
  std::optional<TimePoint> earliest_;
};

// A part's next deadline. `part` is anything with deadlines(DeadlineVisit&) const.
template <class Part>
std::optional<TimePoint> nextOf(const Part& part) {
  auto visit = DeadlineVisit::earliest();
  part.deadlines(visit);
  return visit.earliestFound();
}

// The earliest deadline of all the parts.
template <class... Parts>
std::optional<TimePoint> next(const std::tuple<Parts...>& parts) {
  auto visit = DeadlineVisit::earliest();
  std::apply([&](const auto&... part) { (part.deadlines(visit), ...); }, parts);
  return visit.earliestFound();
}

template <class Part>
void runPart(const Part& part, TimePoint due, Outputs& out) {
  auto visit = DeadlineVisit::runDue(due, out);
  part.deadlines(visit);
}

template <class Part>
bool stillDue(const Part& part, TimePoint due) {
  const auto still = nextOf(part);
  return still && *still <= due;
}

// Runs, part by part in order, every deadline at or before `due`, each stamped `due`.
// Returns how many parts still have a deadline at or before `due` afterwards: each is a
// deadline whose run did not move it on, which would otherwise never be done with.
template <class... Parts>
std::size_t runDue(const std::tuple<Parts...>& parts, TimePoint due, Outputs& out) {
  std::apply([&](const auto&... part) { (runPart(part, due, out), ...); }, parts);
  std::size_t stalled = 0;
  std::apply([&](const auto&... part) { ((stalled += stillDue(part, due) ? 1 : 0), ...); }, parts);
  return stalled;
}

}  // namespace vigil::core::deadlines
