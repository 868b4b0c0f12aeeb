// The ZeroMQ guide's Binary Star state machine (chapter 4, bstar) for a primary and a
// backup engine of the same units (issue 16, item 3). Pure: no sockets, no clock; the
// peer's state and the clients' activity come in as events with the time they happened,
// so the rules below are tested with plain values.
//
// The guide's rules, with one change for engines that publish rather than answer:
//  - Each engine announces its state to the peer (the heartbeat) and learns the peer's.
//  - PASSIVE takes over (ACTIVE) only on a client event after the peer has been silent for
//    the peer timeout: a backup cut off from the network hears neither its peer nor its
//    clients (the gateways' ingest, the stations' requests) and so never takes over on its
//    own. That is the guide's protection against split brain.
//  - A peer that announces PRIMARY or BACKUP is restarting: the ACTIVE one stays active,
//    a PASSIVE one becomes active (the restarting one will go passive).
//  - Change: the guide's PRIMARY serves clients at once. An engine that publishes alarms
//    must not do so while a peer may still be active, so a starting PRIMARY becomes ACTIVE
//    on a client event only after a whole peer timeout without hearing the peer. A
//    restarted primary therefore hears the active backup first and rejoins as PASSIVE.
//  - Two ACTIVEs or two PASSIVEs are a fault the machine reports; it keeps its state.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::service {

enum class StarState { Primary, Backup, Active, Passive };
enum class StarRole { Primary, Backup };

std::string_view starStateName(StarState state);
std::optional<StarState> parseStarState(std::string_view name);

// What one event did.
struct StarVerdict {
  bool took_over = false;  // became ACTIVE with this event: publish from now on, new epoch
  bool went_passive = false;
  // A client event that may not be served here (a backup, or a passive whose peer lives).
  bool refused = false;
  std::string fault;  // "dual actives" / "dual passives": both engines claim the same role
};

class BinaryStar {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  BinaryStar(StarRole role, std::chrono::milliseconds peer_timeout, TimePoint started);

  // The peer's announced state arrived (its heartbeat).
  StarVerdict onPeer(StarState peer, TimePoint now);
  // A client was heard: ingest from the proxy, a station's request.
  StarVerdict onClient(TimePoint now);

  StarState state() const { return state_; }
  bool active() const { return state_ == StarState::Active; }
  // The peer was heard within the timeout (false before it was ever heard).
  bool peerAlive(TimePoint now) const { return now < peer_expiry_; }

 private:
  StarVerdict become(StarState next);

  StarState state_;
  std::chrono::milliseconds peer_timeout_;
  // Until a peer is heard, a whole timeout from the start must pass before taking over.
  TimePoint peer_expiry_;
};

}  // namespace vigil::service
