#include "streamer/gateway/gateway_options.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include <boost/program_options.hpp>

#include "streamer/command_line.h"
#include "streamer/simulator/scenarios.h"

namespace vigil::streamer::gateway {
namespace po = boost::program_options;
namespace {

std::string knownScenarios() {
  std::string names;
  for (const auto kind : sim::allScenarios()) {
    if (!names.empty()) names += ",";
    names += sim::scenarioName(kind);
  }
  return names;
}

void describeOptions(po::options_description& options) {
  // One option per line reads as the table it is.
  // clang-format off
  options.add_options()
      ("help", "show this help")
      ("simulate", po::value<int>(), "number of simulated patients (1..1000)")
      ("connect", po::value<std::string>(), "endpoint to connect to (default tcp://127.0.0.1:7401, none with --bind only)")
      ("bind", po::value<std::string>(),
       "also publish on this bound endpoint, for recorders (vigil-record --connect); prints \"bound EP\"")
      ("unit", po::value<std::string>(), "care unit in the topics (default pacu)")
      ("scenarios", po::value<std::string>(),
       ("comma-separated scenarios given round-robin to the beds (default all: " + knownScenarios() + ")").c_str())
      ("speed", po::value<double>(), "sim time runs this many times faster than wall time (default 1)")
      ("seed", po::value<std::string>(), "random seed (unsigned integer, default 1)")
      ("session-min", po::value<double>(), "infusion length in minutes (default 240)")
      ("observation-min", po::value<double>(), "observation after the infusion stops, minutes (default 60)")
      ("nibp-interval-s", po::value<int>(), "NIBP measurement interval in seconds (default 300)")
      ("start-ms", po::value<std::int64_t>(), "sim time of the session start, ms since the epoch (default now)")
      ("key", po::value<std::string>(), kKeyOptionHelp)
      ("server-key", po::value<std::string>(), kServerKeyOptionHelp);
  // clang-format on
}

std::uint64_t parseSeed(const std::string& text) {
  std::uint64_t seed = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seed);
  if (error != std::errc{} || end != text.data() + text.size()) {
    throw po::error("--seed must be an unsigned integer, got '" + text + "'");
  }
  return seed;
}

double positiveNumber(const po::variables_map& values, const char* name, double fallback, bool zero_allowed) {
  if (!values.count(name)) return fallback;
  const double value = values[name].as<double>();
  if (!std::isfinite(value) || value < 0.0 || (!zero_allowed && value == 0.0)) {
    char message[96];
    std::snprintf(message, sizeof message, "--%s must be a number %s, got %g", name, zero_allowed ? ">= 0" : "> 0",
                  value);
    throw po::error(message);
  }
  return value;
}

GatewayOptions readOptions(const po::variables_map& values) {
  GatewayOptions options;
  if (values.count("help")) {
    options.help = true;
    return options;
  }
  if (!values.count("simulate")) throw po::error("missing --simulate N (the only source so far is the simulator)");
  options.patients = values["simulate"].as<int>();
  if (options.patients < 1 || options.patients > kMaxPatients) {
    throw po::error("--simulate must be between 1 and " + std::to_string(kMaxPatients));
  }
  if (values.count("connect")) options.endpoint = values["connect"].as<std::string>();
  if (values.count("bind")) options.bind = values["bind"].as<std::string>();
  options.connect = values.count("connect") || !options.bind;
  if (values.count("unit")) options.unit = values["unit"].as<std::string>();
  if (options.unit.empty() || options.unit.find('/') != std::string::npos) {
    throw po::error("--unit must be non-empty and without '/'");
  }
  if (values.count("scenarios")) {
    const auto list = sim::parseScenarioList(values["scenarios"].as<std::string>());
    if (!list.ok()) {
      throw po::error("--scenarios: unknown scenario '" + list.error + "' (known: " + knownScenarios() + ")");
    }
    options.scenarios = *list.value;
  }
  options.speed = positiveNumber(values, "speed", options.speed, false);
  if (values.count("seed")) options.seed = parseSeed(values["seed"].as<std::string>());
  options.session_minutes = positiveNumber(values, "session-min", options.session_minutes, false);
  options.observation_minutes = positiveNumber(values, "observation-min", options.observation_minutes, true);
  if (values.count("nibp-interval-s")) {
    options.nibp_interval_s = values["nibp-interval-s"].as<int>();
    if (options.nibp_interval_s < 1) throw po::error("--nibp-interval-s must be at least 1");
  }
  if (values.count("start-ms")) options.start_ms = values["start-ms"].as<std::int64_t>();
  if (values.count("key")) options.keys.key_file = values["key"].as<std::string>();
  if (values.count("server-key")) options.keys.server_key_file = values["server-key"].as<std::string>();
  return options;
}

std::chrono::seconds wholeSeconds(double minutes) { return std::chrono::seconds{std::llround(minutes * 60.0)}; }

}  // namespace

ParsedGatewayOptions parseGatewayOptions(int argc, const char* const* argv) {
  po::options_description described(
      "Usage: vigil-gateway --simulate N [--connect EP] [--bind EP] [options]\n"
      "Publishes N simulated ketamine patients (vitals/<unit>/<bed>, infusion/<unit>/<bed>).\n"
      "Prints one line per patient on stdout at start: \"bed-01 desaturation weight=72kg\".\n"
      "An engine started with --keys needs --key NAME.key (NAME.pub in its gateways/) and --server-key engine.pub.\n"
      "Options");
  describeOptions(described);
  return parseWithHelp<ParsedGatewayOptions>(described, [&] {
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, described), values);
    po::notify(values);
    return readOptions(values);
  });
}

sim::WardConfig wardConfigFor(const GatewayOptions& options, core::TimePoint start) {
  sim::WardConfig config;
  config.patients = options.patients;
  config.unit = options.unit;
  config.seed = options.seed;
  config.start = start;
  config.scenarios = options.scenarios;
  config.infusion = wholeSeconds(options.session_minutes);
  config.observation = wholeSeconds(options.observation_minutes);
  config.nibp_interval = std::chrono::seconds{options.nibp_interval_s};
  return config;
}

}  // namespace vigil::streamer::gateway
