#include "tools/vigil-acm/engine_follower.h"

#include <iostream>
#include <stdexcept>

namespace vigil::acm {

EngineFollower::EngineFollower(zmq::context_t& context, const std::string& endpoints,
                               const streamer::ClientSecurity& security)
    : endpoints_(streamer::splitEndpoints(endpoints)) {
  if (endpoints_.empty()) throw std::invalid_argument("no engine control endpoint in '" + endpoints + "'");
  // One client each, not one DEALER over both: the exporter must know which engine it
  // follows, and must not ask the passive one every other time.
  for (const auto& endpoint : endpoints_) {
    clients_.push_back(std::make_unique<streamer::ControlClient>(context, endpoint, security));
  }
}

std::optional<v1::ControlReply> EngineFollower::request(const v1::ControlRequest& request,
                                                        std::chrono::milliseconds timeout) {
  for (std::size_t tried = 0; tried < clients_.size(); ++tried) {
    if (tried > 0) {
      current_ = (current_ + 1) % clients_.size();
      ++counters_.switches;
      std::clog << "vigil-acm: asking engine " << engineNumber() << " (" << engineEndpoint() << ")" << std::endl;
    }
    auto reply = clients_[current_]->request(request, timeout);
    if (!reply) {
      ++counters_.unanswered;
      continue;
    }
    if (!reply->ok() && reply->error() == streamer::kPassiveRefusal) {
      ++counters_.passive_refusals;
      continue;
    }
    return reply;
  }
  return std::nullopt;
}

}  // namespace vigil::acm
