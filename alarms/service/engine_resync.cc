// EngineService's side of the Binary Star resync (star_resync.h): the passive engine asks,
// the active pushes its core state on the forwarding connection, the passive restores it,
// journals it and applies the ingest it held meanwhile. Kept apart from engine_service.cc,
// whose hooks into it are one line each.
#include <algorithm>
#include <iostream>
#include <random>

#include "alarms/service/engine_service.h"
#include "alarms/service/journal_history.h"
#include "alarms/snapshot/core_snapshot.h"

namespace vigil::service {
namespace v1 = vigil::v1;

namespace {

// How often a passive engine that is not synchronised looks whether to ask: a tenth of the
// peer timeout, so it asks within moments of hearing that its peer is active.
std::chrono::milliseconds resyncPoll(const StarConfig& star) {
  return std::max(star.peer_timeout / 10, std::chrono::milliseconds(10));
}

// A random start for the ask ids: a push that names none of this engine's asks is ignored,
// so a stray or forged one is not adopted by chance. Never 0 (proto3's "unset").
std::uint64_t randomAskId() {
  std::random_device random;
  const auto high = static_cast<std::uint64_t>(random()) << 30;
  return (high ^ static_cast<std::uint64_t>(random())) + 1;
}

v1::ControlReply refusal(std::string error) {
  v1::ControlReply reply;
  reply.set_ok(false);
  reply.set_error(std::move(error));
  return reply;
}

}  // namespace

void EngineService::setUpResync() {
  ResyncConfig resync;
  resync.ask_retry = config_.star->peer_timeout;
  resync_ = std::make_unique<StarResync>(resync, randomAskId());
  resync_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  scheduleResync();
}

void EngineService::scheduleResync() {
  if (resync_->synchronised()) return;  // for good: only a restart makes an engine unsynchronised
  resync_timer_->expires_after(resyncPoll(*config_.star));
  resync_timer_->async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    askPeerForState();
    scheduleResync();
  });
}

void EngineService::askPeerForState() {
  const auto ask_id = resync_->ask(star_->state() == StarState::Passive, std::chrono::steady_clock::now());
  if (!ask_id) return;
  v1::ControlRequest ask;
  ask.mutable_peer_resync()->set_resync_id(*ask_id);
  if (!star_->push(ask)) {
    resync_->askNotSent();  // not connected to the peer yet: the next poll tries again
    return;
  }
  ++resync_->counters().resync_asks;
  std::clog << "vigil-engine: Binary Star: passive and not synchronised; asking the active peer for its core state ("
            << resync_->heldCount() << " ingest messages held)" << std::endl;
}

bool EngineService::holdForResync(const streamer::Envelope& envelope, core::TimePoint receive_time,
                                  std::string_view gateway) {
  if (!resync_ || replaying_ || !resync_->holdsInputs(star_->active())) return false;
  resync_->hold(HeldInput{envelope, receive_time, std::string(gateway), ingestPosition(envelope), std::nullopt});
  return true;
}

bool EngineService::holdForResync(const v1::PeerForward& forward) {
  if (!resync_ || replaying_ || !resync_->holdsInputs(star_->active())) return false;
  HeldInput input;
  input.receive_time = clock_.now();
  input.forward = forward;
  resync_->hold(std::move(input));
  return true;
}

v1::ControlReply EngineService::peerResync(const v1::PeerResync& resync) {
  if (!star_) {
    ++counters_.control_malformed;
    return refusal("not a Binary Star engine: there is no peer to resync with");
  }
  auto reply = resync.core_snapshot().empty() ? sendStateToPeer(resync.resync_id()) : adoptPeerState(resync);
  reply.mutable_peer_resync()->set_resync_id(resync.resync_id());
  return reply;
}

// As the active: the state goes to the configured peer only, never back to whoever asked
// (it holds every patient's data), on the connection the forwards take.
v1::ControlReply EngineService::sendStateToPeer(std::uint64_t ask_id) {
  if (!star_->active()) return refusal("only the active Binary Star engine hands out its core state");
  v1::ControlRequest push;
  push.mutable_peer_resync()->set_resync_id(ask_id);
  push.mutable_peer_resync()->set_core_snapshot(snapshotBytes());
  const auto bytes = push.peer_resync().core_snapshot().size();
  if (!star_->push(push)) {
    ++resync_->counters().resync_states_not_sent;
    return refusal("the connection to the peer took nothing; ask again");
  }
  ++resync_->counters().resync_states_sent;
  std::clog << "vigil-engine: Binary Star: core state (" << bytes << " bytes) sent to the passive peer" << std::endl;
  v1::ControlReply reply;
  reply.set_ok(true);
  reply.mutable_peer_resync()->set_snapshot_bytes(bytes);
  return reply;
}

// As the passive: the active's state replaces this core, is journaled (so a restart of this
// engine recovers to it), and the ingest held since is applied after it.
v1::ControlReply EngineService::adoptPeerState(const v1::PeerResync& resync) {
  if (star_->active() || resync_->synchronised()) {
    ++resync_->counters().resync_pushes_ignored;
    return refusal(star_->active() ? "an active Binary Star engine keeps its own core state"
                                   : "this engine is synchronised: a second state would undo what it applied since");
  }
  snapshot::v1::CoreSnapshot state;
  if (!state.ParseFromString(resync.core_snapshot())) {
    resync_->failed();
    return refusal("the peer's core state does not parse");
  }
  switch (resync_->judge(resync.resync_id(), ingestCut(state.ingest_guard()))) {
    case ResyncDecision::Ignore: return refusal("a core state nobody asked for, or this engine is synchronised");
    case ResyncDecision::AskAgain: {
      std::clog << "vigil-engine: Binary Star: the peer's core state is behind the ingest held here; asking again"
                << std::endl;
      askPeerForState();
      v1::ControlReply reply;
      reply.set_ok(true);
      return reply;
    }
    case ResyncDecision::Adopt: break;
  }
  std::string error;
  if (!restorePeerState(state, resync.core_snapshot(), error)) {
    resync_->failed();
    std::clog << "vigil-engine: Binary Star: the peer's core state cannot be used: " << error << std::endl;
    return refusal("the core state cannot be used: " + error);
  }
  v1::ControlReply reply;
  reply.set_ok(true);
  reply.mutable_peer_resync()->set_adopted(true);
  return reply;
}

bool EngineService::restorePeerState(const snapshot::v1::CoreSnapshot& state, const std::string& bytes,
                                     std::string& error) {
  if (!restoreSnapshot(SnapshotRow{0, core::fromMillis(state.now_ms()), epoch_, state.version(), bytes}, error)) {
    return false;
  }
  const auto adopted_time = engine_.now();
  if (auto* journal = liveJournal()) journal->recordSnapshot(bytes, state.version(), adopted_time, epoch_);
  auto held = resync_->adopted();
  const auto held_count = held.size();
  const auto in_state_before = resync_->counters().resync_frames_in_snapshot;
  applyHeld(std::move(held));
  std::clog << "vigil-engine: Binary Star: synchronised with the active peer: its core state of "
            << state.patients_size() << " patients at engine time " << formatUtc(adopted_time) << " UTC, then "
            << held_count << " held ingest messages ("
            << resync_->counters().resync_frames_in_snapshot - in_state_before << " already in it)" << std::endl;
  return true;
}

// Through the live path, in arrival order: journaled, and published if this engine is
// active. The guard refuses what a restored state already holds, as duplicates.
void EngineService::applyHeld(std::deque<HeldInput> held) {
  for (const auto& message : held) {
    input_arrived_ = std::chrono::steady_clock::now();
    if (message.forward) {  // checked when it arrived; this engine may be active by now
      applyPeerRequest(*message.forward);
      continue;
    }
    const auto duplicates = pipeline_.guard().counters().duplicates;
    handleIngest(message.envelope, message.receive_time, message.gateway);
    if (pipeline_.guard().counters().duplicates > duplicates) {
      ++resync_->counters().resync_frames_in_snapshot;
    } else {
      ++resync_->counters().resync_frames_replayed;
    }
  }
}

// Taking over without the active's state happens only when the peer fell silent (or
// restarted) before it sent it: no better picture exists anywhere, and a unit without an
// engine is worse than one with a stale picture. Said loudly and counted.
void EngineService::catchUpOnTakeover() {
  if (!resync_) return;
  auto takeover = resync_->tookOver();
  if (takeover.unsynchronised) {
    std::clog << "vigil-engine: Binary Star: WARNING: taking over WITHOUT the peer's core state (it fell silent "
                 "before sending it): this engine's picture is its own journal's and what it heard since it "
                 "started; alarms and acknowledgements of a time it was down may be missing or differ"
              << std::endl;
  }
  applyHeld(std::move(takeover.held));
}

}  // namespace vigil::service
