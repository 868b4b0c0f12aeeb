#include "alarms/service/binary_star.h"

#include <array>
#include <utility>

namespace vigil::service {
namespace {

constexpr std::array<std::pair<StarState, std::string_view>, 4> kNames{{
    {StarState::Primary, "primary"},
    {StarState::Backup, "backup"},
    {StarState::Active, "active"},
    {StarState::Passive, "passive"},
}};

}  // namespace

std::string_view starStateName(StarState state) {
  for (const auto& [candidate, name] : kNames) {
    if (candidate == state) return name;
  }
  return "unknown";
}

std::optional<StarState> parseStarState(std::string_view name) {
  for (const auto& [state, state_name] : kNames) {
    if (state_name == name) return state;
  }
  return std::nullopt;
}

BinaryStar::BinaryStar(StarRole role, std::chrono::milliseconds peer_timeout, TimePoint started)
    : state_(role == StarRole::Primary ? StarState::Primary : StarState::Backup),
      peer_timeout_(peer_timeout),
      peer_expiry_(started + peer_timeout) {}

StarVerdict BinaryStar::become(StarState next) {
  StarVerdict verdict;
  verdict.took_over = next == StarState::Active && state_ != StarState::Active;
  verdict.went_passive = next == StarState::Passive && state_ != StarState::Passive;
  state_ = next;
  return verdict;
}

StarVerdict BinaryStar::onPeer(StarState peer, TimePoint now) {
  peer_expiry_ = now + peer_timeout_;
  switch (state_) {
    case StarState::Primary:
      if (peer == StarState::Backup) return become(StarState::Active);   // the backup waits for us
      if (peer == StarState::Active) return become(StarState::Passive);  // we restarted: rejoin as backup
      return {};
    case StarState::Backup:
      if (peer == StarState::Active) return become(StarState::Passive);
      return {};
    case StarState::Active:
      if (peer == StarState::Active) return StarVerdict{false, false, false, "dual actives"};
      return {};
    case StarState::Passive:
      // The peer is restarting: we take over, it will go passive when it hears us.
      if (peer == StarState::Primary || peer == StarState::Backup) return become(StarState::Active);
      if (peer == StarState::Passive) return StarVerdict{false, false, false, "dual passives"};
      return {};
  }
  return {};
}

StarVerdict BinaryStar::onClient(TimePoint now) {
  switch (state_) {
    case StarState::Active: return {};
    case StarState::Backup: return StarVerdict{false, false, true, {}};  // never serves before it knows the peer
    case StarState::Primary:
    case StarState::Passive:
      // The clients are still heard while the peer is not: take over.
      if (!peerAlive(now)) return become(StarState::Active);
      return StarVerdict{false, false, true, {}};
  }
  return {};
}

}  // namespace vigil::service
