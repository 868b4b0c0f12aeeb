#include "alarms/service/star_resync.h"

#include "streamer/codec.h"
#include "streamer/topics.h"

namespace vigil::service {
namespace {

// The guard's snapshot numbers kinds so (core_snapshot.cc): 0 vitals, 1 pump, 2 event.
constexpr int kVitalsKind = 0;
constexpr int kPumpKind = 1;
constexpr int kEventKind = 2;

template <typename Value>
std::optional<IngestPosition> positionOf(int kind, const streamer::Decoded<Value>& decoded) {
  if (!decoded.ok()) return std::nullopt;
  const auto& value = *decoded.value;
  if constexpr (requires { value.device_id; }) {
    return IngestPosition{{kind, value.patient_id, value.device_id}, value.sequence};
  } else {
    return IngestPosition{{kind, value.patient_id, value.source_id}, value.sequence};
  }
}

}  // namespace

IngestCut ingestCut(const vigil::snapshot::v1::IngestGuard& guard) {
  IngestCut cut;
  for (const auto& source : guard.sources()) {
    if (!source.has_accepted() || !source.numbered()) continue;
    cut[IngestSourceKey{source.kind(), source.patient_id(), source.source_id()}] = source.last_sequence();
  }
  return cut;
}

std::optional<IngestPosition> ingestPosition(const streamer::Envelope& envelope) {
  if (!envelope.wellFormed()) return std::nullopt;
  const auto topic = streamer::parseTopic(envelope.topic);
  if (!topic) return std::nullopt;
  switch (topic->kind) {
    case streamer::TopicKind::Vitals: return positionOf(kVitalsKind, streamer::decodeVitals(envelope.payload));
    case streamer::TopicKind::Infusion: return positionOf(kPumpKind, streamer::decodePumpStatus(envelope.payload));
    case streamer::TopicKind::Event: return positionOf(kEventKind, streamer::decodeClinicalEvent(envelope.payload));
    default: return std::nullopt;
  }
}

std::vector<IngestSourceKey> uncoveredSources(const IngestCut& cut,
                                              const std::map<IngestSourceKey, std::uint64_t>& first_held) {
  std::vector<IngestSourceKey> uncovered;
  for (const auto& [source, first] : first_held) {
    const auto last = cut.find(source);
    // A source the state never heard may start anywhere; a restarted one at 0 or 1.
    if (last == cut.end() || first == 0) continue;
    if (first > last->second + 1) uncovered.push_back(source);
  }
  return uncovered;
}

StarResync::StarResync(ResyncConfig config, std::uint64_t first_ask_id)
    : config_(config), first_ask_id_(first_ask_id), next_ask_id_(first_ask_id) {}

void StarResync::hold(HeldInput input) {
  ++(input.forward ? counters_.resync_forwards_held : counters_.resync_held);
  held_.push_back(std::move(input));
  if (held_.size() <= config_.hold_capacity) return;
  held_.pop_front();
  ++counters_.resync_held_dropped;
}

std::map<IngestSourceKey, std::uint64_t> StarResync::firstHeld() const {
  std::map<IngestSourceKey, std::uint64_t> first;
  for (const auto& message : held_) {
    if (!message.position || message.position->sequence == 0) continue;
    first.emplace(message.position->source, message.position->sequence);  // keeps the oldest
  }
  return first;
}

std::optional<std::uint64_t> StarResync::ask(bool passive, SteadyTime now) {
  if (synchronised_ || !passive) return std::nullopt;
  if (!behind_) passive_since_ = now;
  behind_ = true;
  // The first ask waits for ingest to reach this engine: a state cut before its
  // subscription took effect would miss the frames between, and nothing held would show
  // it. A ward that sends nothing for a whole ask_retry loses nothing by an earlier cut.
  if (held_.empty() && now - passive_since_ < config_.ask_retry) return std::nullopt;
  if (asked_at_ && now - *asked_at_ < config_.ask_retry) return std::nullopt;
  asked_at_ = now;
  return next_ask_id_++;
}

ResyncDecision StarResync::judge(std::uint64_t ask_id, const IngestCut& cut) {
  if (synchronised_ || ask_id < first_ask_id_ || ask_id >= next_ask_id_) {
    ++counters_.resync_pushes_ignored;
    return ResyncDecision::Ignore;
  }
  if (uncoveredSources(cut, firstHeld()).empty()) return ResyncDecision::Adopt;
  if (seam_retries_ < config_.seam_retries) {
    ++seam_retries_;
    ++counters_.resync_seam_gaps;
    asked_at_.reset();  // the active has caught up by the time a new ask reaches it
    return ResyncDecision::AskAgain;
  }
  // The frames are missing from the stream itself (the gateway lost them): the guard
  // reports them as a gap, as it did on the active.
  ++counters_.resync_gaps_accepted;
  return ResyncDecision::Adopt;
}

std::deque<HeldInput> StarResync::adopted() {
  ++counters_.resyncs;
  becomeSynchronised();
  auto held = std::exchange(held_, {});
  std::erase_if(held, [](const HeldInput& input) { return input.forward.has_value(); });
  return held;
}

void StarResync::failed() {
  // Asked again after ask_retry, not at once: a state refused for its rules would be
  // refused again, and an ask per poll would flood the peer.
  ++counters_.resync_failures;
}

StarResync::Takeover StarResync::tookOver() {
  Takeover takeover;
  takeover.unsynchronised = !synchronised_ && behind_;
  if (takeover.unsynchronised) ++counters_.takeovers_unsynchronised;
  becomeSynchronised();
  takeover.held = std::exchange(held_, {});
  return takeover;
}

void StarResync::becomeSynchronised() {
  synchronised_ = true;
  counters_.synchronised = 1;
  asked_at_.reset();
}

}  // namespace vigil::service
