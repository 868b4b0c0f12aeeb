// vigil-acm's delivery loop: every outbox transition after the cursor (outbox_cursor.h),
// as ORU^R40, one in flight, until the alert manager answers AA. AE/AR, a timeout, a lost
// connection or an alert manager that is not there yet: the same message (same MSH-10,
// derived from the transition itself) again after an exponential backoff, capped. Only an
// AA moves the cursor on, and the cursor is made durable before the next message goes, so
// after a crash at most the one unacknowledged message is sent again, under the same id,
// which lets the receiver discard it. After a Binary Star takeover the other engine's
// outbox is read from the cursor's data time on, and what was delivered already is
// skipped (counted); a repeat that slips through carries the same MSH-10 as the first.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alerts.pb.h"
#include "tools/vigil-acm/acm_state.h"
#include "tools/vigil-acm/mllp_client.h"
#include "tools/vigil-acm/oru_r40.h"
#include "tools/vigil-acm/outbox_cursor.h"

namespace vigil::acm {

struct ExporterOptions {
  std::chrono::milliseconds ack_timeout{5'000};
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{5'000};
  OruR40Options message;      // message_id is set per transition
  std::uint32_t batch = 100;  // transitions per outbox request
  // How far before the latest delivered data time a catch-up on another engine's journal
  // starts, and how long delivered transitions are remembered to skip them there: at
  // least the engines' stale and future tolerances (2 min each by default), which bound
  // how far apart in data time two transitions logged together can be.
  std::chrono::milliseconds lookback{std::chrono::minutes(5)};
  std::size_t remembered = 5'000;  // delivered transitions remembered at most
};

struct ExporterCounters {
  std::uint64_t sent = 0;     // messages put on the wire, retries included
  std::uint64_t acked = 0;    // AA: delivered
  std::uint64_t retried = 0;  // sends after the first of a transition
  std::uint64_t refused = 0;  // AE or AR from the alert manager
  std::uint64_t timeouts = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t lost_connections = 0;
  std::uint64_t bad_acks = 0;  // no MSA, or an MSA for another message id
  std::uint64_t outbox_errors = 0;
  std::uint64_t state_errors = 0;
  std::uint64_t journal_switches = 0;   // the outbox came from another engine's journal: a catch-up
  std::uint64_t skipped_delivered = 0;  // transitions the other engine had too, delivered already
};

// MSA-1 of an ACK whose MSA-2 names `message_id`; "" when the reply is no such ACK.
std::string ackCodeFor(std::string_view reply, std::string_view message_id);

class Exporter {
 public:
  // The engine's answer to an outbox request (nullopt: no engine answered).
  using Fetch = std::function<std::optional<v1::OutboxReply>(const v1::OutboxRequest&)>;
  // Makes the state durable; false when it could not.
  using Persist = std::function<bool(const AcmState&)>;
  // Waits a backoff; false when the exporter is to stop.
  using Wait = std::function<bool(std::chrono::milliseconds)>;

  Exporter(Fetch fetch, Persist persist, Wait wait, MllpClient& client, const AcmState& start, ExporterOptions options);

  // Delivers what the outbox has now. How many transitions were handled (delivered, or
  // skipped as delivered already); nullopt when stopped (or the outbox could not be read)
  // before the outbox was drained.
  std::optional<std::size_t> drainOnce();

  const OutboxPosition& at() const { return at_; }
  AcmState state() const;
  const ExporterCounters& counters() const { return counters_; }
  // The counters by name (position, sent, acked, ...), for --stats and the printed lines.
  std::map<std::string, std::uint64_t> counterTable() const;

 private:
  // The transitions of one reply; false when stopped before the outbox was drained.
  bool handle(const v1::OutboxReply& reply, std::size_t& handled);
  // false when stopped before an AA.
  bool deliver(const v1::OutboxEntry& entry, const TransitionKey& key);
  // true for AA; counts every other outcome.
  bool sendOnce(const std::string& message, const std::string& message_id);
  void persist();

  Fetch fetch_;
  Persist persist_;
  Wait wait_;
  MllpClient& client_;
  ExporterOptions options_;
  OutboxPosition at_;
  OutboxPosition persisted_at_;
  DeliveredTransitions delivered_;
  ExporterCounters counters_;
};

}  // namespace vigil::acm
