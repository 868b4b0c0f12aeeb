// The NEWS2 inputs and triggers (row 22).
#include "alarms/core/news2_triggers.h"

#include <algorithm>

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

namespace {

template <class T>
void setSlot(std::uint8_t& set, std::size_t k, T& slot, std::optional<T> value) {
  const auto bit = static_cast<std::uint8_t>(1U << k);
  set = value ? set | bit : set & static_cast<std::uint8_t>(~bit);
  slot = value.value_or(T{});
}

}  // namespace

void News2Triggers::ParameterRun::setAtLeastSince(std::size_t k, std::optional<TimePoint> since) {
  setSlot(since_set_, k, at_least_since_[k], since);
}

std::optional<double> News2Triggers::ParameterRun::latestScoring(std::size_t k) const {
  return (scoring_set_ >> k) & 1U ? std::optional(latest_scoring_[k]) : std::nullopt;
}

void News2Triggers::ParameterRun::setLatestScoring(std::size_t k, std::optional<double> value) {
  setSlot(scoring_set_, k, latest_scoring_[k], value);
}

void News2Triggers::ParameterRun::setLastSample(std::optional<TimePoint> time) {
  setSlot(last_sample_set_, 0, last_sample_, time);
}

bool News2Triggers::noteSample(State& state, const PatientFacts& patient, const Sample& sample) const {
  const auto parameter = news2ParameterOf(sample.metric);
  if (!parameter) return false;
  auto& run = state.runs[static_cast<std::size_t>(*parameter)];
  const auto value = persistedValue(run, *parameter, state, patient, sample);
  // Until a value has persisted the parameter keeps the one that did before (as a chart
  // keeps the last observation set): a transient neither enters nor erases the score.
  if (!value) return true;
  auto& inputs = state.inputs;
  switch (*parameter) {
    case News2Parameter::Rr: inputs.rr = value; break;
    case News2Parameter::SpO2: inputs.spo2 = value; break;
    case News2Parameter::Sbp: inputs.sbp = value; break;
    case News2Parameter::Pulse: inputs.pulse = value; break;
    case News2Parameter::Temperature: inputs.temperature_c = value; break;
  }
  return true;
}

// Why persistence and not a median. NEWS2 (RCP 2017) scores observation sets a nurse charts
// after watching the patient, not single 1 Hz readings: a motion dip of SpO2 or a
// double-counted ECG beat is never charted. The monitor's own answer to the same problem
// is the alarm condition delay (IEC 60601-1-8), and the protocol already gives every
// parameter one, in its limit rules (SpO2 < 90 for 15 s, RR < 10 for 30 s, HR for 30 s,
// SBP over 2 NIBP readings). A parameter's sub-score of k therefore counts once every
// reading over that delay scored k or more, exactly as a limit rule's condition must hold:
// a transient shorter than the limit rule's delay changes neither, and a sustained change
// reaches the score no later than the limit rule on the same parameter alarms. The score
// kept is the lowest of the window, so a value hovering across a band edge (SpO2 91/92)
// still scores the band it never left. A running median would also ignore single spikes,
// but it would hold a patient's real 30 s desaturation out of the score for half its
// window, and it needs the window's samples in the state.
std::optional<double> News2Triggers::persistedValue(ParameterRun& run, News2Parameter parameter, const State& state,
                                                    const PatientFacts& patient, const Sample& sample) const {
  const auto score = measuredScore(parameter, sample.value, state.inputs, protocol_.news2_chart);
  if (!score) return std::nullopt;
  // Missing data is not persistence: after a gap the runs start again from this sample.
  const Duration gap_limit = sample.episodic ? patient.vitals.episodic_gap_limit
                                             : (protocol_.technical ? protocol_.technical->max_sample_gap : kNever);
  if (const auto last = run.lastSample(); last && sample.time - *last > gap_limit) run = {};
  run.setLastSample(sample.time);
  const std::size_t scored = std::min<std::size_t>(static_cast<std::size_t>(std::max(*score, 0)), kTopScore);
  for (std::size_t k = 0; k <= kTopScore; ++k) {
    if (k > scored) {
      run.setAtLeastSince(k, std::nullopt);
      run.at_least_readings[k] = 0;
      continue;
    }
    if (!run.atLeastSince(k)) run.setAtLeastSince(k, sample.time);
    ++run.at_least_readings[k];
  }
  run.setLatestScoring(scored, sample.value);
  const News2ParameterPersistence persistence =
      protocol_.news2_triggers ? protocol_.news2_triggers->persistence[static_cast<std::size_t>(parameter)]
                               : News2ParameterPersistence{};
  for (std::size_t k = kTopScore + 1; k-- > 0;) {
    const auto since = run.atLeastSince(k);
    if (!since) continue;
    const bool persisted = sample.episodic ? run.at_least_readings[k] >= std::max(1u, persistence.readings)
                                           : sample.time - *since >= persistence.delay;
    // The latest value that scored exactly k is in the run: the run of k + 1 or more
    // began after it (or k would not be the highest that persisted).
    if (persisted) return run.latestScoring(k);
  }
  return std::nullopt;
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
