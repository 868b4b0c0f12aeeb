// vigil-engine: the alarm engine process. Flags, protocol, sockets, run until a signal.
#include <iostream>
#include <optional>

#include <google/protobuf/stubs/logging.h>
#include <boost/asio/signal_set.hpp>

#include "alarms/service/engine_options.h"
#include "alarms/service/engine_service.h"
#include "alarms/service/journal.h"
#include "alarms/service/journal_history.h"
#include "alarms/service/journal_reader.h"
#include "alarms/service/protocol_file.h"
#include "alarms/service/recovery.h"
#include "alarms/service/stats.h"
#include "streamer/control_client.h"
#include "streamer/security.h"

using namespace vigil;

namespace {

// Exit codes: 2 for a configuration the engine refuses to run with; 1 for --stats
// without an answer.
constexpr int kExitConfigError = 2;
constexpr int kExitNoAnswer = 1;

std::optional<core::Protocol> loadOrExplain(const std::string& path) {
  auto load = service::loadProtocolFile(path);
  for (const auto& error : load.errors) std::cerr << "vigil-engine: " << path << ": " << error.text() << "\n";
  return std::move(load.protocol);
}

void announceSecurity(const service::EngineOptions& options) {
  if (options.insecure) {
    std::cerr << "vigil-engine: WARNING: RUNNING --insecure: NO AUTHENTICATION, NO ENCRYPTION. ANYONE WHO CAN "
                 "REACH THESE PORTS CAN INJECT VITALS AND ACKNOWLEDGE ALARMS."
              << std::endl;
  }
  if (const auto& keys = options.config.keys) {
    std::clog << "vigil-engine: CurveZMQ on every socket, engine key " << streamer::fingerprint(keys->public_key)
              << ", " << keys->admitted.gateways.size() << " gateway key(s), " << keys->admitted.stations.size()
              << " station key(s) admitted" << std::endl;
    if (keys->peer) {
      std::clog << "vigil-engine: Binary Star peer link on CurveZMQ, peer key " << keys->peer->name << " ("
                << streamer::fingerprint(keys->peer->public_key) << ")" << std::endl;
    }
    for (const auto& [role, admitted] :
         {std::pair{"gateways", &keys->admitted.gateways}, std::pair{"stations", &keys->admitted.stations}}) {
      if (!admitted->empty()) continue;
      std::clog << "vigil-engine: warning: no " << role << "/*.pub in " << options.keys_directory
                << ": nobody of that role can connect" << std::endl;
    }
  }
}

int printHistory(const service::EngineOptions& options) {
  std::string error;
  auto reader = service::JournalReader::open(*options.journal_path, error);
  if (reader) {
    if (const auto failed =
            service::printHistory(*reader, *options.history_patient, options.history_since, std::cout)) {
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

int run(const service::EngineOptions& options, core::Protocol protocol) {
  std::unique_ptr<service::Journal> journal;
  std::string error;
  if (options.journal_path) {
    service::JournalOptions journal_options;
    journal_options.retention = options.journal_retention;
    journal = service::Journal::open(*options.journal_path, journal_options, error);
    if (!journal) {
      explainJournalRefusal(*options.journal_path, error);
      return kExitConfigError;
    }
  } else {
    std::cerr << "vigil-engine: WARNING: --no-journal: NOTHING SURVIVES A CRASH OR RESTART. Alarms, "
                 "acknowledgements and infusion history live only in memory; a station may show alarms "
                 "that a restarted engine no longer knows."
              << std::endl;
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
  std::clog << "vigil-engine: serving " << options.config.units.describe() << std::endl;
  if (journal) {
    const auto recovered = service::recoverFromJournal(*options.journal_path, engine, error);
    if (!recovered) {
      explainJournalRefusal(*options.journal_path, error);
      return kExitConfigError;
    }
    std::clog << "vigil-engine: journal " << *options.journal_path << ": " << service::describe(*recovered)
              << std::endl;
    const auto session =
        service::currentSession(engine, engine.engine().protocol(), options.config.clock_mode, *recovered);
    if (const auto change = service::protocolChange(*recovered, session)) {
      std::cerr << "vigil-engine: WARNING: " << *change << std::endl;
    }
    journal->recordSession(session);
    engine.attachJournal(journal.get());
  }
  const auto& bound = engine.endpoints();
  // One line on stdout that scripts and tests read to find the ports actually bound.
  std::cout << "vigil-engine listening ingest=" << bound.ingest << " alerts=" << bound.alerts
            << " control=" << bound.control;
  if (const auto* star = engine.star()) std::cout << " peer-state=" << star->stateEndpoint();
  std::cout << std::endl;
  engine.start();
  io.run();
  // SIGINT/SIGTERM: everything queued before the stop is committed before exit. The
  // table holds every counter, the journal's and the ZAP handler's included.
  if (journal) journal->close();
  std::clog << "vigil-engine: stopped" << (options.insecure ? " (it ran --insecure)" : "") << ".\n"
            << service::formatStatsTable(engine.stats()) << std::flush;
  return 0;
}

// `vigil-engine --stats EP`: one question to a running engine's control socket.
int printStats(const std::string& endpoint, std::chrono::milliseconds timeout, const streamer::ClientSecurity& keys) {
  zmq::context_t zmq;
  streamer::ControlClient control(zmq, endpoint, keys);
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
  auto parsed = service::parseEngineOptions(argc, argv);
  if (!parsed.value) {
    std::cerr << "vigil-engine: " << parsed.error << " (see --help)\n";
    return kExitConfigError;
  }
  auto& options = parsed.value;
  if (options->help) {
    std::cout << parsed.help;
    return 0;
  }
  if (options->stats_endpoint) {
    const auto keys = streamer::loadClientSecurity(options->stats_keys);
    if (!keys.ok()) {
      std::cerr << "vigil-engine: " << keys.error << "\n";
      return kExitConfigError;
    }
    try {
      return printStats(*options->stats_endpoint, options->stats_timeout, *keys.value);
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
    const auto& star = options->config.star;
    auto keys = service::loadEngineKeys(options->keys_directory, star ? star->peer_key_name : std::string());
    if (!keys.ok()) {
      std::cerr << "vigil-engine: --keys " << options->keys_directory << ": " << keys.error << "\n";
      return kExitConfigError;
    }
    options->config.keys = std::move(keys.value);
  }
  auto ingest_security = streamer::loadClientSecurity(options->ingest_keys);
  if (!ingest_security.ok()) {
    std::cerr << "vigil-engine: --ingest-key: " << ingest_security.error << "\n";
    return kExitConfigError;
  }
  options->config.ingest_security = std::move(*ingest_security.value);
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
  } catch (const std::exception& error) {
    // A configuration the option checks should have refused: said, not an abort.
    std::cerr << "vigil-engine: cannot start: " << error.what() << "\n";
    return kExitConfigError;
  }
}
