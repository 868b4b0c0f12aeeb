// A station's side of the engine's control socket (ROUTER). It frames requests like a REQ
// socket ([empty][payload]) so the engine serves REQ and DEALER clients alike, but it
// never wedges: a lost reply is a timeout, and a late reply to an earlier request is
// recognised by its request id and dropped. Nothing is queued while the engine is
// unreachable, so a request is either answered now or not at all.
//
// Binary Star (issue 16): given "A,B", the engines of a pair, it connects to both. Only
// connected engines get requests (ZMQ_IMMEDIATE), so a dead one is skipped; the DEALER
// takes them in turn, so a request the passive engine refuses is sent again and reaches
// the active one.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "alerts.pb.h"
#include "streamer/security.h"

namespace vigil::streamer {

// What a passive Binary Star engine answers a station's request with.
inline constexpr char kPassiveRefusal[] = "passive: this engine is the Binary Star standby; ask its peer";

// "A,B" -> {"A", "B"}: the endpoints of an engine pair, or one engine's.
inline std::vector<std::string> splitEndpoints(const std::string& endpoints) { return splitCommaList(endpoints); }

class ControlClient {
 public:
  // `security` is applied before connecting: CURVE keys, or none for a plain connection.
  ControlClient(zmq::context_t& context, const std::string& endpoint, const ClientSecurity& security = {});

  std::optional<vigil::v1::ControlReply> request(vigil::v1::ControlRequest request, std::chrono::milliseconds timeout);

  // Requests a passive engine refused and that were sent again to its peer.
  std::uint64_t passiveRefusals() const { return passive_refusals_; }

  zmq::socket_ref handle() { return socket_; }

 private:
  zmq::socket_t socket_;
  std::optional<vigil::v1::ControlReply> requestOnce(vigil::v1::ControlRequest request,
                                                     std::chrono::steady_clock::time_point deadline);

  std::size_t endpoints_ = 0;
  std::uint64_t next_request_id_ = 1;
  std::uint64_t passive_refusals_ = 0;
};

}  // namespace vigil::streamer
