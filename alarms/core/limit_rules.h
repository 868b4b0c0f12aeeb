// The limit rules (CLINICAL.md section 3, rows 1-14, 18, 19): thresholds on a metric,
// absolute or relative to the baseline, persisting for a delay (continuous sources) or a
// number of readings (NIBP), never across a gap in the data.
#pragma once

#include <cstdint>
#include <vector>

#include "alarms/core/deadlines.h"
#include "alarms/core/engine_patient.h"

namespace vigil::core::engine_detail {

class LimitRules {
 public:
  // The persistence of one rule on one metric for one patient.
  struct MetricCondition {
    bool violating = false;
    TimePoint since{};  // first sample beyond the limit
    TimePoint last{};   // latest sample beyond the limit
    unsigned readings = 0;
    Trigger trigger;  // of the latest sample beyond the limit
  };
  // One condition beyond its limit. Each rule has two conditions per metric of the rule:
  // [2 * slot] continuous sources (e.g. arterial), [2 * slot + 1] episodic ones (NIBP), so
  // seconds of arterial data never count as NIBP readings and an NIBP reading never starts
  // the arterial delay.
  struct Violation {
    std::uint32_t rule = 0;       // index in the protocol's rules
    std::uint32_t condition = 0;  // 2 * slot (+ 1 for episodic sources)
    MetricCondition state;
  };
  // One patient's conditions beyond their limit, by (rule, condition). A condition inside
  // its limit carries nothing (everything in it is rewritten when it starts), so a patient
  // within every limit keeps none: 24 bytes instead of every rule's every condition.
  struct State {
    std::vector<Violation> violating;
  };
  // Snapshots (alarms/snapshot): every condition of every rule, violating or not, as the
  // snapshot format has always held them.
  struct RuleState {
    std::vector<MetricCondition> per_metric;
  };
  struct Saved {
    std::vector<RuleState> rules;  // by rule index
  };

  explicit LimitRules(const Protocol& protocol);
  State newState() const { return {}; }
  // Every condition of every rule of this protocol (saved({}): the shape), and back.
  Saved saved(const State& state) const;
  State restored(const Saved& saved) const;

  // Inputs: a valid sample of a vital, and the dose rate of every pump status.
  void onSample(State& state, PatientFacts& patient, const Sample& sample, Outputs& out) const;
  void onDoseRate(State& state, PatientFacts& patient, double mg_per_kg_per_h, TimePoint time, Outputs& out) const;
  // A continuous condition's delay runs out between samples.
  void deadlines(State& state, PatientFacts& patient, deadlines::DeadlineVisit& visit) const;

  // For the other parts: the rules on a metric (by index), and whether a value is inside
  // all of them.
  const std::vector<std::size_t>& rulesOn(Metric metric) const { return by_metric_[static_cast<std::size_t>(metric)]; }
  bool insideAll(const PatientFacts& patient, Metric metric, double value) const;

 private:
  void evaluateRule(State& state, PatientFacts& patient, std::size_t rule_index, std::size_t slot, const Sample& sample,
                    Outputs& out) const;
  void raiseRule(PatientFacts& patient, std::size_t rule_index, TimePoint time, TimePoint onset, Trigger trigger,
                 Outputs& out) const;
  // Missing data is not persistence: the longest gap a condition may span.
  Duration continuousGapLimit() const;

  const Protocol& protocol_;
  std::vector<std::vector<std::size_t>> by_metric_;
};

}  // namespace vigil::core::engine_detail
