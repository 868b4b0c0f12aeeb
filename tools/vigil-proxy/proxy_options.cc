#include "tools/vigil-proxy/proxy_options.h"

#include <boost/program_options.hpp>

#include "streamer/command_line.h"

namespace vigil::tools::proxy {
namespace po = boost::program_options;
namespace {

ProxyOptions parseOrThrow(int argc, const char* const* argv, po::options_description& described) {
  ProxyOptions options;
  auto& c = options.config;
  std::int64_t stats_interval_ms = c.stats_interval.count();
  std::int64_t stats_timeout_ms = options.stats_timeout.count();
  // clang-format off
  described.add_options()
      ("help,h", "show this help")
      ("frontend", po::value(&c.frontend)->default_value(c.frontend),
       "XSUB endpoint the gateways publish to (bind; port * picks a free one)")
      ("backend", po::value(&c.backend)->default_value(c.backend),
       "XPUB endpoint the engines subscribe to their units at (bind; vigil-engine --ingest-from)")
      ("capture", po::value(&c.capture), "PUB endpoint with a copy of every message (bind), for vigil-record")
      ("control", po::value(&c.control)->default_value(c.control), "REP endpoint --stats asks (bind)")
      ("keys", po::value(&options.keys_directory),
       "CurveZMQ on every socket: DIR/engine.key is the proxy's pair, DIR/gateways/*.pub admitted on the "
       "frontend, DIR/stations/*.pub (engines, stations) on the backend, capture and control")
      ("insecure", po::bool_switch(&options.insecure), "bind non-loopback endpoints without keys")
      ("stats-interval-ms", po::value(&stats_interval_ms)->default_value(stats_interval_ms),
       "print a stats line this often (0: never)")
      ("stats", po::value<std::string>(), "ask the running proxy at this control endpoint for its counters and exit")
      ("stats-timeout-ms", po::value(&stats_timeout_ms)->default_value(stats_timeout_ms), "deadline for --stats")
      ("key", po::value(&options.stats_keys.key_file), "with --stats to a proxy with --keys: a station's secret key")
      ("server-key", po::value(&options.stats_keys.server_key_file), "with --stats: the proxy's public key file");
  // clang-format on
  po::variables_map values;
  po::store(po::parse_command_line(argc, argv, described), values);
  po::notify(values);
  if (values.count("help")) {
    options.help = true;
    return options;
  }
  if (values.count("stats")) options.stats_endpoint = values["stats"].as<std::string>();
  if (stats_interval_ms < 0 || stats_timeout_ms <= 0) {
    throw po::error("--stats-interval-ms cannot be negative; --stats-timeout-ms must be positive");
  }
  c.stats_interval = std::chrono::milliseconds(stats_interval_ms);
  options.stats_timeout = std::chrono::milliseconds(stats_timeout_ms);
  return options;
}

}  // namespace

ParsedProxyOptions parseProxyOptions(int argc, const char* const* argv) {
  po::options_description described("vigil-proxy options");
  return streamer::parseWithHelp<ParsedProxyOptions>(described, [&] { return parseOrThrow(argc, argv, described); });
}

std::string proxyBindRefusal(const ProxyOptions& options) {
  const auto& c = options.config;
  return streamer::plainBindRefusal(!options.keys_directory.empty(), options.insecure,
                                    {c.frontend, c.backend, c.capture, c.control}, "inject vitals");
}

}  // namespace vigil::tools::proxy
