// Advice and resume (CLINICAL.md section 4): the one current advice per patient, driven by
// its most pressing alarm, then HOLD and RESUME_POSSIBLE once the conditions resolved and
// the vital signs stayed stable long enough.
#pragma once

#include <memory>

#include "alarms/core/deadlines.h"
#include "alarms/core/engine_patient.h"
#include "alarms/core/limit_rules.h"

namespace vigil::core::engine_detail {

class AdviceAndResume {
 public:
  // The advice as last published (action None before the first), on the heap once there
  // is one: an AdviceEvent is 600 bytes, and many patients are never advised.
  class LastAdvice {
   public:
    LastAdvice() = default;
    LastAdvice(const LastAdvice& other) { *this = other; }
    LastAdvice& operator=(const LastAdvice& other);
    LastAdvice(LastAdvice&&) noexcept = default;
    LastAdvice& operator=(LastAdvice&&) noexcept = default;

    const AdviceEvent& get() const;
    void set(AdviceEvent event);

   private:
    std::unique_ptr<AdviceEvent> event_;
  };
  struct State {
    LastAdvice last;
    bool resume_pending = false;  // PAUSE or REDUCE was advised and the rate has not gone up since
    double resume_target = 0.0;
    bool resume_target_is_last_rate = false;  // no lower rate was ever given
    std::optional<TimePoint> resolved_at;     // since when no alarm drives the advice
    std::optional<TimePoint> stable_since;    // every vital inside its limits since
    std::optional<TimePoint> last_unstable;
    std::optional<TimePoint> last_vital;
    std::int64_t last_id_ms = 0;
    int same_ms = 0;
  };

  AdviceAndResume(const Protocol& protocol, const LimitRules& rules) : protocol_(protocol), rules_(rules) {}
  State newState() const { return {}; }

  // Inputs: a valid sample (stability), a pump status (a rate increase acts on RESUME).
  void onSample(State& state, const PatientFacts& patient, const Sample& sample) const;
  void onPump(State& state, const PatientFacts& patient, const std::optional<RateIncrease>& previous,
              TimePoint time) const;
  // After any change to the patient: the advice as the alarms now drive it.
  void update(State& state, PatientFacts& patient, TimePoint time, Outputs& out) const;
  // The moment the vital signs will have been stable long enough to resume.
  void deadlines(State& state, PatientFacts& patient, deadlines::DeadlineVisit& visit) const;

 private:
  Duration gapLimit(const PatientFacts& patient) const;
  bool nearBaseline(const PatientFacts& patient, const Sample& sample) const;
  void rememberResumeTarget(State& state, const PatientFacts& patient, const Advice& driving) const;
  Advice afterResolution(State& state, const PatientFacts& patient, TimePoint time) const;
  Advice resumePossible(const State& state, const PatientFacts& patient) const;
  void publish(State& state, const PatientFacts& patient, AdviceEvent next, TimePoint time, Outputs& out) const;

  const Protocol& protocol_;
  const LimitRules& rules_;
};

}  // namespace vigil::core::engine_detail
