// Binary Star (issue 16): a passive engine copies its active peer's core before its picture
// is trusted. A restarted engine recovers from its own journal only up to its crash; the
// ingest and the forwarded acknowledgements of its downtime went to the other engine
// alone. Taking over with that picture would change alarm ids and lose acknowledgements.
//
// How the copy meets the live stream (the cut):
//  - While not synchronised and not active, every ingest message and every request the
//    active forwards waits here, raw and in arrival order, instead of going into the core
//    (the core is about to be replaced).
//  - The passive asks once ingest reaches it (its subscription works, so nothing published
//    after the cut can pass it by), or after a quiet ask_retry. The active serialises its
//    core and the ingest guard (core_snapshot.h) and pushes it on the connection it
//    forwards requests on: the forwards held before the push are in it (dropped), those
//    after it arrive after it, in order.
//  - The guard's per-source last sequence numbers say exactly which ingest the state holds.
//    The passive restores it and feeds the held messages through its pipeline: the guard
//    refuses those at or below the cut as duplicates and applies the rest, so the cores are
//    identical from then on.
//  - A state whose cut lies before the first held frame of a source it knows (the active
//    was still behind on ingest the passive already held) would leave frames in neither:
//    the passive asks again, a few times, before it accepts the gap as the stream's own.
//  - Taking over before a copy arrived (the peer fell silent first) applies everything
//    held, in order, to this engine's own core: what it would have done without holding.
//
// Pure: no sockets and no clock (times come in as values), so the rules are tested with
// plain values; EngineService (engine_resync.cc) does the sockets and the core.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "alarms/core/domain.h"
#include "alerts.pb.h"
#include "snapshot.pb.h"
#include "streamer/zmq_io.h"

namespace vigil::service {

// A source as the ingest guard keys it (ingest_guard.h).
struct IngestSourceKey {
  int kind = 0;  // as the guard's snapshot numbers kinds: 0 vitals, 1 pump, 2 clinical event
  std::string patient_id;
  std::string source_id;  // device_id, or a clinical event's source_id

  auto operator<=>(const IngestSourceKey&) const = default;
};

// Per numbered source, the last sequence a state's guard accepted: the ingest it holds.
using IngestCut = std::map<IngestSourceKey, std::uint64_t>;
IngestCut ingestCut(const vigil::snapshot::v1::IngestGuard& guard);

struct IngestPosition {
  IngestSourceKey source;
  std::uint64_t sequence = 0;  // 0: the source does not number its frames
};

// The source and sequence a raw ingest message carries; nullopt when it does not decode
// (the pipeline will refuse and count it when it gets there).
std::optional<IngestPosition> ingestPosition(const streamer::Envelope& envelope);

// The sources `cut` knows whose first held sequence is beyond the cut's last + 1: the
// frames between are neither in the state nor held. Unnumbered sources cannot be judged.
std::vector<IngestSourceKey> uncoveredSources(const IngestCut& cut,
                                              const std::map<IngestSourceKey, std::uint64_t>& first_held);

// An input held while the engine is not synchronised, as it arrived: an ingest message,
// or a request its active peer forwarded.
struct HeldInput {
  streamer::Envelope envelope;
  core::TimePoint receive_time;
  std::string gateway;
  std::optional<IngestPosition> position;
  std::optional<vigil::v1::PeerForward> forward;  // set: a forwarded request, not ingest
};

struct ResyncCounters {
  std::uint64_t synchronised = 0;  // 1 once the core is the active peer's (or this engine is the active one)
  std::uint64_t resync_asks = 0;
  std::uint64_t resyncs = 0;                    // states adopted
  std::uint64_t resync_held = 0;                // ingest messages held while not synchronised
  std::uint64_t resync_forwards_held = 0;       // forwarded requests held likewise
  std::uint64_t resync_held_dropped = 0;        // the oldest, beyond the hold's capacity
  std::uint64_t resync_frames_replayed = 0;     // held messages applied after the state
  std::uint64_t resync_frames_in_snapshot = 0;  // held messages the state already held
  std::uint64_t resync_seam_gaps = 0;           // a state behind the held ingest: asked again
  std::uint64_t resync_gaps_accepted = 0;       // ... until the retries ran out
  std::uint64_t resync_pushes_ignored = 0;      // a state not asked for, or once synchronised
  std::uint64_t resync_failures = 0;            // a state that could not be restored
  std::uint64_t resync_states_sent = 0;         // as the active
  std::uint64_t resync_states_not_sent = 0;     // as the active: the peer's connection took nothing
  std::uint64_t takeovers_unsynchronised = 0;   // took over with its own stale picture (the peer was silent)

  // Every field, by name (alarms/core/counters.h).
  template <typename Visit>
  void visitFields(Visit&& visit) const {
    visit("synchronised", synchronised);
    visit("resync_asks", resync_asks);
    visit("resyncs", resyncs);
    visit("resync_held", resync_held);
    visit("resync_forwards_held", resync_forwards_held);
    visit("resync_held_dropped", resync_held_dropped);
    visit("resync_frames_replayed", resync_frames_replayed);
    visit("resync_frames_in_snapshot", resync_frames_in_snapshot);
    visit("resync_seam_gaps", resync_seam_gaps);
    visit("resync_gaps_accepted", resync_gaps_accepted);
    visit("resync_pushes_ignored", resync_pushes_ignored);
    visit("resync_failures", resync_failures);
    visit("resync_states_sent", resync_states_sent);
    visit("resync_states_not_sent", resync_states_not_sent);
    visit("takeovers_unsynchronised", takeovers_unsynchronised);
  }
};

struct ResyncConfig {
  // Held ingest beyond this drops the oldest (counted): the active answers an ask in
  // milliseconds, so the hold fills only when it does not answer for minutes, and a state
  // behind the dropped frames is then asked for again like any seam gap.
  std::size_t hold_capacity = 200'000;
  std::chrono::milliseconds ask_retry{2000};  // no state within this: ask again
  unsigned seam_retries = 5;
};

enum class ResyncDecision {
  Adopt,     // restore the state, then apply the held ingest
  Ignore,    // not asked for, or already synchronised
  AskAgain,  // the state's cut is behind the held ingest
};

class StarResync {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  // `first_ask_id`: ask ids count up from here; a random start makes a forged push unlikely
  // to name an ask.
  StarResync(ResyncConfig config, std::uint64_t first_ask_id);

  bool synchronised() const { return synchronised_; }
  // Not synchronised and not active: ingest and forwarded requests are held here, in the
  // order they arrived, instead of entering the core.
  bool holdsInputs(bool active) const { return !synchronised_ && !active; }
  void hold(HeldInput input);
  std::size_t heldCount() const { return held_.size(); }
  // The first held sequence of each numbered source.
  std::map<IngestSourceKey, std::uint64_t> firstHeld() const;

  // Passive and not synchronised, with ingest held (or passive for ask_retry already) and
  // no ask younger than ask_retry: a new ask's id.
  std::optional<std::uint64_t> ask(bool passive, SteadyTime now);
  // The ask could not be sent: the next poll asks again.
  void askNotSent() { asked_at_.reset(); }

  // A state pushed for ask `ask_id`, holding the ingest up to `cut`.
  ResyncDecision judge(std::uint64_t ask_id, const IngestCut& cut);
  // The state was restored: synchronised from now on. The held ingest, oldest first, to
  // apply after it. The held forwards are dropped: they reached this engine before the
  // state, on the same connection, so the active had applied them before it took it.
  std::deque<HeldInput> adopted();
  // The state could not be restored: asked again at the next poll.
  void failed();

  struct Takeover {
    bool unsynchronised = false;  // went passive and never got the active's state
    std::deque<HeldInput> held;   // everything held, to apply to this engine's own core in order
  };
  // This engine became active: its own core is the truth from now on.
  Takeover tookOver();

  ResyncCounters& counters() { return counters_; }
  const ResyncCounters& counters() const { return counters_; }

 private:
  void becomeSynchronised();

  ResyncConfig config_;
  bool synchronised_ = false;
  bool behind_ = false;  // seen passive while not synchronised: the active's picture is newer
  std::uint64_t first_ask_id_;
  std::uint64_t next_ask_id_;
  SteadyTime passive_since_{};
  std::optional<SteadyTime> asked_at_;
  unsigned seam_retries_ = 0;
  std::deque<HeldInput> held_;
  ResyncCounters counters_;
};

}  // namespace vigil::service
