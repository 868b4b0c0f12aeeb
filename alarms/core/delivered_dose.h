// The drug delivered within a rolling window (CLINICAL.md section 3, rule 20), integrated
// exactly from the infusion history: the rate is constant between pump statuses, so the
// windowed amount is piecewise linear in time and the moment it crosses a limit can be
// computed, not polled.
#pragma once

#include <optional>
#include <vector>

#include "alarms/core/domain.h"

namespace vigil::core {

class DeliveredDose {
 public:
  explicit DeliveredDose(Duration window) : window_(window) {}

  // The rate (mg/h) from `time` on; a time before the last one counts as the last one.
  void setRate(TimePoint time, double mg_per_h);
  // mg delivered in [time - window, time], assuming the current rate holds until `time`.
  double withinWindowEndingAt(TimePoint time) const;
  // The first millisecond after `from` at which the windowed amount is above `limit_mg`
  // (rising = true) or no longer above it (rising = false), if the rate stays as it is.
  std::optional<TimePoint> nextCrossing(TimePoint from, double limit_mg, bool rising) const;
  Duration window() const { return window_; }

  struct Segment {
    TimePoint start;
    double mg_per_h;
  };
  // Snapshots (alarms/snapshot): the rate history within the window, as values.
  const std::vector<Segment>& segments() const { return segments_; }
  void restoreSegments(std::vector<Segment> segments) { segments_ = std::move(segments); }

 private:
  void forget(TimePoint before);

  Duration window_;
  // A vector, not a std::deque: a deque allocates 576 bytes even empty, for every patient,
  // and the window holds a handful of rate changes, cheap to drop from the front.
  std::vector<Segment> segments_;
};

}  // namespace vigil::core
