// The alarm engine core (DESIGN.md section 3): values in; alarm events, titration advice
// and patient status out. Time comes only from the inputs and from advanceTo(); replaying
// the same inputs gives the same outputs at any speed and however often advanceTo() is
// called in between. No sockets, no clocks, no files.
//
// Time-driven transitions (condition delays, staleness, escalation, re-alarm, audio-pause
// expiry, hold times, resume) are deadlines: a call at time T first runs, in time order,
// every deadline before T, each stamped with its own due time; an input at exactly a
// deadline is applied before it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/core/baseline.h"
#include "alarms/core/domain.h"
#include "alarms/core/dose.h"
#include "alarms/core/news2_inputs.h"
#include "alarms/core/protocol.h"

namespace vigil::core {

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
  std::size_t activeAlarmCount() const { return alarm_index_.size(); }
  TimePoint now() const { return now_; }
  const Protocol& protocol() const { return protocol_; }
  const EngineCounters& counters() const { return counters_; }
  std::optional<BaselineValue> baseline(std::string_view patient_id, Metric metric) const;
  std::optional<DoseContext> doseContext(std::string_view patient_id) const;
  std::optional<News2Inputs> news2Inputs(std::string_view patient_id) const;

 private:
  struct Patient;
  struct Sample;

  Patient& patient(const std::string& patient_id, const std::string& unit);
  Patient* findPatient(std::string_view patient_id) const;

  // Deadlines.
  void runDeadlines(TimePoint before, Outputs& out);
  void runPatientDeadlines(Patient& p, TimePoint due, Outputs& out);
  std::optional<TimePoint> nextDue(const Patient& p) const;
  void reschedule(Patient& p);
  // After any change to a patient: index the events, update advice, reschedule.
  void settle(Patient& p, TimePoint time, Outputs& out, std::size_t first_alarm);

  // Limit rules (rows 1-14, 18, 19).
  void evaluate(Patient& p, const Sample& sample, Outputs& out);
  void evaluateRule(Patient& p, std::size_t rule_index, std::size_t slot, const Sample& sample, Outputs& out);
  void raiseRule(Patient& p, std::size_t rule_index, TimePoint time, TimePoint onset, Trigger trigger, Outputs& out);
  void runRuleDelays(Patient& p, TimePoint due, Outputs& out);

  bool noteLatest(Patient& p, const Sample& sample);

  // Technical conditions.
  void noteVitalsArrived(Patient& p, const VitalsFrame& frame, Outputs& out);
  void notePumpArrived(Patient& p, TimePoint time, Outputs& out);
  void noteMeasurementQuality(Patient& p, Metric metric, const Measurement& m, TimePoint time, Outputs& out);
  void runTechnicalDeadlines(Patient& p, TimePoint due, Outputs& out);
  void raiseMonitoringLost(Patient& p, int level, TimePoint time, Outputs& out);
  Duration staleLimit(const Patient& p) const;
  std::optional<TimePoint> monitoringReference(const Patient& p) const;
  Duration sensorOffDelay(Metric metric) const;

  // Clinical events (rows 15-17), dose rules (20, 21), NEWS2 (22).
  void applyEventRule(Patient& p, std::size_t rule_index, const ClinicalEvent& event, Outputs& out);
  void evaluateSessionDose(Patient& p, TimePoint time, Outputs& out);
  void checkTitrationPace(Patient& p, const std::optional<RateIncrease>& previous, TimePoint time, Outputs& out);
  void evaluateNews2(Patient& p, const News2& score, TimePoint time, Outputs& out);
  void rescoreNews2(Patient& p, TimePoint time, Outputs& out);

  // Advice and status.
  Advice adviceFor(AdviceAction action, const DoseContext& dose, const DoseTracker& tracker,
                   const std::string& title) const;
  void raiseCondition(Patient& p, std::string condition, const ConditionLevel& level, AlarmKind kind,
                      bool dose_attributable, TimePoint time, TimePoint onset, Trigger trigger, Outputs& out,
                      bool fresh_occurrence = false);
  void noteStability(Patient& p, const Sample& sample);
  void rememberResumeTarget(Patient& p, const Advice& driving);
  Advice adviceAfterResolution(Patient& p, TimePoint time);
  void updateAdvice(Patient& p, TimePoint time, Outputs& out);
  void publishStatus(Patient& p, TimePoint time, Outputs& out, bool force);

  void touch(TimePoint time);

  Protocol protocol_;
  std::unique_ptr<PkCoefficients> pk_;  // heap: patients point at it, and the engine may move
  std::vector<std::vector<std::size_t>> rules_by_metric_;
  std::map<std::string, std::unique_ptr<Patient>, std::less<>> patients_;
  std::map<std::string, std::string, std::less<>> alarm_index_;  // alert id -> patient id
  std::set<std::pair<TimePoint, std::string>> schedule_;           // (next deadline, patient id)
  TimePoint now_{};
  EngineCounters counters_;
};

}  // namespace vigil::core
