// vigil-acm: IHE ACM out (issue 12). Follows the engine's journal outbox through control
// requests and sends every alarm transition as a PCD-04 ORU^R40 over MLLP to an alert
// manager, one in flight, retried with backoff until it is acknowledged AA. The position
// of the last acknowledged transition lives in --state, so a restart (after kill -9 too)
// resumes where the alert manager left off. With --status-listen it is also the MLLP
// server for the alert manager's IHE PCD-05 status reports (ORA^R41), which it answers
// and forwards to the engine. Given a Binary Star pair (--control A,B, issue 16) it
// follows whichever engine is active, and carries on after a takeover from the same
// transition in the other engine's outbox. Thin: flags and the loops; the work is in
// exporter.h, outbox_cursor.h, engine_follower.h, mllp_client.h, acm_state.h, oru_r40.h
// and status_listener.h.
#include <chrono>
#include <cstdint>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/program_options.hpp>
#include <zmq.hpp>

#include "streamer/duration_option.h"
#include "streamer/hl7/mllp_options.h"
#include "streamer/hl7/mllp_server.h"
#include "streamer/hl7/stats_text.h"
#include "streamer/security.h"
#include "streamer/stop_signal.h"
#include "tools/vigil-acm/acm_state.h"
#include "tools/vigil-acm/engine_follower.h"
#include "tools/vigil-acm/exporter.h"
#include "tools/vigil-acm/status_listener.h"

namespace asio = boost::asio;
namespace po = boost::program_options;
namespace hl7 = vigil::streamer::hl7;
using vigil::streamer::millisecondsOption;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kExitUsage = 2;
// The longest a stop waits for a backoff or poll to notice it.
constexpr auto kStopCheck = 20ms;

struct Arguments {
  std::string control = "tcp://127.0.0.1:7403";
  std::string host;
  std::uint16_t port = 0;
  std::string state;
  std::chrono::milliseconds poll{200};
  std::chrono::milliseconds control_timeout{2'000};
  std::chrono::milliseconds stats_interval{5'000};
  std::optional<std::string> stats_query;  // --stats HOST:PORT
  asio::ip::tcp::endpoint stats_listen{asio::ip::make_address("127.0.0.1"), 0};
  std::optional<asio::ip::tcp::endpoint> status_listen;
  hl7::MllpServerOptions status_server;
  vigil::acm::ExporterOptions exporter;
  vigil::streamer::ClientSecurity security;
};

po::options_description describeOptions() {
  po::options_description options(
      "Usage: vigil-acm --control EP[,EP] --to HOST:PORT --state FILE [--status-listen HOST:PORT] [options]\n"
      "       vigil-acm --stats HOST:PORT      # a running vigil-acm's counters (its stats= address)\n"
      "Sends every alarm transition of the engine's journal outbox as IHE PCD-04 ORU^R40 over MLLP;\n"
      "with --status-listen, takes the alert manager's PCD-05 ORA^R41 status reports to the engine.\n"
      "Prints \"vigil-acm running position=N ... status=HOST:PORT stats=HOST:PORT\" once started,\n"
      "\"stats ...\" every interval and at exit.\n"
      "Options");
  // One option per line reads as the table it is.
  // clang-format off
  options.add_options()
      ("help", "show this help")
      ("control", po::value<std::string>(), "the engine's control endpoint (default tcp://127.0.0.1:7403); A,B: a Binary Star pair, the active one is followed")
      ("to", po::value<std::string>(), "the alert manager, HOST:PORT (required)")
      ("state", po::value<std::string>(), "file keeping where delivery stands: outbox position, transitions delivered lately (required)")
      ("facility", po::value<std::string>(), "MSH-6, the receiving facility")
      ("receiving-application", po::value<std::string>(), "MSH-5 (default AM)")
      ("batch", po::value<std::uint32_t>(), "transitions per outbox request (default 100, at most 1000)")
      ("poll-ms", po::value<std::int64_t>(), "how often to look for new transitions (default 200)")
      ("ack-timeout-ms", po::value<std::int64_t>(), "wait this long for the ACK before retrying (default 5000)")
      ("first-backoff-ms", po::value<std::int64_t>(), "first retry delay, doubled each retry (default 100)")
      ("max-backoff-ms", po::value<std::int64_t>(), "retry delay cap (default 5000)")
      ("control-timeout-ms", po::value<std::int64_t>(), "wait for the engine's reply (default 2000), then ask the other of a pair")
      ("catch-up-lookback-ms", po::value<std::int64_t>(), "after a takeover, read the other engine's outbox from this long before the last data time delivered (default 300000)")
      ("stats-interval-ms", po::value<std::int64_t>(), "print the counters every MS (default 5000; 0: only at exit)")
      ("status-listen", po::value<std::string>(), "MLLP address for the alert manager's ORA^R41 status reports, HOST:PORT (port 0: any; default: none)")
      ("stats-listen", po::value<std::string>(), "where --stats reads the counters, HOST:PORT (default 127.0.0.1:0, printed at start)")
      ("stats", po::value<std::string>(), "print the counters of the vigil-acm whose stats address is HOST:PORT, exit")
      ("key", po::value<std::string>(), vigil::streamer::kKeyOptionHelp)
      ("server-key", po::value<std::string>(), vigil::streamer::kServerKeyOptionHelp);
  // clang-format on
  hl7::addMllpServerOptions(options);  // the limits of --status-listen
  return options;
}

Arguments readArguments(const po::variables_map& values) {
  Arguments arguments;
  if (values.count("stats")) {
    arguments.stats_query = values["stats"].as<std::string>();
    return arguments;
  }
  if (!values.count("to") || !vigil::acm::splitHostPort(values["to"].as<std::string>(), arguments.host, arguments.port))
    throw po::error("--to HOST:PORT is required");
  if (!values.count("state")) throw po::error("--state FILE is required");
  arguments.state = values["state"].as<std::string>();
  if (values.count("control")) arguments.control = values["control"].as<std::string>();
  if (values.count("status-listen")) {
    arguments.status_listen = hl7::parseHostPort(values["status-listen"].as<std::string>());
    if (!arguments.status_listen) throw po::error("--status-listen must be HOST:PORT with a numeric address");
  }
  if (values.count("stats-listen")) {
    const auto stats = hl7::parseHostPort(values["stats-listen"].as<std::string>());
    if (!stats) throw po::error("--stats-listen must be HOST:PORT");
    arguments.stats_listen = *stats;
  }
  arguments.status_server = hl7::readMllpServerOptions(values);
  if (values.count("facility")) arguments.exporter.message.receiving_facility = values["facility"].as<std::string>();
  if (values.count("receiving-application"))
    arguments.exporter.message.receiving_application = values["receiving-application"].as<std::string>();
  auto& exporter = arguments.exporter;
  if (values.count("batch")) exporter.batch = values["batch"].as<std::uint32_t>();
  if (exporter.batch < 1 || exporter.batch > 1000) throw po::error("--batch must be 1..1000");
  arguments.poll = millisecondsOption(values, "poll-ms", arguments.poll, false);
  arguments.control_timeout = millisecondsOption(values, "control-timeout-ms", arguments.control_timeout, false);
  arguments.stats_interval = millisecondsOption(values, "stats-interval-ms", arguments.stats_interval, true);
  exporter.lookback = millisecondsOption(values, "catch-up-lookback-ms", exporter.lookback, true);
  exporter.ack_timeout = millisecondsOption(values, "ack-timeout-ms", exporter.ack_timeout, false);
  exporter.first_backoff = millisecondsOption(values, "first-backoff-ms", exporter.first_backoff, false);
  exporter.max_backoff = millisecondsOption(values, "max-backoff-ms", exporter.max_backoff, false);
  if (exporter.max_backoff < exporter.first_backoff) throw po::error("--max-backoff-ms must be >= --first-backoff-ms");
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

// vigil-acm's Asio side, on a thread of its own: the status listener (when asked for) and
// the --stats endpoint. It shares with the delivery loop only the exporter's counters,
// which the loop hands over as a snapshot.
class NetworkSide {
 public:
  NetworkSide(zmq::context_t& context, const Arguments& arguments)
      : control_(context, arguments.control, arguments.security),
        handler_([this, timeout = arguments.control_timeout](
                     const vigil::v1::ControlRequest& request) { return control_.request(request, timeout); },
                 wallClockMs),
        responder_(io_, arguments.stats_listen, [this] { return table(); }) {
    if (arguments.status_listen) {
      hl7::MllpHandlers handlers;
      handlers.on_message = [this](std::string_view message) { return handler_.handle(message); };
      handlers.on_oversize = [this](std::string_view head, std::size_t limit) {
        return handler_.refuseOversize(head, limit);
      };
      server_ = std::make_unique<hl7::MllpServer>(io_, *arguments.status_listen, arguments.status_server, handlers);
    }
    thread_ = std::thread([this] { io_.run(); });
  }
  ~NetworkSide() { stop(); }
  NetworkSide(const NetworkSide&) = delete;
  NetworkSide& operator=(const NetworkSide&) = delete;

  void stop() {
    if (!thread_.joinable()) return;
    io_.stop();
    thread_.join();
  }
  void shareExporterCounters(std::map<std::string, std::uint64_t> counters) {
    std::lock_guard lock(mutex_);
    exporter_ = std::move(counters);
  }
  std::string statusAddress() const { return server_ ? hl7::formatHostPort(server_->localEndpoint()) : "none"; }
  std::string statsAddress() const { return hl7::formatHostPort(responder_.localEndpoint()); }
  // Every counter: the exporter's as they are, the status listener's as status_*. Called on
  // the Asio thread, or on another once stopped.
  std::string table() {
    hl7::CounterTable table;
    {
      std::lock_guard lock(mutex_);
      table = exporter_;
    }
    handler_.addCounters(table);
    table["status_engine"] = control_.engineNumber();
    table["status_engine_switches"] = control_.counters().switches;
    if (server_) {
      hl7::CounterTable connections;
      hl7::addServerCounters(connections, server_->counters());
      for (const auto& [name, count] : connections) table["status_" + name] = count;
    }
    return hl7::formatCounters(table);
  }

 private:
  asio::io_context io_;
  // Its own connection to the engine: the delivery loop's is not to be shared between threads.
  vigil::acm::EngineFollower control_;
  vigil::acm::StatusHandler handler_;
  hl7::StatsResponder responder_;
  std::unique_ptr<hl7::MllpServer> server_;
  std::mutex mutex_;
  std::map<std::string, std::uint64_t> exporter_;
  std::thread thread_;
};

// The follower's counters beside the exporter's: which engine, how often it moved.
std::map<std::string, std::uint64_t> deliveryTable(const vigil::acm::Exporter& exporter,
                                                   const vigil::acm::EngineFollower& engines) {
  auto table = exporter.counterTable();
  table["engine"] = engines.engineNumber();
  table["engines"] = engines.engines();
  table["engine_switches"] = engines.counters().switches;
  table["passive_refusals"] = engines.counters().passive_refusals;
  table["engine_unanswered"] = engines.counters().unanswered;
  return table;
}

int run(const Arguments& arguments) {
  std::string error;
  const auto start = vigil::acm::loadState(arguments.state, error);
  if (!start) {
    std::cerr << "vigil-acm: " << error << "\n";
    return 1;
  }
  const auto& stop = vigil::streamer::installStopSignals();
  zmq::context_t context(1);
  vigil::acm::EngineFollower engines(context, arguments.control, arguments.security);
  NetworkSide network(context, arguments);
  auto last_stats = Clock::now();
  vigil::acm::Exporter* running = nullptr;
  const auto share = [&] {
    if (running) network.shareExporterCounters(deliveryTable(*running, engines));
  };
  const auto printStatsIfDue = [&] {
    share();
    if (arguments.stats_interval.count() == 0 || Clock::now() - last_stats < arguments.stats_interval) return;
    last_stats = Clock::now();
    std::cout << "stats " << hl7::formatCounters(deliveryTable(*running, engines)) << std::endl;
  };
  // Sleeps in short slices so a stop is noticed at once and the counters keep coming.
  const auto wait = [&](std::chrono::milliseconds delay) {
    const auto until = Clock::now() + delay;
    while (!stop.load() && Clock::now() < until) {
      std::this_thread::sleep_for(std::min<Clock::duration>(kStopCheck, until - Clock::now()));
      printStatsIfDue();
    }
    return !stop.load();
  };
  const auto fetch = [&](const vigil::v1::OutboxRequest& outbox) -> std::optional<vigil::v1::OutboxReply> {
    vigil::v1::ControlRequest request;
    *request.mutable_outbox() = outbox;
    const auto reply = engines.request(request, arguments.control_timeout);
    if (!reply) return std::nullopt;
    if (!reply->ok()) {
      std::cerr << "vigil-acm: the engine refused the outbox request: " << reply->error() << "\n";
      return std::nullopt;
    }
    return reply->outbox();
  };
  const auto persist = [&](const vigil::acm::AcmState& state) {
    share();
    std::string problem;
    if (vigil::acm::saveState(arguments.state, state, problem)) return true;
    std::cerr << "vigil-acm: " << problem << "\n";
    return false;
  };
  vigil::acm::MllpClient client(arguments.host, arguments.port);
  vigil::acm::Exporter exporter(fetch, persist, wait, client, *start, arguments.exporter);
  running = &exporter;
  std::cout << "vigil-acm running position=" << start->at.position << " to=" << arguments.host << ":" << arguments.port
            << " control=" << arguments.control << " status=" << network.statusAddress()
            << " stats=" << network.statsAddress() << std::endl;
  while (!stop.load()) {
    const auto handled = exporter.drainOnce();
    // Nothing new (or no engine): look again after the poll interval.
    if (!handled || *handled == 0) wait(arguments.poll);
  }
  network.stop();
  share();
  std::cout << "stats " << network.table() << std::endl;
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
    std::cerr << "vigil-acm: " << error.what() << "\n" << options << "\n";
    return kExitUsage;
  } catch (const std::exception& error) {
    std::cerr << "vigil-acm: " << error.what() << "\n";
    return 1;
  }
}
