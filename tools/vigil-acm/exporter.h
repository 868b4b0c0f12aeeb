// vigil-acm's delivery loop: every outbox transition after the last acknowledged position,
// as ORU^R40, one in flight, until the alert manager answers AA. AE/AR, a timeout, a lost
// connection or an alert manager that is not there yet: the same message (same MSH-10,
// derived from the outbox position) again after an exponential backoff, capped. Only an
// AA moves the position on, and the position is made durable before the next message
// goes, so after a crash at most the one unacknowledged message is sent again, under the
// same id, which lets the receiver discard it.
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
#include "tools/vigil-acm/mllp_client.h"
#include "tools/vigil-acm/oru_r40.h"

namespace vigil::acm {

struct ExporterOptions {
  std::chrono::milliseconds ack_timeout{5'000};
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{5'000};
  OruR40Options message;  // message_id is set per transition
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
};

// "VIGIL-ACM-<position>": MSH-10 and OBR-2 of the transition at that outbox position.
std::string messageIdFor(std::uint64_t position);

// MSA-1 of an ACK whose MSA-2 names `message_id`; "" when the reply is no such ACK.
std::string ackCodeFor(std::string_view reply, std::string_view message_id);

class Exporter {
 public:
  // The transitions after a position (nullopt: the engine did not answer).
  using Fetch = std::function<std::optional<std::vector<v1::OutboxEntry>>(std::uint64_t after)>;
  // Makes a position durable; false when it could not.
  using Persist = std::function<bool(std::uint64_t position)>;
  // Waits a backoff; false when the exporter is to stop.
  using Wait = std::function<bool(std::chrono::milliseconds)>;

  Exporter(Fetch fetch, Persist persist, Wait wait, MllpClient& client, std::uint64_t position,
           ExporterOptions options);

  // Delivers what the outbox has now. How many transitions were acknowledged; nullopt
  // when stopped (or the outbox could not be read) before the outbox was drained.
  std::optional<std::size_t> drainOnce();

  std::uint64_t position() const { return position_; }
  const ExporterCounters& counters() const { return counters_; }
  // The counters by name (position, sent, acked, ...), for --stats and the printed lines.
  std::map<std::string, std::uint64_t> counterTable() const;
  // "acked=.. ... sent=.." for the periodic and final lines.
  std::string countersText() const;

 private:
  // false when stopped before an AA.
  bool deliver(const v1::OutboxEntry& entry);
  // true for AA; counts every other outcome.
  bool sendOnce(const std::string& message, const std::string& message_id);

  Fetch fetch_;
  Persist persist_;
  Wait wait_;
  MllpClient& client_;
  std::uint64_t position_;
  ExporterOptions options_;
  ExporterCounters counters_;
};

}  // namespace vigil::acm
