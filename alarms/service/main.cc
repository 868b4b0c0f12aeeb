// vigil-engine: the alarm engine process. Flags, protocol, sockets, run until a signal.
#include <iostream>
#include <optional>

#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <google/protobuf/stubs/logging.h>

#include "alarms/service/engine_service.h"
#include "alarms/service/protocol_file.h"
#include "alarms/service/stats.h"
#include "streamer/control_client.h"

namespace po = boost::program_options;
using namespace vigil;

namespace {

// Exit codes: 2 for a configuration the engine refuses to run with; 1 for --stats
// without an answer.
constexpr int kExitConfigError = 2;
constexpr int kExitNoAnswer = 1;

struct Options {
  service::ServiceConfig config;
  std::string protocol_path = VIGIL_DEFAULT_PROTOCOL;
  std::optional<std::string> check_protocol;
  std::optional<std::string> stats_endpoint;
  std::chrono::milliseconds stats_timeout{3000};
};

std::optional<Options> parseOptions(int argc, char** argv) {
  Options options;
  std::string clock = "wall";
  std::int64_t stats_interval_ms = options.config.stats_interval.count();
  std::int64_t stats_timeout_ms = options.stats_timeout.count();
  std::int64_t future_tolerance_ms = options.config.ingest_guard.future_tolerance.count();
  std::int64_t stream_jump_ms = options.config.ingest_guard.stream_jump_tolerance.count();
  std::int64_t backwards_tolerance_ms = options.config.ingest_guard.backwards_tolerance.count();
  po::options_description described("vigil-engine options");
  described.add_options()
      ("help,h", "show this help")
      ("ingest", po::value(&options.config.ingest_endpoint)->default_value(options.config.ingest_endpoint),
       "SUB endpoint the gateways publish to (bind; port * picks a free one)")
      ("alerts", po::value(&options.config.alerts_endpoint)->default_value(options.config.alerts_endpoint),
       "PUB endpoint the stations subscribe to (bind)")
      ("control", po::value(&options.config.control_endpoint)->default_value(options.config.control_endpoint),
       "ROUTER endpoint for acknowledgements and snapshots (bind)")
      ("protocol", po::value(&options.protocol_path)->default_value(options.protocol_path), "alarm protocol (JSON)")
      ("clock", po::value(&clock)->default_value(clock),
       "wall: live, the wall clock advances time; stream: time moves only with the data (replays)")
      ("check-protocol", po::value<std::string>(), "validate a protocol file, print its rules and exit")
      ("stats", po::value<std::string>(),
       "ask the running engine at this control endpoint for its counters, print them and exit (1: no answer)")
      ("stats-timeout-ms", po::value(&stats_timeout_ms)->default_value(stats_timeout_ms), "deadline for --stats")
      ("stats-interval-ms", po::value(&stats_interval_ms)->default_value(stats_interval_ms),
       "publish the counters on topic 'stats' this often (0: never)")
      ("future-tolerance-ms", po::value(&future_tolerance_ms)->default_value(future_tolerance_ms),
       "wall clock mode: refuse frames stamped further ahead of the wall clock than this")
      ("stream-jump-ms", po::value(&stream_jump_ms)->default_value(stream_jump_ms),
       "stream clock mode: a frame further ahead of the data's time than this needs its source's next frame to confirm it")
      ("backwards-tolerance-ms", po::value(&backwards_tolerance_ms)->default_value(backwards_tolerance_ms),
       "refuse a frame older than its source's last one by more than this");
  po::variables_map values;
  po::store(po::parse_command_line(argc, argv, described), values);
  po::notify(values);
  if (values.count("help")) {
    std::cout << described;
    std::exit(0);
  }
  if (clock != "wall" && clock != "stream") throw po::error("--clock must be wall or stream, not '" + clock + "'");
  options.config.clock_mode = clock == "wall" ? service::ClockMode::Wall : service::ClockMode::Stream;
  if (values.count("check-protocol")) options.check_protocol = values["check-protocol"].as<std::string>();
  if (values.count("stats")) options.stats_endpoint = values["stats"].as<std::string>();
  if (stats_interval_ms < 0 || stats_timeout_ms <= 0 || future_tolerance_ms < 0 || stream_jump_ms < 0 ||
      backwards_tolerance_ms < 0) {
    throw po::error("intervals, timeouts and tolerances cannot be negative");
  }
  options.stats_timeout = std::chrono::milliseconds(stats_timeout_ms);
  options.config.stats_interval = std::chrono::milliseconds(stats_interval_ms);
  options.config.ingest_guard.future_tolerance = core::Duration(future_tolerance_ms);
  options.config.ingest_guard.stream_jump_tolerance = core::Duration(stream_jump_ms);
  options.config.ingest_guard.backwards_tolerance = core::Duration(backwards_tolerance_ms);
  return options;
}

std::optional<core::Protocol> loadOrExplain(const std::string& path) {
  auto load = service::loadProtocolFile(path);
  for (const auto& error : load.errors) std::cerr << "vigil-engine: " << path << ": " << error.text() << "\n";
  return std::move(load.protocol);
}

int run(const Options& options, core::Protocol protocol) {
  boost::asio::io_context io;
  zmq::context_t zmq;
  service::WallClock clock;
  service::EngineService engine(io, zmq, core::Engine(std::move(protocol)), options.config, clock);
  const auto& bound = engine.endpoints();
  // One line on stdout that scripts and tests read to find the ports actually bound.
  std::cout << "vigil-engine listening ingest=" << bound.ingest << " alerts=" << bound.alerts
            << " control=" << bound.control << std::endl;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
  engine.start();
  io.run();
  std::clog << "vigil-engine: stopped.\n" << service::formatStatsTable(engine.stats()) << std::flush;
  return 0;
}

// `vigil-engine --stats EP`: one question to a running engine's control socket.
int printStats(const std::string& endpoint, std::chrono::milliseconds timeout) {
  zmq::context_t zmq;
  streamer::ControlClient control(zmq, endpoint);
  vigil::v1::ControlRequest request;
  request.mutable_stats();
  const auto reply = control.request(request, timeout);
  if (!reply || !reply->ok() || !reply->has_stats()) {
    std::cerr << "vigil-engine: no stats from " << endpoint << " within " << timeout.count() << " ms"
              << (reply && !reply->error().empty() ? ": " + reply->error() : std::string()) << "\n";
    return kExitNoAnswer;
  }
  std::cout << service::formatStatsTable(reply->stats()) << std::flush;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Options> options;
  try {
    options = parseOptions(argc, argv);
  } catch (const po::error& error) {
    std::cerr << "vigil-engine: " << error.what() << " (see --help)\n";
    return kExitConfigError;
  }
  if (options->stats_endpoint) {
    try {
      return printStats(*options->stats_endpoint, options->stats_timeout);
    } catch (const zmq::error_t& error) {
      std::cerr << "vigil-engine: cannot reach " << *options->stats_endpoint << ": " << error.what() << "\n";
      return kExitNoAnswer;
    }
  }
  if (options->check_protocol) {
    const auto protocol = loadOrExplain(*options->check_protocol);
    if (!protocol) return kExitConfigError;
    std::cout << service::describeProtocol(*protocol);
    return 0;
  }
  auto protocol = loadOrExplain(options->protocol_path);
  if (!protocol) return kExitConfigError;
  // Protobuf logs a line per payload with invalid UTF-8; the ingest pipeline already
  // counts every undecodable message, and a flood of garbage must not become a flood of
  // log lines.
  google::protobuf::SetLogHandler(nullptr);
  try {
    return run(*options, std::move(*protocol));
  } catch (const zmq::error_t& error) {
    std::cerr << "vigil-engine: cannot set up its sockets: " << error.what() << "\n";
    return kExitConfigError;
  }
}
