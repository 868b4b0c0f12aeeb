// One patient's alarms through their life (IEC 60601-1-8, CLINICAL.md section 6): start,
// level changes (ESCALATE / DE_ESCALATE), latching, acknowledgement, audio pause with
// break-through, escalation of unacknowledged MEDIUM alarms, re-alarm after an
// acknowledgement, end. Every change of state or inactivation is an event, so a station
// can follow the alarms from the event stream alone.
//
// The board knows nothing about rules: the engine says which condition is present at which
// level, and the board turns that into events. Time comes from the caller; time-driven
// transitions are stamped with the moment they became due.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/core/domain.h"
#include "alarms/core/protocol.h"

namespace vigil::core {

// A condition as the engine sees it now.
struct Raise {
  std::string condition;  // the key on the board and the rule id in the alert
  ConditionLevel level;   // title, priority, advice action, latching
  AlarmKind kind = AlarmKind::Physiological;
  Trigger trigger;
  Advice advice;  // the advice after the modifiers (dose attribution)
  DoseContext dose;
  // A new occurrence of an event-like condition (another entry of the same kind): an
  // acknowledged alarm sounds again.
  bool fresh_occurrence = false;
  // Something that happened (an entry, a gap) rather than a state that is measured: once
  // acknowledged it does not re-alarm, since nothing shows it is "still present".
  bool event_like = false;
};

class AlarmBoard {
 public:
  AlarmBoard(std::string patient_id, AlarmSystemSettings settings);

  void setUnit(const std::string& unit) { unit_ = unit; }

  // The condition is present at `time` (onset: when it began, for the record).
  void raise(Raise raise, TimePoint time, AlarmEvents& out);
  // The condition is over: END, or LATCHED for a latching alarm nobody acknowledged.
  void clear(std::string_view condition, TimePoint time, AlarmEvents& out);
  // An event-like condition's hold time is over: it ends now if acknowledged; otherwise a
  // latching alarm latches and any other ends with its acknowledgement.
  void expire(std::string_view condition, TimePoint time, AlarmEvents& out);

  // nullopt: this board has no alarm with that id.
  std::optional<bool> acknowledge(std::string_view alert_id, std::string_view by, TimePoint time, AlarmEvents& out);
  // Pauses the audio of every sounding alarm for the protocol's audio-pause time.
  void audioPause(TimePoint time, AlarmEvents& out);

  // Escalation, re-alarm and pause expiry: the earliest moment one falls due.
  std::optional<TimePoint> nextDue() const;
  // Runs every transition due at or before `time`, each stamped with its own due time.
  void runDue(TimePoint time, AlarmEvents& out);

  bool has(std::string_view condition) const { return alarms_.find(condition) != alarms_.end(); }
  const AlarmEvent* find(std::string_view condition) const;
  bool conditionPresent(std::string_view condition) const;
  bool acknowledged(std::string_view condition) const;
  std::vector<const AlarmEvent*> all() const;  // as last published, by condition key
  std::size_t size() const { return alarms_.size(); }
  bool audioPaused() const { return pause_until_.has_value(); }

  // Snapshots (alarms/snapshot): every alarm with its lifecycle, and the audio pause, as
  // values. The patient id and the settings come from the engine.
  struct SavedAlarm {
    std::string condition;
    AlarmEvent event;  // as last published
    ConditionLevel level;
    bool escalated = false;
    bool ends_on_acknowledge = false;
    bool event_like = false;
    std::optional<TimePoint> escalation_due;
    std::optional<TimePoint> realarm_due;
  };
  struct Saved {
    std::string unit;
    std::vector<SavedAlarm> alarms;  // by condition key
    std::optional<TimePoint> pause_until;
  };
  Saved saved() const;
  void restore(const Saved& saved);

 private:
  struct Alarm {
    AlarmEvent event;  // as last published
    ConditionLevel level;
    bool escalated = false;  // re-announced as HIGH after going unacknowledged
    bool ends_on_acknowledge = false;
    bool event_like = false;
    std::optional<TimePoint> escalation_due;
    std::optional<TimePoint> realarm_due;
  };
  using Alarms = std::map<std::string, Alarm, std::less<>>;

  Priority effectivePriority(const Alarm& alarm) const;
  Priority highestPaused(std::string_view except) const;
  Inactivation inactivationForNew(Priority priority, std::string_view condition);
  void endPause(TimePoint time, AlarmEvents& out);
  void armEscalation(Alarm& alarm, TimePoint from) const;
  void soundAgain(Alarm& alarm, Inactivation inactivation);
  void publish(Alarm& alarm, Phase phase, TimePoint time, AlarmEvents& out);
  void start(Raise raise, TimePoint time, AlarmEvents& out);
  void changeLevel(Alarm& alarm, Raise raise, TimePoint time, AlarmEvents& out);
  void end(Alarms::iterator alarm, TimePoint time, AlarmEvents& out);

  std::string patient_id_;
  std::string unit_;
  AlarmSystemSettings settings_;
  Alarms alarms_;
  std::optional<TimePoint> pause_until_;
};

}  // namespace vigil::core
