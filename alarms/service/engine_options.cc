#include "alarms/service/engine_options.h"

#include <algorithm>
#include <vector>

#include <boost/program_options.hpp>

#include "alarms/service/journal_history.h"
#include "streamer/command_line.h"

namespace vigil::service {
namespace po = boost::program_options;
namespace {

// --star and its peer: all or nothing, so a half-configured pair never starts.
StarConfig parseStar(const std::string& role, StarConfig config, std::int64_t peer_timeout_ms, bool have_keys) {
  if (role != "primary" && role != "backup") {
    throw po::error(role.empty() ? "--peer-state-bind, --peer-state-connect, --peer-control, --peer-key and "
                                   "--peer-timeout-ms go with --star primary|backup"
                                 : "--star must be primary or backup, not '" + role + "'");
  }
  if (config.state_bind.empty() || config.state_connect.empty() || config.peer_control.empty()) {
    throw po::error("--star needs --peer-state-bind, --peer-state-connect and --peer-control");
  }
  if (peer_timeout_ms <= 0) throw po::error("--peer-timeout-ms must be positive");
  // With keys the peer link is CURVE like every socket, so the engine must know its peer's
  // key; without them there is no key to name.
  if (have_keys && config.peer_key_name.empty()) {
    throw po::error(
        "--star with --keys needs --peer-key NAME: the peer engine's engine.pub, copied to DIR/peers/NAME.pub");
  }
  if (!have_keys && !config.peer_key_name.empty()) throw po::error("--peer-key goes with --keys");
  config.role = role == "primary" ? StarRole::Primary : StarRole::Backup;
  config.peer_timeout = std::chrono::milliseconds(peer_timeout_ms);
  // A quarter of the silence that ends the peer: a slow passive delays a station's
  // answer a little, never into an ENGINE SILENT.
  config.forward_timeout = std::max(config.peer_timeout / 4, std::chrono::milliseconds(20));
  return config;
}

EngineOptions parseOrThrow(int argc, const char* const* argv, po::options_description& described) {
  EngineOptions options;
  std::string clock = "wall";
  std::int64_t stats_interval_ms = options.config.stats_interval.count();
  std::int64_t stats_timeout_ms = options.stats_timeout.count();
  std::int64_t future_tolerance_ms = options.config.ingest_guard.future_tolerance.count();
  std::int64_t stream_jump_ms = options.config.ingest_guard.stream_jump_tolerance.count();
  std::int64_t backwards_tolerance_ms = options.config.ingest_guard.backwards_tolerance.count();
  std::int64_t heartbeat_ms = options.config.heartbeat_interval.count();
  std::int64_t stale_tolerance_ms = options.config.ingest_guard.stale_tolerance.count();
  std::size_t max_sources = options.config.ingest_guard.max_sources;
  std::string units;
  std::int64_t snapshot_interval_s = options.config.snapshot_interval.count() / 1000;
  std::int64_t retention_days = options.journal_retention.count() / 86'400'000;
  std::int64_t overload_lag_ms = options.config.overload_lag.count();
  std::int64_t max_ingest_age_ms = options.config.max_ingest_age.count();
  std::int64_t test_delay_us = 0;
  std::string star;
  StarConfig star_config;
  std::int64_t peer_timeout_ms = star_config.peer_timeout.count();
  // One option per line reads as the table it is.
  // clang-format off
  described.add_options()
      ("help,h", "show this help")
      ("ingest", po::value(&options.config.ingest_endpoint)->default_value(options.config.ingest_endpoint),
       "SUB endpoint the gateways publish to (bind; port * picks a free one)")
      ("ingest-from", po::value(&options.config.ingest_connect),
       "connect the ingest to vigil-proxy's engine side (its --backend) instead of binding --ingest")
      ("ingest-key", po::value(&options.ingest_keys.key_file),
       "with --ingest-from: this engine's CurveZMQ secret key file as the proxy's client (its .pub in the "
       "proxy's stations/)")
      ("ingest-server-key", po::value(&options.ingest_keys.server_key_file),
       "with --ingest-from: the proxy's public key file")
      ("alerts", po::value(&options.config.alerts_endpoint)->default_value(options.config.alerts_endpoint),
       "PUB endpoint the stations subscribe to (bind)")
      ("control", po::value(&options.config.control_endpoint)->default_value(options.config.control_endpoint),
       "ROUTER endpoint for acknowledgements and snapshots (bind)")
      ("units", po::value(&units),
       "serve only these care units (pacu,icu): ingest subscribes to their topics only, snapshots and control "
       "inputs are theirs; default every unit the ingest brings")
      ("star", po::value(&star),
       "primary|backup: one of a Binary Star pair for the same units (docs/DEPLOYMENT.md); only the active one "
       "publishes and serves stations, the passive one computes the same in shadow and takes over when the "
       "other falls silent")
      ("peer-state-bind", po::value(&star_config.state_bind),
       "with --star: PUB endpoint announcing this engine's state to its peer (bind)")
      ("peer-state-connect", po::value(&star_config.state_connect),
       "with --star: the peer's --peer-state-bind endpoint")
      ("peer-control", po::value(&star_config.peer_control),
       "with --star: the peer's --control endpoint; the active engine hands it acknowledgements and nurse entries "
       "before answering the station")
      ("peer-key", po::value(&star_config.peer_key_name),
       "with --star and --keys: NAME of the peer engine's public key, DIR/peers/NAME.pub (a copy of its engine.pub); "
       "the peer link is then CurveZMQ (state PUB a CURVE server, state SUB and forwarding client CURVE clients "
       "with this engine's pair), and only that key may forward requests to this engine")
      ("peer-timeout-ms", po::value(&peer_timeout_ms)->default_value(peer_timeout_ms),
       "with --star: the peer is gone after this long without its state; the passive then takes over")
      ("protocol", po::value(&options.protocol_path)->default_value(options.protocol_path), "alarm protocol (JSON)")
      ("clock", po::value(&clock)->default_value(clock),
       "wall: live, the wall clock advances time; stream: time moves only with the data (replays)")
      ("check-protocol", po::value<std::string>(), "validate a protocol file, print its rules and exit")
      ("keys", po::value(&options.keys_directory),
       "CurveZMQ on every socket: DIR/engine.key (+ engine.pub), DIR/gateways/*.pub admitted on ingest, "
       "DIR/stations/*.pub admitted on alerts and control, with --star DIR/peers/NAME.pub (--peer-key) on the peer "
       "link; a key's file name is its identity (see vigil-keygen)")
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
      ("heartbeat-ms", po::value(&heartbeat_ms)->default_value(heartbeat_ms),
       "publish a heartbeat this often (stations detect a silent engine and lost messages by it)")
      ("stats-interval-ms", po::value(&stats_interval_ms)->default_value(stats_interval_ms),
       "publish the counters on topic 'stats' this often (0: never)")
      ("snapshot-interval-s", po::value(&snapshot_interval_s)->default_value(snapshot_interval_s),
       "write a core snapshot to the journal this often, so a restart replays only what came after (0: never)")
      ("journal-retention-days", po::value(&retention_days)->default_value(retention_days),
       "keep the alarm, acknowledgement, advice and pump logs this long (--history answers within it)")
      ("future-tolerance-ms", po::value(&future_tolerance_ms)->default_value(future_tolerance_ms),
       "wall clock mode: refuse frames stamped further ahead of the wall clock than this")
      ("stream-jump-ms", po::value(&stream_jump_ms)->default_value(stream_jump_ms),
       "stream clock mode: a frame further ahead of the data's time than this needs its source's next frame to confirm it")
      ("backwards-tolerance-ms", po::value(&backwards_tolerance_ms)->default_value(backwards_tolerance_ms),
       "refuse a frame older than its source's last one by more than this")
      ("stale-tolerance-ms", po::value(&stale_tolerance_ms)->default_value(stale_tolerance_ms),
       "refuse a frame further behind the engine's now (the wall clock; in stream mode the newest data time) than "
       "this, known device or not; also how long a source must be silent before it is forgotten (default 2 min: a "
       "monitor clock a few seconds off or a gateway's buffer after a reconnect, while the longest rule delay is 60 s)")
      ("max-sources", po::value(&max_sources)->default_value(max_sources),
       "devices remembered per gateway (per CURVE key; plain connections share one budget); new ones beyond it are "
       "refused, counted and raise a technical alarm")
      ("overload-lag-ms", po::value(&overload_lag_ms)->default_value(overload_lag_ms),
       "a frame that waited longer than this between its arrival and its processing raises ENGINE OVERLOADED at "
       "every unit, until the queue has run dry (default 2 s); 0: off, no intake thread (ZeroMQ's queue, unmeasured)")
      ("max-ingest-age-ms", po::value(&max_ingest_age_ms)->default_value(max_ingest_age_ms),
       "a frame that waited longer than this is not applied (counted: service.ingest_dropped_too_old); at least "
       "--overload-lag-ms")
      ("alerts-queue-messages", po::value(&options.config.alerts_queue_messages)
           ->default_value(options.config.alerts_queue_messages),
       "alert-stream messages queued per station; a station further behind loses the rest and resynchronises")
      ("test-delay-per-message-us", po::value(&test_delay_us)->default_value(test_delay_us),
       "tests only: each ingest message costs this much more, to make an engine slow deterministically")
      ("key", po::value(&options.stats_keys.key_file),
       "with --stats to an engine started with --keys: a station's secret key file (NAME.key, NAME.pub in its "
       "stations/)")
      ("server-key", po::value(&options.stats_keys.server_key_file),
       "with --stats: the engine's public key file (engine.pub)");
  // clang-format on
  po::variables_map values;
  po::store(po::parse_command_line(argc, argv, described), values);
  po::notify(values);
  if (values.count("help")) {
    options.help = true;
    return options;
  }
  if (clock != "wall" && clock != "stream") throw po::error("--clock must be wall or stream, not '" + clock + "'");
  options.config.clock_mode = clock == "wall" ? ClockMode::Wall : ClockMode::Stream;
  if (options.ingest_keys.configured() && options.config.ingest_connect.empty()) {
    throw po::error("--ingest-key and --ingest-server-key go with --ingest-from");
  }
  if (values.count("units")) {
    auto parsed = UnitSet::parse(units);
    if (!parsed.ok()) throw po::error(parsed.error);
    options.config.units = std::move(*parsed.value);
  }
  if (!star.empty() || values.count("peer-state-bind") || values.count("peer-state-connect") ||
      values.count("peer-control") || values.count("peer-key") || !values["peer-timeout-ms"].defaulted()) {
    options.config.star = parseStar(star, std::move(star_config), peer_timeout_ms, !options.keys_directory.empty());
  }
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
    const auto since = parseTimeArgument(text);
    if (!since)
      throw po::error("--since '" + text + "' is neither ISO 8601 (2026-11-21T10:00:00Z) nor ms since the epoch");
    options.history_since = *since;
  }
  if (values.count("stats")) options.stats_endpoint = values["stats"].as<std::string>();
  if (stats_interval_ms < 0 || stats_timeout_ms <= 0 || future_tolerance_ms < 0 || stream_jump_ms < 0 ||
      backwards_tolerance_ms < 0 || heartbeat_ms <= 0 || stale_tolerance_ms < 0 || max_sources == 0 ||
      snapshot_interval_s < 0 || retention_days <= 0) {
    throw po::error(
        "intervals, timeouts and tolerances cannot be negative; --heartbeat-ms, --max-sources and "
        "--journal-retention-days must be positive");
  }
  options.config.snapshot_interval = std::chrono::seconds(snapshot_interval_s);
  options.journal_retention = std::chrono::hours(24 * retention_days);
  if (options.config.alerts_queue_messages <= 0) throw po::error("--alerts-queue-messages must be positive");
  if (overload_lag_ms < 0 || max_ingest_age_ms < overload_lag_ms || test_delay_us < 0) {
    throw po::error(
        "--overload-lag-ms cannot be negative, --max-ingest-age-ms must be at least as long, and the "
        "test delay not negative");
  }
  options.config.overload_lag = std::chrono::milliseconds(overload_lag_ms);
  options.config.max_ingest_age = std::chrono::milliseconds(max_ingest_age_ms);
  options.config.test_delay_per_message = std::chrono::microseconds(test_delay_us);
  options.stats_timeout = std::chrono::milliseconds(stats_timeout_ms);
  options.config.stats_interval = std::chrono::milliseconds(stats_interval_ms);
  options.config.heartbeat_interval = std::chrono::milliseconds(heartbeat_ms);
  options.config.ingest_guard.stale_tolerance = core::Duration(stale_tolerance_ms);
  options.config.ingest_guard.max_sources = max_sources;
  options.config.ingest_guard.future_tolerance = core::Duration(future_tolerance_ms);
  options.config.ingest_guard.stream_jump_tolerance = core::Duration(stream_jump_ms);
  options.config.ingest_guard.backwards_tolerance = core::Duration(backwards_tolerance_ms);
  return options;
}

}  // namespace

ParsedEngineOptions parseEngineOptions(int argc, const char* const* argv) {
  po::options_description described("vigil-engine options");
  return streamer::parseWithHelp<ParsedEngineOptions>(described, [&] { return parseOrThrow(argc, argv, described); });
}

std::string bindRefusal(const EngineOptions& options) {
  const auto& c = options.config;
  const auto& ingest = c.ingest_connect.empty() ? c.ingest_endpoint : c.ingest_connect;
  std::vector<std::string> endpoints{ingest, c.alerts_endpoint, c.control_endpoint};
  if (c.star) endpoints.insert(endpoints.end(), {c.star->state_bind, c.star->state_connect, c.star->peer_control});
  return streamer::plainBindRefusal(!options.keys_directory.empty(), options.insecure, endpoints,
                                    "inject vitals or acknowledge alarms");
}

}  // namespace vigil::service
