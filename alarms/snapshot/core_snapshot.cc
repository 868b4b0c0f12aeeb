#include "alarms/snapshot/core_snapshot.h"

#include <utility>
#include <vector>

#include "streamer/codec.h"
#include "streamer/enums.h"

namespace vigil::snapshot {
namespace {

using core::TimePoint;

// ---------------------------------------------------------------- values

std::int64_t ms(TimePoint time) { return core::toMillis(time); }
TimePoint at(std::int64_t millis) { return core::fromMillis(millis); }

std::optional<TimePoint> optionalTime(bool has, std::int64_t millis) {
  return has ? std::optional(at(millis)) : std::nullopt;
}
#define VIGIL_SAVE_TIME(message, field, value) \
  if (value) (message).set_##field(ms(*(value)))
#define VIGIL_LOAD_TIME(message, field) optionalTime((message).has_##field(), (message).field())

// Counters by name, so that a counter added or removed later does not shift the others.
template <class Counters>
void saveCounters(const Counters& counters, google::protobuf::RepeatedPtrField<v1::Counter>& out) {
  counters.visitFields([&](std::string_view name, std::uint64_t value) {
    auto& counter = *out.Add();
    counter.set_name(std::string(name));
    counter.set_value(value);
  });
}
template <class Counters>
Counters loadCounters(const google::protobuf::RepeatedPtrField<v1::Counter>& in) {
  Counters counters;
  // visitFields hands out const references to the fields of a non-const object.
  counters.visitFields([&](std::string_view name, const std::uint64_t& field) {
    for (const auto& counter : in) {
      if (counter.name() == name) const_cast<std::uint64_t&>(field) = counter.value();
    }
  });
  return counters;
}

// ---------------------------------------------------------------- the facts every part shares

v1::VitalsTiming saveVitals(const core::engine_detail::VitalsTiming& vitals) {
  v1::VitalsTiming message;
  message.set_ever_continuous(vitals.ever_continuous);
  VIGIL_SAVE_TIME(message, last_continuous_ms, vitals.last_continuous);
  VIGIL_SAVE_TIME(message, last_episodic_ms, vitals.last_episodic);
  VIGIL_SAVE_TIME(message, previous_episodic_ms, vitals.previous_episodic);
  message.set_episodic_gap_limit_ms(vitals.episodic_gap_limit.count());
  return message;
}
core::engine_detail::VitalsTiming loadVitals(const v1::VitalsTiming& m) {
  core::engine_detail::VitalsTiming vitals;
  vitals.ever_continuous = m.ever_continuous();
  vitals.last_continuous = VIGIL_LOAD_TIME(m, last_continuous_ms);
  vitals.last_episodic = VIGIL_LOAD_TIME(m, last_episodic_ms);
  vitals.previous_episodic = VIGIL_LOAD_TIME(m, previous_episodic_ms);
  vitals.episodic_gap_limit = core::Duration{m.episodic_gap_limit_ms()};
  return vitals;
}

v1::Baseline saveBaseline(const core::BaselineTracker::Saved& saved) {
  v1::Baseline message;
  VIGIL_SAVE_TIME(message, infusion_start_ms, saved.infusion_start);
  for (int m = 0; m < core::kMetricCount; ++m) {
    const auto& metric = saved.metrics[m];
    if (metric.samples.empty() && !metric.first_sample && !metric.baseline) continue;
    auto& out = *message.add_metrics();
    out.set_metric(m);
    for (const auto& sample : metric.samples) {
      out.add_sample_time_ms(ms(sample.time));
      out.add_sample_value(sample.value);
    }
    VIGIL_SAVE_TIME(out, first_sample_ms, metric.first_sample);
    out.set_has_baseline(metric.baseline.has_value());
    if (metric.baseline) {
      out.set_baseline(metric.baseline->value);
      out.set_provisional(metric.baseline->provisional);
    }
  }
  return message;
}
std::optional<core::BaselineTracker::Saved> loadBaseline(const v1::Baseline& message, std::string& error) {
  core::BaselineTracker::Saved saved;
  saved.infusion_start = VIGIL_LOAD_TIME(message, infusion_start_ms);
  for (const auto& in : message.metrics()) {
    if (in.metric() < 0 || in.metric() >= core::kMetricCount || in.sample_time_ms_size() != in.sample_value_size()) {
      error = "a baseline has an unknown metric or unpaired samples";
      return std::nullopt;
    }
    auto& metric = saved.metrics[in.metric()];
    for (int i = 0; i < in.sample_time_ms_size(); ++i)
      metric.samples.push_back({at(in.sample_time_ms(i)), in.sample_value(i)});
    metric.first_sample = VIGIL_LOAD_TIME(in, first_sample_ms);
    if (in.has_baseline()) metric.baseline = core::BaselineValue{in.baseline(), in.provisional()};
  }
  return saved;
}

v1::DoseTracker saveDose(const core::DoseTracker::Saved& saved) {
  v1::DoseTracker message;
  for (double v : saved.model.state.plasma) message.add_pk_plasma(v);
  for (double v : saved.model.state.effect) message.add_pk_effect(v);
  VIGIL_SAVE_TIME(message, model_time_ms, saved.model.last_time);
  message.set_model_rate(saved.model.rate);
  message.set_rate(saved.rate);
  message.set_weight_kg(saved.weight_kg);
  message.set_concentration_mg_per_ml(saved.concentration_mg_per_ml);
  if (const auto& step = saved.last_increase) {
    auto& out = *message.mutable_last_increase();
    out.set_time_ms(ms(step->time));
    out.set_from_mg_per_kg_per_h(step->from_mg_per_kg_per_h);
    out.set_to_mg_per_kg_per_h(step->to_mg_per_kg_per_h);
    out.set_cp_ug_per_ml(step->at_step.cp_ug_per_ml);
    out.set_ce_ug_per_ml(step->at_step.ce_ug_per_ml);
  }
  for (double rate : saved.rate_history) message.add_rate_history(rate);
  message.set_drug(saved.drug);
  message.set_pump_state(streamer::toWire(saved.pump_state));
  message.set_pump_ml_per_h(saved.pump_ml_per_h);
  VIGIL_SAVE_TIME(message, last_change_ms, saved.last_change);
  return message;
}
std::optional<core::DoseTracker::Saved> loadDose(const v1::DoseTracker& message, std::string& error) {
  core::DoseTracker::Saved saved;
  if (message.pk_plasma_size() != 4 || message.pk_effect_size() != 4) {
    error = "the PK model does not have four compartments";
    return std::nullopt;
  }
  for (int i = 0; i < 4; ++i) {
    saved.model.state.plasma[i] = message.pk_plasma(i);
    saved.model.state.effect[i] = message.pk_effect(i);
  }
  saved.model.last_time = VIGIL_LOAD_TIME(message, model_time_ms);
  saved.model.rate = message.model_rate();
  saved.rate = message.rate();
  saved.weight_kg = message.weight_kg();
  saved.concentration_mg_per_ml = message.concentration_mg_per_ml();
  if (message.has_last_increase()) {
    const auto& step = message.last_increase();
    saved.last_increase = core::RateIncrease{at(step.time_ms()),
                                             step.from_mg_per_kg_per_h(),
                                             step.to_mg_per_kg_per_h(),
                                             {step.cp_ug_per_ml(), step.ce_ug_per_ml()}};
  }
  saved.rate_history.assign(message.rate_history().begin(), message.rate_history().end());
  saved.drug = message.drug();
  saved.pump_state = streamer::fromWireOrShownAs<core::PumpState>(message.pump_state());
  saved.pump_ml_per_h = message.pump_ml_per_h();
  saved.last_change = VIGIL_LOAD_TIME(message, last_change_ms);
  return saved;
}

v1::AlarmBoard saveBoard(const core::AlarmBoard::Saved& saved) {
  v1::AlarmBoard message;
  message.set_unit(saved.unit);
  VIGIL_SAVE_TIME(message, pause_until_ms, saved.pause_until);
  for (const auto& alarm : saved.alarms) {
    auto& out = *message.add_alarms();
    out.set_condition(alarm.condition);
    *out.mutable_event() = streamer::toProto(alarm.event);
    auto& level = *out.mutable_level();
    level.set_title(alarm.level.title);
    level.set_priority(streamer::toWire(alarm.level.priority));
    level.set_advice(streamer::toWire(alarm.level.advice));
    level.set_latching(alarm.level.latching);
    out.set_escalated(alarm.escalated);
    out.set_ends_on_acknowledge(alarm.ends_on_acknowledge);
    out.set_event_like(alarm.event_like);
    VIGIL_SAVE_TIME(out, escalation_due_ms, alarm.escalation_due);
    VIGIL_SAVE_TIME(out, realarm_due_ms, alarm.realarm_due);
  }
  return message;
}
core::AlarmBoard::Saved loadBoard(const v1::AlarmBoard& message) {
  core::AlarmBoard::Saved saved;
  saved.unit = message.unit();
  saved.pause_until = VIGIL_LOAD_TIME(message, pause_until_ms);
  for (const auto& in : message.alarms()) {
    const auto& level = in.level();
    saved.alarms.push_back(
        {in.condition(), streamer::fromProto(in.event()),
         core::ConditionLevel{level.title(), streamer::fromWireOrShownAs<core::Priority>(level.priority()),
                              streamer::fromWireOrShownAs<core::AdviceAction>(level.advice()), level.latching()},
         in.escalated(), in.ends_on_acknowledge(), in.event_like(), VIGIL_LOAD_TIME(in, escalation_due_ms),
         VIGIL_LOAD_TIME(in, realarm_due_ms)});
  }
  return saved;
}

// ---------------------------------------------------------------- each part's State

using LimitRulesState = core::engine_detail::LimitRules::Saved;
v1::LimitRules saveLimitRules(const LimitRulesState& state) {
  v1::LimitRules message;
  for (const auto& rule : state.rules) {
    auto& out = *message.add_rules();
    for (const auto& condition : rule.per_metric) {
      auto& c = *out.add_per_metric();
      c.set_violating(condition.violating);
      c.set_since_ms(ms(condition.since));
      c.set_last_ms(ms(condition.last));
      c.set_readings(condition.readings);
      *c.mutable_trigger() = streamer::toProto(condition.trigger);
    }
  }
  return message;
}
LimitRulesState loadLimitRules(const v1::LimitRules& message) {
  LimitRulesState state;
  for (const auto& rule : message.rules()) {
    auto& out = state.rules.emplace_back();
    for (const auto& c : rule.per_metric()) {
      out.per_metric.push_back(
          {c.violating(), at(c.since_ms()), at(c.last_ms()), c.readings(), streamer::fromProto(c.trigger())});
    }
  }
  return state;
}

using TechnicalState = core::engine_detail::TechnicalWatch::State;
v1::TechnicalWatch saveTechnical(const TechnicalState& state) {
  v1::TechnicalWatch message;
  VIGIL_SAVE_TIME(message, running_since_ms, state.running_since);
  message.set_lost_level(state.lost_level);
  VIGIL_SAVE_TIME(message, last_pump_ms, state.last_pump);
  message.set_pump_stale(state.pump_stale);
  for (int m = 0; m < core::kMetricCount; ++m) {
    if (!state.unusable_since[m]) continue;
    auto& out = *message.add_unusable_since();
    out.set_metric(m);
    out.set_time_ms(ms(*state.unusable_since[m]));
  }
  for (const auto& [condition, until] : state.gap_holds) (*message.mutable_gap_hold_until_ms())[condition] = ms(until);
  return message;
}
std::optional<TechnicalState> loadTechnical(const v1::TechnicalWatch& message, std::string& error) {
  TechnicalState state;
  state.running_since = VIGIL_LOAD_TIME(message, running_since_ms);
  state.lost_level = message.lost_level();
  state.last_pump = VIGIL_LOAD_TIME(message, last_pump_ms);
  state.pump_stale = message.pump_stale();
  for (const auto& in : message.unusable_since()) {
    if (in.metric() < 0 || in.metric() >= core::kMetricCount) {
      error = "a sensor-off time names an unknown metric";
      return std::nullopt;
    }
    state.unusable_since[in.metric()] = at(in.time_ms());
  }
  for (const auto& [condition, until] : message.gap_hold_until_ms()) state.gap_holds[condition] = at(until);
  return state;
}

using EntryState = core::engine_detail::EntryRules::State;
v1::EntryRules saveEntries(const EntryState& state) {
  v1::EntryRules message;
  for (const auto& rule : state.rules) {
    auto& out = *message.add_rules();
    for (const auto time : rule.entries) out.add_entry_ms(ms(time));
    VIGIL_SAVE_TIME(out, hold_until_ms, rule.hold_until);
  }
  return message;
}
EntryState loadEntries(const v1::EntryRules& message) {
  EntryState state;
  for (const auto& in : message.rules()) {
    auto& rule = state.rules.emplace_back();
    for (const auto time : in.entry_ms()) rule.entries.push_back(at(time));
    rule.hold_until = VIGIL_LOAD_TIME(in, hold_until_ms);
  }
  return state;
}

using DosePaceState = core::engine_detail::DoseAndPace::State;
v1::DoseAndPace saveDosePace(const DosePaceState& state) {
  v1::DoseAndPace message;
  for (const auto& segment : state.delivered.segments()) {
    auto& out = *message.add_delivered();
    out.set_start_ms(ms(segment.start));
    out.set_mg_per_h(segment.mg_per_h);
  }
  message.set_session_dose_over(state.session_dose_over);
  VIGIL_SAVE_TIME(message, session_dose_crossing_ms, state.session_dose_crossing);
  VIGIL_SAVE_TIME(message, pace_hold_until_ms, state.pace_hold_until);
  return message;
}
// The window is the protocol's: Engine::restoreState keeps its own and takes the segments.
DosePaceState loadDosePace(const v1::DoseAndPace& message) {
  DosePaceState state{core::DeliveredDose(core::Duration{0}), message.session_dose_over(),
                      VIGIL_LOAD_TIME(message, session_dose_crossing_ms), VIGIL_LOAD_TIME(message, pace_hold_until_ms)};
  std::vector<core::DeliveredDose::Segment> segments;
  for (const auto& in : message.delivered()) segments.push_back({at(in.start_ms()), in.mg_per_h()});
  state.delivered.restoreSegments(std::move(segments));
  return state;
}

using News2State = core::engine_detail::News2Triggers::State;
template <class Set>
void setIf(const std::optional<double>& value, Set set) {
  if (value) set(*value);
}
std::optional<double> optionalValue(bool has, double value) { return has ? std::optional(value) : std::nullopt; }
using News2Run = core::engine_detail::News2Triggers::ParameterRun;
void saveNews2Run(const News2Run& run, v1::News2ParameterRun& message) {
  for (std::size_t k = 0; k < run.at_least_readings.size(); ++k) {
    auto& score = *message.add_at_least();
    VIGIL_SAVE_TIME(score, since_ms, run.atLeastSince(k));
    score.set_readings(run.at_least_readings[k]);
    setIf(run.latestScoring(k), [&](double v) { score.set_latest_scoring(v); });
  }
  VIGIL_SAVE_TIME(message, last_sample_ms, run.lastSample());
}
News2Run loadNews2Run(const v1::News2ParameterRun& message) {
  News2Run run;
  for (std::size_t k = 0; k < run.at_least_readings.size() && k < static_cast<std::size_t>(message.at_least_size());
       ++k) {
    const auto& score = message.at_least(static_cast<int>(k));
    run.setAtLeastSince(k, VIGIL_LOAD_TIME(score, since_ms));
    run.at_least_readings[k] = score.readings();
    run.setLatestScoring(k, optionalValue(score.has_latest_scoring(), score.latest_scoring()));
  }
  run.setLastSample(VIGIL_LOAD_TIME(message, last_sample_ms));
  return run;
}

v1::News2Triggers saveNews2(const News2State& state) {
  v1::News2Triggers message;
  auto& inputs = *message.mutable_inputs();
  const auto& in = state.inputs;
  setIf(in.rr, [&](double v) { inputs.set_rr(v); });
  setIf(in.spo2, [&](double v) { inputs.set_spo2(v); });
  setIf(in.sbp, [&](double v) { inputs.set_sbp(v); });
  setIf(in.pulse, [&](double v) { inputs.set_pulse(v); });
  setIf(in.temperature_c, [&](double v) { inputs.set_temperature_c(v); });
  inputs.set_consciousness(streamer::toWire(in.consciousness));
  inputs.set_on_oxygen(in.on_oxygen);
  inputs.set_spo2_scale_2(in.spo2_scale_2);
  *message.mutable_score() = streamer::toProto(state.score);
  message.set_band_changed(state.band_changed);
  for (const auto& run : state.runs) saveNews2Run(run, *message.add_runs());
  return message;
}
News2State loadNews2(const v1::News2Triggers& message) {
  News2State state;
  const auto& in = message.inputs();
  auto& inputs = state.inputs;
  inputs.rr = optionalValue(in.has_rr(), in.rr());
  inputs.spo2 = optionalValue(in.has_spo2(), in.spo2());
  inputs.sbp = optionalValue(in.has_sbp(), in.sbp());
  inputs.pulse = optionalValue(in.has_pulse(), in.pulse());
  inputs.temperature_c = optionalValue(in.has_temperature_c(), in.temperature_c());
  inputs.consciousness = streamer::fromWireOrShownAs<core::Acvpu>(in.consciousness());
  inputs.on_oxygen = in.on_oxygen();
  inputs.spo2_scale_2 = in.spo2_scale_2();
  state.score = streamer::fromProto(message.score());
  state.band_changed = message.band_changed();
  // A snapshot from before persistence existed has no runs: every parameter starts afresh.
  for (std::size_t i = 0; i < state.runs.size() && i < static_cast<std::size_t>(message.runs_size()); ++i) {
    state.runs[i] = loadNews2Run(message.runs(static_cast<int>(i)));
  }
  return state;
}

using AdviceState = core::engine_detail::AdviceAndResume::State;
v1::AdviceAndResume saveAdvice(const AdviceState& state) {
  v1::AdviceAndResume message;
  *message.mutable_last() = streamer::toProto(state.last.get());
  message.set_resume_pending(state.resume_pending);
  message.set_resume_target(state.resume_target);
  message.set_resume_target_is_last_rate(state.resume_target_is_last_rate);
  VIGIL_SAVE_TIME(message, resolved_at_ms, state.resolved_at);
  VIGIL_SAVE_TIME(message, stable_since_ms, state.stable_since);
  VIGIL_SAVE_TIME(message, last_unstable_ms, state.last_unstable);
  VIGIL_SAVE_TIME(message, last_vital_ms, state.last_vital);
  message.set_last_id_ms(state.last_id_ms);
  message.set_same_ms(state.same_ms);
  return message;
}
AdviceState loadAdvice(const v1::AdviceAndResume& message) {
  AdviceState state;
  // An advice never published (no id) stays off the heap, as in a fresh patient.
  if (auto last = streamer::fromProto(message.last()); !last.advice_id.empty()) state.last.set(std::move(last));
  state.resume_pending = message.resume_pending();
  state.resume_target = message.resume_target();
  state.resume_target_is_last_rate = message.resume_target_is_last_rate();
  state.resolved_at = VIGIL_LOAD_TIME(message, resolved_at_ms);
  state.stable_since = VIGIL_LOAD_TIME(message, stable_since_ms);
  state.last_unstable = VIGIL_LOAD_TIME(message, last_unstable_ms);
  state.last_vital = VIGIL_LOAD_TIME(message, last_vital_ms);
  state.last_id_ms = message.last_id_ms();
  state.same_ms = message.same_ms();
  return state;
}

// ---------------------------------------------------------------- one patient, the guard

v1::PatientSnapshot savePatient(const core::PatientState& p) {
  v1::PatientSnapshot message;
  message.set_id(p.id);
  message.set_unit(p.unit);
  *message.mutable_vitals() = saveVitals(p.vitals);
  *message.mutable_baseline() = saveBaseline(p.baseline);
  *message.mutable_dose() = saveDose(p.dose);
  *message.mutable_board() = saveBoard(p.board);
  *message.mutable_limit_rules() = saveLimitRules(p.rules);
  *message.mutable_technical() = saveTechnical(p.technical);
  *message.mutable_entries() = saveEntries(p.entries);
  *message.mutable_dose_pace() = saveDosePace(p.dose_pace);
  *message.mutable_news2() = saveNews2(p.news2);
  *message.mutable_advice() = saveAdvice(p.advice);
  for (int m = 0; m < core::kMetricCount; ++m) {
    if (!p.latest[m]) continue;
    auto& slot = *message.add_latest();
    slot.set_metric(m);
    *slot.mutable_value() = streamer::toProto(*p.latest[m]);
  }
  if (p.status) *message.mutable_status() = streamer::toProto(*p.status);
  VIGIL_SAVE_TIME(message, scheduled_ms, p.scheduled);
  return message;
}

std::optional<core::PatientState> loadPatient(const v1::PatientSnapshot& message, std::string& error) {
  core::PatientState p;
  p.id = message.id();
  p.unit = message.unit();
  p.vitals = loadVitals(message.vitals());
  auto baseline = loadBaseline(message.baseline(), error);
  auto dose = loadDose(message.dose(), error);
  auto technical = loadTechnical(message.technical(), error);
  if (!baseline || !dose || !technical) {
    error = "patient " + p.id + ": " + error;
    return std::nullopt;
  }
  p.baseline = std::move(*baseline);
  p.dose = std::move(*dose);
  p.board = loadBoard(message.board());
  p.rules = loadLimitRules(message.limit_rules());
  p.technical = std::move(*technical);
  p.entries = loadEntries(message.entries());
  p.dose_pace = loadDosePace(message.dose_pace());
  p.news2 = loadNews2(message.news2());
  p.advice = loadAdvice(message.advice());
  for (const auto& slot : message.latest()) {
    if (slot.metric() < 0 || slot.metric() >= core::kMetricCount) {
      error = "patient " + p.id + ": a latest value names an unknown metric";
      return std::nullopt;
    }
    p.latest[slot.metric()] = streamer::fromProto(slot.value());
  }
  if (message.has_status()) p.status = streamer::fromProto(message.status());
  p.scheduled = VIGIL_LOAD_TIME(message, scheduled_ms);
  return p;
}

v1::IngestGuard saveGuard(const core::IngestGuard::Saved& saved) {
  v1::IngestGuard message;
  for (const auto& source : saved.sources) {
    auto& out = *message.add_sources();
    out.set_kind(source.kind);
    out.set_patient_id(source.patient_id);
    out.set_source_id(source.source_id);
    out.set_has_accepted(source.has_accepted);
    out.set_numbered(source.numbered);
    out.set_last_sequence(source.last_sequence);
    out.set_run(source.run);
    out.set_last_time_ms(ms(source.last_time));
    if (source.pending_jump_sequence) out.set_pending_jump_sequence(*source.pending_jump_sequence);
    out.set_pending_jump_time_ms(ms(source.pending_jump_time));
    out.set_gateway(source.gateway);
    out.set_heard_ms(ms(source.heard));
  }
  VIGIL_SAVE_TIME(message, stream_time_ms, saved.stream_time);
  saveCounters(saved.counters, *message.mutable_counters());
  return message;
}

std::optional<core::IngestGuard::Saved> loadGuard(const v1::IngestGuard& message, std::string& error) {
  core::IngestGuard::Saved saved;
  for (const auto& in : message.sources()) {
    if (in.kind() < 0 || in.kind() > 2) {
      error = "an ingest source of unknown kind " + std::to_string(in.kind());
      return std::nullopt;
    }
    saved.sources.push_back({in.kind(), in.patient_id(), in.source_id(), in.has_accepted(), in.numbered(),
                             in.last_sequence(), in.run(), at(in.last_time_ms()),
                             in.has_pending_jump_sequence() ? std::optional(in.pending_jump_sequence()) : std::nullopt,
                             at(in.pending_jump_time_ms()), in.gateway(), at(in.heard_ms())});
  }
  saved.stream_time = VIGIL_LOAD_TIME(message, stream_time_ms);
  saved.counters = loadCounters<core::IngestGuardCounters>(message.counters());
  return saved;
}

}  // namespace

v1::CoreSnapshot toProto(const CoreState& state, const std::string& protocol_digest) {
  v1::CoreSnapshot message;
  message.set_version(kCoreSnapshotVersion);
  message.set_protocol_digest(protocol_digest);
  message.set_now_ms(ms(state.engine.now));
  saveCounters(state.engine.counters, *message.mutable_counters());
  message.set_stalled_deadlines(state.engine.stalled_deadlines);
  for (const auto& patient : state.engine.patients) *message.add_patients() = savePatient(patient);
  *message.mutable_ingest_guard() = saveGuard(state.guard);
  return message;
}

std::optional<CoreState> fromProto(const v1::CoreSnapshot& message, std::string& error) {
  if (message.version() > kCoreSnapshotVersion) {
    error = "the snapshot is of version " + std::to_string(message.version()) +
            " and this engine reads up to version " + std::to_string(kCoreSnapshotVersion);
    return std::nullopt;
  }
  if (message.version() == 0) {
    error = "the snapshot has no version";
    return std::nullopt;
  }
  CoreState state;
  state.engine.now = at(message.now_ms());
  state.engine.counters = loadCounters<core::EngineCounters>(message.counters());
  state.engine.stalled_deadlines = message.stalled_deadlines();
  for (const auto& in : message.patients()) {
    auto patient = loadPatient(in, error);
    if (!patient) return std::nullopt;
    state.engine.patients.push_back(std::move(*patient));
  }
  auto guard = loadGuard(message.ingest_guard(), error);
  if (!guard) return std::nullopt;
  state.guard = std::move(*guard);
  return state;
}

CoreState capture(const core::Engine& engine, const core::IngestGuard& guard) {
  return {engine.saveState(), guard.saved()};
}

bool restore(const CoreState& state, core::Engine& engine, core::IngestGuard& guard, std::string& error) {
  if (!engine.restoreState(state.engine, error)) return false;
  guard.restore(state.guard);
  return true;
}

}  // namespace vigil::snapshot
