#include "tools/vigil-proxy/proxy.h"

#include <cstring>
#include <iostream>
#include <iterator>
#include <map>

#include <zmq_addon.hpp>

#include "alarms/service/stats.h"
#include "streamer/zmq_io.h"

namespace vigil::tools::proxy {
namespace {

constexpr char kSteeringEndpoint[] = "inproc://vigil-proxy-steering";
constexpr char kStatistics[] = "STATISTICS";
constexpr char kTerminate[] = "TERMINATE";
// As the engine's ingest queue: a burst from many gateways is absorbed, not dropped
// unseen (an XPUB drops at its high-water mark; the engines' sequence checks would show it).
constexpr int kQueueMessages = 1'000'000;
// How often the serving loop looks at the stop flag when nothing arrives.
constexpr std::chrono::milliseconds kPollSlice{100};

void sendText(zmq::socket_t& socket, std::string_view text) {
  (void)socket.send(zmq::buffer(text.data(), text.size()), zmq::send_flags::none);
}

}  // namespace

std::optional<ProxyTraffic> parseTraffic(const std::vector<zmq::message_t>& frames) {
  if (frames.size() != 8) return std::nullopt;
  std::uint64_t values[8];
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].size() != sizeof(std::uint64_t)) return std::nullopt;
    std::memcpy(&values[i], frames[i].data(), sizeof(std::uint64_t));
  }
  return ProxyTraffic{values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7]};
}

Proxy::Proxy(zmq::context_t& context, ProxyConfig config)
    : config_(std::move(config)),
      frontend_(context, zmq::socket_type::xsub),
      backend_(context, zmq::socket_type::xpub),
      steering_proxy_side_(context, zmq::socket_type::pair),
      steering_(context, zmq::socket_type::pair),
      control_(context, zmq::socket_type::rep) {
  for (auto* socket : {&frontend_, &backend_, &control_}) socket->set(zmq::sockopt::linger, 0);
  frontend_.set(zmq::sockopt::rcvhwm, kQueueMessages);
  backend_.set(zmq::sockopt::sndhwm, kQueueMessages);
  if (config_.keys) {
    zap_ = std::make_unique<service::ZapHandler>(context, config_.keys->admitted, std::clog);
    streamer::applyCurveServer(frontend_, config_.keys->secret_key, service::kIngestZapDomain);
    streamer::applyCurveServer(backend_, config_.keys->secret_key, service::kAlertsZapDomain);
    streamer::applyCurveServer(control_, config_.keys->secret_key, service::kControlZapDomain);
  }
  endpoints_.frontend = streamer::bindResolved(frontend_, config_.frontend);
  endpoints_.backend = streamer::bindResolved(backend_, config_.backend);
  endpoints_.control = streamer::bindResolved(control_, config_.control);
  if (!config_.capture.empty()) {
    // Plain: a recorder runs next to the proxy; with keys it is a station-domain server.
    capture_.emplace(context, zmq::socket_type::pub);
    capture_->set(zmq::sockopt::linger, 0);
    if (config_.keys) streamer::applyCurveServer(*capture_, config_.keys->secret_key, service::kAlertsZapDomain);
    endpoints_.capture = streamer::bindResolved(*capture_, config_.capture);
  }
  steering_proxy_side_.bind(kSteeringEndpoint);
  steering_.connect(kSteeringEndpoint);
}

Proxy::~Proxy() {
  if (thread_.joinable()) terminate();
}

void Proxy::run(const std::atomic<bool>& stop) {
  thread_ = std::thread([this] {
    void* capture = capture_ ? capture_->handle() : nullptr;
    // Returns 0 on TERMINATE; -1 only when the context goes, which happens after the join.
    (void)zmq_proxy_steerable(frontend_.handle(), backend_.handle(), capture, steering_proxy_side_.handle());
  });
  auto next_line = std::chrono::steady_clock::now() + config_.stats_interval;
  while (!stop) {
    std::vector<zmq::pollitem_t> items{{control_.handle(), 0, ZMQ_POLLIN, 0}};
    if (zap_) items.push_back({zap_->handle().handle(), 0, ZMQ_POLLIN, 0});
    try {
      zmq::poll(items, kPollSlice);
    } catch (const zmq::error_t& error) {
      if (error.num() == EINTR) continue;  // a signal: the loop's condition decides
      throw;
    }
    if (items[0].revents & ZMQ_POLLIN) answerControl();
    if (zap_ && (items[1].revents & ZMQ_POLLIN)) zap_->handleOne();
    if (config_.stats_interval.count() > 0 && std::chrono::steady_clock::now() >= next_line) {
      printStatsLine();
      next_line += config_.stats_interval;
    }
  }
  terminate();
}

void Proxy::terminate() {
  sendText(steering_, kTerminate);
  thread_.join();
}

std::optional<ProxyTraffic> Proxy::traffic() {
  if (!thread_.joinable()) return ProxyTraffic{};  // not started: nothing crossed
  sendText(steering_, kStatistics);
  // The proxy thread answers between two messages it forwards: wait for it (blocking).
  std::vector<zmq::message_t> frames;
  if (!zmq::recv_multipart(steering_, std::back_inserter(frames))) return std::nullopt;
  return parseTraffic(frames);
}

vigil::v1::Stats Proxy::stats() {
  service::StatsBuilder builder(0, core::fromMillis(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                        std::chrono::system_clock::now().time_since_epoch())
                                                        .count()));
  const auto visit = builder.visitor();
  if (const auto counts = traffic()) core::visitPrefixed(*counts, "traffic.", visit);
  core::visitPrefixed(counters_, "proxy.", visit);
  if (zap_) core::visitPrefixed(zap_->counters(), "zap.", visit);
  return builder.take();
}

// `vigil-proxy --stats EP` sends "STATISTICS" and gets the Stats message back.
void Proxy::answerControl() {
  const auto frames = streamer::receiveMultipart(control_);
  if (frames.size() == 1 && frames[0].to_string_view() == kStatistics) {
    ++counters_.stats_requests;
    sendText(control_, stats().SerializeAsString());
    return;
  }
  ++counters_.control_malformed;
  sendText(control_, std::string());  // REP must answer; an empty reply says "not understood"
}

// One line for the log, every --stats-interval-ms: name=value ..., as the engine's table.
void Proxy::printStatsLine() {
  ++counters_.stats_lines;
  const auto current = stats();
  std::clog << "vigil-proxy: stats";
  for (const auto& [name, value] :
       std::map<std::string, std::uint64_t>(current.counters().begin(), current.counters().end())) {
    std::clog << ' ' << name << '=' << value;
  }
  std::clog << std::endl;
}

}  // namespace vigil::tools::proxy
