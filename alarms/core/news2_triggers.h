// NEWS2 (CLINICAL.md section 3, row 22): the inputs the score is made of, the score, and
// the protocol's triggers on it. The scoring itself is news2.h.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "alarms/core/deadlines.h"
#include "alarms/core/engine_patient.h"
#include "alarms/core/news2_inputs.h"

namespace vigil::core::engine_detail {

class News2Triggers {
 public:
  // The highest sub-score a parameter can reach (NEWS2 scores 0-3; a chart with higher
  // scores persists them as 3 or more).
  static constexpr std::size_t kTopScore = 3;
  // How long one measured parameter has held each sub-score or more (issue 14): NEWS2
  // takes a parameter's value only once it has persisted, like a limit rule's delay.
  // Plain values and times, so that a snapshot can hold them.
  struct ParameterRun {
    // [k]: since when every sample has scored k or more, and how many readings that is;
    // unset once a sample scores below k.
    std::optional<TimePoint> atLeastSince(std::size_t k) const { return timeIf(since_set_, k, at_least_since_[k]); }
    void setAtLeastSince(std::size_t k, std::optional<TimePoint> since);
    std::array<unsigned, kTopScore + 1> at_least_readings{};
    // [k]: the latest value that scored exactly k: the value NEWS2 uses when k persists.
    std::optional<double> latestScoring(std::size_t k) const;
    void setLatestScoring(std::size_t k, std::optional<double> value);
    // A gap longer than the source's limit starts over.
    std::optional<TimePoint> lastSample() const { return timeIf(last_sample_set_, 0, last_sample_); }
    void setLastSample(std::optional<TimePoint> time);

   private:
    // Which slots hold a value, one bit per k, instead of an optional each: 96 bytes per
    // parameter instead of 160.
    static std::optional<TimePoint> timeIf(std::uint8_t set, std::size_t k, TimePoint time) {
      return (set >> k) & 1U ? std::optional(time) : std::nullopt;
    }
    std::array<TimePoint, kTopScore + 1> at_least_since_{};
    std::array<double, kTopScore + 1> latest_scoring_{};
    TimePoint last_sample_{};
    std::uint8_t since_set_ = 0;
    std::uint8_t scoring_set_ = 0;
    std::uint8_t last_sample_set_ = 0;
  };
  struct State {
    News2Inputs inputs;  // the persisted values the score is made of
    News2 score;
    bool band_changed = false;                                  // publish the status now, not at the next interval
    std::array<ParameterRun, kNews2MeasuredParameters> runs{};  // by News2Parameter
  };

  explicit News2Triggers(const Protocol& protocol) : protocol_(protocol) {}
  State newState() const { return {}; }

  // Inputs. noteSample and noteEntry say whether they changed an input of the score (the
  // engine then rescores, and counts it); onScore is a score given from outside.
  bool noteSample(State& state, const PatientFacts& patient, const Sample& sample) const;
  bool noteEntry(State& state, const ClinicalEvent& event) const;
  void rescore(State& state, PatientFacts& patient, TimePoint time, Outputs& out) const;
  void onScore(State& state, PatientFacts& patient, const News2& score, TimePoint time, Outputs& out) const;
  // NEWS2 has no deadline of its own: it changes only when an input does.
  void deadlines(State&, PatientFacts&, deadlines::DeadlineVisit&) const {}

 private:
  // The value NEWS2 takes for the parameter after this sample: the latest one whose
  // sub-score has persisted; nullopt while nothing has.
  std::optional<double> persistedValue(ParameterRun& run, News2Parameter parameter, const State& state,
                                       const PatientFacts& patient, const Sample& sample) const;
  void checkAggregate(PatientFacts& patient, const News2& score, TimePoint time, Outputs& out) const;
  void checkSingleThree(PatientFacts& patient, const News2& score, TimePoint time, Outputs& out) const;

  const Protocol& protocol_;
};

}  // namespace vigil::core::engine_detail
