#include "alarms/core/alarm_board.h"

#include <algorithm>

namespace vigil::core {
namespace {

std::string alertId(const std::string& patient, const std::string& condition, TimePoint time) {
  return patient + "/" + condition + "/" + std::to_string(toMillis(time));
}

bool earlier(const std::optional<TimePoint>& a, const std::optional<TimePoint>& b) { return a && (!b || *a < *b); }

bool dueBy(const std::optional<TimePoint>& due, TimePoint time) { return due && *due <= time; }

}  // namespace

AlarmBoard::AlarmBoard(std::string patient_id, AlarmSystemSettings settings)
    : patient_id_(std::move(patient_id)), settings_(settings) {}

Priority AlarmBoard::effectivePriority(const Alarm& alarm) const {
  return alarm.escalated ? std::max(alarm.level.priority, Priority::High) : alarm.level.priority;
}

// IEC 60601-1-8: an unacknowledged MEDIUM condition is re-announced at a higher priority.
void AlarmBoard::armEscalation(Alarm& alarm, TimePoint from) const {
  alarm.escalation_due.reset();
  if (settings_.escalation.count() > 0 && effectivePriority(alarm) == Priority::Medium &&
      alarm.event.state == AlarmState::Active && alarm.event.inactivation != Inactivation::Acknowledged) {
    alarm.escalation_due = from + settings_.escalation;
  }
}

void AlarmBoard::publish(Alarm& alarm, Phase phase, TimePoint time, AlarmEvents& out) {
  alarm.event.phase = phase;
  // A frame may be a little older than the last one that moved this alarm (another device
  // of the patient, within the guard's stale tolerance): the alarm's own time never goes
  // backwards, so a station never sees its history reordered.
  alarm.event.event_time = std::max(time, alarm.event.event_time);
  alarm.event.priority = effectivePriority(alarm);
  alarm.event.unit = unit_;
  out.push_back(alarm.event);
}

Priority AlarmBoard::highestPaused(std::string_view except) const {
  Priority highest = Priority::None;
  for (const auto& [key, alarm] : alarms_) {
    if (key != except && alarm.event.inactivation == Inactivation::AudioPaused) {
      highest = std::max(highest, effectivePriority(alarm));
    }
  }
  return highest;
}

// During an audio pause a new condition is paused too, unless it is more urgent than every
// paused one: then it sounds and the pause is over (ISO 80601-2-61 break-through).
// The caller publishes the breaking condition first, then ends the pause of the others.
Inactivation AlarmBoard::inactivationForNew(Priority priority, std::string_view condition) {
  if (!pause_until_) return Inactivation::Enabled;
  if (priority <= highestPaused(condition)) return Inactivation::AudioPaused;
  pause_until_.reset();
  return Inactivation::Enabled;
}

void AlarmBoard::endPause(TimePoint time, AlarmEvents& out) {
  pause_until_.reset();
  for (auto& [key, alarm] : alarms_) {
    if (alarm.event.inactivation != Inactivation::AudioPaused) continue;
    alarm.event.inactivation = Inactivation::Enabled;
    publish(alarm, Phase::Update, time, out);
  }
}

void AlarmBoard::start(Raise raise, TimePoint time, AlarmEvents& out) {
  const bool was_paused = pause_until_.has_value();
  Alarm alarm;
  alarm.level = raise.level;
  alarm.event_like = raise.event_like;
  auto& e = alarm.event;
  e.alert_id = alertId(patient_id_, raise.condition, time);
  e.patient_id = patient_id_;
  e.condition = raise.condition;
  e.title = raise.level.title;
  e.kind = raise.kind;
  e.state = AlarmState::Active;
  e.start_time = time;
  e.trigger = std::move(raise.trigger);
  e.advice = std::move(raise.advice);
  e.dose = std::move(raise.dose);
  e.inactivation = inactivationForNew(raise.level.priority, raise.condition);
  armEscalation(alarm, time);
  auto& stored = alarms_.emplace(raise.condition, std::move(alarm)).first->second;
  publish(stored, Phase::Start, time, out);
  if (was_paused && !pause_until_) endPause(time, out);
}

void AlarmBoard::changeLevel(Alarm& alarm, Raise raise, TimePoint time, AlarmEvents& out) {
  const Priority before = effectivePriority(alarm);
  alarm.level = raise.level;
  const Priority after = effectivePriority(alarm);
  auto& e = alarm.event;
  e.state = AlarmState::Active;
  alarm.ends_on_acknowledge = false;
  e.title = raise.level.title;
  e.trigger = std::move(raise.trigger);
  e.advice = std::move(raise.advice);
  e.dose = std::move(raise.dose);
  const bool was_paused = pause_until_.has_value();
  if (after > before || raise.fresh_occurrence) {
    // A more urgent level, or the event happened again: it must be heard, even if the
    // earlier one was acknowledged or paused.
    soundAgain(alarm, inactivationForNew(after, e.condition));
  }
  armEscalation(alarm, time);
  const Phase phase = after > before ? Phase::Escalate : after < before ? Phase::DeEscalate : Phase::Update;
  publish(alarm, phase, time, out);
  if (was_paused && !pause_until_) endPause(time, out);
}

// The alarm must be heard again: whatever acknowledgement it carried no longer holds, so
// the event no longer names one (the journal's acknowledgement log keeps who and when).
void AlarmBoard::soundAgain(Alarm& alarm, Inactivation inactivation) {
  alarm.event.inactivation = inactivation;
  alarm.event.acknowledged_by.clear();
  alarm.event.acknowledged_time.reset();
  alarm.realarm_due.reset();
}

void AlarmBoard::raise(Raise raise, TimePoint time, AlarmEvents& out) {
  const auto found = alarms_.find(raise.condition);
  if (found == alarms_.end()) return start(std::move(raise), time, out);
  Alarm& alarm = found->second;
  const bool same_level = alarm.level.priority == raise.level.priority && alarm.level.title == raise.level.title &&
                          alarm.level.advice == raise.level.advice;
  const bool reactivated = alarm.event.state == AlarmState::Latched || alarm.ends_on_acknowledge;
  const bool resound = raise.fresh_occurrence && alarm.event.inactivation == Inactivation::Acknowledged;
  if (same_level && !reactivated && !resound) return;  // nothing a station would see changed
  changeLevel(alarm, std::move(raise), time, out);
}

void AlarmBoard::end(Alarms::iterator alarm, TimePoint time, AlarmEvents& out) {
  alarm->second.event.state = AlarmState::Inactive;
  publish(alarm->second, Phase::End, time, out);
  alarms_.erase(alarm);
}

void AlarmBoard::clear(std::string_view condition, TimePoint time, AlarmEvents& out) {
  const auto found = alarms_.find(condition);
  if (found == alarms_.end() || found->second.event.state == AlarmState::Latched) return;
  Alarm& alarm = found->second;
  if (alarm.level.latching && alarm.event.inactivation != Inactivation::Acknowledged) {
    // Shown until someone has seen it (IEC 60601-1-8 latching).
    alarm.event.state = AlarmState::Latched;
    alarm.escalation_due.reset();
    alarm.realarm_due.reset();
    alarm.ends_on_acknowledge = false;
    publish(alarm, Phase::Update, time, out);
    return;
  }
  end(found, time, out);
}

void AlarmBoard::expire(std::string_view condition, TimePoint time, AlarmEvents& out) {
  const auto found = alarms_.find(condition);
  if (found == alarms_.end()) return;
  Alarm& alarm = found->second;
  if (alarm.event.inactivation == Inactivation::Acknowledged || alarm.level.latching)
    return clear(condition, time, out);
  // Nobody has acknowledged it yet: it stays until somebody does.
  alarm.ends_on_acknowledge = true;
}

std::optional<bool> AlarmBoard::acknowledge(std::string_view alert_id, std::string_view by, TimePoint time,
                                            AlarmEvents& out) {
  for (auto it = alarms_.begin(); it != alarms_.end(); ++it) {
    Alarm& alarm = it->second;
    if (alarm.event.alert_id != alert_id) continue;
    const bool latched = alarm.event.state == AlarmState::Latched;
    if (alarm.event.inactivation == Inactivation::Acknowledged && !latched && !alarm.ends_on_acknowledge) return true;
    alarm.event.inactivation = Inactivation::Acknowledged;
    alarm.event.acknowledged_by = std::string(by);
    alarm.event.acknowledged_time = time;
    alarm.escalation_due.reset();
    if (latched || alarm.ends_on_acknowledge) {
      end(it, time, out);
      return true;
    }
    alarm.realarm_due.reset();
    if (settings_.realarm.count() > 0 && !alarm.event_like) alarm.realarm_due = time + settings_.realarm;
    publish(alarm, Phase::Update, time, out);
    return true;
  }
  return std::nullopt;
}

void AlarmBoard::audioPause(TimePoint time, AlarmEvents& out) {
  pause_until_ = time + settings_.audio_pause;
  for (auto& [key, alarm] : alarms_) {
    if (alarm.event.inactivation != Inactivation::Enabled) continue;
    alarm.event.inactivation = Inactivation::AudioPaused;
    publish(alarm, Phase::Update, time, out);
  }
}

std::optional<TimePoint> AlarmBoard::nextDue() const {
  std::optional<TimePoint> next = pause_until_;
  for (const auto& [key, alarm] : alarms_) {
    if (earlier(alarm.escalation_due, next)) next = alarm.escalation_due;
    if (earlier(alarm.realarm_due, next)) next = alarm.realarm_due;
  }
  return next;
}

void AlarmBoard::runDue(TimePoint time, AlarmEvents& out) {
  for (auto& [key, alarm] : alarms_) {
    if (dueBy(alarm.escalation_due, time)) {
      const TimePoint due = *alarm.escalation_due;
      alarm.escalation_due.reset();
      alarm.escalated = true;
      publish(alarm, Phase::Escalate, due, out);
    }
    if (dueBy(alarm.realarm_due, time)) {
      // Acknowledged, and the condition is still there: it sounds again.
      const TimePoint due = *alarm.realarm_due;
      soundAgain(alarm, pause_until_ ? Inactivation::AudioPaused : Inactivation::Enabled);
      armEscalation(alarm, due);
      publish(alarm, Phase::Update, due, out);
    }
  }
  if (dueBy(pause_until_, time)) endPause(*pause_until_, out);
}

const AlarmEvent* AlarmBoard::find(std::string_view condition) const {
  const auto found = alarms_.find(condition);
  return found == alarms_.end() ? nullptr : &found->second.event;
}

bool AlarmBoard::conditionPresent(std::string_view condition) const {
  const auto found = alarms_.find(condition);
  return found != alarms_.end() && found->second.event.state == AlarmState::Active &&
         !found->second.ends_on_acknowledge;
}

bool AlarmBoard::acknowledged(std::string_view condition) const {
  const auto found = alarms_.find(condition);
  return found != alarms_.end() && found->second.event.inactivation == Inactivation::Acknowledged;
}

std::vector<const AlarmEvent*> AlarmBoard::all() const {
  std::vector<const AlarmEvent*> out;
  out.reserve(alarms_.size());
  for (const auto& [key, alarm] : alarms_) out.push_back(&alarm.event);
  return out;
}

AlarmBoard::Saved AlarmBoard::saved() const {
  Saved saved{unit_, {}, pause_until_};
  for (const auto& [condition, alarm] : alarms_) {
    saved.alarms.push_back({condition, alarm.event, alarm.level, alarm.escalated, alarm.ends_on_acknowledge,
                            alarm.event_like, alarm.escalation_due, alarm.realarm_due});
  }
  return saved;
}

void AlarmBoard::restore(const Saved& saved) {
  unit_ = saved.unit;
  pause_until_ = saved.pause_until;
  alarms_.clear();
  for (const auto& alarm : saved.alarms) {
    alarms_.emplace(alarm.condition, Alarm{alarm.event, alarm.level, alarm.escalated, alarm.ends_on_acknowledge,
                                           alarm.event_like, alarm.escalation_due, alarm.realarm_due});
  }
}

}  // namespace vigil::core
