// Numbers in texts people read (limits, errors, protocol tables): no trailing zeros,
// no fixed decimals that turn 0.0146 into "0.015" or 1e-7 into "0".
#pragma once

#include <cstdio>
#include <string>

namespace vigil::core {

inline std::string formatNumber(double value, int significant_digits = 6) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*g", significant_digits, value);
  return buffer;
}

}  // namespace vigil::core
