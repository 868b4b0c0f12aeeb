// vigil-replay --engine-inline: the engine core run in-process over a recording, no
// sockets, every alarm event written as one JSON line. What the engine service does with
// an ingest message is mirrored in one function, feedEngine, and what the engine returns
// is consumed in one place, runInline.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "alarms/core/engine.h"
#include "alarms/core/protocol.h"
#include "recording.pb.h"

namespace vigil::tools::replay {

enum class FeedOutcome { Applied, UnknownTopic, Undecodable, Mismatched };

struct Fed {
  core::Outputs outputs;
  FeedOutcome outcome = FeedOutcome::Applied;
  int non_finite_dropped = 0;
};

// One recorded message into the engine, dispatched by its topic kind the way the engine
// service's ingest does (vitals, infusion, event; the payload must name the topic's patient).
// MERGE: swap the body for the engine service's shared ingest pipeline.
Fed feedEngine(core::Engine& engine, const vigil::v1::RecordedMessage& message);

// vigil.v1.AlarmEvent as protobuf JSON on one line: fields in field-number order, proto
// field names, defaults left out; no engine_epoch or sequence (those belong to a service).
std::string alarmJson(const core::AlarmEvent& event);

struct InlineCounts {
  std::uint64_t messages = 0;
  std::uint64_t applied = 0;
  std::uint64_t unknown_topic = 0;
  std::uint64_t undecodable = 0;
  std::uint64_t mismatched = 0;
  std::uint64_t non_finite_measurements = 0;
  std::uint64_t alarm_events = 0;
};

// Feeds every message in order, writing each alarm event to `jsonl` as it comes.
InlineCounts runInline(const std::vector<vigil::v1::RecordedMessage>& messages, core::Engine& engine,
                       std::ostream& jsonl);

std::string describeInlineCounts(const InlineCounts& counts);

// The protocol file, parsed and validated by the core.
core::ProtocolLoad loadProtocol(const std::string& path);

}  // namespace vigil::tools::replay
