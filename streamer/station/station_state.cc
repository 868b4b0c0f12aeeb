#include "streamer/station/station_state.h"

#include <algorithm>
#include <type_traits>

#include "streamer/codec.h"

namespace vigil::streamer::station {
namespace v1 = vigil::v1;
namespace {

// An alarm event without a phase this station knows cannot say whether it starts or ends.
bool hasPhase(const v1::AlarmEvent& event) { return fromWire<core::Phase>(event.phase()).has_value(); }

// An ended condition stays shown only while it is latched (CLINICAL.md section 6).
bool endsAlarm(const v1::AlarmEvent& event) {
  return event.phase() == v1::PHASE_END && event.state() != v1::STATE_LATCHED;
}

}  // namespace

StationState::StationState(std::string unit, SteadyTime started) : unit_(std::move(unit)), started_(started) {}

void StationState::applySnapshot(const v1::Snapshot& snapshot) {
  alarms_.clear();
  advice_.clear();
  statuses_.clear();
  epoch_ = snapshot.engine_epoch();
  per_unit_ = !unit_.empty() && snapshot.has_unit_sequence();
  last_sequence_ = per_unit_ ? snapshot.unit_sequence() : snapshot.sequence();
  ++counters_.snapshots;
  if (resync_needed_) {
    ++counters_.resyncs;
    last_resync_ = LastResync{pending_reason_, pending_missed_, last_sequence_};
  }
  has_snapshot_ = true;
  resync_needed_ = false;
  pending_reason_ = ResyncReason::None;
  pending_missed_ = 0;
  // Snapshot entries carry no per-message sequence; they take part in no ordering.
  for (const auto& alarm : snapshot.alarms()) take(alarm);
  for (const auto& advice : snapshot.advice()) take(advice);
  for (const auto& status : snapshot.statuses()) take(status);
  replayBuffer();
}

Outcome StationState::apply(const v1::AlarmEvent& event) {
  const auto outcome = admit(event, event.engine_epoch(), orderOf(event));
  return outcome == Outcome::Applied ? take(event) : outcome;
}

Outcome StationState::apply(const v1::AdviceEvent& event) {
  const auto outcome = admit(event, event.engine_epoch(), orderOf(event));
  return outcome == Outcome::Applied ? take(event) : outcome;
}

Outcome StationState::apply(const v1::PatientStatus& status) {
  const auto outcome = admit(status, status.engine_epoch(), orderOf(status));
  return outcome == Outcome::Applied ? take(status) : outcome;
}

Outcome StationState::onHeartbeat(const v1::Heartbeat& heartbeat, SteadyTime now) {
  last_heartbeat_ = now;
  ++counters_.heartbeats;
  if (heartbeat.engine_time_ms() > 0) engine_time_ = core::fromMillis(heartbeat.engine_time_ms());
  const auto unit = heartbeat.unit_sequences().find(unit_);
  const auto unit_sequence = unit == heartbeat.unit_sequences().end() ? 0 : unit->second;
  return admitHeartbeat(BufferedHeartbeat{heartbeat.engine_epoch(), heartbeat.sequence(), unit_sequence});
}

void StationState::applyReply(const v1::AlarmEvent& event) {
  if (event.alert_id().empty() || !hasPhase(event) || !forThisUnit(event.unit())) return;
  if (endsAlarm(event)) {
    alarms_.erase(event.alert_id());
    return;
  }
  const auto existing = alarms_.find(event.alert_id());
  storeAlarm(event, existing == alarms_.end() ? 0 : existing->second.sequence);
}

template <typename Message>
Outcome StationState::admit(const Message& message, std::uint64_t epoch, std::uint64_t sequence) {
  if (needsSnapshot()) {
    buffer(message);
    return Outcome::Buffered;
  }
  // A new epoch means the engine restarted and its sequence numbers began again: nothing
  // held can be compared with them any more.
  if (epoch != epoch_) {
    ++counters_.epoch_changes;
    resync_needed_ = true;
    pending_reason_ = ResyncReason::EpochChange;
    buffer(message);
    return Outcome::ResyncNeeded;
  }
  if (sequence <= last_sequence_) {
    ++counters_.duplicates;
    return Outcome::Duplicate;
  }
  if (sequence > last_sequence_ + 1) {
    markGap(sequence - last_sequence_ - 1);
    buffer(message);
    return Outcome::ResyncNeeded;
  }
  last_sequence_ = sequence;
  ++counters_.applied;
  return Outcome::Applied;
}

Outcome StationState::admitHeartbeat(const BufferedHeartbeat& heartbeat) {
  if (needsSnapshot()) {
    buffer(heartbeat);
    return Outcome::Buffered;
  }
  if (heartbeat.engine_epoch != epoch_) {
    ++counters_.epoch_changes;
    resync_needed_ = true;
    pending_reason_ = ResyncReason::EpochChange;
    buffer(heartbeat);
    return Outcome::ResyncNeeded;
  }
  // The heartbeat names the last sequence sent: anything above what arrived was lost,
  // even when no later update came to show the jump.
  const auto sequence = per_unit_ ? heartbeat.unit_sequence : heartbeat.sequence;
  if (sequence > last_sequence_) {
    markGap(sequence - last_sequence_);
    buffer(heartbeat);
    return Outcome::ResyncNeeded;
  }
  return Outcome::Applied;
}

void StationState::markGap(std::uint64_t missed) {
  ++counters_.gaps;
  counters_.messages_missed += missed;
  resync_needed_ = true;
  if (pending_reason_ == ResyncReason::None) pending_reason_ = ResyncReason::Gap;
  pending_missed_ += missed;
}

void StationState::buffer(Update update) {
  if (buffer_.size() >= kMaxBuffered) {
    buffer_.pop_front();
    ++counters_.buffer_overflow;
  }
  buffer_.push_back(std::move(update));
  ++counters_.buffered;
}

// Buffered updates were received before the snapshot was applied: the ones it already
// holds are duplicates, the rest must follow it without a gap. One that reveals a gap
// starts the next resync, and what follows it is buffered again.
void StationState::replayBuffer() {
  auto pending = std::move(buffer_);
  buffer_.clear();
  for (const auto& update : pending) replay(update);
}

Outcome StationState::replay(const Update& update) {
  const auto epoch = std::visit(
      [](const auto& message) -> std::uint64_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(message)>, BufferedHeartbeat>) {
          return message.engine_epoch;
        } else {
          return message.engine_epoch();
        }
      },
      update);
  // Received before the snapshot was asked for, so from an earlier engine run: the
  // snapshot supersedes it. (A later run shows itself again on the next message.)
  if (!needsSnapshot() && epoch != epoch_) {
    ++counters_.stale_epoch;
    return Outcome::Duplicate;
  }
  return std::visit(
      [this](const auto& message) -> Outcome {
        using Message = std::decay_t<decltype(message)>;
        if constexpr (std::is_same_v<Message, BufferedHeartbeat>) {
          return admitHeartbeat(message);
        } else {
          return apply(message);
        }
      },
      update);
}

Outcome StationState::take(const v1::AlarmEvent& event) {
  if (event.alert_id().empty() || !hasPhase(event)) {
    ++counters_.invalid;
    return Outcome::Invalid;
  }
  if (!forThisUnit(event.unit())) {
    ++counters_.other_unit;
    return Outcome::OtherUnit;
  }
  if (endsAlarm(event)) {
    alarms_.erase(event.alert_id());
  } else {
    storeAlarm(event, event.sequence());
  }
  return Outcome::Applied;
}

Outcome StationState::take(const v1::AdviceEvent& event) {
  if (event.patient_id().empty()) {
    ++counters_.invalid;
    return Outcome::Invalid;
  }
  if (!forThisUnit(event.unit())) {
    ++counters_.other_unit;
    return Outcome::OtherUnit;
  }
  // One current advice per patient: ADVICE_NONE means none stands any more.
  if (event.advice().action() == v1::ADVICE_NONE) {
    advice_.erase(event.patient_id());
  } else {
    storeAdvice(event, event.sequence());
  }
  return Outcome::Applied;
}

Outcome StationState::take(const v1::PatientStatus& status) {
  if (status.patient_id().empty()) {
    ++counters_.invalid;
    return Outcome::Invalid;
  }
  if (!forThisUnit(status.unit())) {
    ++counters_.other_unit;
    return Outcome::OtherUnit;
  }
  storeStatus(status, status.sequence());
  return Outcome::Applied;
}

void StationState::storeAlarm(const v1::AlarmEvent& event, std::uint64_t sequence) {
  alarms_.insert_or_assign(event.alert_id(), AlarmEntry{streamer::fromProto(event), sequence});
}

void StationState::storeAdvice(const v1::AdviceEvent& event, std::uint64_t sequence) {
  advice_.insert_or_assign(event.patient_id(), AdviceEntry{streamer::fromProto(event), sequence});
}

void StationState::storeStatus(const v1::PatientStatus& status, std::uint64_t sequence) {
  statuses_.insert_or_assign(status.patient_id(), StatusEntry{streamer::fromProto(status), sequence});
}

LinkStatus StationState::link(SteadyTime now) const {
  LinkStatus status;
  status.ever_heard = last_heartbeat_.has_value();
  const auto since = last_heartbeat_.value_or(started_);
  status.quiet_for =
      std::max(std::chrono::milliseconds{0}, std::chrono::duration_cast<std::chrono::milliseconds>(now - since));
  // Compared in the clock's own resolution so that 3.001 s is silent even though it
  // rounds down to 3000 ms.
  status.silent = (now - since) > kSilentAfter;
  status.live = status.ever_heard && !status.silent;
  return status;
}

std::string describeResync(const LastResync& resync) {
  switch (resync.reason) {
    case ResyncReason::Gap: return "resynchronised (gap of " + std::to_string(resync.missed) + ")";
    case ResyncReason::EpochChange: return "resynchronised (engine restarted)";
    case ResyncReason::None: return "";
  }
  return "";
}

}  // namespace vigil::streamer::station
