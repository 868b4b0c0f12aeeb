// The engine: routes each input to the parts (engine_patient.h says what a part is,
// engine_parts.h lists them), keeps the one schedule of every part's deadlines, settles the
// alarm board and publishes the status. What a rule decides lives in its part, not here.
#include "alarms/core/engine.h"

#include <algorithm>

#include "alarms/core/engine_parts.h"
#include "alarms/core/engine_state.h"

namespace vigil::core {
namespace engine_detail {
namespace {

// Pumps spell drug names as their libraries do ("Ketamine", "KETAMINE").
bool sameDrug(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

struct FrameSources {
  bool continuous = false;
  bool episodic = false;
};

// Only a valid measurement shows that the patient is monitored: a monitor that reports every
// probe off is as blind as one that is unplugged.
FrameSources validSources(const VitalsFrame& frame) {
  FrameSources sources;
  for (const auto& measurement : frame.measurements) {
    const auto source = metricForCode(measurement.code);
    if (source && measurement.quality == Quality::Valid)
      (source->episodic ? sources.episodic : sources.continuous) = true;
  }
  return sources;
}

void addBaselines(const BaselineTracker& baselines, PatientStatus& status) {
  for (int m = 1; m < kMetricCount; ++m) {
    const auto metric = static_cast<Metric>(m);
    if (!isVital(metric)) continue;
    if (const auto baseline = baselines.baseline(metric)) {
      status.baselines.push_back({std::string(metricName(metric)), baseline->value, baseline->provisional});
    }
  }
}

}  // namespace
}  // namespace engine_detail

using namespace engine_detail;

Engine::Engine(Protocol protocol) : parts_(std::make_unique<Parts>(std::move(protocol))) {}

Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

const Protocol& Engine::protocol() const { return parts_->protocol; }

Engine::Handle Engine::patient(std::string_view patient_id, std::string_view unit) {
  auto handle = handles_.find(patient_id);
  if (!handle) {
    const auto added =
        patients_.emplace(std::string(patient_id), std::make_unique<Patient>(std::string(patient_id), *parts_)).first;
    index(*added->second);
    handle = static_cast<Handle>(by_handle_.size() - 1);
  }
  auto& facts = by_handle_[*handle]->facts;
  if (!unit.empty()) {
    facts.unit = unit;
    facts.board.setUnit(facts.unit);
  }
  return *handle;
}

Patient* Engine::findPatient(std::string_view patient_id) const {
  const auto handle = handles_.find(patient_id);
  return handle ? by_handle_[*handle] : nullptr;
}

// Patients are never forgotten, so handles are 0, 1, 2, ... in the order they came.
void Engine::index(Patient& p) {
  const auto handle = handles_.add(p.facts.id);
  by_handle_.push_back(&p);
  if (p.scheduled) schedule_.set(handle, p.scheduled, p.facts.id);
}

void Engine::touch(TimePoint time) { now_ = std::max(now_, time); }

// ================================================================ inputs

template <class React>
Outputs Engine::accept(const Arrival& arrival, React&& react) {
  Outputs out;
  runDeadlines(arrival.time, out);
  if (!arrival.admitted) return out;
  touch(arrival.time);
  const Handle handle = patient(arrival.patient_id, arrival.unit);
  Patient& p = *by_handle_[handle];
  const std::size_t first = out.alarms.size();
  react(p, out);
  settle(handle, arrival.time, out, first);
  if (arrival.publishes_status) publishStatus(p, arrival.time, out, false);
  return out;
}

Outputs Engine::onVitals(const VitalsFrame& frame) {
  ++counters_.vitals_frames;
  return accept({frame.time, frame.patient_id, frame.unit, true, true},
                [&](Patient& p, Outputs& out) { reactToVitals(p, frame, out); });
}

Outputs Engine::onInfusion(const PumpStatus& status) {
  return accept({status.time, status.patient_id, status.unit, admit(status), true},
                [&](Patient& p, Outputs& out) { reactToPump(p, status, out); });
}

Outputs Engine::onClinicalEvent(const ClinicalEvent& event) {
  return accept({event.time, event.patient_id, event.unit, admit(event), true},
                [&](Patient& p, Outputs& out) { reactToEntry(p, event, out); });
}

Outputs Engine::onSequenceGap(const SequenceGap& gap) {
  ++counters_.sequence_gaps;
  counters_.frames_missing += gap.missing;
  const bool watched = parts_->protocol.technical.has_value();
  return accept({gap.time, gap.patient_id, gap.unit, watched, false},
                [&](Patient& p, Outputs& out) { parts_->technical.onGap(p.technical, p.facts, gap, out); });
}

Outputs Engine::onNews2(std::string_view patient_id, const News2& score, TimePoint time) {
  return accept({time, patient_id, "", true, true},
                [&](Patient& p, Outputs& out) { parts_->news2.onScore(p.news2, p.facts, score, time, out); });
}

Outputs Engine::advanceTo(TimePoint time) {
  Outputs out;
  runDeadlines(time, out);
  touch(time);
  return out;
}

bool Engine::admit(const PumpStatus& status) {
  ++counters_.pump_statuses;
  const auto& drug = parts_->protocol.drug;
  if (!drug.empty() && !status.drug.empty() && !sameDrug(status.drug, drug)) {
    ++counters_.pump_statuses_other_drug;
    return false;
  }
  return true;
}

bool Engine::admit(const ClinicalEvent& event) {
  ++counters_.clinical_events;
  const bool rass_out_of_range =
      event.kind == ClinicalEventKind::SedationScore && (event.rass_score < -5 || event.rass_score > 4);
  const bool no_acvpu = event.kind == ClinicalEventKind::Consciousness && event.acvpu == Acvpu::Unspecified;
  if (event.kind == ClinicalEventKind::Unspecified || rass_out_of_range || no_acvpu) {
    ++counters_.clinical_events_refused;
    return false;
  }
  return true;
}

void Engine::reactToVitals(Patient& p, const VitalsFrame& frame, Outputs& out) {
  const auto sources = validSources(frame);
  const bool watched =
      p.facts.vitals.noteFrame(frame.time, sources.continuous, sources.episodic, parts_->protocol.technical);
  parts_->technical.onFrame(p.technical, p.facts, watched, frame.time, out);
  bool news2_inputs_changed = false;
  for (const auto& measurement : frame.measurements) {
    news2_inputs_changed = reactToMeasurement(p, measurement, frame.time, out) || news2_inputs_changed;
  }
  if (news2_inputs_changed) rescoreNews2(p, frame.time, out);
}

// True when it changed an input of the NEWS2 score.
bool Engine::reactToMeasurement(Patient& p, const Measurement& measurement, TimePoint time, Outputs& out) {
  const auto source = metricForCode(measurement.code);
  if (!source) {
    ++counters_.measurements_unknown_code;
    return false;
  }
  parts_->technical.onMeasurement(p.technical, p.facts, source->metric, measurement.quality, time, out);
  // Artifact, sensor-off and questionable values never feed a physiological rule: a
  // probe that fell off reads 0 %, which is not a desaturation.
  if (measurement.quality != Quality::Valid) {
    ++counters_.measurements_quality_gated;
    return false;
  }
  ++counters_.measurements_evaluated;
  const Sample sample{source->metric, measurement.code, measurement.value, measurement.unit, source->episodic, time};
  p.facts.baseline.addSample(sample.metric, sample.time, sample.value);
  p.latest.note(sample);
  const bool news2_input = parts_->news2.noteSample(p.news2, p.facts, sample);
  parts_->limit_rules.onSample(p.rules, p.facts, sample, out);
  parts_->advice.onSample(p.advice, p.facts, sample);
  return news2_input;
}

void Engine::reactToPump(Patient& p, const PumpStatus& status, Outputs& out) {
  auto& dose = p.facts.dose;
  const auto previous_increase = dose.lastIncrease();
  const bool was_running = dose.rate() > 0;
  dose.apply(status);
  const double rate = dose.rate();
  // Only the first start freezes the baselines; later calls are no-ops.
  if (rate > 0) p.facts.baseline.onInfusionStart(status.time);
  parts_->technical.onPump(p.technical, p.facts, rate > 0 && !was_running, status.time, out);
  parts_->limit_rules.onDoseRate(p.rules, p.facts, rate, status.time, out);
  parts_->dose_pace.onPump(p.dose_pace, p.facts, status, previous_increase, out);
  parts_->advice.onPump(p.advice, p.facts, previous_increase, status.time);
}

// Consciousness, oxygen and the SpO2 scale feed NEWS2; every other entry the entry rules.
void Engine::reactToEntry(Patient& p, const ClinicalEvent& event, Outputs& out) {
  if (parts_->news2.noteEntry(p.news2, event)) {
    rescoreNews2(p, event.time, out);
  } else {
    parts_->entries.onEvent(p.entries, p.facts, event, out);
  }
}

void Engine::rescoreNews2(Patient& p, TimePoint time, Outputs& out) {
  ++counters_.news2_scores;
  parts_->news2.rescore(p.news2, p.facts, time, out);
}

AcknowledgeResult Engine::acknowledge(std::string_view alert_id, std::string_view by) {
  const auto found = alarm_index_.find(alert_id);
  if (found == alarm_index_.end()) {
    ++counters_.acknowledgements_refused;
    return {false, "no active alarm " + std::string(alert_id) + ", nor a latched one", {}};
  }
  const Handle handle = *handles_.find(found->second);
  Patient& p = *by_handle_[handle];
  AcknowledgeResult result;
  const auto acknowledged = p.facts.board.acknowledge(alert_id, by, now_, result.outputs.alarms);
  result.ok = acknowledged.value_or(false);
  if (!result.ok) {
    ++counters_.acknowledgements_refused;
    result.error = "no active alarm " + std::string(alert_id) + ", nor a latched one";
    return result;
  }
  ++counters_.acknowledgements;
  settle(handle, now_, result.outputs, 0);
  return result;
}

AudioPauseResult Engine::audioPause(std::string_view patient_id, std::string_view by) {
  const auto handle = handles_.find(patient_id);
  if (!handle) {
    ++counters_.audio_pauses_refused;
    return {false, "no patient " + std::string(patient_id), {}};
  }
  (void)by;  // the service journals who paused; the alarms themselves do not record it
  ++counters_.audio_pauses;
  AudioPauseResult result;
  result.ok = true;
  by_handle_[*handle]->facts.board.audioPause(now_, result.outputs.alarms);
  settle(*handle, now_, result.outputs, 0);
  return result;
}

// ================================================================ deadlines

void Engine::runDeadlines(TimePoint before, Outputs& out) {
  while (const auto due = schedule_.popBefore(before)) {
    touch(due->time);
    runPatientDeadlines(due->handle, due->time, out);
  }
}

void Engine::runPatientDeadlines(Handle handle, TimePoint due, Outputs& out) {
  Patient& p = *by_handle_[handle];
  const std::size_t first = out.alarms.size();
  stalled_deadlines_ += deadlines::runDue(deadlinesOf(*parts_, p), due, out);
  settle(handle, due, out, first);
  if (p.scheduled && *p.scheduled <= due) {
    // A deadline that its run did not move on (counted above) must not stall the engine:
    // it is retried a millisecond later.
    p.scheduled = due + Duration{1};
    schedule_.set(handle, p.scheduled, p.facts.id);
  }
}

// After every input: usually the next deadline has not moved, or has moved later, which
// costs the schedule nothing until the old one comes up (deadline_queue.h). The patient
// just popped from the schedule by runDeadlines() is always set again here, or just after
// as a stalled deadline.
void Engine::reschedule(Handle handle) {
  Patient& p = *by_handle_[handle];
  const auto next = deadlines::next(deadlinesOf(*parts_, p));
  if (next == p.scheduled) return;
  p.scheduled = next;
  schedule_.set(handle, next, p.facts.id);
}

void Engine::settle(Handle handle, TimePoint time, Outputs& out, std::size_t first_alarm) {
  Patient& p = *by_handle_[handle];
  for (std::size_t i = first_alarm; i < out.alarms.size(); ++i) {
    const auto& event = out.alarms[i];
    if (event.phase == Phase::End) {
      alarm_index_.erase(event.alert_id);
    } else {
      alarm_index_[event.alert_id] = event.patient_id;
    }
  }
  parts_->advice.update(p.advice, p.facts, time, out);
  reschedule(handle);
}

// ================================================================ status and queries

void Engine::publishStatus(Patient& p, TimePoint time, Outputs& out, bool force) {
  force = force || p.news2.band_changed;
  p.news2.band_changed = false;
  const auto interval = parts_->protocol.status_interval;
  if (p.status && !force && (time < p.status->event_time || time - p.status->event_time < interval)) return;
  // Built in the patient's own last status, whose strings and vectors have their room
  // already, then copied out once: a fresh status copied into the patient cost twice that.
  auto& status = p.status ? *p.status : p.status.emplace();
  status.patient_id = p.facts.id;
  status.unit = p.facts.unit;
  status.event_time = time;
  status.latest.clear();
  p.latest.appendTo(status.latest);
  // Scored on every change of its inputs (news2.h); Unknown until RR, SpO2, SBP and pulse
  // have all persisted once (news2_triggers.h).
  status.news2 = p.news2.score;
  status.baselines.clear();
  addBaselines(p.facts.baseline, status);
  status.dose = p.facts.dose.infusionAt(time);
  status.advice = p.advice.last.get().advice;
  status.active_alarms = p.facts.board.size();
  out.statuses.push_back(status);
}

AlarmEvents Engine::alarms() const {
  AlarmEvents all;
  for (const auto& [id, patient] : patients_) {
    for (const AlarmEvent* alarm : patient->facts.board.all()) all.push_back(*alarm);
  }
  std::sort(all.begin(), all.end(), [](const AlarmEvent& a, const AlarmEvent& b) { return a.alert_id < b.alert_id; });
  return all;
}

AdviceEvents Engine::currentAdvice() const {
  AdviceEvents all;
  for (const auto& [id, patient] : patients_) {
    if (patient->advice.last.get().advice.action != AdviceAction::None) all.push_back(patient->advice.last.get());
  }
  return all;
}

PatientStatuses Engine::statuses() const {
  PatientStatuses all;
  for (const auto& [id, patient] : patients_) {
    if (patient->status) all.push_back(*patient->status);
  }
  return all;
}

std::set<std::string> Engine::statusUnits() const {
  std::set<std::string> units;
  for (const Patient* p : by_handle_) {
    if (p->status) units.insert(p->status->unit);
  }
  return units;
}

std::optional<BaselineValue> Engine::baseline(std::string_view patient_id, Metric metric) const {
  const Patient* p = findPatient(patient_id);
  if (!p) return std::nullopt;
  return p->facts.baseline.baseline(metric);
}

std::optional<DoseContext> Engine::doseContext(std::string_view patient_id) const {
  const Patient* p = findPatient(patient_id);
  if (!p) return std::nullopt;
  return p->facts.dose.contextAt(now_);
}

std::optional<News2Inputs> Engine::news2Inputs(std::string_view patient_id) const {
  const Patient* p = findPatient(patient_id);
  if (!p) return std::nullopt;
  return p->news2.inputs;
}

// ================================================================ snapshots

EngineState Engine::saveState() const {
  EngineState state{now_, counters_, stalled_deadlines_, {}};
  for (const auto& [id, p] : patients_) {
    const auto& facts = p->facts;
    state.patients.push_back({id, facts.unit, facts.vitals, facts.baseline.saved(), facts.dose.saved(),
                              facts.board.saved(), parts_->limit_rules.saved(p->rules), p->technical,
                              parts_->entries.saved(p->entries), p->dose_pace, p->news2, p->advice, p->latest.saved(),
                              p->status, p->scheduled});
  }
  return state;
}

namespace {

// A part's state sized for another protocol would index past this one's rules.
std::optional<std::string> misfit(const PatientState& saved, const Parts& parts) {
  const auto rules = parts.limit_rules.saved({}).rules;
  if (saved.rules.rules.size() != rules.size()) return "it has another number of limit rules";
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (saved.rules.rules[i].per_metric.size() != rules[i].per_metric.size()) return "a limit rule has other metrics";
  }
  if (saved.entries.rules.size() != parts.protocol.event_rules.size()) return "it has another number of entry rules";
  return std::nullopt;
}

}  // namespace

bool Engine::restoreState(const EngineState& state, std::string& error) {
  std::map<std::string, std::unique_ptr<Patient>, std::less<>> patients;
  for (const auto& saved : state.patients) {
    auto p = std::make_unique<Patient>(saved.id, *parts_);
    if (const auto wrong = misfit(saved, *parts_)) {
      error = "patient " + saved.id + ": " + *wrong + " than this engine's protocol";
      return false;
    }
    auto& facts = p->facts;
    facts.unit = saved.unit;
    facts.vitals = saved.vitals;
    facts.baseline.restore(saved.baseline);
    facts.dose.restore(saved.dose);
    facts.board.restore(saved.board);
    p->rules = parts_->limit_rules.restored(saved.rules);
    p->technical = saved.technical;
    p->entries = parts_->entries.restored(saved.entries);
    // The window of the session dose is the protocol's; only the rate history is the patient's.
    p->dose_pace.delivered.restoreSegments(saved.dose_pace.delivered.segments());
    p->dose_pace.session_dose_over = saved.dose_pace.session_dose_over;
    p->dose_pace.session_dose_crossing = saved.dose_pace.session_dose_crossing;
    p->dose_pace.pace_hold_until = saved.dose_pace.pace_hold_until;
    p->news2 = saved.news2;
    p->advice = saved.advice;
    p->latest.restore(saved.latest);
    p->status = saved.status;
    p->scheduled = saved.scheduled;
    patients.emplace(saved.id, std::move(p));
  }
  patients_ = std::move(patients);
  alarm_index_.clear();
  handles_.clear();
  by_handle_.clear();
  schedule_.clear();
  for (const auto& [id, p] : patients_) {
    for (const auto* event : p->facts.board.all()) alarm_index_[event->alert_id] = id;
    index(*p);
  }
  now_ = state.now;
  counters_ = state.counters;
  stalled_deadlines_ = state.stalled_deadlines;
  return true;
}

}  // namespace vigil::core
