// vigil-station: the web nurse station (issue 11). Follows the engine like the terminal
// console (streamer/station, Clone pattern) and serves the ward to any browser on the
// unit over HTTP and WebSocket, on one Asio io_context; the engine's sockets live on two
// threads of their own (engine_link.h) so no browser ever waits on the engine.
#include <csignal>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include <termios.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>

#include "streamer/security.h"
#include "tools/vigil-station/auth.h"
#include "tools/vigil-station/engine_link.h"
#include "tools/vigil-station/hub.h"
#include "tools/vigil-station/listen_address.h"
#include "tools/vigil-station/signin.h"
#include "tools/vigil-station/tls.h"
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
  std::string tls_cert;
  std::string tls_key;
  std::string users;
  int session_idle_minutes = 30;
};

po::options_description describeOptions() {
  po::options_description options(
      "Usage: vigil-station [--alerts EP] [--control EP] [--unit U] [--listen 127.0.0.1:8080] [--station NAME]\n"
      "                     [--web-root DIR] [--key NAME.key --server-key engine.pub]\n"
      "                     [--tls-cert FILE --tls-key FILE] [--users FILE]\n"
      "       vigil-station --add-user NAME --users FILE   (the password is read from stdin)\n"
      "Serves the ward page at http://LISTEN/ on loopback. Any other address needs TLS (--tls-cert,\n"
      "--tls-key) and nurse sign-in (--users); --users turns sign-in on for loopback too.\n"
      "Options");
  // One option per line reads as the table it is.
  // clang-format off
  options.add_options()
      ("help", "show this help")
      ("alerts", po::value<std::string>()->default_value("tcp://127.0.0.1:7402"), "the engine's alerts endpoint (PUB); A,B: a Binary Star pair, followed across a takeover")
      ("control", po::value<std::string>()->default_value("tcp://127.0.0.1:7403"), "the engine's control endpoint (ROUTER); A,B: a Binary Star pair, the passive one's refusals go to the other")
      ("unit", po::value<std::string>()->default_value(""), "only this care unit (default: all)")
      ("listen", po::value<std::string>()->default_value("127.0.0.1:8080"), "HOST:PORT to serve on; port 0 picks a free one")
      ("station", po::value<std::string>()->default_value(""), "this station's name in acknowledgements (default station@<hostname>)")
      ("web-root", po::value<std::string>()->default_value(VIGIL_STATION_WEB_DIR), "the page's files, as the build lays them out")
      ("request-timeout-ms", po::value<int>()->default_value(2000), "how long a nurse's request waits for the engine")
      ("key", po::value<std::string>()->default_value(""), vigil::streamer::kKeyOptionHelp)
      ("server-key", po::value<std::string>()->default_value(""), vigil::streamer::kServerKeyOptionHelp)
      ("tls-cert", po::value<std::string>()->default_value(""), "PEM certificate chain: serve https and wss")
      ("tls-key", po::value<std::string>()->default_value(""), "PEM private key of --tls-cert")
      ("users", po::value<std::string>()->default_value(""), "the nurses' users file (PBKDF2 hashes): turns nurse sign-in on")
      ("session-idle-minutes", po::value<int>()->default_value(30), "a signed-in session ends after this long unused")
      ("add-user", po::value<std::string>(), "add NAME to --users, or change its password, and exit");
  // clang-format on
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
  options.tls_cert = values["tls-cert"].as<std::string>();
  options.tls_key = values["tls-key"].as<std::string>();
  if (options.tls_cert.empty() != options.tls_key.empty()) throw po::error("--tls-cert and --tls-key go together");
  options.users = values["users"].as<std::string>();
  options.session_idle_minutes = values["session-idle-minutes"].as<int>();
  if (options.session_idle_minutes <= 0) throw po::error("--session-idle-minutes must be positive");
  auto security =
      vigil::streamer::loadClientSecurity({values["key"].as<std::string>(), values["server-key"].as<std::string>()});
  if (!security.ok()) throw po::error(security.error);
  options.station.security = std::move(*security.value);
  return options;
}

// What protects the station, loaded before anything listens; a file that is wrong stops
// the start with its name (exit 2) rather than serve the unit unprotected.
struct Protection {
  vigil::station::TlsContext tls;
  std::map<std::string, vigil::station::PasswordRecord> users;
  std::string error;
};

Protection loadProtection(const Options& options) {
  Protection protection;
  if (!options.tls_cert.empty()) {
    protection.tls = vigil::station::loadTlsContext(options.tls_cert, options.tls_key);
    if (!protection.tls.ok()) {
      protection.error = protection.tls.error;
      return protection;
    }
  }
  if (!options.users.empty()) {
    auto file = vigil::station::loadUsersFile(options.users);
    if (!file.ok()) protection.error = "--users " + file.error;
    else if (file.users.empty())
      protection.error = "--users " + options.users + " has no nurse: add one with --add-user";
    protection.users = std::move(file.users);
  }
  return protection;
}

// --add-user: the password from stdin, unechoed on a terminal.
int addUser(const std::string& name, const std::string& users_file) {
  const bool terminal = isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (terminal) {
    std::cerr << "Password for " << name << ": " << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string password;
  std::getline(std::cin, password);
  if (terminal) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  const auto error = vigil::station::addUser(users_file, name, password);
  if (!error.empty()) {
    std::cerr << "vigil-station: --add-user: " << error << "\n";
    return kExitUsage;
  }
  std::cout << "vigil-station: " << name << " can sign in (" << users_file << ", PBKDF2-HMAC-SHA-256, "
            << vigil::station::kPbkdf2Iterations << " iterations)" << std::endl;
  return 0;
}

int run(const Options& options, const net::ip::tcp::endpoint& endpoint, vigil::station::StaticFiles files,
        Protection& protection) {
  using namespace vigil::station;
  net::io_context io(1);
  WardHub hub(io, options.station_name, options.station.unit);
  EngineLink link(io, options.station, hub.handlers());
  hub.attach(link);
  std::unique_ptr<SignIn> signin;
  if (!protection.users.empty()) {
    SignInOptions signin_options;
    signin_options.idle = std::chrono::minutes{options.session_idle_minutes};
    signin_options.secure_cookies = protection.tls.ok();
    signin = std::make_unique<SignIn>(io, std::move(protection.users), signin_options);
  }
  WebServer server(io, hub, std::move(files), WebLimits{}, {protection.tls.context.get(), signin.get()});
  const auto bound = server.listen(endpoint);
  hub.start();
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](boost::system::error_code, int) { io.stop(); });
  std::cout << "vigil-station listening " << (protection.tls.ok() ? "https" : "http") << "://"
            << (bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string()) << ':'
            << bound.port() << "/" << (signin ? " (nurse sign-in)" : "") << std::endl;
  io.run();
  std::cerr << "vigil-station stopped: " << server.statsJson() << "\n";
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
    if (values.count("add-user")) {
      if (values["users"].as<std::string>().empty()) throw po::error("--add-user needs --users FILE");
      return addUser(values["add-user"].as<std::string>(), values["users"].as<std::string>());
    }
    options = readOptions(values);
    const auto parsed =
        vigil::station::parseListenAddress(options.listen, {!options.tls_cert.empty(), !options.users.empty()});
    if (!parsed.ok()) throw po::error(parsed.error);
    endpoint = *parsed.endpoint;
  } catch (const po::error& error) {
    std::cerr << "vigil-station: " << error.what() << "\n" << description << "\n";
    return kExitUsage;
  }
  auto protection = loadProtection(options);
  if (!protection.error.empty()) {
    std::cerr << "vigil-station: " << protection.error << "\n";
    return kExitUsage;
  }
  auto loaded = vigil::station::loadStaticFiles(options.web_root);
  if (!loaded.error.empty()) {
    std::cerr << "vigil-station: " << loaded.error << "\n";
    return 1;
  }
  try {
    return run(options, endpoint, std::move(loaded.files), protection);
  } catch (const std::exception& error) {
    std::cerr << "vigil-station: " << error.what() << "\n";
    return 1;
  }
}
