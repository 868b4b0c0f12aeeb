// vigil-gateway: publishes a simulated ward of ketamine patients the way a real device
// gateway would (DESIGN.md sections 1 and 5). Thin: the flags (gateway_options.h), the
// publishers, one Asio loop (gateway_loop.h) over a Source (streamer/source).
#include <cerrno>
#include <cmath>
#include <csignal>
#include <exception>
#include <iostream>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it
#include <vector>

#include <boost/asio.hpp>

#include "streamer/gateway/gateway_loop.h"
#include "streamer/gateway/gateway_options.h"
#include "streamer/security.h"
#include "streamer/simulator/scenarios.h"
#include "streamer/zmq_io.h"

namespace asio = boost::asio;
namespace sim = vigil::streamer::sim;
namespace core = vigil::core;
namespace gateway = vigil::streamer::gateway;
using namespace std::chrono_literals;

namespace {

// Usage errors, as distinct from 1 for a failure while running.
constexpr int kExitUsage = 2;
// How long to wait for a subscriber before streaming anyway: the ZeroMQ slow joiner would
// otherwise lose the first frames, and with them the patients' baselines.
constexpr auto kSubscriberWait = 5s;
// Send queue depth (engine choice): a 60-bed ward sends about 66 messages per sim second,
// so this holds 150 s of it at 1x, or one 50 ms tick at 3000x.
constexpr int kSendQueueMessages = 10'000;
// How long a finished session may wait for its last messages to leave (engine choice).
constexpr std::chrono::milliseconds kFinalFlush = 500ms;

// Once, before anything streams, so a test or a nurse knows who is who.
void printPatients(const std::vector<sim::PatientPlan>& plans) {
  for (const auto& plan : plans) {
    std::cout << plan.patient_id << ' ' << sim::scenarioName(plan.scenario)
              << " weight=" << std::llround(plan.weight_kg) << "kg\n";
  }
  std::cout.flush();
}

core::TimePoint wallNow() { return std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now()); }

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

int run(const gateway::GatewayOptions& options, const vigil::streamer::ClientSecurity& security) {
  // Plans do not depend on the start time: print them before waiting for a subscriber.
  printPatients(sim::planWard(gateway::wardConfigFor(options, core::TimePoint{})));

  zmq::context_t context;
  // Two sockets rather than one that connects and binds: each waits for its own
  // subscriber, so a recorder does not miss the start because the engine came first.
  vigil::streamer::Publisher publisher(context);
  vigil::streamer::Publisher recorders(context);
  std::vector<std::pair<vigil::streamer::Publisher*, std::string>> outputs;
  try {
    if (options.connect) {
      configureForBursts(publisher);
      // The keys secure the connection to the engine; --bind is for recorders on this host.
      security.apply(publisher.handle());
      publisher.connect(options.endpoint);
      outputs.emplace_back(&publisher, options.endpoint);
    }
    if (options.bind) {
      configureForBursts(recorders);
      const auto bound = recorders.bind(*options.bind);
      std::cout << "vigil-gateway bound " << bound << std::endl;
      outputs.emplace_back(&recorders, bound);
    }
  } catch (const zmq::error_t& error) {
    return usageError((options.connect ? "--connect " + options.endpoint : std::string()) +
                      (options.bind ? " --bind " + *options.bind : std::string()) + ": " + error.what());
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

  const core::TimePoint start = options.start_ms ? core::fromMillis(*options.start_ms) : wallNow();
  vigil::streamer::source::SimulatorSource ward(gateway::wardConfigFor(options, start));
  gateway::GatewayPump pump(ward, options.speed, [&publishers](const std::string& topic, const std::string& payload) {
    bool all = true;
    for (auto* output : publishers) all = output->publishRaw(topic, payload) && all;
    return all;
  });
  const gateway::SystemSteadyClock clock;
  gateway::GatewayLoop loop(io, signals, pump, clock, std::cerr);
  loop.start();
  io.run();
  if (loop.sessionOver()) {
    // The last messages (the pump's final STOPPED status) are still in the queue: give them
    // a bounded moment to leave. After a signal nobody waits for them.
    for (auto* output : publishers) output->handle().set(zmq::sockopt::linger, static_cast<int>(kFinalFlush.count()));
  }

  std::cerr << "vigil-gateway: " << (loop.sessionOver() ? "session over" : "stopped") << ", published "
            << pump.published() << " messages, refused " << pump.refused() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto parsed = gateway::parseGatewayOptions(argc, argv);
  if (!parsed.ok()) return usageError(parsed.error);
  if (parsed.value->help) {
    std::cout << parsed.help << "\n";
    return 0;
  }
  auto security = vigil::streamer::loadClientSecurity(parsed.value->keys);
  if (!security.ok()) return usageError(security.error);
  try {
    return run(*parsed.value, *security.value);
  } catch (const std::exception& error) {
    std::cerr << "vigil-gateway: " << error.what() << "\n";
    return 1;
  }
}
