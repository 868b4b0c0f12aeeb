#include "alarms/core/delivered_dose.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace vigil::core {
namespace {

double hours(Duration d) { return std::chrono::duration<double, std::ratio<3600>>(d).count(); }

bool crossed(double amount, double limit, bool rising) { return rising ? amount > limit : amount <= limit; }

}  // namespace

void DeliveredDose::setRate(TimePoint time, double mg_per_h) {
  if (!segments_.empty()) time = std::max(time, segments_.back().start);
  if (!segments_.empty() && segments_.back().start == time) {
    segments_.back().mg_per_h = mg_per_h;
  } else if (segments_.empty() || segments_.back().mg_per_h != mg_per_h) {
    segments_.push_back({time, mg_per_h});
  }
  forget(time - window_);
}

// Segments that ended before the window are of no further use.
void DeliveredDose::forget(TimePoint before) {
  std::size_t ended = 0;
  while (segments_.size() - ended > 1 && segments_[ended + 1].start <= before) ++ended;
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(ended));
}

double DeliveredDose::withinWindowEndingAt(TimePoint time) const {
  const TimePoint from = time - window_;
  double mg = 0.0;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const TimePoint begin = std::max(segments_[i].start, from);
    const TimePoint end = i + 1 < segments_.size() ? std::min(segments_[i + 1].start, time) : time;
    if (end > begin) mg += segments_[i].mg_per_h * hours(end - begin);
  }
  return mg;
}

std::optional<TimePoint> DeliveredDose::nextCrossing(TimePoint from, double limit_mg, bool rising) const {
  // The amount changes slope only where a segment starts entering or leaving the window.
  std::vector<TimePoint> corners;
  for (const auto& segment : segments_) {
    if (segment.start > from) corners.push_back(segment.start);
    if (segment.start + window_ > from) corners.push_back(segment.start + window_);
  }
  std::sort(corners.begin(), corners.end());
  TimePoint a = from;
  double amount_a = withinWindowEndingAt(a);
  for (TimePoint b : corners) {
    const double amount_b = withinWindowEndingAt(b);
    if (crossed(amount_b, limit_mg, rising)) {
      // Linear between the corners: where it reaches the limit, rounded up to the next
      // millisecond at which it has really crossed.
      const double fraction = amount_b == amount_a ? 1.0 : (limit_mg - amount_a) / (amount_b - amount_a);
      auto at = a + Duration{static_cast<std::int64_t>(std::ceil(fraction * static_cast<double>((b - a).count())))};
      at = std::clamp(at, a + Duration{1}, b);
      while (at < b && !crossed(withinWindowEndingAt(at), limit_mg, rising)) at += Duration{1};
      return at;
    }
    a = b;
    amount_a = amount_b;
  }
  return std::nullopt;  // after the last corner the amount stays constant
}

}  // namespace vigil::core
