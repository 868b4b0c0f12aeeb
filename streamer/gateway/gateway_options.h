// vigil-gateway's command line: every flag, checked, turned into one GatewayOptions
// value. Separate from main.cc (as alarms/service/engine_options.h is for the engine) so
// the checks are tested without starting a process.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alarms/core/result.h"
#include "streamer/security.h"
#include "streamer/simulator/plan.h"

namespace vigil::streamer::gateway {

// Above this a "ward" is a load test, which is vigil-bench's job (engine choice).
inline constexpr int kMaxPatients = 1000;

struct GatewayOptions {
  int patients = 0;
  std::string endpoint = "tcp://127.0.0.1:7401";
  bool connect = true;
  std::optional<std::string> bind;  // a second publisher for recorders (vigil-record)
  std::string unit = "pacu";
  std::vector<sim::ScenarioKind> scenarios;
  double speed = 1.0;
  std::uint64_t seed = 1;
  double session_minutes = 240.0;
  double observation_minutes = 60.0;
  int nibp_interval_s = 300;
  std::optional<std::int64_t> start_ms;
  ClientKeyOptions keys;  // loaded by the caller: reading key files is not parsing
  bool help = false;
};

struct [[nodiscard]] ParsedGatewayOptions : core::Result<GatewayOptions> {
  std::string help;  // the flags, for --help and for the user after an error
};

ParsedGatewayOptions parseGatewayOptions(int argc, const char* const* argv);

// The simulated ward the options describe, its session starting at `start`.
sim::WardConfig wardConfigFor(const GatewayOptions& options, core::TimePoint start);

}  // namespace vigil::streamer::gateway
