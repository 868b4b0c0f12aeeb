// Everything between a received [topic][payload] message and the engine core: framing,
// topic, decoding, addressing, the ingest guard (alarms/core/ingest_guard.h), then the
// one call into core::Engine. No sockets and no Asio: vigil-engine feeds it from its
// ingest socket, vigil-replay --engine-inline from a recording file, tests from plain
// envelopes. It owns every ingest counter; nothing it refuses goes uncounted.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "alarms/core/alarm_board.h"
#include "alarms/core/domain.h"
#include "alarms/core/engine.h"
#include "alarms/core/ingest_guard.h"
#include "streamer/codec.h"
#include "streamer/topics.h"
#include "streamer/zmq_io.h"

namespace vigil::service {

struct IngestPipelineConfig {
  core::IngestGuardConfig guard;
  // Live: the receive time is the wall clock and frames too far ahead of it are refused.
  // Replay (false): time is the data's own; the guard checks jumps against the stream.
  bool wall_clock = true;
};

// Where a message stopped, or that it reached the engine.
enum class IngestOutcome {
  Accepted,
  MalformedMultipart,  // not exactly [topic][payload]
  UnknownTopic,        // not kind/unit/patient, or a kind the engine does not take
  Undecodable,         // not the protobuf its topic announces, or missing what the core needs
  AddressMismatch,     // the payload names another unit or patient than its topic
  Refused,             // the guard refused it: verdict.fault says why
};

std::string_view ingestOutcomeName(IngestOutcome outcome);

struct IngestResult {
  IngestOutcome outcome = IngestOutcome::Accepted;
  std::string error;                     // why it stopped, readable; empty when accepted
  core::IngestVerdict verdict;           // the guard's verdict (gap, restart, drops) once it got there
  std::optional<core::SequenceGap> gap;  // frames lost before this one (the engine was told)
  core::Outputs output;                  // what the engine returned

  bool accepted() const { return outcome == IngestOutcome::Accepted; }
};

struct IngestCounters {
  std::uint64_t messages = 0;
  std::uint64_t accepted = 0;
  std::uint64_t malformed_multipart = 0;
  std::uint64_t unknown_topic = 0;
  std::uint64_t undecodable = 0;
  std::uint64_t address_mismatch = 0;
  std::uint64_t refused_by_guard = 0;
  std::uint64_t non_finite_measurements = 0;  // dropped by the decoder; the frame went on
  std::uint64_t unknown_enum_values = 0;      // of the undecodable: an enum value streamer/enums.h does not know

  // Every field, by name (alarms/core/counters.h).
  template <typename Visit>
  void visitFields(Visit&& visit) const {
    visit("messages", messages);
    visit("accepted", accepted);
    visit("malformed_multipart", malformed_multipart);
    visit("unknown_topic", unknown_topic);
    visit("undecodable", undecodable);
    visit("address_mismatch", address_mismatch);
    visit("refused_by_guard", refused_by_guard);
    visit("non_finite_measurements", non_finite_measurements);
    visit("unknown_enum_values", unknown_enum_values);
  }

  // Every message that did not reach the engine. messages == accepted + notAccepted().
  std::uint64_t notAccepted() const {
    return malformed_multipart + unknown_topic + undecodable + address_mismatch + refused_by_guard;
  }
};

class IngestPipeline {
 public:
  // The engine must outlive the pipeline; the pipeline is its only ingest caller.
  IngestPipeline(core::Engine& engine, IngestPipelineConfig config = {});

  // `gateway`: the sender's authenticated identity (its ZAP User-Id), "" on plain
  // connections; the guard's source limit applies per gateway.
  IngestResult accept(const streamer::Envelope& envelope, core::TimePoint receive_time, std::string_view gateway = {});
  // The technical alarms of gateways whose sources are all used (one per such gateway).
  std::vector<core::AlarmEvent> gatewayAlarms() const;

  const IngestCounters& counters() const { return counters_; }
  const core::IngestGuard& guard() const { return guard_; }
  // Recovery from a core snapshot (alarms/snapshot): the guard's sources as they were.
  void restoreGuard(const core::IngestGuard::Saved& saved) { guard_.restore(saved); }
  // Every counter of the pipeline ("ingest.*") and of its guard ("guard.*").
  void visitCounters(const core::CounterVisitor& visit) const;

 private:
  template <typename Value, typename Feed>
  IngestResult admit(streamer::Decoded<Value> decoded, const streamer::Topic& topic, core::TimePoint receive_time,
                     std::string_view gateway, Feed feed);
  // Raises the gateway's "too many sources" alarm when the guard refused a new source
  // for it, and ends it once the gateway has room again.
  void noteSourceBudget(std::string_view gateway, const std::string& unit, const core::IngestVerdict& verdict,
                        core::Outputs& out);
  IngestResult stop(IngestOutcome outcome, std::string error);

  core::Engine& engine_;
  IngestPipelineConfig config_;
  core::IngestGuard guard_;
  IngestCounters counters_;
  // Per gateway: the alarm belongs to no patient (the refused sources' patients are
  // whatever that gateway claims), so it is raised on the gateway itself.
  std::map<std::string, core::AlarmBoard, std::less<>> gateway_boards_;
  // Every vitals frame is parsed into this one message (no allocation per frame).
  vigil::v1::VitalsFrame vitals_scratch_;
};

}  // namespace vigil::service
