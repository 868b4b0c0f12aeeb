#include "tools/vigil-console/board.h"

#include <algorithm>
#include <tuple>

#include "streamer/codec.h"

namespace vigil::console {
namespace v1 = vigil::v1;
namespace {

bool hasPhase(const v1::AlarmEvent& event) {
  return event.phase() != v1::PHASE_UNSPECIFIED && v1::AlarmPhase_IsValid(event.phase());
}

// An ended condition stays on the board only while it is latched (CLINICAL.md section 6).
bool endsRow(const v1::AlarmEvent& event) {
  return event.phase() == v1::PHASE_END && event.state() != v1::STATE_LATCHED;
}

// A station must never hide an alarm because it does not understand one of its fields:
// an unknown priority is shown as HIGH, unknown states as plainly active and sounding.
core::AlarmEvent toDomain(const v1::AlarmEvent& event) {
  v1::AlarmEvent known = event;
  if (!v1::Priority_IsValid(known.priority())) known.set_priority(v1::PRIORITY_HIGH);
  if (!v1::AlarmState_IsValid(known.state())) known.set_state(v1::STATE_ACTIVE);
  if (!v1::InactivationState_IsValid(known.inactivation())) known.set_inactivation(v1::INACTIVATION_ENABLED);
  if (!v1::AlarmKind_IsValid(known.kind()) || known.kind() == v1::KIND_UNSPECIFIED) {
    known.set_kind(v1::KIND_PHYSIOLOGICAL);
  }
  if (!v1::AdviceAction_IsValid(known.advice().action())) known.mutable_advice()->set_action(v1::ADVICE_NONE);
  return streamer::fromProto(known);
}

bool sortsBefore(const Row& a, const Row& b) {
  return std::tuple(b.alarm.priority, a.alarm.start_time, a.alarm.alert_id) <
         std::tuple(a.alarm.priority, b.alarm.start_time, b.alarm.alert_id);
}

}  // namespace

bool changedBoard(ApplyOutcome outcome) {
  switch (outcome) {
    case ApplyOutcome::Added:
    case ApplyOutcome::Replaced:
    case ApplyOutcome::Latched:
    case ApplyOutcome::Removed:
      return true;
    case ApplyOutcome::Stale:
    case ApplyOutcome::OtherUnit:
    case ApplyOutcome::Invalid:
      return false;
  }
  return false;
}

AlarmBoard::AlarmBoard(std::string unit, SteadyTime started) : unit_(std::move(unit)), started_(started) {}

void AlarmBoard::applySnapshot(const v1::Snapshot& snapshot) {
  rows_.clear();
  ended_.clear();
  epoch_ = snapshot.engine_epoch();
  snapshot_sequence_ = snapshot.sequence();
  has_snapshot_ = true;
  resync_needed_ = false;
  for (const auto& alarm : snapshot.alarms()) {
    if (alarm.alert_id().empty() || !hasPhase(alarm)) {
      ++drops_.invalid;
    } else if (!forThisUnit(alarm)) {
      ++drops_.other_unit;
    } else if (!endsRow(alarm)) {
      rows_.push_back(Row{toDomain(alarm), alarm.sequence()});
    }
  }
  resort();
}

ApplyOutcome AlarmBoard::apply(const v1::AlarmEvent& event) {
  if (event.alert_id().empty() || !hasPhase(event)) {
    ++drops_.invalid;
    return ApplyOutcome::Invalid;
  }
  if (!forThisUnit(event)) {
    ++drops_.other_unit;
    return ApplyOutcome::OtherUnit;
  }
  noteEpoch(event.engine_epoch());
  if (isStale(event)) {
    ++drops_.stale;
    return ApplyOutcome::Stale;
  }
  const auto outcome = endsRow(event) ? remove(event) : store(event);
  resort();
  return outcome;
}

void AlarmBoard::onHeartbeat(const v1::Heartbeat& heartbeat, SteadyTime now) {
  noteEpoch(heartbeat.engine_epoch());
  last_heartbeat_ = now;
  if (heartbeat.engine_time_ms() > 0) engine_time_ = core::fromMillis(heartbeat.engine_time_ms());
}

const Row* AlarmBoard::find(const std::string& alert_id) const {
  const auto it = std::find_if(rows_.begin(), rows_.end(), [&](const Row& row) { return row.alarm.alert_id == alert_id; });
  return it == rows_.end() ? nullptr : &*it;
}

std::optional<std::size_t> AlarmBoard::selectedIndex() const {
  if (!selected_id_) return std::nullopt;
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    if (rows_[i].alarm.alert_id == *selected_id_) return i;
  }
  return std::nullopt;
}

const Row* AlarmBoard::selected() const {
  const auto index = selectedIndex();
  return index ? &rows_[*index] : nullptr;
}

void AlarmBoard::moveSelection(int delta) {
  if (rows_.empty()) return;
  const auto current = static_cast<long>(selectedIndex().value_or(0));
  const auto last = static_cast<long>(rows_.size()) - 1;
  const auto target = static_cast<std::size_t>(std::clamp(current + delta, 0L, last));
  selected_id_ = rows_[target].alarm.alert_id;
  selected_position_ = target;
}

PriorityCounts AlarmBoard::counts() const {
  PriorityCounts counts;
  for (const auto& row : rows_) {
    switch (row.alarm.priority) {
      case core::Priority::High: ++counts.high; break;
      case core::Priority::Medium: ++counts.medium; break;
      case core::Priority::Low: ++counts.low; break;
      case core::Priority::None: ++counts.none; break;
    }
  }
  return counts;
}

LinkStatus AlarmBoard::link(SteadyTime now) const {
  LinkStatus status;
  status.ever_heard = last_heartbeat_.has_value();
  const auto since = last_heartbeat_.value_or(started_);
  status.quiet_for = std::max(std::chrono::milliseconds{0}, std::chrono::duration_cast<std::chrono::milliseconds>(now - since));
  // Compared in the clock's own resolution so that 3.001 s is silent even though it
  // rounds down to 3000 ms.
  status.silent = (now - since) > kSilentAfter;
  status.live = status.ever_heard && !status.silent;
  return status;
}

bool AlarmBoard::forThisUnit(const v1::AlarmEvent& event) const { return unit_.empty() || event.unit() == unit_; }

// Sequence 0 means the sender does not number its events: such events apply in arrival order.
bool AlarmBoard::isStale(const v1::AlarmEvent& event) const {
  const auto sequence = event.sequence();
  if (sequence == 0) return false;
  if (sequence <= snapshot_sequence_) return true;
  if (const auto* row = find(event.alert_id()); row && row->sequence >= sequence) return true;
  return std::any_of(ended_.begin(), ended_.end(), [&](const Ended& ended) {
    return ended.alert_id == event.alert_id() && ended.sequence >= sequence;
  });
}

// A new engine epoch means the engine restarted and its sequence numbers began again:
// nothing the board holds can be compared with them any more, and it needs a snapshot.
void AlarmBoard::noteEpoch(std::uint64_t epoch) {
  if (epoch == 0 || epoch == epoch_) return;
  if (epoch_ != 0) resync_needed_ = true;
  epoch_ = epoch;
  snapshot_sequence_ = 0;
  ended_.clear();
  for (auto& row : rows_) row.sequence = 0;
}

ApplyOutcome AlarmBoard::store(const v1::AlarmEvent& event) {
  Row row{toDomain(event), event.sequence()};
  const auto outcome = row.alarm.state == core::AlarmState::Latched ? ApplyOutcome::Latched : ApplyOutcome::Replaced;
  for (auto& existing : rows_) {
    if (existing.alarm.alert_id == event.alert_id()) {
      existing = std::move(row);
      return outcome;
    }
  }
  rows_.push_back(std::move(row));
  return outcome == ApplyOutcome::Latched ? outcome : ApplyOutcome::Added;
}

ApplyOutcome AlarmBoard::remove(const v1::AlarmEvent& event) {
  std::erase_if(rows_, [&](const Row& row) { return row.alarm.alert_id == event.alert_id(); });
  if (event.sequence() != 0) {
    ended_.push_back(Ended{event.alert_id(), event.sequence()});
    if (ended_.size() > kEndedMemory) ended_.pop_front();
  }
  return ApplyOutcome::Removed;
}

// Keeps the selection on its alert id; when that row is gone, on the row now at the
// position it had (clamped), so the cursor does not jump to the top.
void AlarmBoard::resort() {
  std::sort(rows_.begin(), rows_.end(), sortsBefore);
  if (rows_.empty()) {
    selected_id_.reset();
    selected_position_ = 0;
    return;
  }
  if (const auto index = selectedIndex()) {
    selected_position_ = *index;
    return;
  }
  selected_position_ = std::min(selected_position_, rows_.size() - 1);
  selected_id_ = rows_[selected_position_].alarm.alert_id;
}

}  // namespace vigil::console
