// The alarm engine core (DESIGN.md section 3): values in, alarm events out. Time comes
// only from the inputs and from advanceTo(); replaying the same inputs gives the same
// events at any speed. No sockets, no clocks, no files.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/core/baseline.h"
#include "alarms/core/domain.h"
#include "alarms/core/dose.h"
#include "alarms/core/protocol.h"

namespace vigil::core {

// What the engine refused or set aside, so that nothing is dropped silently.
struct EngineCounters {
  std::uint64_t vitals_frames = 0;
  std::uint64_t pump_statuses = 0;
  std::uint64_t measurements_evaluated = 0;
  std::uint64_t measurements_unknown_code = 0;   // no rule can use the code
  std::uint64_t measurements_quality_gated = 0;  // artifact, sensor off, questionable
  std::uint64_t pump_statuses_other_drug = 0;
  std::uint64_t acknowledgements = 0;
  std::uint64_t acknowledgements_refused = 0;
};

struct AcknowledgeResult {
  bool ok = false;
  std::string error;
  AlarmEvents events;
};

class Engine {
 public:
  explicit Engine(Protocol protocol);
  ~Engine();
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  AlarmEvents onVitals(const VitalsFrame& frame);
  AlarmEvents onInfusion(const PumpStatus& status);
  // Moves the engine's time forward (never back). Time-driven conditions (staleness,
  // escalation) hang off this; physiological conditions are decided by the data.
  AlarmEvents advanceTo(TimePoint time);
  // Silences one active alarm; recorded with who and the engine's current time.
  AcknowledgeResult acknowledge(std::string_view alert_id, std::string_view by);

  // Every alarm that is active now, as last published (for snapshots).
  AlarmEvents activeAlarms() const;
  std::size_t activeAlarmCount() const { return alarm_index_.size(); }
  TimePoint now() const { return now_; }
  const Protocol& protocol() const { return protocol_; }
  const EngineCounters& counters() const { return counters_; }
  std::optional<BaselineValue> baseline(std::string_view patient_id, Metric metric) const;
  std::optional<DoseContext> doseContext(std::string_view patient_id);

 private:
  struct Patient;
  struct Sample;

  Patient& patient(const std::string& patient_id, const std::string& unit);
  void evaluate(Patient& patient, const Sample& sample, AlarmEvents& out);
  void evaluateRule(Patient& patient, std::size_t rule_index, std::size_t metric_slot, const Sample& sample,
                    AlarmEvents& out);
  void startAlarm(Patient& patient, std::size_t rule_index, TimePoint time, TimePoint onset, Trigger trigger,
                  AlarmEvents& out);
  void endAlarm(Patient& patient, std::size_t rule_index, TimePoint time, AlarmEvents& out);
  Advice adviceFor(const Rule& rule, const DoseContext& dose, const DoseTracker& tracker) const;
  void touch(TimePoint time);

  Protocol protocol_;
  std::unique_ptr<PkCoefficients> pk_;  // heap: patients point at it, and the engine may move
  std::vector<std::vector<std::size_t>> rules_by_metric_;
  std::map<std::string, std::unique_ptr<Patient>, std::less<>> patients_;
  std::map<std::string, std::pair<std::string, std::size_t>, std::less<>> alarm_index_;  // id -> patient, rule
  TimePoint now_{};
  EngineCounters counters_;
};

}  // namespace vigil::core
