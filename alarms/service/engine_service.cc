#include "alarms/service/engine_service.h"

#include <algorithm>
#include <iostream>
#include <set>

#include <boost/asio/post.hpp>

#include "alarms/service/journal_outbox.h"
#include "alarms/service/recovery.h"
#include "alarms/service/stats.h"
#include "alarms/snapshot/core_snapshot.h"
#include "streamer/codec.h"
#include "streamer/topics.h"

namespace vigil::service {
namespace {
// About 200 MB at the largest frames a monitor sends; a burst, not a backlog to live with.
constexpr int kIngestQueueMessages = 1'000'000;
}  // namespace
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
      stats_timer_(io),
      snapshot_timer_(io),
      journal_watch_(engine_.protocol().alarm_system) {
  control_.set(zmq::sockopt::linger, 0);
  // A SUB socket drops, unseen, what arrives while its queue is full (ZeroMQ's mute state
  // for SUB), and a publisher's xpub_nodrop cannot see that queue: a replay at full speed
  // lost ~0.1 % of its frames to a momentarily busy engine (tools/soak). A deep queue
  // absorbs such bursts; sequence gaps still reveal any loss beyond it.
  ingest_.handle().set(zmq::sockopt::rcvhwm, kIngestQueueMessages);
  alerts_.handle().set(zmq::sockopt::sndhwm, config_.alerts_queue_messages);
  // Every unit the topics bring, or only --units: behind vigil-proxy these prefixes travel
  // upstream, so the other units' frames never reach this machine.
  for (const auto& prefix : unitIngestPrefixes(config_.units)) ingest_.subscribe(prefix);
  if (config_.keys) secureSockets(*config_.keys, zmq);
  endpoints_.ingest = connectOrBindIngest();
  endpoints_.alerts = alerts_.bind(config_.alerts_endpoint);
  endpoints_.control = streamer::bindResolved(control_, config_.control_endpoint);
  if (config_.star) {
    const auto* keys = config_.keys ? &*config_.keys : nullptr;  // with keys the peer link is CURVE too
    star_ = std::make_unique<StarPeer>(io, zmq, *config_.star, keys, [this] { tookOver(); });
  }
  if (star_) setUpResync();
}

// Every socket a CURVE server in its own ZAP domain, so a gateway key opens ingest only and
// a station key alerts and control only. The handler exists before the first bind.
void EngineService::secureSockets(const EngineKeys& keys, zmq::context_t& zmq) {
  zap_ = std::make_unique<ZapHandler>(zmq, keys.admitted, std::clog);
  // Behind vigil-proxy the ingest is the proxy's client; the proxy admits the gateways.
  if (config_.ingest_connect.empty()) streamer::applyCurveServer(ingest_.handle(), keys.secret_key, kIngestZapDomain);
  streamer::applyCurveServer(alerts_.handle(), keys.secret_key, kAlertsZapDomain);
  streamer::applyCurveServer(control_, keys.secret_key, kControlZapDomain);
}

std::string EngineService::connectOrBindIngest() {
  if (config_.ingest_connect.empty()) return ingest_.bind(config_.ingest_endpoint);
  config_.ingest_security.apply(ingest_.handle());
  ingest_.connect(config_.ingest_connect);
  return config_.ingest_connect;
}

EngineService::~EngineService() {
  // The journal's thread must not post to a service that is gone.
  if (journal_) journal_->setCommitListener({});
}

void EngineService::attachJournal(Journal* journal) {
  if (journal_) journal_->setCommitListener({});
  journal_ = journal;
  if (!journal_) return;
  // Called on the journal's thread: only hand the mark over to this service's thread.
  journal_->setCommitListener(
      [this](std::uint64_t settled) { boost::asio::post(io_, [this, settled] { releaseCommitted(settled); }); });
}

void EngineService::start() {
  if (zap_) {
    zap_reader_ = std::make_unique<SocketReader>(io_, zap_->handle(), [this] { zap_->handleOne(); });
    zap_reader_->start();
  }
  if (config_.overload_lag.count() > 0) {
    // From here on the ingest socket belongs to the intake's thread.
    intake_ = std::make_unique<IngestIntake>(ingest_.handle(), config_.max_ingest_messages, zap_ != nullptr,
                                             [this] { boost::asio::post(io_, [this] { drainIntake(); }); });
  } else {
    // ZMQ_EVENTS before every message, as for every socket: a reader that received until
    // EAGAIN instead (one poll() fewer per message) left messages unread in 3 of 36 runs of
    // HostileInputTest under load, never with this one (BENCHMARKS.md).
    ingest_reader_ = std::make_unique<SocketReader>(io_, ingest_.handle(), [this] { (void)readIngest(); });
  }
  control_reader_ = std::make_unique<SocketReader>(io_, control_, [this] { readControl(); });
  subscription_reader_ = std::make_unique<SocketReader>(io_, alerts_.handle(), [this] { readSubscription(); });
  if (intake_) intake_->start();
  if (ingest_reader_) ingest_reader_->start();
  control_reader_->start();
  subscription_reader_->start();
  scheduleHeartbeat();
  scheduleStats();
  scheduleSnapshot();
  if (star_) star_->start();
  if (config_.clock_mode == ClockMode::Wall) scheduleTick();
}

namespace {

// Messages applied per turn of the event loop before timers and control get their chance.
constexpr std::size_t kIntakeBatch = 256;
// Outputs of a burst held back at most (EngineService::holdAlerts): with ~5 us a frame, an
// output waits at most ~0.3 ms more, and ZeroMQ's I/O thread wakes once per 64, not per one.
constexpr std::size_t kHeldAlertsLimit = 64;
constexpr char kOverloadCondition[] = "engine-overloaded";
constexpr char kOverloadPatient[] = "engine";

}  // namespace

void EngineService::drainIntake() {
  holdAlerts(true);
  intake_batch_.clear();
  const auto taken = intake_->take(intake_batch_, kIntakeBatch);
  // The gateways are Binary Star's clients; a passive ingests too. Once a batch is enough.
  if (star_ && taken > 0) (void)star_->onClient();
  for (auto& message : intake_batch_) {
    input_arrived_ = std::chrono::steady_clock::now();  // the commit wait starts here, as before the intake
    const auto lag = input_arrived_ - message.arrived;
    noteIngestLag(lag, false);
    if (lag > config_.max_ingest_age) {
      // Too late to be monitoring: not applied, counted, and the alarm is on (noteIngestLag).
      ++counters_.ingest_dropped_too_old;
      continue;
    }
    // The receive time is the wall clock; the pipeline uses it only in wall mode.
    handleIngest(message.envelope, clock_.now(), message.gateway);
    if (config_.test_delay_per_message.count() > 0) {
      const auto until = std::chrono::steady_clock::now() + config_.test_delay_per_message;
      while (std::chrono::steady_clock::now() < until) {
      }
    }
  }
  holdAlerts(false);
  if (taken == kIntakeBatch) {
    boost::asio::post(io_, [this] { drainIntake(); });  // more waiting: after other work
    return;
  }
  noteIngestLag({}, true);  // ran dry: the intake wakes this again on the next arrival
}

void EngineService::noteIngestLag(std::chrono::steady_clock::duration lag, bool queue_empty) {
  worst_lag_ = std::max(worst_lag_, lag);
  const bool over = lag > config_.overload_lag;
  if (over == overloaded_ || (!over && !queue_empty)) return;
  overloaded_ = over;
  core::Outputs outputs;
  const auto now = engine_.now();
  for (const auto& unit : units_) {
    auto board = overload_boards_.find(unit);
    if (board == overload_boards_.end()) {
      board = overload_boards_.emplace(unit, core::AlarmBoard(kOverloadPatient, engine_.protocol().alarm_system)).first;
      board->second.setUnit(unit);
    }
    if (!over) {
      board->second.clear(kOverloadCondition, now, outputs.alarms);
      continue;
    }
    core::Raise raise;
    raise.condition = kOverloadCondition;
    raise.kind = core::AlarmKind::Technical;
    raise.level = core::ConditionLevel{"ENGINE OVERLOADED: alarms are late; frames older than " +
                                           std::to_string(config_.max_ingest_age.count()) + " ms are not applied",
                                       core::Priority::High, core::AdviceAction::None, false};
    raise.trigger.metric = "ingest_lag_ms";
    raise.trigger.value = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(lag).count());
    raise.trigger.limit = "max " + std::to_string(config_.overload_lag.count()) + " ms";
    raise.trigger.limit_value = static_cast<double>(config_.overload_lag.count());
    board->second.raise(std::move(raise), now, outputs.alarms);
  }
  if (over) ++counters_.overload_episodes;
  std::clog << "vigil-engine: " << (over ? "OVERLOADED: a frame waited " : "no longer overloaded (last lag ")
            << std::chrono::duration_cast<std::chrono::milliseconds>(lag).count() << " ms" << (over ? "" : ")")
            << std::endl;
  publish(outputs);
}

void EngineService::noteUnits(const core::Outputs& outputs) {
  for (const auto& status : outputs.statuses) {
    if (units_.find(status.unit) == units_.end()) units_.insert(status.unit);
  }
}

// Without an overload limit: read on this thread, one message at a time, as it arrives.
// The frames and the envelope are reused: no allocation per message once they have grown.
bool EngineService::readIngest() {
  auto& frames = ingest_frames_;
  if (!streamer::receiveMultipart(ingest_.handle(), frames)) return false;
  input_arrived_ = std::chrono::steady_clock::now();
  if (star_) (void)star_->onClient();  // the gateways are Binary Star's clients; a passive ingests too
  // With CURVE, the name the ZAP handler gave the sending gateway's key: the guard's
  // source limit applies per gateway, so one cannot use up the others' sources.
  const char* user_id = zap_ ? zmq_msg_gets(frames.back().handle(), "User-Id") : nullptr;
  auto& envelope = ingest_envelope_;
  envelope.parts = frames.size();
  envelope.topic.assign(frames[0].data<char>(), frames[0].size());
  if (frames.size() > 1) {
    envelope.payload.assign(frames[1].data<char>(), frames[1].size());
  } else {
    envelope.payload.clear();
  }
  // The receive time is the wall clock; the pipeline uses it only in wall mode.
  handleIngest(envelope, clock_.now(), user_id ? std::string_view(user_id) : std::string_view());
  return true;
}

void EngineService::handleIngest(const streamer::Envelope& envelope, core::TimePoint receive_time,
                                 std::string_view gateway) {
  if (holdForResync(envelope, receive_time, gateway)) return;  // Binary Star: the active's state comes first
  const auto engine_time_before = engine_.now();
  auto result = pipeline_.accept(envelope, receive_time, gateway);
  if (!result.accepted()) {
    publish(result.output);  // counted by the pipeline; a gateway's source-limit alarm may come with it
    return;
  }
  // Accepted: from here on the engine's state depends on it, so recovery must replay it.
  if (auto* journal = liveJournal()) {
    journal->recordIngest(envelope.topic, envelope.payload, engine_time_before, receive_time, epoch_);
    logPumpChange(*journal, envelope);
  }
  publish(result.output);
}

// The journal's pump log keeps rate, drug and state changes for --history.
void EngineService::logPumpChange(Journal& journal, const streamer::Envelope& envelope) {
  if (envelope.topic.rfind(streamer::topicPrefix(TopicKind::Infusion), 0) != 0) return;
  if (const auto status = streamer::decodePumpStatus(envelope.payload); status.ok()) {
    journal.logPumpStatus(*status.value);
  }
}

void EngineService::publish(const core::Outputs& outputs) {
  noteUnits(outputs);
  trend_.record(outputs);  // recovery too: the trend is rebuilt from the replayed inputs
  // A recovery replay logged these live. A passive engine applying its peer's request
  // logs them now: its outbox must hold them when it takes over (vigil-acm, issue 16).
  if (journal_ && (!replaying_ || applying_peer_forward_)) {
    journal_->logAlarms(outputs.alarms, epoch_);
    journal_->logAdvice(outputs.advice);
  }
  if (replaying_) return;  // the stations saw these before the restart; a snapshot resyncs them
  for (const auto& event : outputs.alarms) publishStamped(TopicKind::Alert, event, streamer::toProto(event));
  for (const auto& event : outputs.advice) publishStamped(TopicKind::Advice, event, streamer::toProto(event));
  // One status per accepted frame at most: the message, topic and payload are reused, so a
  // status costs no allocation once they have grown (toProto(status, into)).
  for (const auto& status : outputs.statuses) {
    streamer::toProto(status, status_message_);
    publishStamped(TopicKind::Status, status, status_message_);
  }
}

// One sequence for every message of the alert stream, so a station sees any gap in it.
// Stamped now, in the order the engine produced it; sent when emit() lets it go.
template <typename Value, typename Message>
void EngineService::publishStamped(TopicKind kind, const Value& value, Message&& message) {
  message.set_engine_epoch(epoch_);
  message.set_sequence(++sequence_);
  message.set_published_wall_time_ms(core::toMillis(clock_.now()));  // engine-to-screen latency
  const auto unit_sequence = unit_sequences_.stamp(value.unit);
  message.set_unit_sequence(unit_sequence);
  streamer::makeTopic(kind, value.unit, value.patient_id, topic_buffer_);
  message.SerializeToString(&payload_buffer_);
  zmq::message_t topic(topic_buffer_.data(), topic_buffer_.size());
  zmq::message_t payload(payload_buffer_.data(), payload_buffer_.size());
  if (!journal_) {  // nothing to wait for
    deliverAlert(std::move(topic), std::move(payload), sequence_, value.unit, unit_sequence);
    return;
  }
  emit(AlertMessage{std::move(topic), std::move(payload), sequence_, value.unit, unit_sequence});
}

void EngineService::emit(Outgoing outgoing) {
  if (!journal_) {
    deliver(outgoing);
    return;
  }
  // Everything queued so far: the input that produced this output comes before it, and
  // so do the inputs behind whatever a snapshot or a reply reports.
  gate_.hold(journal_->queuedRows(), input_arrived_, std::move(outgoing));
  releaseCommitted(journal_->settledRows());
  if (gate_.size() > 0) {
    ++counters_.outputs_held_for_commit;
    journal_->commitSoon();
  }
}

void EngineService::releaseCommitted(std::uint64_t settled) {
  gate_.release(settled, std::chrono::steady_clock::now(), [this](Outgoing& outgoing) { deliver(outgoing); });
}

void EngineService::deliver(Outgoing& outgoing) {
  if (auto* message = std::get_if<AlertMessage>(&outgoing)) {
    deliverAlert(std::move(message->topic), std::move(message->payload), message->sequence, message->unit,
                 message->unit_sequence);
    return;
  }
  auto& frames = std::get<ReplyFrames>(outgoing);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto more = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    // ROUTER drops a reply to a peer that has gone; there is nobody left to tell.
    (void)control_.send(frames[i], more | zmq::send_flags::dontwait);
  }
}

void EngineService::deliverAlert(zmq::message_t topic, zmq::message_t payload, std::uint64_t sequence,
                                 const std::string& unit, std::uint64_t unit_sequence) {
  released_sequence_ = sequence;
  unit_sequences_.released(unit, unit_sequence);
  if (!mayPublish()) return;
  if (holding_alerts_) {
    held_alerts_.push_back({std::move(topic), std::move(payload)});
    if (held_alerts_.size() >= kHeldAlertsLimit) sendHeldAlerts();  // a bound on the wait
    return;
  }
  sendAlert(topic, payload);
}

void EngineService::sendAlert(zmq::message_t& topic, zmq::message_t& payload) {
  if (alerts_.publishMessages(topic, payload)) {
    ++counters_.alert_events_published;
  } else {
    ++counters_.alert_events_not_queued;
  }
}

// Only the sending waits: the sequences are stamped and released at once, and nothing
// else (heartbeats, snapshots, replies) can run before the burst ends with
// sendHeldAlerts, so no station can hear of a sequence before its message.
void EngineService::holdAlerts(bool hold) {
  holding_alerts_ = hold;
  if (!hold) sendHeldAlerts();
}

void EngineService::sendHeldAlerts() {
  for (auto& held : held_alerts_) sendAlert(held.topic, held.payload);
  held_alerts_.clear();
}

void EngineService::readControl() {
  auto frames = streamer::receiveMultipart(control_);
  if (frames.empty()) return;
  input_arrived_ = std::chrono::steady_clock::now();
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
    // The User-Id the ZAP handler gave this connection (its key's name), if any.
    const char* user_id = zmq_msg_gets(frames.back().handle(), "User-Id");
    if (auto refusal = refuseIfPassive(request)) {
      reply = std::move(*refusal);
    } else {
      reply = handleControl(request, user_id ? std::optional<std::string>(user_id) : std::nullopt);
    }
  } else {
    ++counters_.control_malformed;
    reply.set_ok(false);
    reply.set_error("undecodable control request");
  }
  const auto payload = reply.SerializeAsString();
  frames.back().rebuild(payload.data(), payload.size());
  // After the events it reports and the state a snapshot shows are committed.
  emit(std::move(frames));
}

v1::ControlReply EngineService::handleControl(const v1::ControlRequest& request,
                                              const std::optional<std::string>& authenticated) {
  v1::ControlReply reply;
  if (request.has_acknowledge()) {
    reply = acknowledge(request, authenticated);
  } else if (request.has_audio_pause()) {
    reply = audioPause(request, authenticated);
  } else if (request.has_clinical_event()) {
    reply = enterClinicalEvent(request, authenticated);
  } else if (request.has_snapshot()) {
    reply = snapshot(request.snapshot());
  } else if (request.has_trend()) {
    *reply.mutable_trend() = trend_.trend(request.trend().patient_id(), request.trend().since_ms());
    reply.set_ok(true);
  } else if (request.has_stats()) {
    ++counters_.stats_requests;
    *reply.mutable_stats() = stats();
    reply.set_ok(true);
  } else if (request.has_alert_status()) {
    reply = alertStatus(request, authenticated);
  } else if (request.has_peer_forward()) {
    reply = applyForwarded(request.peer_forward(), authenticated);
  } else if (request.has_peer_resync()) {
    // Only the peer engine's key may ask for (or hand over) the whole core.
    if (auto refusal = star_ ? star_->refuseForwardFrom(authenticated) : std::nullopt) {
      reply.set_ok(false);
      reply.set_error(std::move(*refusal));
    } else {
      reply = peerResync(request.peer_resync());
    }
  } else if (request.has_outbox()) {
    // Committed rows only, read on their own connection (journal_outbox.h).
    reply = outboxReply(journal_ ? journal_->path() : std::string(), request.outbox());
  } else {
    reply.set_ok(false);
    reply.set_error("empty control request");
    ++counters_.control_malformed;
  }
  reply.set_request_id(request.request_id());
  return reply;
}

// A control input that changed the engine's state: journaled, published, and echoed in
// the reply, which like the events waits for the commit (so a station told "done" finds
// it so after any crash).
v1::ControlReply EngineService::applyControl(const v1::ControlRequest& request, const std::string& identity,
                                             core::TimePoint engine_time_before, bool ok, const std::string& error,
                                             const core::Outputs& outputs) {
  v1::ControlReply reply;
  reply.set_ok(ok);
  reply.set_error(error);
  auto* journal = liveJournal();
  if (journal && ok) {
    journal->recordControl(request.SerializeAsString(), identity, engine_time_before, clock_.now(), epoch_);
    if (request.has_acknowledge() || request.has_alert_status()) {
      for (const auto& event : outputs.alarms) journal->logAcknowledgement(event);
    }
  }
  // Binary Star: the passive applies it too before the station hears "done".
  if (ok && !replaying_ && star_ && star_->active()) (void)star_->forward(request, identity, engine_time_before);
  publish(outputs);
  for (const auto& event : outputs.alarms) *reply.add_events() = streamer::toProto(event);
  return reply;
}

v1::ControlReply EngineService::acknowledge(const v1::ControlRequest& request,
                                            const std::optional<std::string>& authenticated) {
  const auto& ack = request.acknowledge();
  const auto station = requesterName(authenticated, ack.station(), ack.nurse());
  const auto before = engine_.now();
  const auto result = engine_.acknowledge(ack.alert_id(), station);
  return applyControl(request, station, before, result.ok, result.error, result.outputs);
}

// IHE PCD-05 through vigil-acm: what became of an alarm at the alert manager. Journaled
// like any control input; "accepted" acknowledges the alarm under the nurse's name where
// the protocol allows it. A status for an alarm that is not active or latched is refused.
// Recorded under who the key says, not who the request says. A replayed journal row comes
// back with the name recorded live as its identity, the nurse already in it: adding the
// nurse again would change who acknowledged an alarm across a restart.
std::string EngineService::requesterName(const std::optional<std::string>& authenticated, std::string_view claimed,
                                         std::string_view nurse) const {
  if (replaying_ && authenticated) return *authenticated;
  return acknowledgerName(authenticated, claimed, nurse);
}

v1::ControlReply EngineService::alertStatus(const v1::ControlRequest& request,
                                            const std::optional<std::string>& authenticated) {
  const auto& status = request.alert_status();
  const auto by = requesterName(authenticated, status.alert_manager(), status.nurse());
  const auto before = engine_.now();
  const auto current = [&](const auto& alarms) {
    return std::any_of(alarms.begin(), alarms.end(),
                       [&](const core::AlarmEvent& alarm) { return alarm.alert_id == status.alert_id(); });
  };
  if (!current(engine_.alarms()) && !current(pipeline_.gatewayAlarms())) {
    return applyControl(request, by, before, false,
                        "no active alarm " + status.alert_id() + ", nor a latched one (it ended, or never was)", {});
  }
  if (status.status() != v1::ALERT_STATUS_ACCEPTED || !engine_.protocol().alert_manager_accepted_acknowledges) {
    auto reply = applyControl(request, by, before, true, {}, {});
    reply.mutable_alert_status()->set_acknowledged(false);
    return reply;
  }
  const auto result = engine_.acknowledge(status.alert_id(), by);
  auto reply = applyControl(request, by, before, result.ok, result.error, result.outputs);
  reply.mutable_alert_status()->set_acknowledged(result.ok);
  if (result.ok) reply.mutable_alert_status()->set_acknowledged_by(by);
  return reply;
}

v1::ControlReply EngineService::audioPause(const v1::ControlRequest& request,
                                           const std::optional<std::string>& authenticated) {
  const auto& pause = request.audio_pause();
  const auto station = requesterName(authenticated, pause.station(), pause.nurse());
  const auto before = engine_.now();
  const auto result = engine_.audioPause(pause.patient_id(), station);
  return applyControl(request, station, before, result.ok, result.error, result.outputs);
}

// A nurse's entry at a station. It is stamped with the engine's time, not the station's
// clock: in a replay the engine's time is the data's, and an entry belongs to "now" there.
v1::ControlReply EngineService::enterClinicalEvent(const v1::ControlRequest& request,
                                                   const std::optional<std::string>& authenticated) {
  auto decoded = streamer::checkedFromProto(request.clinical_event());
  const auto station = acknowledgerName(authenticated, request.clinical_event().source_id());
  const auto before = engine_.now();
  if (!decoded.ok()) {
    ++counters_.control_malformed;
    return applyControl(request, station, before, false, "clinical event: " + decoded.error, {});
  }
  auto& event = *decoded.value;
  if (event.patient_id.empty() || event.unit.empty() || event.kind == core::ClinicalEventKind::Unspecified) {
    ++counters_.control_malformed;
    return applyControl(request, station, before, false, "a clinical event needs a patient, a unit and a kind", {});
  }
  if (!config_.units.serves(event.unit)) {
    ++counters_.control_malformed;
    return applyControl(request, station, before, false,
                        "this engine serves " + config_.units.describe() + ", not unit " + event.unit, {});
  }
  event.source_id = station;
  event.time = before;
  const auto outputs = engine_.onClinicalEvent(event);
  return applyControl(request, station, before, true, {}, outputs);
}

// The Clone pattern's snapshot: everything a station shows, valid at `sequence`.
v1::ControlReply EngineService::snapshot(const v1::SnapshotRequest& request) const {
  v1::ControlReply reply;
  auto* snapshot = reply.mutable_snapshot();
  snapshot->set_engine_epoch(epoch_);
  snapshot->set_sequence(sequence_);
  const auto& prefix = request.unit_prefix();
  if (!prefix.empty()) snapshot->set_unit_sequence(unit_sequences_.lastStamped(prefix));
  const auto wanted = [&prefix](const std::string& unit) { return unit.compare(0, prefix.size(), prefix) == 0; };
  for (const auto& alarm : engine_.alarms()) {
    if (wanted(alarm.unit)) *snapshot->add_alarms() = stamped(streamer::toProto(alarm));
  }
  for (const auto& alarm : pipeline_.gatewayAlarms()) {
    if (wanted(alarm.unit)) *snapshot->add_alarms() = stamped(streamer::toProto(alarm));
  }
  for (const auto& alarm : journal_watch_.alarms()) {
    if (wanted(alarm.unit)) *snapshot->add_alarms() = stamped(streamer::toProto(alarm));
  }
  for (const auto& [unit, board] : overload_boards_) {
    for (const auto* alarm : board.all()) {
      if (wanted(alarm->unit)) *snapshot->add_alarms() = stamped(streamer::toProto(*alarm));
    }
  }
  for (const auto& advice : engine_.currentAdvice()) {
    if (wanted(advice.unit)) *snapshot->add_advice() = stamped(streamer::toProto(advice));
  }
  for (const auto& status : engine_.statuses()) {
    if (wanted(status.unit)) *snapshot->add_statuses() = stamped(streamer::toProto(status));
  }
  reply.set_ok(true);
  return reply;
}

template <typename Message>
Message EngineService::stamped(Message message) const {
  message.set_engine_epoch(epoch_);
  return message;
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

void EngineService::tick() {
  input_arrived_ = std::chrono::steady_clock::now();
  const auto now = clock_.now();
  auto outputs = engine_.advanceTo(now);
  // A tick that changed nothing need not be replayed: the core stamps deadlines at their
  // due time, so a later advanceTo() gives the same events. One that did is an input.
  if (auto* journal = liveJournal(); journal && !outputs.empty()) journal->recordTick(now, now, epoch_);
  publish(outputs);
}

void EngineService::applyJournaled(const JournalInput& input) {
  replaying_ = true;
  // The live engine may have reached this time through ticks that produced nothing and
  // were not journaled; an acknowledgement is stamped with the engine's time.
  if (input.engine_time > engine_.now()) publish(engine_.advanceTo(input.engine_time));
  switch (input.kind) {
    case InputKind::Ingest: handleIngest(streamer::Envelope{input.topic, input.payload, 2}, input.receive_time); break;
    case InputKind::Control: {
      v1::ControlRequest request;
      if (request.ParseFromString(input.payload)) (void)handleControl(request, input.identity);
      break;
    }
    case InputKind::Tick: publish(engine_.advanceTo(input.engine_time)); break;
  }
  replaying_ = false;
}

void EngineService::heartbeat() {
  watchJournal();
  if (!mayPublish()) return;  // a passive engine is silent: stations follow the active one
  v1::Heartbeat beat;
  beat.set_engine_epoch(epoch_);
  // Heartbeats need not wait for the journal, but they name the last message actually
  // sent: one still held is not a gap for the station.
  beat.set_sequence(released_sequence_);
  beat.set_wall_time_ms(core::toMillis(clock_.now()));
  beat.set_engine_time_ms(core::toMillis(engine_.now()));
  beat.set_active_alarms(static_cast<std::uint32_t>(engine_.activeAlarmCount()));
  beat.mutable_unit_sequences()->insert(unit_sequences_.lastReleased().begin(), unit_sequences_.lastReleased().end());
  if (alerts_.publish(streamer::makeTopic(TopicKind::Heartbeat, {}, {}), beat)) ++counters_.heartbeats;
}

v1::Stats EngineService::stats() const {
  StatsBuilder builder(epoch_, clock_.now());
  const auto visit = builder.visitor();
  core::visitPrefixed(counters_, "service.", visit);
  // Figures of the commit wait, not counters: computed when asked.
  visit("service.commit_wait_p50_us", gate_.waits().percentile(50));
  visit("service.commit_wait_p99_us", gate_.waits().percentile(99));
  visit("service.commit_wait_max_us", gate_.waits().max());
  visit("service.ingest_lag_max_us",
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(worst_lag_).count()));
  if (intake_) {
    const auto intake = intake_->counters();
    visit("intake.received", intake.received);
    visit("intake.dropped_queue_full", intake.dropped_queue_full);
    visit("intake.depth", intake_->depth());
  }
  pipeline_.visitCounters(visit);
  core::visitPrefixed(engine_.counters(), "engine.", visit);
  if (journal_) core::visitPrefixed(journal_->counters(), "journal.", visit);
  if (const auto* zap = zapCounters()) core::visitPrefixed(*zap, "zap.", visit);
  if (star_) core::visitPrefixed(star_->counters(), "star.", visit);
  if (resync_) core::visitPrefixed(resync_->counters(), "star.", visit);
  return builder.take();
}

void EngineService::publishStats() {
  if (!mayPublish()) return;
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

// ================================================================ snapshots

std::string EngineService::snapshotBytes() const {
  const auto state = snapshot::capture(engine_, pipeline_.guard());
  return snapshot::toProto(state, protocolDigest(engine_.protocol())).SerializeAsString();
}

void EngineService::writeSnapshot() {
  if (!journal_) return;
  journal_->recordSnapshot(snapshotBytes(), snapshot::kCoreSnapshotVersion, engine_.now(), epoch_);
}

void EngineService::scheduleSnapshot() {
  if (config_.snapshot_interval.count() <= 0) return;
  snapshot_timer_.expires_after(config_.snapshot_interval);
  snapshot_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    writeSnapshot();
    scheduleSnapshot();
  });
}

bool EngineService::restoreSnapshot(const SnapshotRow& row, std::string& error) {
  snapshot::v1::CoreSnapshot message;
  if (!message.ParseFromString(row.payload)) {
    error = "the snapshot does not parse";
    return false;
  }
  const auto digest = protocolDigest(engine_.protocol());
  if (message.protocol_digest() != digest) {
    error =
        "the snapshot was taken under other rules (" + message.protocol_digest() + ", this engine runs " + digest + ")";
    return false;
  }
  const auto state = snapshot::fromProto(message, error);
  if (!state || !engine_.restoreState(state->engine, error)) return false;
  pipeline_.restoreGuard(state->guard);
  return true;
}

void EngineService::watchJournal() {
  if (!journal_) return;
  auto units = engine_.statusUnits();
  if (units.empty()) units.insert("");
  core::AlarmEvents events;
  journal_watch_.check(journal_->counters(), journal_->lastWriteError(), units, engine_.now(), events);
  // Not through publish(): the journal these would be logged to is the one failing.
  for (const auto& event : events) publishStamped(TopicKind::Alert, event, streamer::toProto(event));
}

bool EngineService::mayPublish() {
  if (!star_ || star_->active()) return true;
  ++star_->counters().alert_messages_withheld;
  return false;
}

std::optional<v1::ControlReply> EngineService::refuseIfPassive(const v1::ControlRequest& request) {
  // The counters come from either engine; an operator's probe is not a client.
  if (!star_ || request.has_peer_forward() || request.has_peer_resync() || request.has_stats()) return std::nullopt;
  // A station's request is a client event: it may be what lets a passive take over.
  if (star_->onClient()) return std::nullopt;
  ++star_->counters().requests_refused_passive;
  v1::ControlReply reply;
  reply.set_ok(false);
  reply.set_error(kPassiveRefusal);
  reply.set_request_id(request.request_id());
  return reply;
}

// What the active peer applied, applied here through the journal's replay path at the
// same engine time, so both cores stay identical (the same acknowledgements, under the
// same names). Journaled here too: a restart of this engine replays it.
v1::ControlReply EngineService::applyForwarded(const v1::PeerForward& forward,
                                               const std::optional<std::string>& authenticated) {
  v1::ControlReply reply;
  v1::ControlRequest request;
  // With keys only the peer engine's key may speak for the active engine's stations.
  if (auto refusal = star_ ? star_->refuseForwardFrom(authenticated) : std::nullopt) {
    reply.set_ok(false);
    reply.set_error(std::move(*refusal));
    return reply;
  }
  if (!star_ || star_->active() || !request.ParseFromString(forward.request())) {
    ++counters_.control_malformed;
    reply.set_ok(false);
    reply.set_error(!star_ || star_->active() ? "only a passive Binary Star engine applies its peer's requests"
                                              : "undecodable forwarded request");
    return reply;
  }
  // Held while not synchronised: in order with the held ingest (star_resync.h).
  if (!holdForResync(forward)) applyPeerRequest(forward);
  ++star_->counters().forwards_applied;
  reply.set_ok(true);
  return reply;
}

void EngineService::applyPeerRequest(const v1::PeerForward& forward) {
  JournalInput input;
  input.kind = InputKind::Control;
  input.engine_time = core::fromMillis(forward.engine_time_ms());
  input.receive_time = clock_.now();
  input.epoch = epoch_;
  input.payload = forward.request();
  input.identity = forward.identity();
  if (auto* journal = liveJournal()) {
    journal->recordControl(input.payload, input.identity, input.engine_time, input.receive_time, epoch_);
  }
  applying_peer_forward_ = true;
  applyJournaled(input);
  applying_peer_forward_ = false;
}

// Binary Star made this engine active: a new epoch tells every station its picture is
// stale, and the heartbeat sent at once carries it, so they resync from a snapshot as
// after any restart.
void EngineService::tookOver() {
  epoch_ = std::max(epoch_ + 1, static_cast<std::uint64_t>(core::toMillis(clock_.now())));
  catchUpOnTakeover();
  heartbeat();
}

}  // namespace vigil::service
