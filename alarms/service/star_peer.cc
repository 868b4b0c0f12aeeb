#include "alarms/service/star_peer.h"

#include <algorithm>
#include <iostream>
#include <stdexcept>

#include "streamer/zmq_io.h"

namespace vigil::service {
namespace v1 = vigil::v1;
using Steady = std::chrono::steady_clock;

StarPeer::StarPeer(boost::asio::io_context& io, zmq::context_t& zmq, StarConfig config, const EngineKeys* keys,
                   TookOver took_over)
    : io_(io),
      config_(std::move(config)),
      took_over_(std::move(took_over)),
      fsm_(config_.role, config_.peer_timeout, Steady::now()),
      state_pub_(zmq, zmq::socket_type::pub),
      state_sub_(zmq, zmq::socket_type::sub),
      announce_timer_(io) {
  state_pub_.set(zmq::sockopt::linger, 0);
  state_sub_.set(zmq::sockopt::linger, 0);
  // Only the newest state matters: an old one queued behind a stall would mislead.
  state_sub_.set(zmq::sockopt::conflate, 1);
  state_sub_.set(zmq::sockopt::subscribe, "");
  if (keys) secure(*keys);
  state_endpoint_ = streamer::bindResolved(state_pub_, config_.state_bind);
  state_sub_.connect(config_.state_connect);
  if (!config_.peer_control.empty()) {
    peer_control_ = std::make_unique<streamer::ControlClient>(zmq, config_.peer_control, peer_security_);
  }
}

// Before bind and connect: CURVE options reach only later connections.
void StarPeer::secure(const EngineKeys& keys) {
  if (!keys.peer) throw std::invalid_argument("a Binary Star engine with keys needs its peer's key (--peer-key)");
  peer_name_ = keys.peer->name;
  streamer::applyCurveServer(state_pub_, keys.secret_key, kPeerZapDomain);
  // The engine's own pair as the client key (the peer admits it under peers/), the peer's
  // engine key as the only server accepted: a PUB bound by anyone else fails the handshake.
  peer_security_.curve = streamer::ClientCurve{keys.public_key, keys.secret_key, keys.peer->public_key};
  peer_security_.apply(state_sub_);
}

void StarPeer::start() {
  state_reader_ = std::make_unique<streamer::SocketReader>(io_, state_sub_, [this] { readPeerState(); });
  state_reader_->start();
  announce();
  scheduleAnnounce();
}

bool StarPeer::onClient() {
  const auto verdict = fsm_.onClient(Steady::now());
  apply(verdict);
  return fsm_.active();
}

void StarPeer::apply(const StarVerdict& verdict) {
  if (!verdict.fault.empty()) {
    ++counters_.faults;
    std::clog << "vigil-engine: Binary Star fault: " << verdict.fault << std::endl;
  }
  if (verdict.went_passive) {
    ++counters_.went_passive;
    std::clog << "vigil-engine: Binary Star: passive (the peer is active)" << std::endl;
  }
  if (verdict.took_over) {
    ++counters_.takeovers;
    std::clog << "vigil-engine: Binary Star: active" << std::endl;
    announce();  // the peer learns at once, and a restarting one goes passive
    if (took_over_) took_over_();
  }
}

void StarPeer::announce() {
  const auto name = starStateName(fsm_.state());
  if (state_pub_.send(zmq::buffer(name), zmq::send_flags::dontwait)) ++counters_.peer_states_sent;
}

void StarPeer::scheduleAnnounce() {
  // The guide's heartbeat: often enough that one lost or late beat is not a silence.
  announce_timer_.expires_after(std::max(config_.peer_timeout / 3, std::chrono::milliseconds(1)));
  announce_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    announce();
    scheduleAnnounce();
  });
}

void StarPeer::readPeerState() {
  zmq::message_t message;
  if (!state_sub_.recv(message, zmq::recv_flags::dontwait)) return;
  const auto peer = parseStarState(message.to_string_view());
  if (!peer) {
    ++counters_.peer_states_malformed;
    return;
  }
  ++counters_.peer_states_received;
  apply(fsm_.onPeer(*peer, Steady::now()));
}

std::optional<std::string> StarPeer::refuseForwardFrom(const std::optional<std::string>& authenticated) {
  if (peer_name_.empty() || (authenticated && *authenticated == peer_name_)) return std::nullopt;
  ++counters_.forwards_refused_not_peer;
  const std::string who = authenticated ? "'" + *authenticated + "'" : std::string("an unauthenticated connection");
  std::clog << "vigil-engine: Binary Star: refused a PeerForward from " << who << std::endl;
  return "refused: a forwarded request is accepted only from the peer engine's key '" + peer_name_ + "', not from " +
         who;
}

bool StarPeer::forward(const v1::ControlRequest& request, const std::string& identity, core::TimePoint engine_time) {
  if (!peer_control_) return false;
  // A peer not heard for the timeout is dead or cut off: waiting on it would only delay
  // the station's answer; the request is counted as not forwarded.
  if (!fsm_.peerAlive(Steady::now())) {
    ++counters_.forwards_skipped_peer_silent;
    return false;
  }
  v1::ControlRequest wrapped;
  auto* forward = wrapped.mutable_peer_forward();
  forward->set_request(request.SerializeAsString());
  forward->set_identity(identity);
  forward->set_engine_time_ms(core::toMillis(engine_time));
  ++counters_.forwards_sent;
  const auto reply = peer_control_->request(std::move(wrapped), config_.forward_timeout);
  if (reply && reply->ok()) {
    ++counters_.forwards_confirmed;
    return true;
  }
  ++counters_.forwards_unanswered;
  std::clog << "vigil-engine: Binary Star: the passive peer did not confirm a forwarded request"
            << (reply ? ": " + reply->error() : " in time") << std::endl;
  return false;
}

bool StarPeer::push(const v1::ControlRequest& request) {
  if (!peer_control_) return false;
  const auto payload = request.SerializeAsString();
  auto socket = peer_control_->handle();
  // The control client's framing ([empty][request]); a multipart message is queued whole or not at all.
  if (!socket.send(zmq::message_t{}, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) return false;
  return socket.send(zmq::buffer(payload), zmq::send_flags::dontwait).has_value();
}

}  // namespace vigil::service
