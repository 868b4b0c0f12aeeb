// The ingest guard (DESIGN.md section 4, "bad input is counted and survived"): decides,
// per decoded message and per source, whether the engine may trust it. Pure: no clocks
// (the caller passes the wall clock in live mode), no sockets, no exceptions: every
// decision is an IngestVerdict value and a counter.
//
// A source is (message kind, patient, device_id / source_id). The rules, in the order
// they are applied:
//
// Sequence numbers (per source; refused frames never change the source's state)
//   - first frame of a source: accepted; its sequence starts the count. A source whose
//     first sequence is 0 does not number its frames (proto3's default): only the time
//     rules apply to it until it sends a number.
//   - last + 1: accepted.
//   - last + 1 + k: accepted, reported as a gap of k missing frames, but only if the
//     source's time moved forward: a counter that leaps while the clock stands still is
//     corruption, not loss (FrameFault::SequenceLeapInPlace). The gap is reported only
//     once the source has shown it counts (kEstablishedRun frames in a row since it
//     appeared or restarted); before that it is counted as an unestablished gap: a
//     device name seen only in a corrupted copy now and then is not a device losing
//     frames, and must not raise a technical alarm.
//   - back to 0 or 1 (below the last), with the time moving forward: a rebooted gateway
//     counting again. Accepted, counted as a restart, the count starts over; no gap.
//   - anything else at or below the last: a duplicate (replayed, doubled by a proxy, or
//     stale): refused.
// Sources (how many are remembered)
//   - each gateway (its authenticated CURVE identity; every plain connection shares one)
//     has max_sources sources; a new source beyond that is refused (TooManySources),
//     counted, and reported in the verdict so the engine can raise a technical alarm.
//     Known sources are never evicted to make room: a burst of invented ids cannot make
//     the guard forget a real device.
//   - a source is forgotten only once silent (its newest time behind the engine's now)
//     for longer than stale_tolerance: every copy of its frames is then refused as stale,
//     so forgetting it can never turn a duplicate into a new frame.
// Time (the source's own clock, source_time_ms)
//   - 0 or negative: no time at all (a truncated message): refused.
//   - older than the source's last accepted frame by more than backwards_tolerance:
//     refused (clocks going backwards would reorder the engine's conditions).
//   - older than the engine's now (the wall clock live; the newest time accepted from any
//     source in replays) by more than stale_tolerance: refused, known device or not. A
//     stranger's first frame cannot bring a time from last year into the ward.
//   - live (a wall clock is given): more than future_tolerance ahead of it: refused.
//   - replay (no wall clock; time is the data's own): more than stream_jump_tolerance
//     ahead of the newest time accepted from any source is refused, unless the same
//     source's next frame (next sequence, same or later time) confirms the jump: a real
//     gap in a recording costs one frame per source, a single corrupt time costs nothing.
// Values (frames that passed the rules above)
//   - vital signs, per measurement (the rest of the frame is kept): a unit that is not
//     the code's UCUM unit is converted when the conversion is unambiguous (a fraction
//     "1" to % for SpO2, [degF] and K to Cel, kPa to mm[Hg], /s and /h to /min; "{beat}"
//     style annotations are ignored, an empty unit means the expected one) and dropped
//     otherwise; a value outside the device measuring range (metrics.h) is dropped.
//     Artifact and sensor-off readings are not checked: the device already says their
//     number means nothing, and the engine keeps them out of the rules.
//   - pump status and clinical events are refused whole when a number is outside its
//     range or an enumeration is unknown: a status with one impossible field cannot be
//     trusted in its others.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/core/deadline_queue.h"
#include "alarms/core/domain.h"
#include "alarms/core/id_index.h"

namespace vigil::core {

// Consecutive +1 frames after which a source's gaps are reported (see above).
inline constexpr unsigned kEstablishedRun = 3;

struct IngestGuardConfig {
  // Live mode: how far a device clock may run ahead of the engine's wall clock.
  Duration future_tolerance{std::chrono::minutes(2)};
  // Replay mode: how far one frame may jump ahead of the newest data time before it
  // needs its source's next frame to confirm it.
  Duration stream_jump_tolerance{std::chrono::minutes(10)};
  // Jitter a source's clock may show backwards (an NTP step, two threads stamping).
  Duration backwards_tolerance{std::chrono::seconds(1)};
  // How far behind the engine's now a frame may be (see the rules above). Two minutes,
  // the same as future_tolerance: enough for a monitor clock a few seconds off and for a
  // gateway delivering what it buffered through a network blip or a reconnect; beyond it
  // a frame is history, not monitoring (the longest rule delay is 60 s), and it is also the
  // duplicate window: a source silent for longer is forgotten.
  Duration stale_tolerance{std::chrono::minutes(2)};
  // Sources remembered per gateway; new ones beyond it are refused, never live ones
  // evicted, so a flood of invented device ids cannot grow the engine without bound.
  std::size_t max_sources = 4096;
};

// Why a whole message was refused.
enum class FrameFault {
  None,
  Duplicate,
  SequenceLeapInPlace,
  MissingTime,
  FutureTime,
  BackwardsTime,
  ImpossibleValue,
  StaleTime,       // further behind the engine's now than stale_tolerance
  TooManySources,  // a new source while its gateway already has max_sources
};

std::string_view frameFaultName(FrameFault fault);

struct IngestVerdict {
  FrameFault fault = FrameFault::None;
  std::string reason;              // readable; empty for a clean acceptance
  bool new_source = false;         // accepted: the first frame of its source
  std::uint64_t missing = 0;       // accepted after a gap of this many frames
  bool unestablished_gap = false;  // accepted after a jump the source has not earned a report for
  bool restarted = false;          // accepted: the source began counting again
  // The gateway this frame came through has max_sources sources: set on a TooManySources
  // refusal, and on an acceptance while the gateway is still full.
  bool gateway_full = false;
  int measurements_out_of_range = 0;
  int measurements_unit_mismatch = 0;
  int measurements_converted = 0;

  bool accepted() const { return fault == FrameFault::None; }
  int measurementsDropped() const { return measurements_out_of_range + measurements_unit_mismatch; }
};

struct IngestGuardCounters {
  std::uint64_t accepted = 0;
  std::uint64_t new_sources = 0;
  std::uint64_t unnumbered = 0;  // accepted from a source that does not number its frames
  std::uint64_t duplicates = 0;
  std::uint64_t sequence_gaps = 0;
  std::uint64_t frames_missing = 0;
  std::uint64_t unestablished_gaps = 0;  // jumps of a source that never counted steadily
  std::uint64_t restarts = 0;
  std::uint64_t sequence_leaps_in_place = 0;
  std::uint64_t missing_time = 0;
  std::uint64_t future_time = 0;
  std::uint64_t backwards_time = 0;
  std::uint64_t stream_jumps_confirmed = 0;
  std::uint64_t impossible_pump_status = 0;
  std::uint64_t impossible_clinical_event = 0;
  std::uint64_t measurements_out_of_range = 0;
  std::uint64_t measurements_unit_mismatch = 0;
  std::uint64_t measurements_converted = 0;
  std::uint64_t sources_forgotten = 0;  // silent longer than stale_tolerance
  std::uint64_t stale_time = 0;
  std::uint64_t sources_refused = 0;  // new sources beyond their gateway's max_sources

  // Every field, by name (alarms/core/counters.h).
  template <typename Visit>
  void visitFields(Visit&& visit) const {
    visit("accepted", accepted);
    visit("new_sources", new_sources);
    visit("unnumbered", unnumbered);
    visit("duplicates", duplicates);
    visit("sequence_gaps", sequence_gaps);
    visit("frames_missing", frames_missing);
    visit("unestablished_gaps", unestablished_gaps);
    visit("restarts", restarts);
    visit("sequence_leaps_in_place", sequence_leaps_in_place);
    visit("missing_time", missing_time);
    visit("future_time", future_time);
    visit("backwards_time", backwards_time);
    visit("stream_jumps_confirmed", stream_jumps_confirmed);
    visit("impossible_pump_status", impossible_pump_status);
    visit("impossible_clinical_event", impossible_clinical_event);
    visit("measurements_out_of_range", measurements_out_of_range);
    visit("measurements_unit_mismatch", measurements_unit_mismatch);
    visit("measurements_converted", measurements_converted);
    visit("sources_forgotten", sources_forgotten);
    visit("stale_time", stale_time);
    visit("sources_refused", sources_refused);
  }

  // Every message refused whole, whatever the reason.
  std::uint64_t refused() const;
};

using CounterVisitor = std::function<void(std::string_view name, std::uint64_t value)>;

class IngestGuard {
 public:
  explicit IngestGuard(IngestGuardConfig config = {});

  // `wall_now`: the wall clock in live mode; nullopt in replays, where time is the data's.
  // `gateway`: the authenticated identity the frame came from ("" on plain connections).
  // Vital signs may come back with measurements dropped or converted in place.
  IngestVerdict check(VitalsFrame& frame, std::optional<TimePoint> wall_now, std::string_view gateway = {});
  IngestVerdict check(PumpStatus& status, std::optional<TimePoint> wall_now, std::string_view gateway = {});
  IngestVerdict check(ClinicalEvent& event, std::optional<TimePoint> wall_now, std::string_view gateway = {});

  const IngestGuardCounters& counters() const { return counters_; }
  void visitCounters(const CounterVisitor& visit) const;
  std::size_t sourceCount() const { return by_key_.size(); }
  std::size_t sourceCount(std::string_view gateway) const;

  // Snapshots (alarms/snapshot): every source the guard follows, as values, so a restored
  // guard judges the next frame of each exactly as this one would.
  struct SavedSource {
    int kind = 0;  // Kind: 0 vitals, 1 pump, 2 event
    std::string patient_id;
    std::string source_id;
    bool has_accepted = false;
    bool numbered = false;
    std::uint64_t last_sequence = 0;
    unsigned run = 0;
    TimePoint last_time;
    std::optional<std::uint64_t> pending_jump_sequence;
    TimePoint pending_jump_time;
    std::string gateway;
    TimePoint heard;  // the newest time heard from it
  };
  struct Saved {
    std::vector<SavedSource> sources;
    std::optional<TimePoint> stream_time;
    IngestGuardCounters counters;
  };
  Saved saved() const;
  // Replaces every source; the configuration stays this guard's own.
  void restore(const Saved& saved);

 private:
  enum class Kind { Vitals, Pump, Event };
  using Handle = IdIndex::Handle;

  struct PendingJump {
    std::uint64_t sequence = 0;
    TimePoint time;
  };

  struct SourceState {
    bool has_accepted = false;
    bool numbered = false;
    std::uint64_t last_sequence = 0;
    unsigned run = 0;  // consecutive +1 frames, up to kEstablishedRun
    TimePoint last_time;
    std::optional<PendingJump> pending_jump;
    std::string gateway;  // whose budget it counts against
    TimePoint heard;      // the newest time heard from it (its deadline in heard_)
    // When `heard` last changed, counted over all sources: sources heard at one time are
    // snapshotted in this order, as the multimap that kept them before issue 13 did.
    std::uint64_t heard_order = 0;
  };
  // A source's key in by_key_ read back (keyOf() in reverse): the key is its only copy of them.
  struct SourceName {
    Kind kind;
    std::string_view patient_id;
    std::string_view source_id;
  };
  static SourceName nameOf(std::string_view key);

  // Sequence and time rules; on acceptance the verdict says how (gap, restart) and
  // `commit` must be called once the values have passed too.
  IngestVerdict admit(SourceState& source, std::uint64_t sequence, TimePoint time, std::optional<TimePoint> wall_now);
  IngestVerdict admitSequence(const SourceState& source, std::uint64_t sequence, TimePoint time) const;
  IngestVerdict admitTime(SourceState& source, std::uint64_t sequence, TimePoint time,
                          std::optional<TimePoint> wall_now);
  void commit(SourceState& source, std::uint64_t sequence, TimePoint time, const IngestVerdict& verdict);
  // The one path of every message: source budget, sequence and time, then `values`
  // (which may refuse the message or drop measurements) before the source's state moves.
  template <typename Value, typename CheckValues>
  IngestVerdict checkFrom(Kind kind, Value& value, const std::string& source_id, std::optional<TimePoint> wall_now,
                          std::string_view gateway, CheckValues values);
  // The engine's now: the wall clock live, the newest accepted data time in replays.
  std::optional<TimePoint> engineNow(std::optional<TimePoint> wall_now) const;
  // The source's key in by_key_: kind, patient and source id, the patient id's length
  // first so that no two sources share a key. Built in a reused buffer: no allocation.
  const std::string& keyOf(Kind kind, std::string_view patient_id, std::string_view source_id);
  // The source's handle, created if the gateway has room; nullopt when it has none.
  std::optional<Handle> sourceFor(Kind kind, const std::string& patient_id, const std::string& source_id,
                                  std::string_view gateway, TimePoint heard);
  Handle add(Kind kind, std::string_view patient_id, std::string_view source_id);
  bool known(Handle handle) const { return sources_[handle].heard_order != 0; }
  void noteHeard(Handle handle, TimePoint heard);
  void forget(Handle handle);
  void forgetSilent(std::optional<TimePoint> now);
  bool gatewayFull(std::string_view gateway) const;
  void count(const IngestVerdict& verdict);

  IngestGuardConfig config_;
  // A frame finds its source in one probe (issue 13); sources_ is indexed by its handles.
  IdIndex by_key_;
  std::vector<SourceState> sources_;
  std::string key_buffer_;
  // Every source by the newest time heard from it, oldest first: forgetting the silent
  // ones looks only at the front, so no message costs a scan of all sources, and a source
  // heard later again (every frame) costs nothing until its old time comes up.
  DeadlineQueue<std::uint64_t> heard_;
  std::uint64_t heard_order_ = 0;
  std::map<std::string, std::size_t, std::less<>> sources_per_gateway_;
  std::optional<TimePoint> stream_time_;  // newest time accepted from any source
  IngestGuardCounters counters_;
};

}  // namespace vigil::core
