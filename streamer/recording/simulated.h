// A simulated ward as the messages a recording of its gateway would hold: the topic and
// payload the gateway publishes, the receive time being the frame's own time.
#pragma once

#include <vector>

#include "recording.pb.h"
#include "streamer/simulator/ward.h"

namespace vigil::streamer::recording {

std::vector<vigil::v1::RecordedMessage> simulatedMessages(const sim::WardConfig& config);

}  // namespace vigil::streamer::recording
