// vigil-engine: the alarm engine process. Flags, protocol, sockets, run until a signal.
#include <iostream>
#include <optional>

#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <google/protobuf/stubs/logging.h>

#include "alarms/service/engine_service.h"
#include "alarms/service/journal.h"
#include "alarms/service/journal_history.h"
#include "alarms/service/journal_reader.h"
#include "alarms/service/protocol_file.h"
#include "alarms/service/recovery.h"
#include "streamer/security.h"
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
  std::string keys_directory;  // "" for no CurveZMQ
  bool insecure = false;
  std::optional<std::string> journal_path = "vigil.db";  // nullopt: --no-journal
  std::optional<std::string> history_patient;
  core::TimePoint history_since{};
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
      ("keys", po::value(&options.keys_directory),
       "CurveZMQ on every socket: DIR/engine.key (+ engine.pub), DIR/gateways/*.pub admitted on ingest, "
       "DIR/stations/*.pub admitted on alerts and control; a key's file name is its identity (see vigil-keygen)")
      ("insecure", po::bool_switch(&options.insecure),
       "bind non-loopback endpoints without keys: anyone on the network can inject vitals and acknowledge alarms")
      ("journal", po::value<std::string>(),
       "SQLite journal (default vigil.db here): the alarm log, and what a restart replays to carry on where it was")
      ("no-journal", "run without a journal (throwaway runs: nothing is logged, nothing survives a restart)")
      ("history", po::value<std::string>(), "print this patient's alarm log from the journal and exit")
      ("since", po::value<std::string>(), "with --history: from this time on (ISO 8601, UTC unless a zone is given, "
       "or ms since the epoch)")
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
  if (values.count("journal")) options.journal_path = values["journal"].as<std::string>();
  if (values.count("no-journal")) {
    if (values.count("journal")) throw po::error("--journal and --no-journal contradict each other");
    options.journal_path.reset();
  }
  if (values.count("history")) {
    if (!options.journal_path) throw po::error("--history reads the journal; it cannot go with --no-journal");
    options.history_patient = values["history"].as<std::string>();
  }
  if (values.count("since")) {
    const auto text = values["since"].as<std::string>();
    const auto since = service::parseTimeArgument(text);
    if (!since) throw po::error("--since '" + text + "' is neither ISO 8601 (2026-11-21T10:00:00Z) nor ms since the epoch");
    options.history_since = *since;
  }
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

// Without keys only this machine may reach the engine: a non-loopback endpoint needs
// --keys, or --insecure said out loud. "" when the configuration may run.
std::string bindRefusal(const Options& options) {
  if (!options.keys_directory.empty()) {
    return options.insecure ? "--insecure and --keys contradict each other: choose one" : "";
  }
  if (options.insecure) return "";
  const auto& c = options.config;
  for (const auto& endpoint : {c.ingest_endpoint, c.alerts_endpoint, c.control_endpoint}) {
    if (!streamer::isLoopbackEndpoint(endpoint)) {
      return "refusing to bind " + endpoint +
             " without CurveZMQ keys: anyone who can reach it could inject vitals or acknowledge alarms. "
             "Give --keys DIR (see vigil-keygen --help), bind 127.0.0.1, or accept the risk with --insecure";
    }
  }
  return "";
}

void announceSecurity(const Options& options) {
  if (options.insecure) {
    std::cerr << "vigil-engine: WARNING: RUNNING --insecure: NO AUTHENTICATION, NO ENCRYPTION. ANYONE WHO CAN "
                 "REACH THESE PORTS CAN INJECT VITALS AND ACKNOWLEDGE ALARMS."
              << std::endl;
  }
  if (const auto& keys = options.config.keys) {
    std::clog << "vigil-engine: CurveZMQ on every socket, engine key " << streamer::fingerprint(keys->public_key)
              << ", " << keys->admitted.gateways.size() << " gateway key(s), " << keys->admitted.stations.size()
              << " station key(s) admitted" << std::endl;
    for (const auto& [role, admitted] : {std::pair{"gateways", &keys->admitted.gateways},
                                         std::pair{"stations", &keys->admitted.stations}}) {
      if (!admitted->empty()) continue;
      std::clog << "vigil-engine: warning: no " << role << "/*.pub in " << options.keys_directory
                << ": nobody of that role can connect" << std::endl;
    }
  }
}

std::string zapSummary(const service::EngineService& engine) {
  const auto* zap = engine.zapCounters();
  if (!zap) return " curve=off";
  return " zap_admitted=" + std::to_string(zap->admitted) + " zap_rejected_ingest=" +
         std::to_string(zap->rejected_ingest) + " zap_rejected_alerts=" + std::to_string(zap->rejected_alerts) +
         " zap_rejected_control=" + std::to_string(zap->rejected_control) +
         " zap_rejected_other=" + std::to_string(zap->rejected_unknown_domain + zap->malformed);
}

int printHistory(const Options& options) {
  std::string error;
  auto reader = service::JournalReader::open(*options.journal_path, error);
  if (reader) {
    if (const auto failed = service::printHistory(*reader, *options.history_patient, options.history_since, std::cout)) {
      error = *failed;
    }
  }
  if (error.empty()) return 0;
  std::cerr << "vigil-engine: journal " << *options.journal_path << ": " << error << "\n";
  return kExitConfigError;
}

void explainJournalRefusal(const std::string& path, const std::string& error) {
  std::cerr << "vigil-engine: journal " << path << ": " << error
            << ". Refusing to start: starting empty would forget the alarms and infusions it holds. Move it aside, "
               "pass another --journal, or --no-journal for a throwaway run.\n";
}

void reportJournal(const service::Journal& journal) {
  const auto j = journal.counters();
  std::clog << "vigil-engine: journal " << journal.path() << " closed. rows=" << j.rows_written
            << " transactions=" << j.transactions << " queue_full_waits=" << j.queue_full_waits
            << " waited_us=" << j.queue_full_wait_us << " dropped=" << j.rows_dropped << " failed=" << j.rows_failed
            << std::endl;
}

int run(const Options& options, core::Protocol protocol) {
  std::unique_ptr<service::Journal> journal;
  std::string error;
  if (options.journal_path) {
    journal = service::Journal::open(*options.journal_path, {}, error);
    if (!journal) {
      explainJournalRefusal(*options.journal_path, error);
      return kExitConfigError;
    }
  }
  boost::asio::io_context io;
  zmq::context_t zmq;
  service::WallClock clock;
  service::EngineService engine(io, zmq, core::Engine(std::move(protocol)), options.config, clock);
  // Before the "listening" line: whoever reads it may stop the engine at once, and must
  // get a clean stop (and the security warning already said).
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
  announceSecurity(options);
  if (journal) {
    const auto recovered = service::recoverFromJournal(*options.journal_path, engine, error);
    if (!recovered) {
      explainJournalRefusal(*options.journal_path, error);
      return kExitConfigError;
    }
    std::clog << "vigil-engine: journal " << *options.journal_path << ": " << service::describe(*recovered)
              << std::endl;
    const auto session = service::currentSession(engine, engine.engine().protocol(), options.config.clock_mode,
                                                 *recovered);
    if (const auto change = service::protocolChange(*recovered, session)) {
      std::cerr << "vigil-engine: WARNING: " << *change << std::endl;
    }
    journal->recordSession(session);
    engine.attachJournal(journal.get());
  }
  const auto& bound = engine.endpoints();
  // One line on stdout that scripts and tests read to find the ports actually bound.
  std::cout << "vigil-engine listening ingest=" << bound.ingest << " alerts=" << bound.alerts
            << " control=" << bound.control << std::endl;
  engine.start();
  io.run();
  // SIGINT/SIGTERM: everything queued before the stop is committed before exit.
  if (journal) {
    journal->close();
    reportJournal(*journal);
  }
  std::clog << "vigil-engine: stopped.\n" << service::formatStatsTable(engine.stats())
            << "vigil-engine: security:" << zapSummary(engine) << (options.insecure ? " INSECURE" : "") << std::endl;
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
  if (options->history_patient) return printHistory(*options);
  if (const auto refusal = bindRefusal(*options); !refusal.empty()) {
    std::cerr << "vigil-engine: " << refusal << "\n";
    return kExitConfigError;
  }
  if (!options->keys_directory.empty()) {
    auto keys = service::loadEngineKeys(options->keys_directory);
    if (!keys.ok()) {
      std::cerr << "vigil-engine: --keys " << options->keys_directory << ": " << keys.error << "\n";
      return kExitConfigError;
    }
    options->config.keys = std::move(keys.value);
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
