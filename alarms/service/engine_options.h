// vigil-engine's command line: every flag, checked, turned into one Options value.
// Separate from main.cc so that the checks are tested without starting a process.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "alarms/core/result.h"
#include "alarms/service/engine_service.h"
#include "streamer/security.h"

namespace vigil::service {

struct EngineOptions {
  ServiceConfig config;
  std::string protocol_path = VIGIL_DEFAULT_PROTOCOL;
  std::optional<std::string> check_protocol;
  std::string keys_directory;  // "" for no CurveZMQ
  bool insecure = false;
  std::optional<std::string> journal_path = "vigil.db";  // nullopt: --no-journal
  // How long the alarm, acknowledgement, advice and pump logs are kept (journal.h).
  std::chrono::milliseconds journal_retention{std::chrono::hours(24 * 30)};
  std::optional<std::string> history_patient;
  core::TimePoint history_since{};
  std::optional<std::string> stats_endpoint;
  std::chrono::milliseconds stats_timeout{3000};
  streamer::ClientKeyOptions ingest_keys;  // --ingest-key/--ingest-server-key with --ingest-from
  streamer::ClientKeyOptions stats_keys;   // --stats to an engine with --keys: a station's key
  bool help = false;
};

struct [[nodiscard]] ParsedEngineOptions : core::Result<EngineOptions> {
  std::string help;  // the flags, for --help and for the user after an error
};

ParsedEngineOptions parseEngineOptions(int argc, const char* const* argv);

// Without keys only this machine may reach the engine: a non-loopback endpoint needs
// --keys, or --insecure said out loud. "" when the configuration may run.
std::string bindRefusal(const EngineOptions& options);

}  // namespace vigil::service
