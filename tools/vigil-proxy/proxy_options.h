// vigil-proxy's command line, checked, as one value (tested without a process).
#pragma once

#include <optional>
#include <string>

#include "alarms/core/result.h"
#include "streamer/security.h"
#include "tools/vigil-proxy/proxy.h"

namespace vigil::tools::proxy {

struct ProxyOptions {
  ProxyConfig config;
  std::string keys_directory;  // "" for plain
  bool insecure = false;
  std::optional<std::string> stats_endpoint;  // --stats: ask a running proxy and exit
  std::chrono::milliseconds stats_timeout{3000};
  streamer::ClientKeyOptions stats_keys;
  bool help = false;
};

struct [[nodiscard]] ParsedProxyOptions : core::Result<ProxyOptions> {
  std::string help;
};

ParsedProxyOptions parseProxyOptions(int argc, const char* const* argv);

// As vigil-engine: without keys only loopback endpoints, unless --insecure. "" when it may run.
std::string proxyBindRefusal(const ProxyOptions& options);

}  // namespace vigil::tools::proxy
