// The alarm engine core (DESIGN.md section 3): values in; alarm events, titration advice
// and patient status out. Time comes only from the inputs and from advanceTo(); replaying
// the same inputs gives the same outputs at any speed and however often advanceTo() is
// called in between. No sockets, no clocks, no files.
//
// Time-driven transitions (condition delays, staleness, escalation, re-alarm, audio-pause
// expiry, hold times, resume) are deadlines: a call at time T first runs, in time order,
// every deadline before T, each stamped with its own due time; an input at exactly a
// deadline is applied before it.
//
// Inside, each concern is a part with its own per-patient state (engine_patient.h says
// what a part is): limit_rules.h, technical_watch.h, entry_rules.h, dose_pace.h,
// news2_triggers.h, advice_resume.h. The engine routes each input to the parts (engine.cc),
// keeps one schedule over all their deadlines (deadlines.h) and settles the alarm board.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/core/baseline.h"
#include "alarms/core/deadline_queue.h"
#include "alarms/core/domain.h"
#include "alarms/core/dose.h"
#include "alarms/core/id_index.h"
#include "alarms/core/news2_inputs.h"
#include "alarms/core/protocol.h"

namespace vigil::core {
namespace engine_detail {
struct Parts;    // the protocol and the engine's parts (engine_parts.h)
struct Patient;  // each part's state of one patient (engine_parts.h)
}  // namespace engine_detail
struct EngineState;  // the whole state as values (engine_state.h)

// What the engine refused or set aside, so that nothing is dropped silently.
struct EngineCounters {
  std::uint64_t vitals_frames = 0;
  std::uint64_t pump_statuses = 0;
  std::uint64_t clinical_events = 0;
  std::uint64_t clinical_events_refused = 0;  // no kind, or a RASS outside -5..+4
  std::uint64_t measurements_evaluated = 0;
  std::uint64_t measurements_unknown_code = 0;   // no rule can use the code
  std::uint64_t measurements_quality_gated = 0;  // artifact, sensor off, questionable
  std::uint64_t pump_statuses_other_drug = 0;
  std::uint64_t sequence_gaps = 0;
  std::uint64_t frames_missing = 0;  // the sum of the gaps' missing counts
  std::uint64_t acknowledgements = 0;
  std::uint64_t acknowledgements_refused = 0;
  std::uint64_t audio_pauses = 0;
  std::uint64_t audio_pauses_refused = 0;
  std::uint64_t news2_scores = 0;

  // Every field, by name (alarms/core/counters.h).
  template <typename Visit>
  void visitFields(Visit&& visit) const {
    visit("vitals_frames", vitals_frames);
    visit("pump_statuses", pump_statuses);
    visit("clinical_events", clinical_events);
    visit("clinical_events_refused", clinical_events_refused);
    visit("measurements_evaluated", measurements_evaluated);
    visit("measurements_unknown_code", measurements_unknown_code);
    visit("measurements_quality_gated", measurements_quality_gated);
    visit("pump_statuses_other_drug", pump_statuses_other_drug);
    visit("sequence_gaps", sequence_gaps);
    visit("frames_missing", frames_missing);
    visit("acknowledgements", acknowledgements);
    visit("acknowledgements_refused", acknowledgements_refused);
    visit("audio_pauses", audio_pauses);
    visit("audio_pauses_refused", audio_pauses_refused);
    visit("news2_scores", news2_scores);
  }
};

struct AcknowledgeResult {
  bool ok = false;
  std::string error;
  Outputs outputs;
};

struct AudioPauseResult {
  bool ok = false;
  std::string error;
  Outputs outputs;
};

class Engine {
 public:
  explicit Engine(Protocol protocol);
  ~Engine();
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  Outputs onVitals(const VitalsFrame& frame);
  Outputs onInfusion(const PumpStatus& status);
  Outputs onClinicalEvent(const ClinicalEvent& event);
  Outputs onSequenceGap(const SequenceGap& gap);
  // A NEWS2 score for a patient, as the scorer would give it: evaluated against the
  // protocol's NEWS2 triggers (rule 22). The engine calls this itself when it has a scorer.
  Outputs onNews2(std::string_view patient_id, const News2& score, TimePoint time);
  // Moves the engine's time forward (never back), running the deadlines before `time`.
  Outputs advanceTo(TimePoint time);
  // Silences one alarm (at the engine's current time), recorded with who did it.
  AcknowledgeResult acknowledge(std::string_view alert_id, std::string_view by);
  // Pauses the audio of a patient's alarms for the protocol's audio-pause time.
  AudioPauseResult audioPause(std::string_view patient_id, std::string_view by);

  // Every alarm that is active or latched, as last published, by alert id (snapshots).
  AlarmEvents alarms() const;
  // The current advice of every patient that has one (action not None).
  AdviceEvents currentAdvice() const;
  // The latest status published for each patient.
  PatientStatuses statuses() const;
  // The units of those statuses, without copying them: the service asks every heartbeat,
  // and a copy of 100,000 statuses is ~2 million allocations (issue 13).
  std::set<std::string> statusUnits() const;
  std::size_t activeAlarmCount() const { return alarm_index_.size(); }
  TimePoint now() const { return now_; }
  const Protocol& protocol() const;
  const EngineCounters& counters() const { return counters_; }
  std::optional<BaselineValue> baseline(std::string_view patient_id, Metric metric) const;
  std::optional<DoseContext> doseContext(std::string_view patient_id) const;
  std::optional<News2Inputs> news2Inputs(std::string_view patient_id) const;
  // Runs of a deadline that did not move it on (deadlines.h): each is retried a millisecond
  // later so that the engine never stalls, and counted here; the tests require none.
  std::uint64_t stalledDeadlines() const { return stalled_deadlines_; }

  // Snapshots (engine_state.h): the whole state as values, and an engine put back into
  // one. restoreState() refuses (false, `error`) a state that does not fit this engine's
  // protocol (another number of rules), leaving the engine as it was.
  EngineState saveState() const;
  bool restoreState(const EngineState& state, std::string& error);

 private:
  using Patient = engine_detail::Patient;
  using Handle = IdIndex::Handle;                    // a patient's index in by_handle_ and the schedule
  using Schedule = DeadlineQueue<std::string_view>;  // ties at one time: by patient id

  // An input as the one wrapper of every input sees it.
  struct Arrival {
    TimePoint time;
    std::string_view patient_id;
    std::string_view unit;
    bool admitted;          // false: refused or set aside (and counted): only the deadlines before it run
    bool publishes_status;  // the status at the status interval
  };
  // Runs the deadlines before the input, then (if admitted) `react(patient, out)`, settled.
  template <class React>
  Outputs accept(const Arrival& arrival, React&& react);

  // The patient's handle, the patient added if new; a unit given becomes the patient's.
  Handle patient(std::string_view patient_id, std::string_view unit);
  Patient* findPatient(std::string_view patient_id) const;
  // Gives the patient its handle (by_handle_, the schedule).
  void index(Patient& p);

  // Admission (counted) and routing of each input to the parts, in their order.
  bool admit(const PumpStatus& status);
  bool admit(const ClinicalEvent& event);
  void reactToVitals(Patient& p, const VitalsFrame& frame, Outputs& out);
  bool reactToMeasurement(Patient& p, const Measurement& measurement, TimePoint time, Outputs& out);
  void reactToPump(Patient& p, const PumpStatus& status, Outputs& out);
  void reactToEntry(Patient& p, const ClinicalEvent& event, Outputs& out);
  void rescoreNews2(Patient& p, TimePoint time, Outputs& out);

  // The schedule: every patient by its next deadline, over all its parts.
  void runDeadlines(TimePoint before, Outputs& out);
  void runPatientDeadlines(Handle handle, TimePoint due, Outputs& out);
  void reschedule(Handle handle);
  // After any change to a patient: index the events, update advice, reschedule.
  void settle(Handle handle, TimePoint time, Outputs& out, std::size_t first_alarm);
  void publishStatus(Patient& p, TimePoint time, Outputs& out, bool force);

  void touch(TimePoint time);

  std::unique_ptr<engine_detail::Parts> parts_;  // heap: parts and patients point into it, and the engine may move
  // Owns the patients, in id order: snapshots, statuses and alarm lists are in that order.
  // A frame never walks it: it finds its patient in handles_ (issue 13).
  std::map<std::string, std::unique_ptr<Patient>, std::less<>> patients_;
  IdIndex handles_;
  std::vector<Patient*> by_handle_;
  std::map<std::string, std::string, std::less<>> alarm_index_;  // alert id -> patient id
  Schedule schedule_;  // each patient's next deadline (Patient::scheduled), by handle
  TimePoint now_{};
  EngineCounters counters_;
  std::uint64_t stalled_deadlines_ = 0;
};

}  // namespace vigil::core
