// Turns what arrives on the alerts SUB socket into alarm events and heartbeats, and
// counts everything else on the board (DESIGN.md section 6: no silent failure).
#pragma once

#include <optional>

#include "alerts.pb.h"
#include "streamer/zmq_io.h"
#include "tools/vigil-console/board.h"

namespace vigil::console {

// What one received message did; `event` is set when it was an alarm event the board
// took (so --json prints exactly what the board shows), `heartbeat` when it was one.
struct Delivery {
  std::optional<vigil::v1::AlarmEvent> event;
  bool heartbeat = false;
  bool changed = false;  // the board's rows changed: redraw
};

Delivery deliver(const streamer::Envelope& envelope, AlarmBoard& board, SteadyTime now);

}  // namespace vigil::console
