// What the HL7 listener does with one message: parse it with the importers' HL7 parser,
// drop a sender's repeated message id, publish the frames and pump statuses with this
// gateway's own per-device sequence numbers, and answer with the ACK. No sockets: the
// publisher and the clock are given, so tests drive it directly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "streamer/hl7/message_dedupe.h"
#include "streamer/importers/importer.h"

namespace vigil::streamer::hl7 {

struct IntakeCounters {
  std::uint64_t messages = 0;
  std::uint64_t accepted = 0;                            // AA, published
  std::uint64_t duplicates = 0;                          // AA again, not published again
  std::uint64_t errors = 0;                              // AE
  std::uint64_t rejected = 0;                            // AR
  std::uint64_t oversize = 0;                            // AR: larger than the limit
  std::uint64_t published = 0;                           // frames and pump statuses sent on
  std::uint64_t publish_failures = 0;                    // AE: the engine's queue was full
  std::map<std::string, std::uint64_t> refusal_reasons;  // "AE 101", "AR 201"...
};

struct IntakeOptions {
  std::size_t dedupe_capacity = 100'000;
  std::string default_unit = "hl7";  // the topics' unit when PV1-3 names no point of care
};

class Hl7Intake {
 public:
  // false: the message was not queued (counted; the ACK says AE so the sender resends).
  using Publish = std::function<bool(std::string_view topic, std::string_view payload)>;
  using WallClock = std::function<std::int64_t()>;

  Hl7Intake(Publish publish, WallClock clock, IntakeOptions options = {});

  // One message without its MLLP framing; returns the ACK (unframed).
  std::string handle(std::string_view message);
  // A message cut off at the size limit: AR, naming the limit.
  std::string refuseOversize(std::string_view head, std::size_t limit);

  const IntakeCounters& counters() const { return counters_; }

 private:
  bool publishAll(const importers::Hl7MessageResult& result);
  std::string renumbered(const std::string& topic, const std::string& payload);
  std::string acknowledge(importers::Hl7MessageResult& result);
  void count(const importers::Hl7MessageResult& result);

  Publish publish_;
  WallClock clock_;
  IntakeOptions options_;
  MessageDedupe dedupe_;
  std::map<std::string, std::uint64_t> next_sequence_;  // per kind and device
  std::uint64_t acks_sent_ = 0;
  IntakeCounters counters_;
};

}  // namespace vigil::streamer::hl7
