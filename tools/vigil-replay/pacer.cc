#include "tools/vigil-replay/pacer.h"

namespace vigil::tools::replay {

Pacer::Pacer(std::optional<double> speed) : speed_(speed) {}

WallClock::time_point Pacer::dueAt(std::int64_t data_ms, WallClock::time_point now) {
  if (!speed_) return now;
  if (!anchor_data_ms_) {
    anchor_data_ms_ = data_ms;
    anchor_wall_ = now;
  }
  const std::chrono::duration<double, std::milli> data_elapsed(static_cast<double>(data_ms - *anchor_data_ms_));
  return anchor_wall_ + std::chrono::duration_cast<WallClock::duration>(data_elapsed / *speed_);
}

double achievedSpeed(std::int64_t data_span_ms, WallClock::duration wall) {
  const double wall_ms = std::chrono::duration<double, std::milli>(wall).count();
  return wall_ms > 0 ? static_cast<double>(data_span_ms) / wall_ms : 0.0;
}

}  // namespace vigil::tools::replay
