// vigil-replay --engine-inline: the engine core run in-process over a recording, no
// sockets, every alarm event written as one JSON line. What the engine service does with
// an ingest message is the service's own ingest pipeline, and what the engine returns is
// consumed in one place, runInline.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "alarms/core/engine.h"
#include "alarms/core/protocol.h"
#include "alarms/service/ingest_pipeline.h"
#include "recording.pb.h"

namespace vigil::tools::replay {

// What vigil-engine does with an ingest message is the service's own IngestPipeline, in
// stream mode (time is the data's): the inline run refuses exactly what the engine would.
service::IngestPipeline replayPipeline(core::Engine& engine);

// vigil.v1.AlarmEvent as protobuf JSON on one line: fields in field-number order, proto
// field names, defaults left out; no engine_epoch or sequence (those belong to a service).
std::string alarmJson(const core::AlarmEvent& event);

struct InlineCounts {
  service::IngestCounters ingest;
  std::uint64_t alarm_events = 0;
};

// Feeds every message in order, writing each alarm event to `jsonl` as it comes.
InlineCounts runInline(const std::vector<vigil::v1::RecordedMessage>& messages, core::Engine& engine,
                       std::ostream& jsonl);

std::string describeInlineCounts(const InlineCounts& counts);

}  // namespace vigil::tools::replay
