// The station's picture of the engine's active alarms, kept after the ZeroMQ guide's
// Clone pattern (DESIGN.md section 4): a snapshot fills the board, then live alert events
// with higher sequence numbers replace, latch or remove rows by their stable alert id.
// It also keeps the heartbeat bookkeeping that tells a live engine from a silent one.
//
// No clock is read here: every time comes in as an argument, so tests move time by hand.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "alarms/core/domain.h"
#include "alerts.pb.h"

namespace vigil::console {

using SteadyTime = std::chrono::steady_clock::time_point;

// A silent link is itself an alarm (CLINICAL.md section 6). Heartbeats come about once a
// second, so this is two missed ones plus slack.
inline constexpr std::chrono::milliseconds kSilentAfter{3000};

struct Row {
  core::AlarmEvent alarm;
  std::uint64_t sequence = 0;  // alert-stream sequence of the event this row shows; 0: unknown
};

// What `AlarmBoard::apply` did with one event.
enum class ApplyOutcome {
  Added,     // a new row (START, or a missed START seen as UPDATE)
  Replaced,  // the row now shows the event's state
  Latched,   // the condition ended but the row stays until acknowledged
  Removed,   // END: the row is gone
  Stale,     // older than what the board already shows (Clone pattern): skipped
  OtherUnit, // not for the care unit this station watches: skipped
  Invalid,   // no alert id or no phase: counted as dropped
};

// True when the event changed what the board shows.
bool changedBoard(ApplyOutcome outcome);

// Everything received that the board could not use, shown in the header so nothing is
// dropped silently.
struct DropCounters {
  std::uint64_t undecodable = 0;    // payload did not parse as the message its topic names
  std::uint64_t malformed = 0;      // not a [topic][payload] two-part message
  std::uint64_t unknown_topic = 0;  // a topic outside the scheme
  std::uint64_t invalid = 0;        // parsed, but no alert id or no phase
  std::uint64_t stale = 0;          // older than the snapshot or the row (normal after a resync)
  std::uint64_t other_unit = 0;     // snapshot alarms of another unit (unit_prefix is a prefix)

  // The drops that indicate a fault somewhere (stale and other-unit ones are expected).
  std::uint64_t faults() const { return undecodable + malformed + unknown_topic + invalid; }
};

struct PriorityCounts {
  std::size_t high = 0;
  std::size_t medium = 0;
  std::size_t low = 0;
  std::size_t none = 0;
};

// Live: a heartbeat within the last 3 s. Silent: none for more than 3 s, counting from
// the station's start when none ever came. Neither: just started, still waiting.
struct LinkStatus {
  bool live = false;
  bool silent = false;
  bool ever_heard = false;                  // false: no heartbeat since the station started
  std::chrono::milliseconds quiet_for{0};   // since the last heartbeat, or since start
};

class AlarmBoard {
 public:
  // `unit` is the care unit this station watches ("" for all); `started` is when the
  // station began listening, so "never heard a heartbeat" also turns silent after 3 s.
  AlarmBoard(std::string unit, SteadyTime started);

  // Replaces every row with the snapshot's alarms and takes its epoch and sequence as the
  // point from which live events count.
  void applySnapshot(const vigil::v1::Snapshot& snapshot);
  ApplyOutcome apply(const vigil::v1::AlarmEvent& event);
  void onHeartbeat(const vigil::v1::Heartbeat& heartbeat, SteadyTime now);
  // The engine's time from its last heartbeat (data time in a replay), if it sent one.
  std::optional<core::TimePoint> engineTime() const { return engine_time_; }

  // Sorted: highest priority first, then the oldest start, then alert id (a stable order).
  const std::vector<Row>& rows() const { return rows_; }
  const Row* find(const std::string& alert_id) const;

  // The selection follows its alert id when rows reorder; when that row goes, the row now
  // at the same position is selected.
  std::optional<std::size_t> selectedIndex() const;
  const Row* selected() const;
  void moveSelection(int delta);

  PriorityCounts counts() const;
  LinkStatus link(SteadyTime now) const;

  bool hasSnapshot() const { return has_snapshot_; }
  // Set when the engine's epoch changed (a restart): the board must be refilled from a
  // new snapshot. Cleared by applySnapshot.
  bool resyncNeeded() const { return resync_needed_; }
  std::uint64_t epoch() const { return epoch_; }

  DropCounters& drops() { return drops_; }
  const DropCounters& drops() const { return drops_; }

 private:
  // Remembers recently ended alarms so that an older event arriving later (for example
  // from the stream after an acknowledgement reply already ended the row) cannot bring
  // the row back. Bounded: it only has to cover the stream's reordering window.
  static constexpr std::size_t kEndedMemory = 256;
  struct Ended {
    std::string alert_id;
    std::uint64_t sequence = 0;
  };

  bool forThisUnit(const vigil::v1::AlarmEvent& event) const;
  bool isStale(const vigil::v1::AlarmEvent& event) const;
  void noteEpoch(std::uint64_t epoch);
  ApplyOutcome store(const vigil::v1::AlarmEvent& event);
  ApplyOutcome remove(const vigil::v1::AlarmEvent& event);
  void resort();

  std::string unit_;
  std::vector<Row> rows_;
  std::deque<Ended> ended_;
  std::optional<std::string> selected_id_;
  std::size_t selected_position_ = 0;  // where the selected row was, for when it goes

  std::uint64_t epoch_ = 0;
  std::uint64_t snapshot_sequence_ = 0;
  bool has_snapshot_ = false;
  bool resync_needed_ = false;

  SteadyTime started_;
  std::optional<SteadyTime> last_heartbeat_;
  std::optional<core::TimePoint> engine_time_;
  DropCounters drops_;
};

}  // namespace vigil::console
