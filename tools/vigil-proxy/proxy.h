// vigil-proxy (issue 16): libzmq's own steerable XSUB/XPUB proxy between the gateways and
// the engines of a site. Gateways publish to its frontend; each engine subscribes to its
// units' prefixes at the backend (vigil-engine --ingest-from), and the XPUB passes those
// subscriptions upstream, so a gateway's frames for one unit travel only to the engines
// of that unit. CurveZMQ on both sides with the engine's key layout and ZAP handler
// (alarms/service/zap.h): DIR/engine.key is the proxy's own pair (clients name its .pub
// with --server-key), DIR/gateways/*.pub are admitted on the frontend, DIR/stations/*.pub
// (the engines, and stations if alerts go through a proxy too) on the backend.
//
// The proxy itself runs on a thread of its own in zmq_proxy_steerable(); this class keeps
// the steering socket (PAIR): STATISTICS for the counters, TERMINATE for a clean stop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "alarms/service/zap.h"
#include "alerts.pb.h"

namespace vigil::tools::proxy {

struct ProxyConfig {
  std::string frontend = "tcp://127.0.0.1:7410";  // XSUB, bound: gateways connect here
  std::string backend = "tcp://127.0.0.1:7411";   // XPUB, bound: engines (or stations) connect here
  std::string capture;                            // PUB, bound: a copy of everything, for vigil-record
  std::string control = "tcp://127.0.0.1:7412";   // REP, bound: --stats asks here
  std::optional<service::EngineKeys> keys;
  std::chrono::milliseconds stats_interval{5000};  // the periodic stats line; 0: never
};

struct BoundProxyEndpoints {
  std::string frontend;
  std::string backend;
  std::string capture;
  std::string control;
};

// libzmq's eight proxy statistics (zmq_proxy_steerable(3)): messages and bytes each socket
// received and sent. libzmq counts a whole multipart message once: one [topic][payload]
// frame is one message (its bytes are both parts').
struct ProxyTraffic {
  std::uint64_t frontend_messages_in = 0;
  std::uint64_t frontend_bytes_in = 0;
  std::uint64_t frontend_messages_out = 0;
  std::uint64_t frontend_bytes_out = 0;
  std::uint64_t backend_messages_in = 0;
  std::uint64_t backend_bytes_in = 0;
  std::uint64_t backend_messages_out = 0;
  std::uint64_t backend_bytes_out = 0;

  template <typename Visit>
  void visitFields(Visit&& visit) const {
    visit("frontend_messages_in", frontend_messages_in);
    visit("frontend_bytes_in", frontend_bytes_in);
    visit("frontend_messages_out", frontend_messages_out);
    visit("frontend_bytes_out", frontend_bytes_out);
    visit("backend_messages_in", backend_messages_in);
    visit("backend_bytes_in", backend_bytes_in);
    visit("backend_messages_out", backend_messages_out);
    visit("backend_bytes_out", backend_bytes_out);
  }
};

// The proxy's own counters next to libzmq's.
struct ProxyCounters {
  std::uint64_t stats_requests = 0;
  std::uint64_t control_malformed = 0;  // a control request other than STATISTICS
  std::uint64_t stats_lines = 0;

  template <typename Visit>
  void visitFields(Visit&& visit) const {
    visit("stats_requests", stats_requests);
    visit("control_malformed", control_malformed);
    visit("stats_lines", stats_lines);
  }
};

// The eight uint64 frames of a STATISTICS reply; nullopt unless exactly eight of 8 bytes.
std::optional<ProxyTraffic> parseTraffic(const std::vector<zmq::message_t>& frames);

class Proxy {
 public:
  // Binds every socket (throws zmq::error_t when one cannot be bound).
  Proxy(zmq::context_t& context, ProxyConfig config);
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  const BoundProxyEndpoints& endpoints() const { return endpoints_; }
  // Starts the proxy thread, then serves ZAP, --stats and the stats line until `stop`;
  // steers the proxy to TERMINATE and joins it before returning.
  void run(const std::atomic<bool>& stop);
  // Every counter by name: traffic.*, proxy.*, zap.* (with keys).
  vigil::v1::Stats stats();

 private:
  std::optional<ProxyTraffic> traffic();
  void answerControl();
  void printStatsLine();
  void terminate();

  ProxyConfig config_;
  std::unique_ptr<service::ZapHandler> zap_;  // before the sockets it authenticates
  zmq::socket_t frontend_;
  zmq::socket_t backend_;
  std::optional<zmq::socket_t> capture_;
  zmq::socket_t steering_proxy_side_;
  zmq::socket_t steering_;
  zmq::socket_t control_;
  BoundProxyEndpoints endpoints_;
  ProxyCounters counters_;
  std::thread thread_;
};

}  // namespace vigil::tools::proxy
