// vigil-proxy: ZeroMQ's XSUB/XPUB proxy between gateways and engines (issue 16).
#include <iostream>

#include "alarms/service/stats.h"
#include "streamer/stop_signal.h"
#include "streamer/zmq_io.h"
#include "tools/vigil-proxy/proxy.h"
#include "tools/vigil-proxy/proxy_options.h"

using namespace vigil;

namespace {

constexpr int kExitConfigError = 2;
constexpr int kExitNoAnswer = 1;

// `vigil-proxy --stats EP`: one STATISTICS request to a running proxy's control socket.
int printStats(const tools::proxy::ProxyOptions& options, const streamer::ClientSecurity& keys) {
  zmq::context_t context;
  zmq::socket_t request(context, zmq::socket_type::req);
  request.set(zmq::sockopt::linger, 0);
  keys.apply(request);
  request.connect(*options.stats_endpoint);
  (void)request.send(zmq::str_buffer("STATISTICS"), zmq::send_flags::none);
  zmq::pollitem_t item{request.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, options.stats_timeout);
  vigil::v1::Stats stats;
  zmq::message_t reply;
  if (!(item.revents & ZMQ_POLLIN) || !request.recv(reply) || reply.size() == 0 ||
      !stats.ParseFromArray(reply.data(), static_cast<int>(reply.size()))) {
    std::cerr << "vigil-proxy: no stats from " << *options.stats_endpoint << " within " << options.stats_timeout.count()
              << " ms\n";
    return kExitNoAnswer;
  }
  std::cout << service::formatStatsTable(stats) << std::flush;
  return 0;
}

int run(tools::proxy::ProxyOptions& options) {
  if (!options.keys_directory.empty()) {
    auto keys = service::loadEngineKeys(options.keys_directory);
    if (!keys.ok()) {
      std::cerr << "vigil-proxy: --keys " << options.keys_directory << ": " << keys.error << "\n";
      return kExitConfigError;
    }
    options.config.keys = std::move(keys.value);
  }
  if (options.insecure) std::cerr << "vigil-proxy: WARNING: --insecure: NO AUTHENTICATION, NO ENCRYPTION." << std::endl;
  zmq::context_t context;
  tools::proxy::Proxy proxy(context, options.config);
  const auto& bound = proxy.endpoints();
  // One stdout line that scripts and tests read for the ports actually bound.
  std::cout << "vigil-proxy listening frontend=" << bound.frontend << " backend=" << bound.backend
            << " control=" << bound.control << " capture=" << (bound.capture.empty() ? "-" : bound.capture)
            << std::endl;
  proxy.run(streamer::installStopSignals());
  std::clog << "vigil-proxy: stopped.\n" << service::formatStatsTable(proxy.stats()) << std::flush;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = tools::proxy::parseProxyOptions(argc, argv);
  if (!parsed.value) {
    std::cerr << "vigil-proxy: " << parsed.error << " (see --help)\n";
    return kExitConfigError;
  }
  auto& options = *parsed.value;
  if (options.help) {
    std::cout << parsed.help;
    return 0;
  }
  try {
    if (options.stats_endpoint) {
      const auto keys = streamer::loadClientSecurity(options.stats_keys);
      if (!keys.ok()) {
        std::cerr << "vigil-proxy: " << keys.error << "\n";
        return kExitConfigError;
      }
      return printStats(options, *keys.value);
    }
    if (const auto refusal = tools::proxy::proxyBindRefusal(options); !refusal.empty()) {
      std::cerr << "vigil-proxy: " << refusal << "\n";
      return kExitConfigError;
    }
    return run(options);
  } catch (const zmq::error_t& error) {
    std::cerr << "vigil-proxy: " << error.what() << "\n";
    return kExitConfigError;
  }
}
