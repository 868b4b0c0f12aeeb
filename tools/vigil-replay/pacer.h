// When each message of a replay is due. Pure: the caller passes the time, so tests move a
// fake clock instead of sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace vigil::tools::replay {

using WallClock = std::chrono::steady_clock;

class Pacer {
 public:
  // `speed` data seconds per wall second; nullopt: as fast as the receiver takes it.
  explicit Pacer(std::optional<double> speed);

  // When the message stamped `data_ms` is due. The first call anchors the data time to
  // `now`; later ones keep that anchor, so waits do not accumulate drift, and after a
  // stall the replay catches up instead of stretching the recording.
  WallClock::time_point dueAt(std::int64_t data_ms, WallClock::time_point now);
  bool asFastAsPossible() const { return !speed_; }

 private:
  std::optional<double> speed_;
  std::optional<std::int64_t> anchor_data_ms_;
  WallClock::time_point anchor_wall_{};
};

// Data time covered per wall time; 0 when no wall time has passed.
double achievedSpeed(std::int64_t data_span_ms, WallClock::duration wall);

}  // namespace vigil::tools::replay
