// Numbers in texts people read (limits, errors, protocol tables): no trailing zeros,
// no fixed decimals that turn 0.0146 into "0.015" or 1e-7 into "0".
#pragma once

#include <charconv>
#include <cstdio>
#include <string>

namespace vigil::core {

inline std::string formatNumber(double value, int significant_digits = 6) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*g", significant_digits, value);
  return buffer;
}

// Appends `value` as printf's "%.<decimals>f" would write it, character for character
// (both round the exact binary value to nearest, ties to even), at a fraction of the cost:
// a patient's status carries such numbers in its dose text, and a status goes out with
// nearly every frame.
inline void appendFixed(std::string& text, double value, int decimals) {
  char buffer[352];  // the longest double, DBL_MAX, with a few decimals
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
  if (error == std::errc{}) {
    text.append(buffer, end);
  } else {  // a precision beyond what any text here asks for: printf itself, at its length
    const auto start = text.size();
    const int length = std::snprintf(nullptr, 0, "%.*f", decimals, value);
    text.resize(start + static_cast<std::size_t>(length) + 1);
    std::snprintf(text.data() + start, static_cast<std::size_t>(length) + 1, "%.*f", decimals, value);
    text.resize(start + static_cast<std::size_t>(length));
  }
}

}  // namespace vigil::core
