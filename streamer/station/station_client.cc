#include "streamer/station/station_client.h"

#include <algorithm>
#include <cerrno>

#include "streamer/topics.h"

namespace vigil::streamer::station {
namespace v1 = vigil::v1;

bool PumpResult::changed() const {
  if (snapshot && snapshot->ok) return true;
  return std::any_of(deliveries.begin(), deliveries.end(), [](const Delivery& d) { return d.changed(); });
}

StationClient::StationClient(zmq::context_t& context, StationOptions options, SteadyTime now)
    : options_(std::move(options)),
      subscriber_(context),
      control_(context, options_.control_endpoint, options_.security),
      state_(options_.unit, now),
      subscribed_at_(now),
      next_snapshot_at_(now) {
  subscribe();
}

// Options first: ZeroMQ applies them to connections made after they are set.
void StationClient::subscribe() {
  auto socket = subscriber_.handle();
  options_.security.apply(socket);
  if (options_.receive_high_water_mark > 0) socket.set(zmq::sockopt::rcvhwm, options_.receive_high_water_mark);
  if (options_.receive_buffer_bytes > 0) socket.set(zmq::sockopt::rcvbuf, options_.receive_buffer_bytes);
  for (const auto kind : {TopicKind::Alert, TopicKind::Advice, TopicKind::Status}) {
    subscriber_.subscribe(topicPrefix(kind, options_.unit));
  }
  subscriber_.subscribe(topicPrefix(TopicKind::Heartbeat));
  // A Binary Star pair: both engines, only the active one publishes (control_client.h).
  options_.security.connectEach(socket, options_.alerts_endpoint);
}

PumpResult StationClient::pump(SteadyTime now, int max_messages) {
  PumpResult result;
  for (int i = 0; i < max_messages; ++i) {
    auto envelope = subscriber_.tryReceive();
    if (!envelope) break;
    heard_anything_ = true;
    result.deliveries.push_back(deliver(*envelope, state_, now));
  }
  if (snapshotDue(now)) result.snapshot = requestSnapshot(now);
  return result;
}

std::optional<v1::ControlReply> StationClient::request(v1::ControlRequest request) {
  // ControlClient waits in zmq::poll, which reports a signal as EINTR: that is "no reply",
  // and the caller's loop then finds the signal where it looks for it.
  try {
    return control_.request(std::move(request), options_.request_timeout);
  } catch (const zmq::error_t& error) {
    if (error.num() != EINTR) throw;
    return std::nullopt;
  }
}

std::optional<SteadyTime> StationClient::nextDeadline() const {
  if (!state_.needsSnapshot()) return std::nullopt;
  if (!state_.hasSnapshot() && !heard_anything_) {
    return std::max(next_snapshot_at_, subscribed_at_ + options_.subscription_grace);
  }
  return next_snapshot_at_;
}

bool StationClient::snapshotDue(SteadyTime now) const {
  const auto deadline = nextDeadline();
  return deadline && now >= *deadline;
}

SnapshotAttempt StationClient::requestSnapshot(SteadyTime now) {
  SnapshotAttempt attempt;
  attempt.resync = state_.hasSnapshot();
  v1::ControlRequest request;
  request.mutable_snapshot()->set_unit_prefix(options_.unit);
  const auto reply = this->request(std::move(request));
  if (!reply || !reply->ok()) {
    attempt.error = !reply ? "no snapshot from " + options_.control_endpoint + " within " +
                                 std::to_string(options_.request_timeout.count()) + " ms"
                           : "engine refused the snapshot: " + reply->error();
    next_snapshot_at_ = now + options_.retry_after_failure;
    return attempt;
  }
  state_.applySnapshot(reply->snapshot());
  attempt.ok = true;
  attempt.alarms = state_.alarms().size();
  attempt.sequence = reply->snapshot().sequence();
  next_snapshot_at_ = now + options_.min_resync_interval;
  return attempt;
}

}  // namespace vigil::streamer::station
