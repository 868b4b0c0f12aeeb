#include "streamer/recording/simulated.h"

#include "streamer/source/source.h"

namespace vigil::streamer::recording {

std::vector<vigil::v1::RecordedMessage> simulatedMessages(const sim::WardConfig& config) {
  source::SimulatorSource ward(config);
  return source::drain(ward);
}

}  // namespace vigil::streamer::recording
