// Turns what arrives on a station's alerts SUB socket into StationState updates, and
// counts on the state whatever it cannot use (DESIGN.md section 6: no silent failure).
#pragma once

#include <optional>

#include "alerts.pb.h"
#include "streamer/station/station_state.h"
#include "streamer/topics.h"
#include "streamer/zmq_io.h"

namespace vigil::streamer::station {

// What one received message did. The message is kept when the state applied it, so a
// caller (the console's --json mode) can show exactly what the picture took.
struct Delivery {
  std::optional<TopicKind> kind;   // unset: malformed, unknown topic
  std::optional<Outcome> outcome;  // unset: nothing reached the state (undecodable ...)
  std::optional<vigil::v1::AlarmEvent> alarm;
  std::optional<vigil::v1::AdviceEvent> advice;
  std::optional<vigil::v1::PatientStatus> status;

  bool heartbeat() const { return kind == TopicKind::Heartbeat && outcome.has_value(); }
  // The picture changed (an alarm, an advice or a status applied).
  bool changed() const { return outcome == Outcome::Applied && !heartbeat(); }
};

Delivery deliver(const Envelope& envelope, StationState& state, SteadyTime now);

}  // namespace vigil::streamer::station
