// vigil-console: the terminal nurse station. Shows the engine's active alarms by priority
// and each patient's advice and NEWS2, acknowledges the selected alarm, pauses the audio of
// the selected patient's alarms, enters clinical observations, resynchronises by itself
// after a gap, and says loudly when the engine goes silent; --json prints the alarm events
// (and advice and status) as JSON lines for scripts instead.
#include <exception>
#include <iostream>
#include <string>

#include <boost/program_options.hpp>

#include "tools/vigil-console/console.h"

namespace po = boost::program_options;

namespace {

// Usage errors, as distinct from 1 for a failure while running.
constexpr int kExitUsage = 2;

po::options_description describeOptions(const vigil::console::Options& defaults) {
  po::options_description options(
      "Usage: vigil-console [--connect EP] [--control EP] [--unit U] [--json] [--station NAME] [--nurse NAME]\n"
      "                     [--key NAME.key --server-key engine.pub]\n"
      "With keys the engine records acknowledgements under the key's NAME, not --station.\n"
      "Options");
  // One option per line reads as the table it is.
  // clang-format off
  options.add_options()
      ("help", "show this help")
      ("connect", po::value<std::string>()->default_value(defaults.alerts_endpoint), "the engine's alerts endpoint (PUB); A,B: a Binary Star pair, followed across a takeover")
      ("control", po::value<std::string>()->default_value(defaults.control_endpoint), "the engine's control endpoint (ROUTER); A,B: a Binary Star pair, the passive one's refusals go to the other")
      ("unit", po::value<std::string>()->default_value(""), "only this care unit (default: all)")
      ("station", po::value<std::string>()->default_value(""), "this station's name in acknowledgements (default console@<hostname>); with --key the engine uses the key's name")
      ("nurse", po::value<std::string>()->default_value(""), "who enters clinical events (default: the station name)")
      ("json", po::bool_switch(),
       "no screen: one JSON object per line on stdout: an alarm event as itself, advice as {\"advice\":...}, "
       "a patient status as {\"status\":...}")
      ("key", po::value<std::string>()->default_value(""), vigil::streamer::kKeyOptionHelp)
      ("server-key", po::value<std::string>()->default_value(""), vigil::streamer::kServerKeyOptionHelp);
  // clang-format on
  return options;
}

vigil::console::Options readOptions(const po::variables_map& values) {
  vigil::console::Options options;
  options.alerts_endpoint = values["connect"].as<std::string>();
  options.control_endpoint = values["control"].as<std::string>();
  options.unit = values["unit"].as<std::string>();
  options.station = values["station"].as<std::string>();
  options.nurse = values["nurse"].as<std::string>();
  options.json = values["json"].as<bool>();
  if (options.unit.find('/') != std::string::npos)
    throw po::error("--unit is a care unit name such as pacu, without '/'");
  auto security =
      vigil::streamer::loadClientSecurity({values["key"].as<std::string>(), values["server-key"].as<std::string>()});
  if (!security.ok()) throw po::error(security.error);
  options.security = std::move(*security.value);
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const auto description = describeOptions(vigil::console::Options{});
  vigil::console::Options options;
  try {
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, description), values);
    po::notify(values);
    if (values.count("help")) {
      std::cout << description << "\n";
      return 0;
    }
    options = readOptions(values);
  } catch (const po::error& error) {
    std::cerr << "vigil-console: " << error.what() << "\n" << description << "\n";
    return kExitUsage;
  }
  try {
    return vigil::console::runConsole(options);
  } catch (const std::exception& error) {
    // The terminal is already restored here: the screen's destructor ran while unwinding.
    std::cerr << "vigil-console: " << error.what() << "\n";
    return 1;
  }
}
