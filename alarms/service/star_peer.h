// The socket side of Binary Star (binary_star.h) for vigil-engine (issue 16, item 3): a
// PUB that announces this engine's state to its peer every third of the peer timeout, a
// SUB that hears the peer's, and a control client that hands the peer what only the
// active engine receives (acknowledgements, audio pauses, nurse entries, alert statuses)
// before the active answers the station. All on the engine's Asio loop.
//
// With the engine's keys (--keys, --peer-key) the link is CurveZMQ like every other
// socket: the state PUB is a CURVE server with the engine's key in ZAP domain vigil-peer,
// where only the peer's key is admitted; the state SUB and the forwarding client are CURVE
// clients with the engine's own pair that accept only the peer's public key as server. A
// stranger can then neither read the pair's state, nor announce one, nor forward.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <zmq.hpp>

#include "alarms/core/domain.h"
#include "alarms/service/binary_star.h"
#include "alarms/service/zap.h"
#include "alerts.pb.h"
#include "streamer/control_client.h"
#include "streamer/socket_reader.h"

namespace vigil::service {

struct StarConfig {
  StarRole role = StarRole::Primary;
  std::string state_bind;     // PUB: this engine's state, for the peer
  std::string state_connect;  // SUB: the peer's state
  std::string peer_control;   // the peer's control endpoint: forwarded requests go there
  // --peer-key NAME: with --keys, the peer's public key is DIR/peers/NAME.pub and NAME is
  // the identity its forwards must arrive under. "" without keys.
  std::string peer_key_name;
  std::chrono::milliseconds peer_timeout{2000};
  // How long the active waits for the passive to apply a forwarded request; then it
  // answers the station anyway and counts it (the station is never held for long).
  std::chrono::milliseconds forward_timeout{300};
};

struct StarCounters {
  std::uint64_t peer_states_sent = 0;
  std::uint64_t peer_states_received = 0;
  std::uint64_t peer_states_malformed = 0;
  std::uint64_t takeovers = 0;
  std::uint64_t went_passive = 0;
  std::uint64_t faults = 0;  // dual actives / dual passives
  std::uint64_t requests_refused_passive = 0;
  std::uint64_t alert_messages_withheld = 0;  // what a passive engine did not publish
  std::uint64_t forwards_sent = 0;
  std::uint64_t forwards_confirmed = 0;
  std::uint64_t forwards_unanswered = 0;           // no reply within forward_timeout
  std::uint64_t forwards_skipped_peer_silent = 0;  // the peer was not heard: nobody to tell
  std::uint64_t forwards_applied = 0;              // as the passive
  std::uint64_t forwards_refused_not_peer = 0;     // a PeerForward from another key than the peer's

  template <typename Visit>
  void visitFields(Visit&& visit) const {
    visit("peer_states_sent", peer_states_sent);
    visit("peer_states_received", peer_states_received);
    visit("peer_states_malformed", peer_states_malformed);
    visit("takeovers", takeovers);
    visit("went_passive", went_passive);
    visit("faults", faults);
    visit("requests_refused_passive", requests_refused_passive);
    visit("alert_messages_withheld", alert_messages_withheld);
    visit("forwards_sent", forwards_sent);
    visit("forwards_confirmed", forwards_confirmed);
    visit("forwards_unanswered", forwards_unanswered);
    visit("forwards_skipped_peer_silent", forwards_skipped_peer_silent);
    visit("forwards_applied", forwards_applied);
    visit("forwards_refused_not_peer", forwards_refused_not_peer);
  }
};

// The text of the refusal a passive engine answers station requests with: clients that
// know both engines switch to the other on it.
using streamer::kPassiveRefusal;  // control_client.h: the clients know it

class StarPeer {
 public:
  using TookOver = std::function<void()>;

  // Binds the state PUB and connects the state SUB (throws zmq::error_t on a bad endpoint).
  // `keys` (null: plain, loopback only) must hold the peer's key, and the engine's ZAP
  // handler must exist already: without one libzmq admits every CURVE client.
  StarPeer(boost::asio::io_context& io, zmq::context_t& zmq, StarConfig config, const EngineKeys* keys,
           TookOver took_over);

  void start();
  // A client was heard (ingest, a station's request). False: this engine may not serve it.
  bool onClient();
  bool active() const { return fsm_.active(); }
  // The active engine hands a state-changing request to the passive and waits for it to be
  // applied, at most forward_timeout. True when the passive confirmed.
  bool forward(const vigil::v1::ControlRequest& request, const std::string& identity, core::TimePoint engine_time);
  // Whether a PeerForward that came in under this ZAP User-Id may be applied: with keys only
  // the peer's; without keys there is no identity to check (loopback, or --insecure). A
  // refusal is counted and its reason returned.
  std::optional<std::string> refuseForwardFrom(const std::optional<std::string>& authenticated);
  // Sends a request to the peer on the forwarding connection without waiting for the
  // answer (a later forward drops it by its id): in order with the forwards. false when
  // the peer's connection took nothing (not connected, or no --peer-control).
  bool push(const vigil::v1::ControlRequest& request);

  const std::string& stateEndpoint() const { return state_endpoint_; }
  StarCounters& counters() { return counters_; }
  const StarCounters& counters() const { return counters_; }
  StarState state() const { return fsm_.state(); }

 private:
  void apply(const StarVerdict& verdict);
  void announce();
  void scheduleAnnounce();
  void readPeerState();
  void secure(const EngineKeys& keys);

  boost::asio::io_context& io_;
  StarConfig config_;
  TookOver took_over_;
  BinaryStar fsm_;
  zmq::socket_t state_pub_;
  zmq::socket_t state_sub_;
  std::string state_endpoint_;
  streamer::ClientSecurity peer_security_;  // how this engine connects to its peer
  std::string peer_name_;                   // "" without keys
  std::unique_ptr<streamer::ControlClient> peer_control_;
  std::unique_ptr<streamer::SocketReader> state_reader_;
  boost::asio::steady_timer announce_timer_;
  StarCounters counters_;
};

}  // namespace vigil::service
