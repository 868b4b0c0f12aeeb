// A command-line duration in milliseconds, shared by the tools that take several of them
// (vigil-acm, vigil-hl7-gateway), so each checks and words its errors the same way.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <boost/program_options.hpp>

namespace vigil::streamer {

// `--NAME` as milliseconds, or `fallback` when it is absent; a negative value (or zero,
// unless `zero_allowed`) is a usage error.
inline std::chrono::milliseconds millisecondsOption(const boost::program_options::variables_map& values,
                                                    const char* name, std::chrono::milliseconds fallback,
                                                    bool zero_allowed) {
  if (!values.count(name)) return fallback;
  const auto value = values[name].as<std::int64_t>();
  if (value < 0 || (value == 0 && !zero_allowed)) {
    throw boost::program_options::error(std::string("--") + name + " must be > 0");
  }
  return std::chrono::milliseconds(value);
}

}  // namespace vigil::streamer
