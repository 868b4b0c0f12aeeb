// A station's side of the engine's control socket (ROUTER). It frames requests like a REQ
// socket ([empty][payload]) so the engine serves REQ and DEALER clients alike, but it
// never wedges: a lost reply is a timeout, and a late reply to an earlier request is
// recognised by its request id and dropped. Nothing is queued while the engine is
// unreachable, so a request is either answered now or not at all.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "alerts.pb.h"
#include "streamer/security.h"

namespace vigil::streamer {

class ControlClient {
 public:
  // `security` is applied before connecting: CURVE keys, or none for a plain connection.
  ControlClient(zmq::context_t& context, const std::string& endpoint, const ClientSecurity& security = {});

  std::optional<vigil::v1::ControlReply> request(vigil::v1::ControlRequest request, std::chrono::milliseconds timeout);

  zmq::socket_ref handle() { return socket_; }

 private:
  zmq::socket_t socket_;
  std::uint64_t next_request_id_ = 1;
};

}  // namespace vigil::streamer
