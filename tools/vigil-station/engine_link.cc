#include "tools/vigil-station/engine_link.h"

#include <algorithm>

#include <boost/asio/post.hpp>

namespace vigil::station {
namespace v1 = vigil::v1;
using namespace std::chrono_literals;
using streamer::station::StationClient;

namespace {

// The feed thread wakes at least this often, to notice a stop and report the link.
constexpr auto kFeedTick = 100ms;
constexpr auto kReportEvery = 250ms;
// A burst is taken in slices, so link reports and snapshots are not starved.
constexpr int kMessagesPerPump = 2000;

std::chrono::milliseconds millisSince(SteadyTime start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

}  // namespace

std::int64_t wallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

EngineLink::EngineLink(boost::asio::io_context& io, streamer::station::StationOptions options,
                       EngineLinkHandlers handlers)
    : io_(io), options_(std::move(options)), handlers_(std::move(handlers)), context_(1) {
  feed_ = std::thread([this] { runFeed(); });
  control_ = std::thread([this] { runControl(); });
}

EngineLink::~EngineLink() {
  stopping_ = true;
  wake_.notify_all();
  if (feed_.joinable()) feed_.join();
  if (control_.joinable()) control_.join();
}

void EngineLink::runFeed() {
  StationClient client(context_, options_, std::chrono::steady_clock::now());
  while (!stopping_) {
    auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(kFeedTick);
    if (const auto deadline = client.nextDeadline()) {
      const auto until =
          std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      timeout = std::clamp(until, 0ms, timeout);
    }
    zmq::pollitem_t item{client.alertsSocket().handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, timeout);
    } catch (const zmq::error_t& error) {
      if (error.num() != EINTR) throw;
    }
    pumpOnce(client);
  }
}

void EngineLink::pumpOnce(StationClient& client) {
  const auto now = std::chrono::steady_clock::now();
  auto result = client.pump(now, kMessagesPerPump);
  const auto received_ms = wallMillis();
  const auto& state = client.state();
  if (result.snapshot) snapshot_error_ = result.snapshot->ok ? "" : result.snapshot->error;
  if (result.snapshot && result.snapshot->ok) {
    // The snapshot was applied after this pump's deliveries: the picture covers them.
    boost::asio::post(io_, [this, picture = pictureFrom(state)]() mutable { handlers_.picture(std::move(picture)); });
  } else {
    std::vector<WardUpdate> updates;
    for (const auto& delivery : result.deliveries) {
      if (auto update = updateFrom(delivery, state)) updates.push_back(std::move(*update));
    }
    if (!updates.empty()) {
      boost::asio::post(io_, [this, updates = std::move(updates), received_ms]() mutable {
        handlers_.updates(std::move(updates), received_ms);
      });
    }
  }
  const bool heartbeat = std::any_of(result.deliveries.begin(), result.deliveries.end(),
                                     [](const auto& delivery) { return delivery.heartbeat(); });
  if (!heartbeat && now - last_report_ < kReportEvery) return;
  last_report_ = now;
  FeedReport report;
  const auto link = state.link(now);
  if (link.ever_heard) report.last_heartbeat = now - link.quiet_for;
  if (const auto engine_time = state.engineTime()) report.engine_time_ms = core::toMillis(*engine_time);
  report.resyncs = state.counters().resyncs;
  report.gaps = state.counters().gaps;
  report.faults = state.counters().faults();
  report.snapshot_error = snapshot_error_;
  boost::asio::post(io_, [this, report = std::move(report)]() mutable { handlers_.report(std::move(report)); });
}

void EngineLink::request(v1::ControlRequest request, std::function<void(ControlOutcome)> done) {
  {
    std::lock_guard lock(mutex_);
    if (waiting_.size() < kMaxWaitingRequests) {
      waiting_.push_back({std::move(request), std::move(done), std::chrono::steady_clock::now()});
      wake_.notify_one();
      return;
    }
  }
  ControlOutcome refused;
  refused.error = "not sent: " + std::to_string(kMaxWaitingRequests) + " requests already wait for the engine";
  boost::asio::post(io_, [done = std::move(done), refused]() { done(refused); });
}

void EngineLink::runControl() {
  streamer::ControlClient client(context_, options_.control_endpoint, options_.security);
  while (true) {
    Waiting waiting;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (stopping_) return;
      waiting = std::move(waiting_.front());
      waiting_.pop_front();
    }
    auto outcome = send(client, waiting);
    boost::asio::post(io_, [done = std::move(waiting.done), outcome = std::move(outcome)]() { done(outcome); });
  }
}

// A request that already waited a whole timeout behind unanswered ones is not sent: the
// nurse was told nothing for that long and must see it failed, not have it act later.
ControlOutcome EngineLink::send(streamer::ControlClient& client, Waiting& waiting) {
  ControlOutcome outcome;
  if (millisSince(waiting.queued_at) >= options_.request_timeout) {
    outcome.error = "not sent: waited " + std::to_string(millisSince(waiting.queued_at).count()) +
                    " ms behind requests the engine did not answer";
  } else {
    try {
      outcome.reply = client.request(std::move(waiting.request), options_.request_timeout);
    } catch (const zmq::error_t& error) {
      outcome.error = std::string("control socket error: ") + error.what();
    }
    if (!outcome.reply && outcome.error.empty()) {
      outcome.error = "no answer from the engine within " + std::to_string(options_.request_timeout.count()) + " ms";
    }
  }
  outcome.took = millisSince(waiting.queued_at);
  return outcome;
}

}  // namespace vigil::station
