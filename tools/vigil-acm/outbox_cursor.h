// Where vigil-acm is in the outbox, in terms that hold on either engine of a Binary Star
// pair (issue 16). An outbox position is a row of one engine's journal, and the two
// journals number their rows differently; what both engines share is the transitions
// themselves, because the cores are deterministic: the same alarm ids, the same data times,
// the same phases and states. So the cursor keeps
//   - the journal and the position in it, to page through one engine's outbox;
//   - the transitions delivered lately (their keys, by data time), and the latest data time
//     delivered (the watermark).
// When another journal answers (the backup took over), it asks that engine for its
// transitions from the watermark minus a look-back on (data times of different patients
// are only roughly in journal order), skips those it delivered already, and carries on in
// the new journal's positions. No sockets, no files: values in, values out.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "alerts.pb.h"

namespace vigil::acm {

// One alarm transition, the same on both engines: a hash of the alarm id, the data time
// and what changed (phase, state, inactivation, priority, title), and its data time.
struct TransitionKey {
  std::uint64_t hash = 0;
  std::int64_t event_time_ms = 0;
  bool operator==(const TransitionKey& other) const {
    return hash == other.hash && event_time_ms == other.event_time_ms;
  }
};

TransitionKey transitionKeyOf(const v1::AlarmEvent& event);

// 16 lower-case hex digits (the state file and the message id write a hash so).
std::string hashText(std::uint64_t hash);

// MSH-10 and OBR-2: "VIGIL-ACM-" and 16 hex digits of the key's hash. The same transition
// from either engine gets the same id, so an alert manager discards a repeat.
std::string messageIdFor(const TransitionKey& key);

// The transitions delivered lately: every one whose data time is within `lookback` of the
// latest delivered, at most `capacity` (the oldest forgotten first).
class DeliveredTransitions {
 public:
  DeliveredTransitions(std::chrono::milliseconds lookback, std::size_t capacity)
      : lookback_(lookback), capacity_(capacity) {}

  bool contains(const TransitionKey& key) const;
  void add(const TransitionKey& key);
  // The latest data time delivered; 0 before the first.
  std::int64_t watermark() const { return watermark_; }
  // Where a catch-up on another journal starts: the watermark minus the look-back (0: all).
  std::int64_t catchUpFrom() const;
  // For the state file: every remembered key, oldest data time first.
  const std::multimap<std::int64_t, std::uint64_t>& byTime() const { return by_time_; }
  void restore(std::int64_t watermark, const std::multimap<std::int64_t, std::uint64_t>& by_time);

 private:
  void forgetOld();

  std::chrono::milliseconds lookback_;
  std::size_t capacity_;
  std::int64_t watermark_ = 0;
  std::multimap<std::int64_t, std::uint64_t> by_time_;  // data time -> hash
};

// The position part of the cursor, and the catch-up on a journal that took over.
struct OutboxPosition {
  std::string journal;  // whose rows `position` counts ("": not known yet; an old state file)
  std::uint64_t position = 0;
  std::uint64_t catch_up_until = 0;   // catching up to this row of `journal` (0: not)
  std::int64_t catch_up_from_ms = 0;  // from this data time
  bool operator==(const OutboxPosition& other) const {
    return journal == other.journal && position == other.position && catch_up_until == other.catch_up_until &&
           catch_up_from_ms == other.catch_up_from_ms;
  }
  bool operator!=(const OutboxPosition& other) const { return !(*this == other); }
};

// The next request for up to `batch` transitions.
v1::OutboxRequest outboxRequestFor(const OutboxPosition& at, std::int64_t catch_up_from_ms, std::uint32_t batch);

// What the reply says about the cursor before its entries are handled. True when it came
// from another journal than the cursor's (an engine switch): the cursor then starts the
// catch-up the engine began. An engine too old to name its journal changes nothing.
bool followReply(OutboxPosition& at, const v1::OutboxReply& reply, std::int64_t catch_up_from_ms);

// After the reply's entries: a catch-up page with nothing in it ends the catch-up, and the
// cursor goes on from the row it caught up to.
void finishPage(OutboxPosition& at, const v1::OutboxReply& reply);

}  // namespace vigil::acm
