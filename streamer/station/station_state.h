// A station's picture of the engine, kept after the ZeroMQ guide's Clone pattern
// (DESIGN.md section 4): a snapshot (alarms, advice, statuses, valid at one alert-stream
// sequence) fills it; stream updates are then applied strictly in sequence order. Anything
// that breaks the order (a jump in the sequence, a heartbeat announcing messages never
// seen, another engine epoch) makes the picture untrustworthy: the state says "resync
// needed", keeps what it receives in a buffer, and the next snapshot is applied with the
// buffered updates newer than it.
//
// Pure: no sockets, no clock. Time comes in as arguments, so tests move it by hand. The
// socket side is StationClient (station_client.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "alarms/core/domain.h"
#include "alerts.pb.h"

namespace vigil::streamer::station {

using SteadyTime = std::chrono::steady_clock::time_point;

// A silent link is itself an alarm (CLINICAL.md section 6). Heartbeats come about once a
// second, so this is two missed ones plus slack.
inline constexpr std::chrono::milliseconds kSilentAfter{3000};

// One alarm as last published, with the alert-stream sequence of that publication (0: it
// came from a snapshot or a control reply, which carry none per alarm).
struct AlarmEntry {
  core::AlarmEvent alarm;
  std::uint64_t sequence = 0;
};

struct AdviceEntry {
  core::AdviceEvent advice;
  std::uint64_t sequence = 0;
};

struct StatusEntry {
  core::PatientStatus status;
  std::uint64_t sequence = 0;
};

// What the state did with one stream message.
enum class Outcome {
  Applied,       // the next in sequence: the picture now shows it
  Buffered,      // no trustworthy picture yet: kept for the next snapshot
  Duplicate,     // at or below what the picture already holds (normal after a snapshot)
  ResyncNeeded,  // it revealed a gap or another epoch: buffered, a snapshot is needed
  OtherUnit,     // in sequence, but for a care unit this station does not show
  Invalid,       // in sequence, but unusable (no alert id, no patient, no phase)
};

// Why the last snapshot was needed, for the "resynchronised (gap of N)" notice.
enum class ResyncReason { None, Gap, EpochChange };

// Everything counted, so no drop is silent (DESIGN.md section 6).
struct StationCounters {
  std::uint64_t applied = 0;
  std::uint64_t heartbeats = 0;
  std::uint64_t duplicates = 0;       // dropped as already held
  std::uint64_t gaps = 0;             // sequence jumps, seen on an update or a heartbeat
  std::uint64_t messages_missed = 0;  // the sum of the jumps: messages never received
  std::uint64_t epoch_changes = 0;    // the engine restarted
  std::uint64_t snapshots = 0;        // snapshots applied, the first one included
  std::uint64_t resyncs = 0;          // snapshots applied because of a gap or an epoch change
  std::uint64_t buffered = 0;         // updates held while waiting for a snapshot
  std::uint64_t buffer_overflow = 0;  // the oldest buffered updates dropped to stay bounded
  std::uint64_t stale_epoch = 0;      // buffered updates of another epoch than the snapshot
  std::uint64_t other_unit = 0;
  std::uint64_t invalid = 0;
  std::uint64_t undecodable = 0;    // counted by the feed: payload did not parse
  std::uint64_t malformed = 0;      // counted by the feed: not [topic][payload]
  std::uint64_t unknown_topic = 0;  // counted by the feed: a topic outside the scheme

  // Every field, by name (alarms/core/counters.h).
  template <typename Visit>
  void visitFields(Visit&& visit) const {
    visit("applied", applied);
    visit("heartbeats", heartbeats);
    visit("duplicates", duplicates);
    visit("gaps", gaps);
    visit("messages_missed", messages_missed);
    visit("epoch_changes", epoch_changes);
    visit("snapshots", snapshots);
    visit("resyncs", resyncs);
    visit("buffered", buffered);
    visit("buffer_overflow", buffer_overflow);
    visit("stale_epoch", stale_epoch);
    visit("other_unit", other_unit);
    visit("invalid", invalid);
    visit("undecodable", undecodable);
    visit("malformed", malformed);
    visit("unknown_topic", unknown_topic);
  }

  // The drops that indicate a fault somewhere; duplicates, other units and resyncs are
  // the protocol working as designed.
  std::uint64_t faults() const { return undecodable + malformed + unknown_topic + invalid; }
};

// Live: a heartbeat within the last 3 s. Silent: none for more than 3 s, counting from
// the station's start when none ever came. Neither: just started, still waiting.
struct LinkStatus {
  bool live = false;
  bool silent = false;
  bool ever_heard = false;
  std::chrono::milliseconds quiet_for{0};  // since the last heartbeat, or since start
};

struct LastResync {
  ResyncReason reason = ResyncReason::None;
  std::uint64_t missed = 0;       // messages the gap (or gaps) skipped
  std::uint64_t at_sequence = 0;  // the snapshot's sequence
};

class StationState {
 public:
  // Bounded: with a stuck snapshot request the buffer must not grow without end. The
  // oldest go first; they are the ones the coming snapshot most likely already holds.
  static constexpr std::size_t kMaxBuffered = 20000;

  // `unit` is the care unit shown ("" for all); `started` is when the station began
  // listening, so "never heard a heartbeat" also turns silent after 3 s.
  StationState(std::string unit, SteadyTime started);

  // Replaces the whole picture with the snapshot, then applies the buffered updates newer
  // than it, in order.
  void applySnapshot(const vigil::v1::Snapshot& snapshot);

  Outcome apply(const vigil::v1::AlarmEvent& event);
  Outcome apply(const vigil::v1::AdviceEvent& event);
  Outcome apply(const vigil::v1::PatientStatus& status);
  // Keeps the link alive whatever the sequence says; a heartbeat announcing a sequence
  // never received reveals a message lost at the end of a burst.
  Outcome onHeartbeat(const vigil::v1::Heartbeat& heartbeat, SteadyTime now);

  // An alarm event from a control reply (acknowledgement, audio pause): shown at once,
  // without touching the stream's sequence bookkeeping; the stream brings the same event.
  void applyReply(const vigil::v1::AlarmEvent& event);

  bool hasSnapshot() const { return has_snapshot_; }
  bool resyncNeeded() const { return resync_needed_; }
  // True until a snapshot is applied, and again from a gap or an epoch change until the
  // next one: the station should ask for a snapshot.
  bool needsSnapshot() const { return !has_snapshot_ || resync_needed_; }

  std::uint64_t epoch() const { return epoch_; }
  // The engine-wide sequence, or the unit's own when perUnit().
  std::uint64_t lastSequence() const { return last_sequence_; }
  bool perUnit() const { return per_unit_; }
  std::size_t bufferedCount() const { return buffer_.size(); }
  const LastResync& lastResync() const { return last_resync_; }

  // Alarms by alert id: active, latched, acknowledged or audio-paused; an END removes.
  const std::map<std::string, AlarmEntry>& alarms() const { return alarms_; }
  // The one current advice per patient (no entry: no advice stands).
  const std::map<std::string, AdviceEntry>& advice() const { return advice_; }
  // The latest status per patient.
  const std::map<std::string, StatusEntry>& statuses() const { return statuses_; }

  LinkStatus link(SteadyTime now) const;
  // The engine's time from its last heartbeat (data time in a replay), if it sent one.
  std::optional<core::TimePoint> engineTime() const { return engine_time_; }

  StationCounters& counters() { return counters_; }
  const StationCounters& counters() const { return counters_; }

 private:
  struct BufferedHeartbeat {
    std::uint64_t engine_epoch = 0;
    std::uint64_t sequence = 0;
    std::uint64_t unit_sequence = 0;  // this station's unit's, from the heartbeat's map
  };
  using Update =
      std::variant<vigil::v1::AlarmEvent, vigil::v1::AdviceEvent, vigil::v1::PatientStatus, BufferedHeartbeat>;

  // Sequence bookkeeping shared by every kind; Applied means "take its content".
  template <typename Message>
  Outcome admit(const Message& message, std::uint64_t epoch, std::uint64_t sequence);
  Outcome admitHeartbeat(const BufferedHeartbeat& heartbeat);
  void markGap(std::uint64_t missed);
  void buffer(Update update);
  void replayBuffer();
  Outcome replay(const Update& update);

  bool forThisUnit(const std::string& unit) const { return unit_.empty() || unit == unit_; }
  // The number this station orders by: the unit's own sequence when it follows one unit
  // of an engine that numbers per unit (issue 16), else the engine-wide one.
  template <typename Message>
  std::uint64_t orderOf(const Message& message) const {
    return per_unit_ ? message.unit_sequence() : message.sequence();
  }
  Outcome take(const vigil::v1::AlarmEvent& event);
  Outcome take(const vigil::v1::AdviceEvent& event);
  Outcome take(const vigil::v1::PatientStatus& status);
  void storeAlarm(const vigil::v1::AlarmEvent& event, std::uint64_t sequence);
  void storeAdvice(const vigil::v1::AdviceEvent& event, std::uint64_t sequence);
  void storeStatus(const vigil::v1::PatientStatus& status, std::uint64_t sequence);

  std::string unit_;
  std::map<std::string, AlarmEntry> alarms_;
  std::map<std::string, AdviceEntry> advice_;
  std::map<std::string, StatusEntry> statuses_;
  std::deque<Update> buffer_;

  std::uint64_t epoch_ = 0;
  std::uint64_t last_sequence_ = 0;
  // Set by each snapshot: it follows one unit and the engine numbers per unit.
  bool per_unit_ = false;
  bool has_snapshot_ = false;
  bool resync_needed_ = false;
  ResyncReason pending_reason_ = ResyncReason::None;
  std::uint64_t pending_missed_ = 0;
  LastResync last_resync_;

  SteadyTime started_;
  std::optional<SteadyTime> last_heartbeat_;
  std::optional<core::TimePoint> engine_time_;
  StationCounters counters_;
};

// Readable, for notices: "resynchronised (gap of 12)", "resynchronised (engine restarted)".
std::string describeResync(const LastResync& resync);

}  // namespace vigil::streamer::station
