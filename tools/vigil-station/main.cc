// vigil-station: the web nurse station (issue 11). Follows the engine like the terminal
// console (streamer/station, Clone pattern) and serves the ward to any browser on the
// unit over HTTP and WebSocket, on one Asio io_context; the engine's sockets live on two
// threads of their own (engine_link.h) so no browser ever waits on the engine.
#include <csignal>
#include <exception>
#include <iostream>
#include <string>

#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>

#include "streamer/security.h"
#include "tools/vigil-station/engine_link.h"
#include "tools/vigil-station/hub.h"
#include "tools/vigil-station/listen_address.h"
#include "tools/vigil-station/web_server.h"

namespace po = boost::program_options;
namespace net = boost::asio;

namespace {

constexpr int kExitUsage = 2;

struct Options {
  vigil::streamer::station::StationOptions station;
  std::string listen = "127.0.0.1:8080";
  std::string station_name;
  std::string web_root = VIGIL_STATION_WEB_DIR;
};

po::options_description describeOptions() {
  po::options_description options(
      "Usage: vigil-station [--alerts EP] [--control EP] [--unit U] [--listen 127.0.0.1:8080] [--station NAME]\n"
      "                     [--web-root DIR] [--key NAME.key --server-key engine.pub]\n"
      "Serves the ward page at http://LISTEN/ . Loopback addresses only: TLS and nurse sign-in, which any\n"
      "other address needs, are not built yet.\n"
      "Options");
  options.add_options()("help", "show this help")(
      "alerts", po::value<std::string>()->default_value("tcp://127.0.0.1:7402"), "the engine's alerts endpoint (PUB)")(
      "control", po::value<std::string>()->default_value("tcp://127.0.0.1:7403"),
      "the engine's control endpoint (ROUTER)")("unit", po::value<std::string>()->default_value(""),
                                                "only this care unit (default: all)")(
      "listen", po::value<std::string>()->default_value("127.0.0.1:8080"),
      "HOST:PORT to serve on; port 0 picks a free one")(
      "station", po::value<std::string>()->default_value(""),
      "this station's name in acknowledgements (default station@<hostname>)")(
      "web-root", po::value<std::string>()->default_value(VIGIL_STATION_WEB_DIR),
      "the page's files, as the build lays them out")("request-timeout-ms", po::value<int>()->default_value(2000),
                                                      "how long a nurse's request waits for the engine")(
      "key", po::value<std::string>()->default_value(""), vigil::streamer::kKeyOptionHelp)(
      "server-key", po::value<std::string>()->default_value(""), vigil::streamer::kServerKeyOptionHelp);
  return options;
}

std::string defaultStationName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return "station";
  return std::string("station@") + host;
}

Options readOptions(const po::variables_map& values) {
  Options options;
  options.station.alerts_endpoint = values["alerts"].as<std::string>();
  options.station.control_endpoint = values["control"].as<std::string>();
  options.station.unit = values["unit"].as<std::string>();
  if (options.station.unit.find('/') != std::string::npos)
    throw po::error("--unit is a care unit name such as pacu, without '/'");
  const int timeout = values["request-timeout-ms"].as<int>();
  if (timeout <= 0) throw po::error("--request-timeout-ms must be positive");
  options.station.request_timeout = std::chrono::milliseconds{timeout};
  options.listen = values["listen"].as<std::string>();
  options.station_name = values["station"].as<std::string>();
  if (options.station_name.empty()) options.station_name = defaultStationName();
  options.web_root = values["web-root"].as<std::string>();
  auto security =
      vigil::streamer::loadClientSecurity({values["key"].as<std::string>(), values["server-key"].as<std::string>()});
  if (!security.ok()) throw po::error(security.error);
  options.station.security = std::move(*security.value);
  return options;
}

int run(const Options& options, const net::ip::tcp::endpoint& endpoint, vigil::station::StaticFiles files) {
  using namespace vigil::station;
  net::io_context io(1);
  WardHub hub(io, options.station_name, options.station.unit);
  EngineLink link(io, options.station, hub.handlers());
  hub.attach(link);
  WebServer server(io, hub, std::move(files), WebLimits{});
  const auto bound = server.listen(endpoint);
  hub.start();
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](boost::system::error_code, int) { io.stop(); });
  std::cout << "vigil-station listening http://" << bound.address().to_string() << ':' << bound.port() << "/"
            << std::endl;
  io.run();
  std::cerr << "vigil-station stopped: " << hub.statsJson() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto description = describeOptions();
  Options options;
  net::ip::tcp::endpoint endpoint;
  try {
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, description), values);
    po::notify(values);
    if (values.count("help")) {
      std::cout << description << "\n";
      return 0;
    }
    options = readOptions(values);
    const auto parsed = vigil::station::parseListenAddress(options.listen);
    if (!parsed.ok()) throw po::error(parsed.error);
    endpoint = *parsed.endpoint;
  } catch (const po::error& error) {
    std::cerr << "vigil-station: " << error.what() << "\n" << description << "\n";
    return kExitUsage;
  }
  auto loaded = vigil::station::loadStaticFiles(options.web_root);
  if (!loaded.error.empty()) {
    std::cerr << "vigil-station: " << loaded.error << "\n";
    return 1;
  }
  try {
    return run(options, endpoint, std::move(loaded.files));
  } catch (const std::exception& error) {
    std::cerr << "vigil-station: " << error.what() << "\n";
    return 1;
  }
}
