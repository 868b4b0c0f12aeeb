// Time for the service, behind an interface so that tests can drive a simulated clock.
// The core never sees this: the service turns clock readings into advanceTo() calls.
#pragma once

#include <chrono>

#include "alarms/core/domain.h"

namespace vigil::service {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual core::TimePoint now() const = 0;
};

class WallClock final : public Clock {
 public:
  core::TimePoint now() const override {
    return std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now());
  }
};

}  // namespace vigil::service
