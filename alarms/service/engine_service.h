// vigil-engine's sockets around the core (DESIGN.md section 4): ingest SUB, alerts PUB,
// control ROUTER, heartbeats and the clock, all on one Asio io_context thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <zmq.hpp>

#include "alarms/core/alarm_board.h"
#include "alarms/core/engine.h"
#include "alarms/service/clock.h"
#include "alarms/service/ingest_intake.h"
#include "alarms/service/ingest_pipeline.h"
#include "alarms/service/journal.h"
#include "alarms/service/journal_commit_gate.h"
#include "alarms/service/journal_rows.h"
#include "alarms/service/journal_watch.h"
#include "alarms/service/star_peer.h"
#include "alarms/service/star_resync.h"
#include "alarms/service/trend_store.h"
#include "alarms/service/unit_partition.h"
#include "alarms/service/zap.h"
#include "alerts.pb.h"
#include "streamer/codec.h"
#include "streamer/security.h"
#include "streamer/socket_reader.h"
#include "streamer/topics.h"
#include "streamer/zmq_io.h"

namespace vigil::service {
using streamer::SocketReader;  // shared with every consumer that reads sockets on an Asio loop

enum class ClockMode {
  Wall,    // live: the wall clock advances the core
  Stream,  // replay: time moves only with the data
};

struct ServiceConfig {
  std::string ingest_endpoint = "tcp://127.0.0.1:7401";
  std::string alerts_endpoint = "tcp://127.0.0.1:7402";
  std::string control_endpoint = "tcp://127.0.0.1:7403";
  ClockMode clock_mode = ClockMode::Wall;
  std::chrono::milliseconds heartbeat_interval{1000};
  std::chrono::milliseconds tick_interval{250};
  // CurveZMQ on every socket, admitted by the ZAP handler; none: plain (loopback only).
  std::optional<EngineKeys> keys;
  std::chrono::milliseconds stats_interval{5000};  // the "stats" topic; 0: never published
  // Guard tolerances; whether the wall clock is the time reference follows clock_mode.
  core::IngestGuardConfig ingest_guard;
  UnitSet units;  // --units: the care units this engine ingests and serves (issue 16)
  // --ingest-from: connect the ingest SUB to vigil-proxy's XPUB instead of binding
  // ingest_endpoint, as a CURVE client with these keys (none: plain).
  std::string ingest_connect;
  streamer::ClientSecurity ingest_security;
  // A core snapshot to the journal this often (0: never), so that recovery replays only the
  // inputs after the latest one. Serialising is a copy of the state on the engine thread.
  std::chrono::milliseconds snapshot_interval{5 * 60'000};
  // Overload: a frame that waited longer than overload_lag between its arrival and its
  // processing raises ENGINE OVERLOADED at every unit; one that waited longer than
  // max_ingest_age is not applied (counted, and the alarm says so). The queue also holds
  // at most max_ingest_messages.
  // 0: off, the ingest socket is read on the engine's thread as before (the default for
  // now: see BENCHMARKS.md, "Overload").
  std::chrono::milliseconds overload_lag{2000};
  std::chrono::milliseconds max_ingest_age{10000};
  std::size_t max_ingest_messages = 1'000'000;
  // Messages queued per station on the alert stream. Beyond it ZeroMQ's PUB drops, silently
  // for the engine (a PUB send never fails); the station sees the gap in the sequence and
  // resynchronises (Clone pattern). ZeroMQ's default of 1000 lost statuses to a station that
  // paused 20 ms at 50 k statuses/s; vigil-bench, which must be lossless, raises it.
  int alerts_queue_messages = 1000;
  // Tests only: each ingest message costs this much more, so an engine can be made slow
  // deterministically by a real process's test (tests/integration/overload_test.cc).
  std::chrono::microseconds test_delay_per_message{0};
  // --star: one of a Binary Star pair (issue 16); none: a single engine, as ever.
  std::optional<StarConfig> star;
};

// Everything the service refused or could not deliver; nothing is dropped uncounted.
// Ingest counters live in the IngestPipeline.
struct ServiceCounters {
  std::uint64_t control_requests = 0;
  std::uint64_t control_malformed = 0;
  std::uint64_t alert_events_published = 0;
  std::uint64_t alert_events_not_queued = 0;
  std::uint64_t heartbeats = 0;
  std::uint64_t station_subscriptions = 0;
  std::uint64_t stats_published = 0;
  std::uint64_t stats_requests = 0;
  // Outputs (alert-stream messages, control replies) that waited for the journal to
  // commit what they depend on; their waits are service.commit_wait_{p50,p99,max}_us.
  std::uint64_t outputs_held_for_commit = 0;
  // Ingest messages that waited longer than max_ingest_age in the intake queue: not
  // applied (the ENGINE OVERLOADED alarm was on). The queue's own refusals when full are
  // intake.dropped_queue_full.
  std::uint64_t ingest_dropped_too_old = 0;
  std::uint64_t overload_episodes = 0;  // times ENGINE OVERLOADED was raised

  // Every field, by name (alarms/core/counters.h).
  template <typename Visit>
  void visitFields(Visit&& visit) const {
    visit("control_requests", control_requests);
    visit("control_malformed", control_malformed);
    visit("alert_events_published", alert_events_published);
    visit("alert_events_not_queued", alert_events_not_queued);
    visit("heartbeats", heartbeats);
    visit("station_subscriptions", station_subscriptions);
    visit("stats_published", stats_published);
    visit("stats_requests", stats_requests);
    visit("outputs_held_for_commit", outputs_held_for_commit);
    visit("ingest_dropped_too_old", ingest_dropped_too_old);
    visit("overload_episodes", overload_episodes);
  }
};

struct BoundEndpoints {
  std::string ingest;
  std::string alerts;
  std::string control;
};

class EngineService {
 public:
  // Binds every socket (throws zmq::error_t if an endpoint cannot be bound).
  EngineService(boost::asio::io_context& io, zmq::context_t& zmq, core::Engine engine, ServiceConfig config,
                const Clock& clock);

  ~EngineService();
  EngineService(const EngineService&) = delete;
  EngineService& operator=(const EngineService&) = delete;

  void start();
  // From now on every input the engine applies and every alarm it logs goes to `journal`
  // (nullptr: none), and nothing is shown before the journal has committed what it
  // depends on (journal_commit_gate.h). Attach after recovery, so that replayed rows are
  // not written twice. The journal must stay open while this service runs.
  void attachJournal(Journal* journal);
  // Recovery: applies one journaled input through the same code path as when it arrived
  // live, with publishing and journaling off.
  void applyJournaled(const JournalInput& input);
  // Recovery from a snapshot (before the inputs after it): the core and the ingest guard
  // as they were. false and `error` when it is unreadable, newer than this engine, taken
  // under other rules, or does not fit the protocol; the service is then unchanged.
  bool restoreSnapshot(const SnapshotRow& snapshot, std::string& error);
  // The core and the guard now, as a CoreSnapshot's bytes (core_snapshot.h).
  std::string snapshotBytes() const;
  // Hands a snapshot to the journal now (the timer does it every snapshot_interval).
  void writeSnapshot();
  const BoundEndpoints& endpoints() const { return endpoints_; }
  const ServiceCounters& counters() const { return counters_; }
  const IngestCounters& ingestCounters() const { return pipeline_.counters(); }
  // Every counter by name: service, ingest pipeline, guard and engine core.
  vigil::v1::Stats stats() const;
  const core::Engine& engine() const { return engine_; }
  std::uint64_t epoch() const { return epoch_; }
  // nullptr without keys.
  const ZapCounters* zapCounters() const { return zap_ ? &zap_->counters() : nullptr; }
  // nullptr without --star.
  const StarPeer* star() const { return star_.get(); }

 private:
  bool readIngest();  // false when nothing was waiting
  // The intake's queue, in batches, on this thread.
  void drainIntake();
  // ENGINE OVERLOADED at every unit while frames wait longer than overload_lag.
  void noteIngestLag(std::chrono::steady_clock::duration lag, bool queue_empty);
  void noteUnits(const core::Outputs& outputs);
  void readControl();
  void readSubscription();
  // Through the pipeline into the engine; what it accepted is journaled (live only).
  void handleIngest(const streamer::Envelope& envelope, core::TimePoint receive_time, std::string_view gateway = {});
  void logPumpChange(Journal& journal, const streamer::Envelope& envelope);
  void secureSockets(const EngineKeys& keys, zmq::context_t& zmq);
  std::string connectOrBindIngest();  // the endpoint bound, or the proxy connected to
  // `authenticated`: the requester's ZAP User-Id, or the name a journal row recorded;
  // nullopt on a plain connection (the request's own station name, marked as such).
  vigil::v1::ControlReply handleControl(const vigil::v1::ControlRequest& request,
                                        const std::optional<std::string>& authenticated);
  vigil::v1::ControlReply acknowledge(const vigil::v1::ControlRequest& request,
                                      const std::optional<std::string>& authenticated);
  std::string requesterName(const std::optional<std::string>& authenticated, std::string_view claimed,
                            std::string_view nurse) const;
  vigil::v1::ControlReply alertStatus(const vigil::v1::ControlRequest& request,
                                      const std::optional<std::string>& authenticated);
  vigil::v1::ControlReply audioPause(const vigil::v1::ControlRequest& request,
                                     const std::optional<std::string>& authenticated);
  vigil::v1::ControlReply enterClinicalEvent(const vigil::v1::ControlRequest& request,
                                             const std::optional<std::string>& authenticated);
  vigil::v1::ControlReply applyControl(const vigil::v1::ControlRequest& request, const std::string& identity,
                                       core::TimePoint engine_time_before, bool ok, const std::string& error,
                                       const core::Outputs& outputs);
  vigil::v1::ControlReply snapshot(const vigil::v1::SnapshotRequest& request) const;
  template <typename Message>
  Message stamped(Message message) const;
  // The journal when this input is live (not replayed), else nullptr.
  Journal* liveJournal() const { return replaying_ ? nullptr : journal_; }
  void publish(const core::Outputs& outputs);
  // What leaves the engine: one alert-stream message, or one control reply's frames.
  struct AlertMessage {
    zmq::message_t topic;  // made once, when stamped; sent as they are
    zmq::message_t payload;
    std::uint64_t sequence = 0;
    std::string unit;
    std::uint64_t unit_sequence = 0;
  };
  using ReplyFrames = std::vector<zmq::message_t>;
  using Outgoing = std::variant<AlertMessage, ReplyFrames>;
  // Shown now without a journal; with one, once the journal has committed every row
  // queued so far (the input that produced it and its log rows), in order.
  void emit(Outgoing outgoing);
  void deliver(Outgoing& outgoing);
  void releaseCommitted(std::uint64_t settled);
  void deliverAlert(zmq::message_t topic, zmq::message_t payload, std::uint64_t sequence, const std::string& unit,
                    std::uint64_t unit_sequence);
  void sendAlert(zmq::message_t& topic, zmq::message_t& payload);
  // A burst of ingest's outputs is sent together at the end of the burst (drainIntake):
  // ZeroMQ's I/O thread is woken once for the burst instead of once per message.
  void holdAlerts(bool hold);
  void sendHeldAlerts();
  template <typename Value, typename Message>
  void publishStamped(streamer::TopicKind kind, const Value& value, Message&& message);
  void tick();
  void heartbeat();
  void scheduleTick();
  void scheduleHeartbeat();
  void publishStats();
  void scheduleStats();
  void scheduleSnapshot();
  // JOURNAL FAILING at every unit's stations while the journal holds rows its file refused.
  void watchJournal();
  // Binary Star (star_peer.h): only a single or an active engine publishes on the alert
  // stream; a passive one computes the same and withholds it.
  bool mayPublish();
  // A station's request to a passive engine: refused (nullopt: serve it here).
  std::optional<vigil::v1::ControlReply> refuseIfPassive(const vigil::v1::ControlRequest& request);
  vigil::v1::ControlReply applyForwarded(const vigil::v1::PeerForward& forward,
                                         const std::optional<std::string>& authenticated);
  void applyPeerRequest(const vigil::v1::PeerForward& forward);  // checked, through the replay path
  void tookOver();
  // Binary Star resync (star_resync.h; engine_resync.cc): a passive engine copies the
  // active's core before its picture is trusted.
  void setUpResync();  // its first poll runs once the loop does
  void scheduleResync();
  void askPeerForState();
  // Not synchronised and not active: the input waits for the active's state (true).
  bool holdForResync(const streamer::Envelope& envelope, core::TimePoint receive_time, std::string_view gateway);
  bool holdForResync(const vigil::v1::PeerForward& forward);
  vigil::v1::ControlReply peerResync(const vigil::v1::PeerResync& resync);
  vigil::v1::ControlReply sendStateToPeer(std::uint64_t ask_id);
  vigil::v1::ControlReply adoptPeerState(const vigil::v1::PeerResync& resync);
  // Restores, journals it as a snapshot row, applies the held ingest after it.
  bool restorePeerState(const vigil::snapshot::v1::CoreSnapshot& state, const std::string& bytes, std::string& error);
  void applyHeld(std::deque<HeldInput> held);
  // Became active: what was held goes into this engine's own core.
  void catchUpOnTakeover();

  boost::asio::io_context& io_;
  core::Engine engine_;
  ServiceConfig config_;
  IngestPipeline pipeline_;  // after engine_ and config_: it holds the engine
  const Clock& clock_;
  std::uint64_t epoch_;
  std::uint64_t sequence_ = 0;
  UnitSequences unit_sequences_;     // the stream numbered per unit too (unit_partition.h)
  std::unique_ptr<ZapHandler> zap_;  // before the sockets it authenticates, gone after them
  streamer::Subscriber ingest_;
  streamer::Publisher alerts_;
  zmq::socket_t control_;
  BoundEndpoints endpoints_;
  ServiceCounters counters_;
  std::unique_ptr<SocketReader> ingest_reader_;  // without an overload limit
  std::unique_ptr<IngestIntake> intake_;         // with one
  std::vector<ArrivedMessage> intake_batch_;
  std::chrono::steady_clock::duration worst_lag_{};  // the longest wait since the start
  // One board per unit: a station follows its unit's alert topics, so every unit hears it.
  std::map<std::string, core::AlarmBoard, std::less<>> overload_boards_;
  std::set<std::string, std::less<>> units_;
  bool overloaded_ = false;
  std::unique_ptr<SocketReader> control_reader_;
  std::unique_ptr<SocketReader> subscription_reader_;
  std::unique_ptr<SocketReader> zap_reader_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer heartbeat_timer_;
  Journal* journal_ = nullptr;
  bool replaying_ = false;
  bool applying_peer_forward_ = false;  // applyForwarded(): replayed, but its transitions are logged
  TrendStore trend_;                    // every patient's last hours, fed by publish() live and in recovery
  CommitGate<Outgoing> gate_;
  std::uint64_t released_sequence_ = 0;  // the last alert-stream sequence actually sent
  bool holding_alerts_ = false;          // within a burst (holdAlerts)
  struct HeldAlert {
    zmq::message_t topic;
    zmq::message_t payload;
  };
  std::vector<HeldAlert> held_alerts_;                   // in the order stamped
  std::chrono::steady_clock::time_point input_arrived_;  // of the input being handled
  boost::asio::steady_timer stats_timer_;
  boost::asio::steady_timer snapshot_timer_;
  JournalWatch journal_watch_;
  std::unique_ptr<StarPeer> star_;
  // The publish path's scratch, reused for every status (no allocation per frame).
  vigil::v1::PatientStatus status_message_;
  std::string topic_buffer_;
  std::string payload_buffer_;
  // The ingest path's, reused for every message.
  std::vector<zmq::message_t> ingest_frames_;
  streamer::Envelope ingest_envelope_;
  std::unique_ptr<StarResync> resync_;                       // with star_
  std::unique_ptr<boost::asio::steady_timer> resync_timer_;  // asks until synchronised
};

}  // namespace vigil::service
