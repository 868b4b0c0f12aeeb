// The NEWS2 inputs and triggers (row 22).
#include "alarms/core/news2_triggers.h"

#include "alarms/core/news2.h"

namespace vigil::core::engine_detail {
namespace {

Trigger scoreTrigger(const News2& score) {
  Trigger trigger;
  trigger.metric = "NEWS2";
  trigger.value = score.total;
  return trigger;
}

}  // namespace

bool News2Triggers::noteSample(State& state, const Sample& sample) const {
  auto& inputs = state.inputs;
  switch (sample.metric) {
    case Metric::RespRate: inputs.rr = sample.value; return true;
    case Metric::SpO2: inputs.spo2 = sample.value; return true;
    case Metric::Sbp: inputs.sbp = sample.value; return true;
    case Metric::HeartRate:
    case Metric::Pulse: inputs.pulse = sample.value; return true;
    case Metric::Temperature: inputs.temperature_c = sample.value; return true;
    default: return false;
  }
}

bool News2Triggers::noteEntry(State& state, const ClinicalEvent& event) const {
  switch (event.kind) {
    case ClinicalEventKind::Consciousness: state.inputs.consciousness = event.acvpu; return true;
    case ClinicalEventKind::SupplementalOxygen: state.inputs.on_oxygen = event.oxygen_l_per_min > 0; return true;
    case ClinicalEventKind::Spo2Scale2: state.inputs.spo2_scale_2 = event.enabled; return true;
    default: return false;
  }
}

void News2Triggers::rescore(State& state, PatientFacts& patient, TimePoint time, Outputs& out) const {
  onScore(state, patient, computeNews2(state.inputs, protocol_.news2_chart), time, out);
}

void News2Triggers::onScore(State& state, PatientFacts& patient, const News2& score, TimePoint time,
                            Outputs& out) const {
  const bool band_changed = score.band != state.score.band;
  state.score = score;
  // An unknown score says nothing: it neither raises nor ends a NEWS2 alarm.
  if (protocol_.news2_triggers && score.band != News2Band::Unknown) {
    checkAggregate(patient, score, time, out);
    checkSingleThree(patient, score, time, out);
  }
  // The band-change hook: stations see a new band at once, not at the next status tick.
  if (band_changed) state.band_changed = true;
}

void News2Triggers::checkAggregate(PatientFacts& patient, const News2& score, TimePoint time, Outputs& out) const {
  const News2Level* reached = nullptr;
  for (const auto& level : protocol_.news2_triggers->aggregate) {
    if (score.total >= level.total_at_least) reached = &level;
  }
  if (!reached) {
    patient.board.clear(kNews2Aggregate, time, out.alarms);
    return;
  }
  Trigger trigger = scoreTrigger(score);
  trigger.limit = ">= " + std::to_string(reached->total_at_least);
  trigger.limit_value = reached->total_at_least;
  patient.raise(std::string(kNews2Aggregate), reached->level, AlarmKind::Physiological, true, time, time,
                std::move(trigger), out);
}

void News2Triggers::checkSingleThree(PatientFacts& patient, const News2& score, TimePoint time, Outputs& out) const {
  const auto& level = protocol_.news2_triggers->single_three;
  if (level.priority == Priority::None) return;  // off
  if (!score.any_single_three) {
    patient.board.clear(kNews2SingleThree, time, out.alarms);
    return;
  }
  Trigger trigger = scoreTrigger(score);
  trigger.limit = "a single parameter scores 3";
  trigger.limit_value = 3;
  patient.raise(std::string(kNews2SingleThree), level, AlarmKind::Physiological, true, time, time, std::move(trigger),
                out);
}

}  // namespace vigil::core::engine_detail
