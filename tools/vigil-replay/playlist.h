// What a replay sends, in order: the recorded messages of the chosen patient, repeated
// for --loop, and moved in time for --shift-to-now. Pure: no sockets, no clocks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "recording.pb.h"

namespace vigil::tools::replay {

// The gap between the last message of one loop and the first of the next (engine choice:
// one second, the vitals cadence, so a looped recording reads like one long session).
inline constexpr std::int64_t kLoopGapMs = 1000;

// The messages whose topic names `patient_id` (vitals/<unit>/<patient> ...); messages
// whose topic is not of the scheme are dropped with them.
std::vector<vigil::v1::RecordedMessage> keepPatient(std::vector<vigil::v1::RecordedMessage> messages,
                                                    const std::string& patient_id);

// One message moved `shift_ms` later: its receive time and, for vitals, infusion and
// clinical-event payloads, source_time_ms (the payload is re-encoded); their sequence
// moves by `sequence_offset`. Other payloads (alerts, undecodable bytes) go unchanged,
// and `payload_shifted` says so.
struct ShiftedMessage {
  vigil::v1::RecordedMessage message;
  bool payload_shifted = false;
};
// The payload's source_time_ms, for the kinds that carry one.
std::optional<std::int64_t> sourceTimeMs(const vigil::v1::RecordedMessage& message);

ShiftedMessage shiftMessage(const vigil::v1::RecordedMessage& message, std::int64_t shift_ms,
                            std::uint64_t sequence_offset);

// Which clock paces a replay. Receive: the recorder's, so the replay sends like the
// gateways did (for live devices the two agree). Source: the devices' own time stamps
// (source_time_ms), for recordings of a sped-up simulator, whose receive times are
// compressed; a message without one (an alert) keeps the pace of the one before.
enum class Timing { Receive, Source };

class Playlist {
 public:
  // `shift_to_ms`: with --shift-to-now, the time the first message is moved to.
  Playlist(std::vector<vigil::v1::RecordedMessage> messages, std::optional<std::int64_t> shift_to_ms,
           Timing timing = Timing::Receive);

  std::size_t size() const { return messages_.size(); }
  bool empty() const { return messages_.empty(); }
  bool shifting() const { return shift_ms_.has_value(); }
  // Last pacing time minus first, over one pass.
  std::int64_t spanMs() const;
  // How far each loop starts after the previous one.
  std::int64_t loopPeriodMs() const { return spanMs() + kLoopGapMs; }

  // The time that paces message `index` of loop `loop`: continuous across loops, so a
  // looped replay keeps its pace instead of bursting at each restart.
  std::int64_t playbackTimeMs(std::uint64_t loop, std::size_t index) const;
  // The message as sent. Without a shift it is the recorded one, byte for byte, in every
  // loop; with one, each loop continues in time and in sequence after the last.
  ShiftedMessage emitted(std::uint64_t loop, std::size_t index) const;
  // The time of message `index` of loop `loop` as sent, on the pacing clock (for the
  // progress line): moved with the shift, the recorded one without.
  std::int64_t dataTimeMs(std::uint64_t loop, std::size_t index) const;

 private:
  std::vector<vigil::v1::RecordedMessage> messages_;
  std::vector<std::int64_t> pace_ms_;  // per message, from the chosen Timing
  std::optional<std::int64_t> shift_ms_;
  // Per topic (one device each): how many sequence numbers one pass uses.
  std::map<std::string, std::uint64_t> sequence_stride_;
};

}  // namespace vigil::tools::replay
