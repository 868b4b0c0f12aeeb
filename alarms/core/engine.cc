#include "alarms/core/engine.h"

#include <algorithm>

#include "alarms/core/engine_internal.h"

namespace vigil::core {
using namespace engine_detail;

namespace {

// Pumps spell drug names as their libraries do ("Ketamine", "KETAMINE").
bool sameDrug(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

Engine::Engine(Protocol protocol)
    : protocol_(std::move(protocol)),
      pk_(std::make_unique<PkCoefficients>(protocol_.pharmacokinetics)),
      rules_by_metric_(kMetricCount) {
  for (std::size_t r = 0; r < protocol_.rules.size(); ++r) {
    for (Metric metric : protocol_.rules[r].metrics) rules_by_metric_.at(static_cast<std::size_t>(metric)).push_back(r);
  }
}

Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

Engine::Patient& Engine::patient(const std::string& patient_id, const std::string& unit) {
  auto found = patients_.find(patient_id);
  if (found == patients_.end()) {
    found = patients_.emplace(patient_id, std::make_unique<Patient>(patient_id, protocol_, *pk_)).first;
  }
  if (!unit.empty()) {
    found->second->unit = unit;
    found->second->board.setUnit(unit);
  }
  return *found->second;
}

Engine::Patient* Engine::findPatient(std::string_view patient_id) const {
  const auto found = patients_.find(patient_id);
  return found == patients_.end() ? nullptr : found->second.get();
}

void Engine::touch(TimePoint time) { now_ = std::max(now_, time); }

// ================================================================ inputs

Outputs Engine::onVitals(const VitalsFrame& frame) {
  Outputs out;
  runDeadlines(frame.time, out);
  ++counters_.vitals_frames;
  touch(frame.time);
  auto& p = patient(frame.patient_id, frame.unit);
  const std::size_t first = out.alarms.size();
  noteVitalsArrived(p, frame, out);
  bool news2_inputs_changed = false;
  for (const auto& measurement : frame.measurements) {
    const auto source = metricForCode(measurement.code);
    if (!source) {
      ++counters_.measurements_unknown_code;
      continue;
    }
    noteMeasurementQuality(p, source->metric, measurement, frame.time, out);
    // Artifact, sensor-off and questionable values never feed a physiological rule: a
    // probe that fell off reads 0 %, which is not a desaturation.
    if (measurement.quality != Quality::Valid) {
      ++counters_.measurements_quality_gated;
      continue;
    }
    ++counters_.measurements_evaluated;
    const Sample sample{source->metric, measurement.code, measurement.value, measurement.unit, source->episodic,
                        frame.time};
    p.baseline.addSample(sample.metric, sample.time, sample.value);
    news2_inputs_changed = noteLatest(p, sample) || news2_inputs_changed;
    evaluate(p, sample, out);
    noteStability(p, sample);
  }
  if (news2_inputs_changed) rescoreNews2(p, frame.time, out);
  settle(p, frame.time, out, first);
  publishStatus(p, frame.time, out, false);
  return out;
}

// The latest valid value per metric (for the status) and per NEWS2 parameter. True when a
// NEWS2 input changed.
bool Engine::noteLatest(Patient& p, const Sample& sample) {
  p.latest[static_cast<std::size_t>(sample.metric)] =
      LatestValue{sample.code, std::string(metricName(sample.metric)), sample.value,
                  sample.unit.empty() ? std::string(metricUnit(sample.metric)) : std::string(sample.unit),
                  sample.time};
  auto& inputs = p.news2_inputs;
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

Outputs Engine::onInfusion(const PumpStatus& status) {
  Outputs out;
  runDeadlines(status.time, out);
  ++counters_.pump_statuses;
  if (!protocol_.drug.empty() && !status.drug.empty() && !sameDrug(status.drug, protocol_.drug)) {
    ++counters_.pump_statuses_other_drug;
    return out;
  }
  touch(status.time);
  auto& p = patient(status.patient_id, status.unit);
  const std::size_t first = out.alarms.size();
  const auto previous_increase = p.dose.lastIncrease();
  const bool was_running = p.dose.rate() > 0;
  p.dose.apply(status);
  const double rate = p.dose.rate();
  const bool running = rate > 0;
  // Only the first start freezes the baselines; later calls are no-ops.
  if (running) p.baseline.onInfusionStart(status.time);
  if (running && !was_running) p.running_since = status.time;

  notePumpArrived(p, status.time, out);
  evaluate(p, Sample{Metric::DoseRateMgPerKgPerH, 0, rate, "mg/kg/h", false, status.time}, out);
  if (p.dose.weightKg() > 0) {
    evaluate(p, Sample{Metric::DoseRateMgPerH, 0, rate * p.dose.weightKg(), "mg/h", false, status.time}, out);
  }
  double mg_per_h = rate * p.dose.weightKg();
  if (status.state == PumpState::Running && mg_per_h <= 0) {
    mg_per_h = status.rate_ml_per_h * status.concentration_mg_per_ml;  // no weight: the pump's own figures
  }
  p.delivered.setRate(status.time, mg_per_h);
  evaluateSessionDose(p, status.time, out);
  checkTitrationPace(p, previous_increase, status.time, out);
  const auto increase = p.dose.lastIncrease();
  if (increase && increase->time == status.time && (!previous_increase || previous_increase->time != status.time)) {
    // The rate went up (a resume or a titration step): a standing RESUME has been acted on.
    p.advice.resume_pending = false;
  }
  settle(p, status.time, out, first);
  publishStatus(p, status.time, out, false);
  return out;
}

Outputs Engine::onClinicalEvent(const ClinicalEvent& event) {
  Outputs out;
  runDeadlines(event.time, out);
  ++counters_.clinical_events;
  const bool rass_out_of_range =
      event.kind == ClinicalEventKind::SedationScore && (event.rass_score < -5 || event.rass_score > 4);
  const bool no_acvpu = event.kind == ClinicalEventKind::Consciousness && event.acvpu == Acvpu::Unspecified;
  if (event.kind == ClinicalEventKind::Unspecified || rass_out_of_range || no_acvpu) {
    ++counters_.clinical_events_refused;
    return out;
  }
  touch(event.time);
  auto& p = patient(event.patient_id, event.unit);
  const std::size_t first = out.alarms.size();
  switch (event.kind) {
    case ClinicalEventKind::Consciousness:
      p.news2_inputs.consciousness = event.acvpu;
      rescoreNews2(p, event.time, out);
      break;
    case ClinicalEventKind::SupplementalOxygen:
      p.news2_inputs.on_oxygen = event.oxygen_l_per_min > 0;
      rescoreNews2(p, event.time, out);
      break;
    case ClinicalEventKind::Spo2Scale2:
      p.news2_inputs.spo2_scale_2 = event.enabled;
      rescoreNews2(p, event.time, out);
      break;
    default:
      for (std::size_t r = 0; r < protocol_.event_rules.size(); ++r) {
        const auto& kinds = protocol_.event_rules[r].kinds;
        if (std::find(kinds.begin(), kinds.end(), event.kind) != kinds.end()) applyEventRule(p, r, event, out);
      }
      break;
  }
  settle(p, event.time, out, first);
  publishStatus(p, event.time, out, false);
  return out;
}

Outputs Engine::onSequenceGap(const SequenceGap& gap) {
  Outputs out;
  runDeadlines(gap.time, out);
  ++counters_.sequence_gaps;
  counters_.frames_missing += gap.missing;
  if (!protocol_.technical) return out;
  touch(gap.time);
  auto& p = patient(gap.patient_id, gap.unit);
  const std::size_t first = out.alarms.size();
  const auto& settings = protocol_.technical->sequence_gap;
  const std::string key = std::string(kSequenceGapPrefix) + keyPart(gap.source_id);
  Trigger trigger;
  trigger.metric = "FRAMES_MISSING";
  trigger.value = static_cast<double>(gap.missing);
  trigger.limit = "from " + gap.source_id;
  raiseCondition(p, key, settings.level, AlarmKind::Technical, false, gap.time, gap.time, std::move(trigger), out,
                 /*fresh_occurrence=*/true);
  p.gap_holds[key] = gap.time + settings.hold;
  settle(p, gap.time, out, first);
  return out;
}

Outputs Engine::onNews2(std::string_view patient_id, const News2& score, TimePoint time) {
  Outputs out;
  runDeadlines(time, out);
  touch(time);
  auto& p = patient(std::string(patient_id), "");
  const std::size_t first = out.alarms.size();
  evaluateNews2(p, score, time, out);
  settle(p, time, out, first);
  publishStatus(p, time, out, false);
  return out;
}

Outputs Engine::advanceTo(TimePoint time) {
  Outputs out;
  runDeadlines(time, out);
  touch(time);
  return out;
}

AcknowledgeResult Engine::acknowledge(std::string_view alert_id, std::string_view by) {
  const auto found = alarm_index_.find(alert_id);
  if (found == alarm_index_.end()) {
    ++counters_.acknowledgements_refused;
    return {false, "no active alarm " + std::string(alert_id) + ", nor a latched one", {}};
  }
  Patient& p = *patients_.at(found->second);
  AcknowledgeResult result;
  const auto acknowledged = p.board.acknowledge(alert_id, by, now_, result.outputs.alarms);
  result.ok = acknowledged.value_or(false);
  if (!result.ok) {
    ++counters_.acknowledgements_refused;
    result.error = "no active alarm " + std::string(alert_id) + ", nor a latched one";
    return result;
  }
  ++counters_.acknowledgements;
  settle(p, now_, result.outputs, 0);
  return result;
}

AudioPauseResult Engine::audioPause(std::string_view patient_id, std::string_view by) {
  Patient* p = findPatient(patient_id);
  if (!p) {
    ++counters_.audio_pauses_refused;
    return {false, "no patient " + std::string(patient_id), {}};
  }
  (void)by;  // the service journals who paused; the alarms themselves do not record it
  ++counters_.audio_pauses;
  AudioPauseResult result;
  result.ok = true;
  p->board.audioPause(now_, result.outputs.alarms);
  settle(*p, now_, result.outputs, 0);
  return result;
}

// ================================================================ deadlines

void Engine::runDeadlines(TimePoint before, Outputs& out) {
  while (!schedule_.empty() && schedule_.begin()->first < before) {
    const auto [due, id] = *schedule_.begin();
    touch(due);
    runPatientDeadlines(*patients_.at(id), due, out);
  }
}

void Engine::runPatientDeadlines(Patient& p, TimePoint due, Outputs& out) {
  const std::size_t first = out.alarms.size();
  p.board.runDue(due, out.alarms);
  runRuleDelays(p, due, out);
  runTechnicalDeadlines(p, due, out);
  for (std::size_t r = 0; r < p.events.size(); ++r) {
    auto& hold = p.events[r].hold_until;
    if (hold && *hold <= due) {
      hold.reset();
      p.board.expire(protocol_.event_rules[r].id, due, out.alarms);
    }
  }
  if (p.pace_hold_until && *p.pace_hold_until <= due) {
    p.pace_hold_until.reset();
    p.board.expire(protocol_.titration_pace->id, due, out.alarms);
  }
  if (p.session_dose_crossing && *p.session_dose_crossing <= due) evaluateSessionDose(p, due, out);
  settle(p, due, out, first);
  if (p.scheduled && *p.scheduled <= due) {
    // Every deadline handled above moves on or goes away; should one not, it must not stall
    // the engine: it is retried a millisecond later.
    schedule_.erase({*p.scheduled, p.id});
    p.scheduled = due + Duration{1};
    schedule_.insert({*p.scheduled, p.id});
  }
}

std::optional<TimePoint> Engine::nextDue(const Patient& p) const {
  std::optional<TimePoint> next = p.board.nextDue();
  // Condition delays of continuous sources.
  for (std::size_t r = 0; r < p.rules.size(); ++r) {
    const Rule& rule = protocol_.rules[r];
    if (p.board.conditionPresent(rule.id)) continue;
    for (std::size_t c = 0; c < p.rules[r].per_metric.size(); c += 2) {
      const auto& condition = p.rules[r].per_metric[c];
      if (condition.violating) keepEarliest(next, condition.since + rule.delay);
    }
  }
  if (protocol_.technical) {
    const auto& technical = *protocol_.technical;
    if (const auto reference = monitoringReference(p)) {
      const Duration first_level = staleLimit(p);
      if (p.lost_level == 0) keepEarliest(next, *reference + first_level);
      if (p.lost_level == 1 && !technical.monitoring_lost_escalated.level.title.empty()) {
        const Duration extra = technical.monitoring_lost_escalated.after - technical.monitoring_lost.after;
        keepEarliest(next, *reference + first_level + extra);
      }
    }
    if (p.last_pump && p.dose.rate() > 0 && !p.pump_stale) keepEarliest(next, *p.last_pump + technical.pump_stale.after);
    for (std::size_t m = 0; m < kMetricCount; ++m) {
      const auto metric = static_cast<Metric>(m);
      if (p.unusable_since[m] && !p.board.has(sensorOffKey(metric))) {
        keepEarliest(next, *p.unusable_since[m] + sensorOffDelay(metric));
      }
    }
    for (const auto& [key, until] : p.gap_holds) keepEarliest(next, until);
  }
  for (const auto& state : p.events) keepEarliest(next, state.hold_until);
  keepEarliest(next, p.pace_hold_until);
  keepEarliest(next, p.session_dose_crossing);
  // Resume: the moment the vitals will have been stable long enough.
  const auto& advice = p.advice;
  if (protocol_.resume && advice.resume_pending && advice.resolved_at && advice.stable_since &&
      advice.last.advice.action != AdviceAction::ResumePossible) {
    keepEarliest(next, std::max(*advice.stable_since, *advice.resolved_at) + protocol_.resume->stable);
  }
  return next;
}

void Engine::reschedule(Patient& p) {
  if (p.scheduled) schedule_.erase({*p.scheduled, p.id});
  p.scheduled = nextDue(p);
  if (p.scheduled) schedule_.insert({*p.scheduled, p.id});
}

void Engine::settle(Patient& p, TimePoint time, Outputs& out, std::size_t first_alarm) {
  for (std::size_t i = first_alarm; i < out.alarms.size(); ++i) {
    const auto& event = out.alarms[i];
    if (event.phase == Phase::End) {
      alarm_index_.erase(event.alert_id);
    } else {
      alarm_index_[event.alert_id] = event.patient_id;
    }
  }
  updateAdvice(p, time, out);
  reschedule(p);
}


// ================================================================ queries

AlarmEvents Engine::alarms() const {
  AlarmEvents all;
  for (const auto& [id, patient] : patients_) {
    for (const AlarmEvent* alarm : patient->board.all()) all.push_back(*alarm);
  }
  std::sort(all.begin(), all.end(), [](const AlarmEvent& a, const AlarmEvent& b) { return a.alert_id < b.alert_id; });
  return all;
}

AdviceEvents Engine::currentAdvice() const {
  AdviceEvents all;
  for (const auto& [id, patient] : patients_) {
    if (patient->advice.last.advice.action != AdviceAction::None) all.push_back(patient->advice.last);
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

std::optional<BaselineValue> Engine::baseline(std::string_view patient_id, Metric metric) const {
  const Patient* p = findPatient(patient_id);
  if (!p) return std::nullopt;
  return p->baseline.baseline(metric);
}

std::optional<DoseContext> Engine::doseContext(std::string_view patient_id) const {
  const Patient* p = findPatient(patient_id);
  if (!p) return std::nullopt;
  return p->dose.contextAt(now_);
}

std::optional<News2Inputs> Engine::news2Inputs(std::string_view patient_id) const {
  const Patient* p = findPatient(patient_id);
  if (!p) return std::nullopt;
  return p->news2_inputs;
}

}  // namespace vigil::core
