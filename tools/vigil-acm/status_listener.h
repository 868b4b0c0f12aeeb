// What vigil-acm's --status-listen does with each message from an alert manager: read it
// as IHE PCD-05 (alert_status.h), forward the status to the engine as a control request,
// and answer with an HL7 ACK: AA once the engine has taken (and journaled) it, AE/AR with
// an ERR saying why otherwise (not ORA^R41, no alert identity, an unknown status, an alarm
// that is not active or latched, no engine). A status resent under the same MSH-10 (its
// ACK was lost) is acknowledged again without reaching the engine twice. No sockets: the
// engine and the clock are given, so tests drive it directly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "alerts.pb.h"
#include "streamer/hl7/message_dedupe.h"
#include "streamer/hl7/stats_text.h"
#include "tools/vigil-acm/alert_status.h"

namespace vigil::acm {

struct StatusCounters {
  std::uint64_t messages = 0;
  std::uint64_t accepted = 0;                            // AA: the engine took it
  std::uint64_t duplicates = 0;                          // AA again, not forwarded again
  std::uint64_t acknowledged = 0;                        // of those, alarms acknowledged in Vigil (an "accepted")
  std::uint64_t errors = 0;                              // AE
  std::uint64_t rejected = 0;                            // AR
  std::uint64_t oversize = 0;                            // AR: larger than the limit
  std::uint64_t not_current = 0;                         // AE: the engine has no such active or latched alarm
  std::uint64_t engine_unanswered = 0;                   // AE: no reply within the timeout
  std::map<std::string, std::uint64_t> refusal_reasons;  // "AE 204", "AR 200"...
};

class StatusHandler {
 public:
  // The engine's reply to a control request; nullopt when it did not answer.
  using Forward = std::function<std::optional<v1::ControlReply>(const v1::ControlRequest&)>;
  using WallClock = std::function<std::int64_t()>;

  StatusHandler(Forward forward, WallClock clock, std::size_t dedupe_capacity = 10'000);

  // One message without its MLLP framing; returns the ACK (unframed).
  std::string handle(std::string_view message);
  // A message cut off at the size limit: AR, naming the limit.
  std::string refuseOversize(std::string_view head, std::size_t limit);

  const StatusCounters& counters() const { return counters_; }
  // The counters under "status_" names, for --stats.
  void addCounters(streamer::hl7::CounterTable& table) const;

 private:
  void forward(AlertStatusRead& read);
  std::string answer(const streamer::importers::Hl7MessageResult& verdict);

  Forward forward_;
  WallClock clock_;
  streamer::hl7::MessageDedupe dedupe_;
  std::uint64_t acks_sent_ = 0;
  StatusCounters counters_;
};

}  // namespace vigil::acm
