#include "alarms/service/engine_service.h"

#include <iostream>

#include "alarms/service/stats.h"
#include "streamer/codec.h"
#include "streamer/topics.h"

namespace vigil::service {
namespace v1 = vigil::v1;
using streamer::TopicKind;

EngineService::EngineService(boost::asio::io_context& io, zmq::context_t& zmq, core::Engine engine,
                             ServiceConfig config, const Clock& clock)
    : io_(io),
      engine_(std::move(engine)),
      config_(std::move(config)),
      pipeline_(engine_, IngestPipelineConfig{config_.ingest_guard, config_.clock_mode == ClockMode::Wall}),
      clock_(clock),
      // A new epoch per start: a station that sees it change knows its state is stale.
      epoch_(static_cast<std::uint64_t>(core::toMillis(clock.now()))),
      ingest_(zmq),
      alerts_(zmq),
      control_(zmq, zmq::socket_type::router),
      tick_timer_(io),
      heartbeat_timer_(io),
      stats_timer_(io) {
  control_.set(zmq::sockopt::linger, 0);
  // The engine serves every unit it is told about by the topics; a deployment that splits
  // units across engines narrows this with a proxy in front.
  ingest_.subscribe(streamer::topicPrefix(TopicKind::Vitals));
  ingest_.subscribe(streamer::topicPrefix(TopicKind::Infusion));
  ingest_.subscribe(streamer::topicPrefix(TopicKind::Event));
  endpoints_.ingest = ingest_.bind(config_.ingest_endpoint);
  endpoints_.alerts = alerts_.bind(config_.alerts_endpoint);
  endpoints_.control = streamer::bindResolved(control_, config_.control_endpoint);
}

void EngineService::start() {
  ingest_reader_ = std::make_unique<SocketReader>(io_, ingest_.handle(), [this] { readIngest(); });
  control_reader_ = std::make_unique<SocketReader>(io_, control_, [this] { readControl(); });
  subscription_reader_ = std::make_unique<SocketReader>(io_, alerts_.handle(), [this] { readSubscription(); });
  ingest_reader_->start();
  control_reader_->start();
  subscription_reader_->start();
  scheduleHeartbeat();
  scheduleStats();
  if (config_.clock_mode == ClockMode::Wall) scheduleTick();
}

void EngineService::readIngest() {
  auto envelope = ingest_.tryReceive();
  if (!envelope) return;
  // The receive time is the wall clock; the pipeline uses it only in wall mode.
  publish(pipeline_.accept(*envelope, clock_.now()).output);
}

void EngineService::publish(const core::AlarmEvents& events) {
  for (const auto& event : events) {
    auto message = streamer::toProto(event);
    message.set_engine_epoch(epoch_);
    message.set_sequence(++sequence_);
    const auto topic = streamer::makeTopic(TopicKind::Alert, event.unit, event.patient_id);
    if (alerts_.publish(topic, message)) {
      ++counters_.alert_events_published;
    } else {
      ++counters_.alert_events_not_queued;
    }
  }
}

void EngineService::readControl() {
  auto frames = streamer::receiveMultipart(control_);
  if (frames.empty()) return;
  ++counters_.control_requests;
  // [identity][empty][request] from REQ-style clients, [identity][request] from DEALERs:
  // the reply goes back in the same envelope. Without an identity nobody can be answered.
  if (frames.size() < 2) {
    ++counters_.control_malformed;
    return;
  }
  v1::ControlReply reply;
  v1::ControlRequest request;
  if (request.ParseFromArray(frames.back().data(), static_cast<int>(frames.back().size()))) {
    reply = handleControl(request);
  } else {
    ++counters_.control_malformed;
    reply.set_ok(false);
    reply.set_error("undecodable control request");
  }
  const auto payload = reply.SerializeAsString();
  frames.back().rebuild(payload.data(), payload.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto more = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    // ROUTER drops a reply to a peer that has gone; there is nobody left to tell.
    (void)control_.send(frames[i], more | zmq::send_flags::dontwait);
  }
}

v1::ControlReply EngineService::handleControl(const v1::ControlRequest& request) {
  v1::ControlReply reply;
  reply.set_request_id(request.request_id());
  if (request.has_acknowledge()) {
    const auto& ack = request.acknowledge();
    auto result = engine_.acknowledge(ack.alert_id(), ack.station().empty() ? "unnamed station" : ack.station());
    reply.set_ok(result.ok);
    reply.set_error(result.error);
    publish(result.events);
    for (const auto& event : result.events) *reply.add_events() = streamer::toProto(event);
    return reply;
  }
  if (request.has_stats()) {
    ++counters_.stats_requests;
    *reply.mutable_stats() = stats();
    reply.set_ok(true);
    return reply;
  }
  if (request.has_snapshot()) {
    auto* snapshot = reply.mutable_snapshot();
    snapshot->set_engine_epoch(epoch_);
    snapshot->set_sequence(sequence_);
    const auto& prefix = request.snapshot().unit_prefix();
    for (const auto& alarm : engine_.activeAlarms()) {
      if (alarm.unit.compare(0, prefix.size(), prefix) != 0) continue;
      auto* out = snapshot->add_alarms();
      *out = streamer::toProto(alarm);
      out->set_engine_epoch(epoch_);
    }
    reply.set_ok(true);
    return reply;
  }
  reply.set_ok(false);
  reply.set_error("empty control request");
  ++counters_.control_malformed;
  return reply;
}

void EngineService::readSubscription() {
  // XPUB hands up each station's (un)subscription; reading them keeps the queue empty
  // and tells the operator who is listening.
  for (const auto& frame : streamer::receiveMultipart(alerts_.handle())) {
    if (frame.size() == 0) continue;
    const bool subscribe = frame.data<char>()[0] == 1;
    if (subscribe) ++counters_.station_subscriptions;
    std::clog << "vigil-engine: a station " << (subscribe ? "subscribed to '" : "unsubscribed from '")
              << std::string(frame.data<char>() + 1, frame.size() - 1) << "'" << std::endl;
  }
}

void EngineService::tick() { publish(engine_.advanceTo(clock_.now())); }

void EngineService::heartbeat() {
  v1::Heartbeat beat;
  beat.set_engine_epoch(epoch_);
  beat.set_sequence(sequence_);
  beat.set_wall_time_ms(core::toMillis(clock_.now()));
  beat.set_engine_time_ms(core::toMillis(engine_.now()));
  beat.set_active_alarms(static_cast<std::uint32_t>(engine_.activeAlarmCount()));
  if (alerts_.publish(streamer::makeTopic(TopicKind::Heartbeat, {}, {}), beat)) ++counters_.heartbeats;
}

v1::Stats EngineService::stats() const {
  StatsBuilder builder(epoch_, clock_.now());
  const auto visit = builder.visitor();
  const auto& c = counters_;
  visit("service.control_requests", c.control_requests);
  visit("service.control_malformed", c.control_malformed);
  visit("service.alert_events_published", c.alert_events_published);
  visit("service.alert_events_not_queued", c.alert_events_not_queued);
  visit("service.heartbeats", c.heartbeats);
  visit("service.station_subscriptions", c.station_subscriptions);
  visit("service.stats_published", c.stats_published);
  visit("service.stats_requests", c.stats_requests);
  pipeline_.visitCounters(visit);
  visitEngineCounters(engine_.counters(), visit);
  return builder.take();
}

void EngineService::publishStats() {
  if (alerts_.publish(streamer::makeTopic(TopicKind::Stats, {}, {}), stats())) ++counters_.stats_published;
}

void EngineService::scheduleStats() {
  if (config_.stats_interval.count() <= 0) return;
  stats_timer_.expires_after(config_.stats_interval);
  stats_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    publishStats();
    scheduleStats();
  });
}

void EngineService::scheduleTick() {
  tick_timer_.expires_after(config_.tick_interval);
  tick_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    tick();
    scheduleTick();
  });
}

void EngineService::scheduleHeartbeat() {
  heartbeat_timer_.expires_after(config_.heartbeat_interval);
  heartbeat_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    heartbeat();
    scheduleHeartbeat();
  });
}

}  // namespace vigil::service
