// vigil-gateway: publishes a simulated ward of ketamine patients the way a real device
// gateway would (DESIGN.md sections 1 and 5). Thin: the flags, one Asio loop, the
// publisher. Everything the patients do is in streamer/simulator.
#include <charconv>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it
#include <vector>

#include <boost/asio.hpp>
#include <boost/program_options.hpp>

#include "streamer/codec.h"
#include "streamer/security.h"
#include "streamer/simulator/ward.h"
#include "streamer/topics.h"
#include "streamer/zmq_io.h"

namespace asio = boost::asio;
namespace po = boost::program_options;
namespace sim = vigil::streamer::sim;
namespace core = vigil::core;
using namespace std::chrono_literals;

namespace {

// Usage errors, as distinct from 1 for a failure while running.
constexpr int kExitUsage = 2;
// How often the ward is advanced to the sim time the wall clock has reached (engine
// choice: often enough that 1x looks live, rarely enough to cost nothing).
constexpr auto kTick = 50ms;
// How long to wait for a subscriber before streaming anyway: the ZeroMQ slow joiner would
// otherwise lose the first frames, and with them the patients' baselines.
constexpr auto kSubscriberWait = 5s;
// Send queue depth (engine choice): a 60-bed ward sends about 66 messages per sim second,
// so this holds 150 s of it at 1x, or one 50 ms tick at 3000x.
constexpr int kSendQueueMessages = 10'000;
// How long a finished session may wait for its last messages to leave (engine choice).
constexpr std::chrono::milliseconds kFinalFlush = 500ms;
// Above this a "ward" is a load test, which is vigil-bench's job (engine choice).
constexpr int kMaxPatients = 1000;

struct Arguments {
  int patients = 0;
  std::string endpoint = "tcp://127.0.0.1:7401";
  bool connect = true;
  std::optional<std::string> bind;  // a second publisher for recorders (vigil-record)
  std::string unit = "pacu";
  std::vector<sim::ScenarioKind> scenarios;
  double speed = 1.0;
  std::uint64_t seed = 1;
  double session_minutes = 240.0;
  double observation_minutes = 60.0;
  int nibp_interval_s = 300;
  std::optional<std::int64_t> start_ms;
  vigil::streamer::ClientSecurity security;
};

std::string knownScenarios() {
  std::string names;
  for (const auto kind : sim::allScenarios()) {
    if (!names.empty()) names += ",";
    names += sim::scenarioName(kind);
  }
  return names;
}

po::options_description describeOptions() {
  po::options_description options(
      "Usage: vigil-gateway --simulate N [--connect EP] [--bind EP] [options]\n"
      "Publishes N simulated ketamine patients (vitals/<unit>/<bed>, infusion/<unit>/<bed>).\n"
      "Prints one line per patient on stdout at start: \"bed-01 desaturation weight=72kg\".\n"
      "An engine started with --keys needs --key NAME.key (NAME.pub in its gateways/) and --server-key engine.pub.\n"
      "Options");
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
      ("key", po::value<std::string>(), vigil::streamer::kKeyOptionHelp)
      ("server-key", po::value<std::string>(), vigil::streamer::kServerKeyOptionHelp);
  return options;
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

Arguments readArguments(const po::variables_map& values) {
  Arguments arguments;
  if (!values.count("simulate")) throw po::error("missing --simulate N (the only source so far is the simulator)");
  arguments.patients = values["simulate"].as<int>();
  if (arguments.patients < 1 || arguments.patients > kMaxPatients) {
    throw po::error("--simulate must be between 1 and " + std::to_string(kMaxPatients));
  }
  if (values.count("connect")) arguments.endpoint = values["connect"].as<std::string>();
  if (values.count("bind")) arguments.bind = values["bind"].as<std::string>();
  arguments.connect = values.count("connect") || !arguments.bind;
  if (values.count("unit")) arguments.unit = values["unit"].as<std::string>();
  if (arguments.unit.empty() || arguments.unit.find('/') != std::string::npos) {
    throw po::error("--unit must be non-empty and without '/'");
  }
  if (values.count("scenarios")) {
    const auto list = sim::parseScenarioList(values["scenarios"].as<std::string>());
    if (!list.ok()) {
      throw po::error("--scenarios: unknown scenario '" + list.error + "' (known: " + knownScenarios() + ")");
    }
    arguments.scenarios = *list.value;
  }
  arguments.speed = positiveNumber(values, "speed", arguments.speed, false);
  if (values.count("seed")) arguments.seed = parseSeed(values["seed"].as<std::string>());
  arguments.session_minutes = positiveNumber(values, "session-min", arguments.session_minutes, false);
  arguments.observation_minutes = positiveNumber(values, "observation-min", arguments.observation_minutes, true);
  if (values.count("nibp-interval-s")) {
    arguments.nibp_interval_s = values["nibp-interval-s"].as<int>();
    if (arguments.nibp_interval_s < 1) throw po::error("--nibp-interval-s must be at least 1");
  }
  if (values.count("start-ms")) arguments.start_ms = values["start-ms"].as<std::int64_t>();
  vigil::streamer::ClientKeyOptions keys;
  if (values.count("key")) keys.key_file = values["key"].as<std::string>();
  if (values.count("server-key")) keys.server_key_file = values["server-key"].as<std::string>();
  auto security = vigil::streamer::loadClientSecurity(keys);
  if (!security.ok()) throw po::error(security.error);
  arguments.security = std::move(*security.value);
  return arguments;
}

std::chrono::seconds wholeSeconds(double minutes) { return std::chrono::seconds{std::llround(minutes * 60.0)}; }

sim::WardConfig wardConfigFor(const Arguments& arguments, core::TimePoint start) {
  sim::WardConfig config;
  config.patients = arguments.patients;
  config.unit = arguments.unit;
  config.seed = arguments.seed;
  config.start = start;
  config.scenarios = arguments.scenarios;
  config.infusion = wholeSeconds(arguments.session_minutes);
  config.observation = wholeSeconds(arguments.observation_minutes);
  config.nibp_interval = std::chrono::seconds{arguments.nibp_interval_s};
  return config;
}

// Once, before anything streams, so a test or a nurse knows who is who.
void printPatients(const std::vector<sim::PatientPlan>& plans) {
  for (const auto& plan : plans) {
    std::cout << plan.patient_id << ' ' << sim::scenarioName(plan.scenario) << " weight=" << std::llround(plan.weight_kg)
              << "kg\n";
  }
  std::cout.flush();
}

core::TimePoint wallNow() {
  return std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now());
}

// The topics of one patient, made once rather than per message.
struct PatientTopics {
  std::string vitals;
  std::string infusion;
};

// Advances the ward with the wall clock and publishes what it produces.
class GatewayLoop {
 public:
  GatewayLoop(asio::io_context& io, asio::signal_set& signals, sim::Ward& ward,
              std::vector<vigil::streamer::Publisher*> publishers, double speed)
      : io_(io), timer_(io), signals_(signals), ward_(ward), publishers_(std::move(publishers)), speed_(speed) {
    for (const auto& plan : ward_.plans()) {
      topics_.emplace(plan.patient_id,
                      PatientTopics{vigil::streamer::makeTopic(vigil::streamer::TopicKind::Vitals, plan.unit, plan.patient_id),
                                    vigil::streamer::makeTopic(vigil::streamer::TopicKind::Infusion, plan.unit, plan.patient_id)});
    }
  }

  void start() {
    signals_.async_wait([this](const boost::system::error_code& error, int signal) {
      if (error) return;
      std::cerr << "vigil-gateway: signal " << signal << ", stopping\n";
      stop();
    });
    wall_start_ = std::chrono::steady_clock::now();
    next_tick_ = wall_start_;
    onTick();
  }

  std::uint64_t published() const { return published_; }
  std::uint64_t refused() const { return refused_; }
  bool sessionOver() const { return ward_.finished(); }

 private:
  void scheduleTick() {
    next_tick_ += kTick;
    timer_.expires_at(next_tick_);
    timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error) onTick();
    });
  }

  void onTick() {
    pending_.clear();
    ward_.advanceTo(simNow(), pending_);
    for (const auto& output : pending_) publish(output);
    if (ward_.finished()) {
      stop();
      return;
    }
    scheduleTick();
  }

  core::TimePoint simNow() const {
    const std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - wall_start_;
    return ward_.config().start + core::Duration{static_cast<std::int64_t>(elapsed.count() * speed_)};
  }

  void publish(const sim::Output& output) {
    const bool queued = std::visit(
        [this](const auto& message) {
          const PatientTopics& topics = topics_.at(message.patient_id);
          using Message = std::decay_t<decltype(message)>;
          const std::string& topic = std::is_same_v<Message, core::VitalsFrame> ? topics.vitals : topics.infusion;
          const std::string payload = vigil::streamer::toProto(message).SerializeAsString();
          bool all = true;
          for (auto* publisher : publishers_) all = publisher->publishRaw(topic, payload) && all;
          return all;
        },
        output);
    ++(queued ? published_ : refused_);
  }

  void stop() {
    timer_.cancel();
    signals_.cancel();
    io_.stop();
  }

  asio::io_context& io_;
  asio::steady_timer timer_;
  asio::signal_set& signals_;
  sim::Ward& ward_;
  std::vector<vigil::streamer::Publisher*> publishers_;  // the engine's, and the recorders' with --bind
  double speed_;
  std::unordered_map<std::string, PatientTopics> topics_;
  std::vector<sim::Output> pending_;  // reused every tick
  std::chrono::steady_clock::time_point wall_start_;
  std::chrono::steady_clock::time_point next_tick_;
  std::uint64_t published_ = 0;
  std::uint64_t refused_ = 0;
};

int usageError(const std::string& message) {
  std::cerr << "vigil-gateway: " << message << "\n(see vigil-gateway --help)\n";
  return kExitUsage;
}

// A sped-up session sends a tick's worth of messages at once. A deeper queue absorbs
// that, and "no drop" turns a full queue into a refused publish (counted) instead of a
// silent loss, which is what PUB semantics would give. Options apply to later connects.
void configureForBursts(vigil::streamer::Publisher& publisher) {
  publisher.handle().set(zmq::sockopt::sndhwm, kSendQueueMessages);
  publisher.handle().set(zmq::sockopt::xpub_nodrop, true);
}

// Says on stderr whether a subscriber came; false when a signal interrupted the wait.
bool waitForSubscriber(vigil::streamer::Publisher& publisher, const std::string& endpoint) {
  try {
    const bool subscribed = publisher.awaitSubscriber(kSubscriberWait);
    std::cerr << (subscribed ? "vigil-gateway: subscriber connected at " : "vigil-gateway: no subscriber after 5 s at ")
              << endpoint << (subscribed ? ", streaming\n" : ", streaming anyway\n");
    return true;
  } catch (const zmq::error_t& error) {
    if (error.num() != EINTR) throw;
    std::cerr << "vigil-gateway: stopped while waiting for a subscriber, published 0 messages, refused 0\n";
    return false;
  }
}

int run(const Arguments& arguments) {
  // Plans do not depend on the start time: print them before waiting for a subscriber.
  printPatients(sim::planWard(wardConfigFor(arguments, core::TimePoint{})));

  zmq::context_t context;
  // Two sockets rather than one that connects and binds: each waits for its own
  // subscriber, so a recorder does not miss the start because the engine came first.
  vigil::streamer::Publisher publisher(context);
  vigil::streamer::Publisher recorders(context);
  std::vector<std::pair<vigil::streamer::Publisher*, std::string>> outputs;
  try {
    if (arguments.connect) {
      configureForBursts(publisher);
      // The keys secure the connection to the engine; --bind is for recorders on this host.
      arguments.security.apply(publisher.handle());
      publisher.connect(arguments.endpoint);
      outputs.emplace_back(&publisher, arguments.endpoint);
    }
    if (arguments.bind) {
      configureForBursts(recorders);
      const auto bound = recorders.bind(*arguments.bind);
      std::cout << "vigil-gateway bound " << bound << std::endl;
      outputs.emplace_back(&recorders, bound);
    }
  } catch (const zmq::error_t& error) {
    return usageError((arguments.connect ? "--connect " + arguments.endpoint : std::string()) +
                      (arguments.bind ? " --bind " + *arguments.bind : std::string()) + ": " + error.what());
  }

  asio::io_context io;
  // Installed before the wait, so that a signal during it ends the process cleanly
  // instead of by the default action.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::vector<vigil::streamer::Publisher*> publishers;
  for (auto& [output, endpoint] : outputs) {
    if (!waitForSubscriber(*output, endpoint)) return 0;
    publishers.push_back(output);
  }

  const core::TimePoint start = arguments.start_ms ? core::fromMillis(*arguments.start_ms) : wallNow();
  sim::Ward ward(wardConfigFor(arguments, start));
  GatewayLoop loop(io, signals, ward, publishers, arguments.speed);
  loop.start();
  io.run();
  if (loop.sessionOver()) {
    // The last messages (the pump's final STOPPED status) are still in the queue: give them
    // a bounded moment to leave. After a signal nobody waits for them.
    for (auto* output : publishers) output->handle().set(zmq::sockopt::linger, static_cast<int>(kFinalFlush.count()));
  }

  std::cerr << "vigil-gateway: " << (loop.sessionOver() ? "session over" : "stopped") << ", published "
            << loop.published() << " messages, refused " << loop.refused() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const po::options_description options = describeOptions();
  Arguments arguments;
  try {
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, options), values);
    po::notify(values);
    if (values.count("help")) {
      std::cout << options << "\n";
      return 0;
    }
    arguments = readArguments(values);
  } catch (const po::error& error) {
    return usageError(error.what());
  }
  try {
    return run(arguments);
  } catch (const std::exception& error) {
    std::cerr << "vigil-gateway: " << error.what() << "\n";
    return 1;
  }
}
