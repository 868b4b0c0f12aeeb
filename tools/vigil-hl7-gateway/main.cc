// vigil-hl7-gateway: an MLLP server for device gateways that speak HL7 v2 (IHE PCD-01
// ORU^R01 vitals, PCD-10 ORU^R42 infusion events). Each message is parsed by the
// importers' HL7 parser, acknowledged (AA, or AE/AR with an ERR saying why), and its
// frames and pump statuses are published to the engine's ingest like any gateway's.
// Thin: flags, one Asio loop, the publisher; the work is in streamer/hl7.
#include <chrono>
#include <csignal>
#include <cstdint>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/program_options.hpp>

#include "streamer/duration_option.h"
#include "streamer/hl7/hl7_intake.h"
#include "streamer/hl7/mllp_options.h"
#include "streamer/hl7/mllp_server.h"
#include "streamer/hl7/stats_text.h"
#include "streamer/security.h"
#include "streamer/zmq_io.h"

namespace asio = boost::asio;
namespace po = boost::program_options;
using vigil::streamer::millisecondsOption;
namespace hl7 = vigil::streamer::hl7;
using namespace std::chrono_literals;

namespace {

constexpr int kExitUsage = 2;
// Send queue depth towards the engine (engine choice): far above what ten busy device
// gateways send in the time the engine needs to take it.
constexpr int kSendQueueMessages = 100'000;

struct Arguments {
  asio::ip::tcp::endpoint listen;
  std::string engine = "tcp://127.0.0.1:7401";
  std::string unit = "hl7";
  hl7::MllpServerOptions server;
  std::chrono::milliseconds engine_wait{10'000};
  std::chrono::milliseconds stats_interval{5'000};
  std::optional<std::string> stats_query;  // --stats HOST:PORT
  asio::ip::tcp::endpoint stats_listen{asio::ip::make_address("127.0.0.1"), 0};
  vigil::streamer::ClientSecurity security;
};

po::options_description describeOptions() {
  po::options_description options(
      "Usage: vigil-hl7-gateway --listen HOST:PORT [--connect EP] [options]\n"
      "       vigil-hl7-gateway --stats HOST:PORT      # a running gateway's counters (its stats= address)\n"
      "An MLLP server for HL7 v2 ORU^R01 (PCD-01) and ORU^R42 (PCD-10); publishes to the engine's ingest.\n"
      "Prints \"vigil-hl7-gateway listening mllp=HOST:PORT\" once it accepts connections.\n"
      "Options");
  // One option per line reads as the table it is.
  // clang-format off
  options.add_options()
      ("help", "show this help")
      ("listen", po::value<std::string>(), "address to listen on, HOST:PORT (port 0: any free port; default 127.0.0.1:2575)")
      ("connect", po::value<std::string>(), "the engine's ingest endpoint (default tcp://127.0.0.1:7401)")
      ("unit", po::value<std::string>(), "care unit of the topics when PV1-3 names no point of care (default hl7)")
      ("engine-wait-ms", po::value<std::int64_t>(), "how long to wait for the engine before listening (default 10000)")
      ("stats-interval-ms", po::value<std::int64_t>(), "print the counters every MS (default 5000; 0: only at exit)")
      ("stats-listen", po::value<std::string>(), "where --stats reads the counters, HOST:PORT (default 127.0.0.1:0, printed at start)")
      ("stats", po::value<std::string>(), "print the counters of the gateway whose stats address is HOST:PORT, exit")
      ("key", po::value<std::string>(), vigil::streamer::kKeyOptionHelp)
      ("server-key", po::value<std::string>(), vigil::streamer::kServerKeyOptionHelp);
  // clang-format on
  hl7::addMllpServerOptions(options);
  return options;
}

Arguments readArguments(const po::variables_map& values) {
  Arguments arguments;
  if (values.count("stats")) {
    arguments.stats_query = values["stats"].as<std::string>();
    return arguments;
  }
  const auto listen =
      hl7::parseHostPort(values.count("listen") ? values["listen"].as<std::string>() : "127.0.0.1:2575");
  if (!listen) throw po::error("--listen must be HOST:PORT with a numeric IPv4 or IPv6 address");
  arguments.listen = *listen;
  if (values.count("stats-listen")) {
    const auto stats = hl7::parseHostPort(values["stats-listen"].as<std::string>());
    if (!stats) throw po::error("--stats-listen must be HOST:PORT");
    arguments.stats_listen = *stats;
  }
  if (values.count("connect")) arguments.engine = values["connect"].as<std::string>();
  if (values.count("unit")) arguments.unit = values["unit"].as<std::string>();
  if (arguments.unit.empty() || arguments.unit.find('/') != std::string::npos)
    throw po::error("--unit must be non-empty, without '/'");
  arguments.server = hl7::readMllpServerOptions(values);
  arguments.engine_wait = millisecondsOption(values, "engine-wait-ms", arguments.engine_wait, false);
  arguments.stats_interval = millisecondsOption(values, "stats-interval-ms", arguments.stats_interval, true);
  vigil::streamer::ClientKeyOptions keys;
  if (values.count("key")) keys.key_file = values["key"].as<std::string>();
  if (values.count("server-key")) keys.server_key_file = values["server-key"].as<std::string>();
  auto security = vigil::streamer::loadClientSecurity(keys);
  if (!security.ok()) throw po::error(security.error);
  arguments.security = std::move(*security.value);
  return arguments;
}

std::int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Prints the counters every interval and once more when the loop ends.
class StatsPrinter {
 public:
  StatsPrinter(asio::io_context& io, std::chrono::milliseconds interval, std::function<std::string()> table)
      : timer_(io), interval_(interval), table_(std::move(table)) {
    schedule();
  }
  void stop() { timer_.cancel(); }

 private:
  void schedule() {
    if (interval_.count() == 0) return;
    timer_.expires_after(interval_);
    timer_.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      std::cout << "stats " << table_() << std::endl;
      schedule();
    });
  }
  asio::steady_timer timer_;
  std::chrono::milliseconds interval_;
  std::function<std::string()> table_;
};

int run(const Arguments& arguments) {
  zmq::context_t context(1);
  vigil::streamer::Publisher publisher(context);
  publisher.handle().set(zmq::sockopt::sndhwm, kSendQueueMessages);
  arguments.security.apply(publisher.handle());
  publisher.connect(arguments.engine);
  // Listening before the engine's subscription arrives would acknowledge messages that
  // ZeroMQ then drops (the slow joiner): nothing is acknowledged that is not sent on.
  if (!publisher.awaitSubscriber(arguments.engine_wait)) {
    std::cerr << "vigil-hl7-gateway: no engine subscribed at " << arguments.engine << " within "
              << arguments.engine_wait.count() << " ms\n";
    return 1;
  }
  hl7::IntakeOptions intake_options;
  intake_options.default_unit = arguments.unit;
  hl7::Hl7Intake intake(
      [&publisher](std::string_view topic, std::string_view payload) { return publisher.publishRaw(topic, payload); },
      wallClockMs, intake_options);
  asio::io_context io;
  hl7::MllpHandlers handlers;
  handlers.on_message = [&intake](std::string_view message) { return intake.handle(message); };
  handlers.on_oversize = [&intake](std::string_view head, std::size_t limit) {
    return intake.refuseOversize(head, limit);
  };
  hl7::MllpServer server(io, arguments.listen, arguments.server, handlers);
  const auto table = [&] { return hl7::statsText(intake.counters(), server.counters()); };
  hl7::StatsResponder responder(io, arguments.stats_listen, table);
  StatsPrinter printer(io, arguments.stats_interval, table);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    std::cerr << "vigil-hl7-gateway: signal " << signal << ", stopping\n";
    server.close();
    responder.close();
    printer.stop();
    io.stop();
  });
  const auto bound = server.localEndpoint();
  std::cout << "vigil-hl7-gateway listening mllp=" << hl7::formatHostPort(bound)
            << " stats=" << hl7::formatHostPort(responder.localEndpoint()) << " engine=" << arguments.engine
            << std::endl;
  io.run();
  std::cout << "stats " << table() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = describeOptions();
  try {
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, options), values);
    po::notify(values);
    if (values.count("help")) {
      std::cout << options << "\n";
      return 0;
    }
    const auto arguments = readArguments(values);
    if (arguments.stats_query) return hl7::printRemoteStats(*arguments.stats_query, std::cout, std::cerr);
    return run(arguments);
  } catch (const po::error& error) {
    std::cerr << "vigil-hl7-gateway: " << error.what() << "\n" << options << "\n";
    return kExitUsage;
  } catch (const std::exception& error) {
    std::cerr << "vigil-hl7-gateway: " << error.what() << "\n";
    return 1;
  }
}
