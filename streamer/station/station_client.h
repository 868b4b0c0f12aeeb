// The socket side of a station (DESIGN.md section 4, the ZeroMQ guide's Clone pattern):
// subscribe FIRST to the unit's alert, advice and status topics and the heartbeat, buffer
// what arrives, THEN ask the control socket for a snapshot, apply it with the buffered
// updates newer than it, and from then on apply updates in sequence order. On a gap or an
// engine restart it does it all again by itself.
//
// A slow or stuck station never blocks the engine: the engine's PUB drops at its
// high-water mark for this subscriber alone, and the sequence numbers make the loss
// visible here (counted as gaps and missed messages, healed by a resync).
//
// It never blocks either, except inside a control request (bounded by its timeout): the
// caller polls alertsSocket() next to its own inputs and calls pump() when it is readable
// or when nextDeadline() comes. Time is passed in, so the scheduling is testable.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "alerts.pb.h"
#include "streamer/control_client.h"
#include "streamer/security.h"
#include "streamer/station/station_feed.h"
#include "streamer/station/station_state.h"
#include "streamer/zmq_io.h"

namespace vigil::streamer::station {

struct StationOptions {
  std::string alerts_endpoint = "tcp://127.0.0.1:7402";
  std::string control_endpoint = "tcp://127.0.0.1:7403";
  std::string unit;  // "" for every care unit
  // 0 keeps ZeroMQ's default (1000 messages). Small values make a slow station lose
  // messages sooner: it then resynchronises, the engine never waits for it.
  int receive_high_water_mark = 0;
  // SO_RCVBUF for the alerts connection; 0 keeps the kernel's default.
  int receive_buffer_bytes = 0;
  std::chrono::milliseconds request_timeout{2000};
  // After a failed snapshot request: the engine is away or refusing, do not hammer it.
  std::chrono::milliseconds retry_after_failure{5000};
  // Between two snapshot requests that succeeded: a station that keeps losing messages
  // must not turn into a stream of snapshot requests.
  std::chrono::milliseconds min_resync_interval{250};
  // The first snapshot waits for the first message (a heartbeat comes every second), which
  // proves the subscription has reached the engine; after this long it asks anyway.
  std::chrono::milliseconds subscription_grace{1500};
  // CURVE keys for both connections, or none (loopback development).
  ClientSecurity security;
};

// One snapshot request and how it went.
struct SnapshotAttempt {
  bool ok = false;
  bool resync = false;  // asked because of a gap or an engine restart, not at start
  std::string error;    // when not ok
  std::size_t alarms = 0;
  std::uint64_t sequence = 0;
};

struct PumpResult {
  std::vector<Delivery> deliveries;  // in arrival order
  std::optional<SnapshotAttempt> snapshot;
  // The picture changed: an update or a snapshot applied.
  bool changed() const;
};

class StationClient {
 public:
  StationClient(zmq::context_t& context, StationOptions options, SteadyTime now);

  // Takes at most `max_messages` waiting messages (a burst must not starve the caller's
  // other inputs), then asks for a snapshot if one is needed and due.
  PumpResult pump(SteadyTime now, int max_messages);

  // A control request (acknowledge, audio pause, clinical event, stats). nullopt: no reply
  // in time, or a signal interrupted the wait.
  std::optional<vigil::v1::ControlReply> request(vigil::v1::ControlRequest request);

  // For the caller's poll: readable when stream messages wait.
  zmq::socket_ref alertsSocket() { return subscriber_.handle(); }
  // When pump() should run at the latest even if nothing arrives (a snapshot is due).
  std::optional<SteadyTime> nextDeadline() const;

  StationState& state() { return state_; }
  const StationState& state() const { return state_; }
  const StationOptions& options() const { return options_; }

 private:
  void subscribe();
  bool snapshotDue(SteadyTime now) const;
  SnapshotAttempt requestSnapshot(SteadyTime now);

  StationOptions options_;
  Subscriber subscriber_;
  ControlClient control_;
  StationState state_;
  SteadyTime subscribed_at_;
  bool heard_anything_ = false;
  SteadyTime next_snapshot_at_;
};

}  // namespace vigil::streamer::station
