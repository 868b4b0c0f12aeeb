// vigil-acm's side of the engines' control sockets. Given "A,B", a Binary Star pair
// (issue 16), it keeps one control client per address and asks the engine that answered
// last; a passive engine's refusal (streamer::kPassiveRefusal), a timeout or an engine
// that is not connected moves it on to the next address, each tried at most once per
// request. It stays with whichever engine answered, so after a takeover it follows the
// new active engine, as a station does. One address: one engine, as before.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "alerts.pb.h"
#include "streamer/control_client.h"
#include "streamer/security.h"

namespace vigil::acm {

struct FollowerCounters {
  std::uint64_t switches = 0;          // moves to another address
  std::uint64_t passive_refusals = 0;  // answers "passive: ..."
  std::uint64_t unanswered = 0;        // tries without a reply in time
};

class EngineFollower {
 public:
  EngineFollower(zmq::context_t& context, const std::string& endpoints, const streamer::ClientSecurity& security);

  // The reply of the first engine that is not passive; nullopt when none answered within
  // `timeout` (per address). A refusal for another reason is a reply like any other.
  std::optional<v1::ControlReply> request(const v1::ControlRequest& request, std::chrono::milliseconds timeout);

  // Which address is followed now: 1-based, as given.
  std::size_t engineNumber() const { return current_ + 1; }
  const std::string& engineEndpoint() const { return endpoints_[current_]; }
  std::size_t engines() const { return endpoints_.size(); }
  const FollowerCounters& counters() const { return counters_; }

 private:
  std::vector<std::string> endpoints_;
  std::vector<std::unique_ptr<streamer::ControlClient>> clients_;
  std::size_t current_ = 0;
  FollowerCounters counters_;
};

}  // namespace vigil::acm
