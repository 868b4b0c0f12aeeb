#include "alarms/core/engine.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <deque>

#include "alarms/core/alarm_board.h"
#include "alarms/core/delivered_dose.h"
#include "alarms/core/format.h"

namespace vigil::core {
namespace {

// Condition ids the engine raises itself (protocol rules carry their own ids).
constexpr std::string_view kMonitoringLost = "monitoring-lost";
constexpr std::string_view kPumpStale = "pump-status-stale";
constexpr std::string_view kSensorOffPrefix = "sensor-off-";
constexpr std::string_view kSequenceGapPrefix = "sequence-gap-";
constexpr std::string_view kNews2Aggregate = "news2-aggregate";
constexpr std::string_view kNews2SingleThree = "news2-single-parameter-3";

constexpr Duration kNever = Duration::max();

// The persistence of one rule on one metric for one patient.
struct MetricCondition {
  bool violating = false;
  TimePoint since{};  // first sample beyond the limit
  TimePoint last{};   // latest sample beyond the limit
  unsigned readings = 0;
  Trigger trigger;  // of the latest sample beyond the limit
};

struct RuleState {
  // Two per metric of the rule: [2 * slot] continuous sources (e.g. arterial), [2 * slot + 1]
  // episodic ones (NIBP), so seconds of arterial data never count as NIBP readings and an
  // NIBP reading never starts the arterial delay.
  std::vector<MetricCondition> per_metric;
};

struct EventRuleState {
  std::deque<TimePoint> entries;       // that met the rule's kind and severity, within its window
  std::optional<TimePoint> hold_until;  // while the alarm is held
};

struct AdviceState {
  AdviceEvent last;  // as last published; action None before the first
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

// Limits in alarm texts: four significant digits are what a monitor shows.
std::string number(double value) { return formatNumber(value, 4); }

std::string secondsText(Duration d) { return number(std::chrono::duration<double>(d).count()) + " s"; }
std::string minutesText(Duration d) {
  return number(std::chrono::duration<double, std::ratio<60>>(d).count()) + " min";
}

bool crossesLow(double value, double limit, bool inclusive) { return inclusive ? value <= limit : value < limit; }
bool crossesHigh(double value, double limit, bool inclusive) { return inclusive ? value >= limit : value > limit; }

struct Thresholds {
  std::optional<double> low;
  std::optional<double> high;
  double baseline = 0.0;
  bool provisional = false;
};

std::string limitText(const Rule& rule, const Thresholds& thresholds, bool low_side) {
  const auto& limit = low_side ? *rule.low : *rule.high;
  std::string text = low_side ? (limit.inclusive ? "<= " : "< ") : (limit.inclusive ? ">= " : "> ");
  const double absolute = low_side ? *thresholds.low : *thresholds.high;
  if (rule.reference == Reference::Absolute) return text + number(absolute);
  text += number(absolute) + " (" + number(limit.value) + " % " + (low_side ? "below" : "above") + " baseline " +
          number(thresholds.baseline) + (thresholds.provisional ? ", provisional)" : ")");
  return text;
}

// Pumps spell drug names as their libraries do ("Ketamine", "KETAMINE").
bool sameDrug(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::optional<Thresholds> thresholdsFor(const Rule& rule, std::optional<BaselineValue> baseline) {
  Thresholds thresholds;
  if (rule.reference == Reference::Absolute) {
    if (rule.low) thresholds.low = rule.low->value;
    if (rule.high) thresholds.high = rule.high->value;
    return thresholds;
  }
  // A baseline-relative rule has nothing to compare with until the baseline exists.
  if (!baseline) return std::nullopt;
  thresholds.baseline = baseline->value;
  thresholds.provisional = baseline->provisional;
  if (rule.low) thresholds.low = baseline->value * (1.0 - rule.low->value / 100.0);
  if (rule.high) thresholds.high = baseline->value * (1.0 + rule.high->value / 100.0);
  return thresholds;
}

// Which side the value is beyond, if any: -1 low, +1 high, 0 inside.
int sideCrossed(const Rule& rule, const Thresholds& thresholds, double value) {
  if (thresholds.low && crossesLow(value, *thresholds.low, rule.low->inclusive)) return -1;
  if (thresholds.high && crossesHigh(value, *thresholds.high, rule.high->inclusive)) return 1;
  return 0;
}

bool anyViolating(const RuleState& state) {
  return std::any_of(state.per_metric.begin(), state.per_metric.end(),
                     [](const MetricCondition& condition) { return condition.violating; });
}

void keepEarliest(std::optional<TimePoint>& next, std::optional<TimePoint> candidate) {
  if (candidate && (!next || *candidate < *next)) next = candidate;
}

bool isVital(Metric metric) { return metric != Metric::DoseRateMgPerKgPerH && metric != Metric::DoseRateMgPerH; }

// Condition keys become part of alert ids: keep them to letters, digits, '-' and '_'.
std::string keyPart(std::string_view text) {
  std::string out;
  for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return out.empty() ? "unnamed" : out;
}

std::string sensorOffKey(Metric metric) { return std::string(kSensorOffPrefix) + std::string(metricName(metric)); }

ConditionLevel levelOf(const Rule& rule) { return {rule.title, rule.priority, rule.advice, rule.latching}; }

// The advice ladder decides; among equals the more urgent alarm, then the older one.
bool drivesBefore(const AlarmEvent& a, const AlarmEvent& b) {
  if (a.advice.action != b.advice.action) return a.advice.action > b.advice.action;
  if (a.priority != b.priority) return a.priority > b.priority;
  if (a.start_time != b.start_time) return a.start_time < b.start_time;
  return a.condition < b.condition;
}

bool sameAdvice(const AdviceEvent& a, const AdviceEvent& b) {
  return a.advice.action == b.advice.action && a.advice.target_rate_mg_per_kg_per_h == b.advice.target_rate_mg_per_kg_per_h &&
         a.advice.target_rate_ml_per_h == b.advice.target_rate_ml_per_h && a.advice.reason == b.advice.reason &&
         a.condition == b.condition && a.alert_id == b.alert_id;
}

}  // namespace

struct Engine::Sample {
  Metric metric;
  std::uint32_t code;
  double value;
  std::string_view unit;
  bool episodic;
  TimePoint time;
};

struct Engine::Patient {
  Patient(std::string patient_id, const Protocol& protocol, const PkCoefficients& pk)
      : id(std::move(patient_id)),
        baseline(protocol.baseline_window),
        dose(pk, protocol.dose_attribution),
        board(id, protocol.alarm_system),
        rules(protocol.rules.size()),
        events(protocol.event_rules.size()),
        delivered(protocol.session_dose ? protocol.session_dose->window : Duration{0}) {
    for (std::size_t r = 0; r < protocol.rules.size(); ++r) rules[r].per_metric.resize(2 * protocol.rules[r].metrics.size());
  }
  std::string id;
  std::string unit;
  BaselineTracker baseline;
  DoseTracker dose;
  AlarmBoard board;
  std::vector<RuleState> rules;
  std::vector<EventRuleState> events;

  std::array<std::optional<LatestValue>, kMetricCount> latest;
  News2Inputs news2_inputs;
  News2 news2;

  // Staleness of the vitals stream.
  bool ever_continuous = false;
  std::optional<TimePoint> last_continuous;
  std::optional<TimePoint> last_episodic;
  std::optional<TimePoint> previous_episodic;
  Duration episodic_gap_limit = kNever;  // for the NIBP reading being evaluated
  std::optional<TimePoint> running_since;
  int lost_level = 0;

  // Staleness of the pump.
  std::optional<TimePoint> last_pump;
  bool pump_stale = false;

  std::array<std::optional<TimePoint>, kMetricCount> unusable_since;  // sensor off & co.
  std::map<std::string, TimePoint> gap_holds;                         // sequence-gap condition -> hold until

  DeliveredDose delivered;
  bool session_dose_over = false;
  std::optional<TimePoint> session_dose_crossing;
  std::optional<TimePoint> pace_hold_until;

  AdviceState advice;
  std::optional<PatientStatus> status;
  bool status_now = false;  // the NEWS2 band changed: publish without waiting for the interval

  std::optional<TimePoint> scheduled;  // the key of this patient in schedule_
};

Engine::Engine(Protocol protocol, News2Scorer news2_scorer)
    : protocol_(std::move(protocol)),
      pk_(std::make_unique<PkCoefficients>(protocol_.pharmacokinetics)),
      news2_scorer_(std::move(news2_scorer)),
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
    p.latest[static_cast<std::size_t>(sample.metric)] =
        LatestValue{sample.code, std::string(metricName(sample.metric)), sample.value,
                    sample.unit.empty() ? std::string(metricUnit(sample.metric)) : std::string(sample.unit),
                    sample.time};
    auto& inputs = p.news2_inputs;
    switch (sample.metric) {
      case Metric::RespRate: inputs.rr = sample.value; break;
      case Metric::SpO2: inputs.spo2 = sample.value; break;
      case Metric::Sbp: inputs.sbp = sample.value; break;
      case Metric::HeartRate:
      case Metric::Pulse: inputs.pulse = sample.value; break;
      case Metric::Temperature: inputs.temperature_c = sample.value; break;
      default: break;
    }
    news2_inputs_changed = news2_inputs_changed || sample.metric == Metric::RespRate ||
                           sample.metric == Metric::SpO2 || sample.metric == Metric::Sbp ||
                           sample.metric == Metric::HeartRate || sample.metric == Metric::Pulse ||
                           sample.metric == Metric::Temperature;
    evaluate(p, sample, out);
    noteStability(p, sample);
  }
  if (news2_inputs_changed) rescoreNews2(p, frame.time, out);
  settle(p, frame.time, out, first);
  publishStatus(p, frame.time, out, false);
  return out;
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

  p.last_pump = status.time;
  if (p.pump_stale) {
    p.pump_stale = false;
    p.board.clear(kPumpStale, status.time, out.alarms);
  }
  if (!running && p.lost_level > 0) {
    // "Monitoring lost" is about titrating blind; with nothing running it no longer applies.
    p.lost_level = 0;
    p.board.clear(kMonitoringLost, status.time, out.alarms);
  }

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
    return {false, "no active or latched alarm " + std::string(alert_id), {}};
  }
  Patient& p = *patients_.at(found->second);
  AcknowledgeResult result;
  const auto acknowledged = p.board.acknowledge(alert_id, by, now_, result.outputs.alarms);
  result.ok = acknowledged.value_or(false);
  if (!result.ok) {
    ++counters_.acknowledgements_refused;
    result.error = "no active or latched alarm " + std::string(alert_id);
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

// ================================================================ limit rules

void Engine::evaluate(Patient& p, const Sample& sample, Outputs& out) {
  for (std::size_t rule_index : rules_by_metric_.at(static_cast<std::size_t>(sample.metric))) {
    const auto& metrics = protocol_.rules[rule_index].metrics;
    for (std::size_t slot = 0; slot < metrics.size(); ++slot) {
      if (metrics[slot] == sample.metric) evaluateRule(p, rule_index, slot, sample, out);
    }
  }
}

void Engine::evaluateRule(Patient& p, std::size_t rule_index, std::size_t slot, const Sample& sample, Outputs& out) {
  const Rule& rule = protocol_.rules[rule_index];
  auto& state = p.rules[rule_index];
  const auto thresholds = thresholdsFor(rule, p.baseline.baseline(sample.metric));
  if (!thresholds) return;
  auto& condition = state.per_metric[2 * slot + (sample.episodic ? 1 : 0)];
  const int side = sideCrossed(rule, *thresholds, sample.value);
  if (side == 0) {
    // A valid value inside the limit, from either kind of source, resets both.
    state.per_metric[2 * slot] = {};
    state.per_metric[2 * slot + 1] = {};
    if (!anyViolating(state)) p.board.clear(rule.id, sample.time, out.alarms);
    return;
  }
  // Missing data is not persistence: after a gap longer than the source's staleness limit
  // the condition starts again from this sample.
  const Duration gap_limit =
      sample.episodic ? p.episodic_gap_limit : (protocol_.technical ? protocol_.technical->max_sample_gap : kNever);
  if (condition.violating && sample.time - condition.last > gap_limit) condition = {};
  if (!condition.violating) {
    condition.violating = true;
    condition.since = sample.time;
    condition.readings = 0;
  }
  ++condition.readings;
  condition.last = sample.time;
  auto& trigger = condition.trigger;
  trigger.code = sample.code;
  trigger.metric = std::string(metricName(sample.metric));
  trigger.value = sample.value;
  trigger.unit = sample.unit.empty() ? std::string(metricUnit(sample.metric)) : std::string(sample.unit);
  trigger.limit = limitText(rule, *thresholds, side < 0);
  trigger.limit_value = side < 0 ? *thresholds->low : *thresholds->high;
  trigger.baseline = thresholds->baseline;
  trigger.provisional_baseline = thresholds->provisional;
  if (p.board.conditionPresent(rule.id)) return;
  const bool persisted = sample.episodic ? condition.readings >= std::max(1u, rule.consecutive_readings)
                                         : sample.time - condition.since >= rule.delay;
  if (persisted) raiseRule(p, rule_index, sample.time, condition.since, condition.trigger, out);
}

void Engine::raiseRule(Patient& p, std::size_t rule_index, TimePoint time, TimePoint onset, Trigger trigger,
                       Outputs& out) {
  const Rule& rule = protocol_.rules[rule_index];
  raiseCondition(p, rule.id, levelOf(rule), rule.kind, rule.dose_attributable, time, onset, std::move(trigger), out);
}

// A continuous condition's delay ran out between samples: it alarms at that moment if the
// data behind it is still current (sample and hold, no longer than the staleness limit).
void Engine::runRuleDelays(Patient& p, TimePoint due, Outputs& out) {
  const Duration gap_limit = protocol_.technical ? protocol_.technical->max_sample_gap : kNever;
  for (std::size_t r = 0; r < p.rules.size(); ++r) {
    const Rule& rule = protocol_.rules[r];
    if (p.board.conditionPresent(rule.id)) continue;
    for (std::size_t c = 0; c < p.rules[r].per_metric.size(); c += 2) {
      auto& condition = p.rules[r].per_metric[c];
      if (!condition.violating || condition.since + rule.delay > due) continue;
      if (due - condition.last > gap_limit) {
        condition = {};  // the data stopped: nothing is known about the condition any more
        continue;
      }
      raiseRule(p, r, due, condition.since, condition.trigger, out);
      break;
    }
  }
}

// ================================================================ technical conditions

void Engine::noteVitalsArrived(Patient& p, const VitalsFrame& frame, Outputs& out) {
  bool continuous = false;
  bool episodic = false;
  for (const auto& measurement : frame.measurements) {
    if (const auto source = metricForCode(measurement.code)) (source->episodic ? episodic : continuous) = true;
  }
  if (protocol_.technical) {
    // The NIBP interval as known before this reading: what its persistence is judged by.
    const auto& technical = *protocol_.technical;
    const Duration interval = p.last_episodic && p.previous_episodic ? *p.last_episodic - *p.previous_episodic
                                                                     : technical.nibp_default_interval;
    p.episodic_gap_limit = Duration{static_cast<std::int64_t>(
        std::ceil(technical.nibp_interval_factor * static_cast<double>(interval.count())))};
  }
  if (continuous) {
    p.ever_continuous = true;
    p.last_continuous = std::max(p.last_continuous.value_or(frame.time), frame.time);
  }
  if (episodic && (!p.last_episodic || frame.time > *p.last_episodic)) {
    p.previous_episodic = p.last_episodic;
    p.last_episodic = frame.time;
  }
  const bool watched = continuous || (episodic && !p.ever_continuous);
  if (watched && p.lost_level > 0) {
    p.lost_level = 0;
    p.board.clear(kMonitoringLost, frame.time, out.alarms);
  }
}

void Engine::noteMeasurementQuality(Patient& p, Metric metric, const Measurement& m, TimePoint time, Outputs& out) {
  const auto index = static_cast<std::size_t>(metric);
  if (m.quality == Quality::Valid) {
    if (p.unusable_since[index]) {
      p.unusable_since[index].reset();
      p.board.clear(sensorOffKey(metric), time, out.alarms);
    }
    return;
  }
  if (!protocol_.technical || sensorOffDelay(metric) == kNever) return;
  if (!p.unusable_since[index]) p.unusable_since[index] = time;
}

Duration Engine::sensorOffDelay(Metric metric) const {
  Duration shortest = kNever;
  for (std::size_t r : rules_by_metric_.at(static_cast<std::size_t>(metric))) {
    if (protocol_.rules[r].delay.count() > 0) shortest = std::min(shortest, protocol_.rules[r].delay);
  }
  const bool used = !rules_by_metric_.at(static_cast<std::size_t>(metric)).empty() || metric == Metric::Temperature;
  if (!used) return kNever;
  return shortest == kNever ? protocol_.technical->sensor_off.after : shortest;
}

Duration Engine::staleLimit(const Patient& p) const {
  const auto& technical = *protocol_.technical;
  if (p.ever_continuous || !p.last_episodic) return technical.monitoring_lost.after;
  const Duration interval =
      p.previous_episodic ? *p.last_episodic - *p.previous_episodic : technical.nibp_default_interval;
  return Duration{
      static_cast<std::int64_t>(std::ceil(technical.nibp_interval_factor * static_cast<double>(interval.count())))};
}

// From when the vitals count as missing: the last frame that watches the patient, or the
// start of the infusion if that came later. Nothing while no infusion runs.
std::optional<TimePoint> Engine::monitoringReference(const Patient& p) const {
  if (!protocol_.technical || p.dose.rate() <= 0 || !p.running_since) return std::nullopt;
  const auto last = p.ever_continuous ? p.last_continuous : p.last_episodic;
  return last ? std::max(*last, *p.running_since) : *p.running_since;
}

void Engine::raiseMonitoringLost(Patient& p, int level, TimePoint time, Outputs& out) {
  const auto& technical = *protocol_.technical;
  const auto& settings = level == 2 ? technical.monitoring_lost_escalated : technical.monitoring_lost;
  const auto reference = monitoringReference(p);
  Trigger trigger;
  trigger.metric = "VITALS_AGE";
  trigger.unit = "s";
  trigger.value = reference ? std::chrono::duration<double>(time - *reference).count() : 0.0;
  const Duration limit = level == 2 ? staleLimit(p) + (technical.monitoring_lost_escalated.after -
                                                      technical.monitoring_lost.after)
                                    : staleLimit(p);
  trigger.limit = ">= " + secondsText(limit) + " without vital signs while the infusion runs";
  trigger.limit_value = std::chrono::duration<double>(limit).count();
  p.lost_level = level;
  raiseCondition(p, std::string(kMonitoringLost), settings.level, AlarmKind::Technical, false, time,
                 reference.value_or(time), std::move(trigger), out);
}

void Engine::runTechnicalDeadlines(Patient& p, TimePoint due, Outputs& out) {
  if (!protocol_.technical) return;
  const auto& technical = *protocol_.technical;
  if (const auto reference = monitoringReference(p)) {
    const Duration age = due - *reference;
    const Duration first_level = staleLimit(p);
    const bool has_second = !technical.monitoring_lost_escalated.level.title.empty();
    const Duration second_level =
        first_level + (technical.monitoring_lost_escalated.after - technical.monitoring_lost.after);
    if (has_second && p.lost_level < 2 && age >= second_level) {
      raiseMonitoringLost(p, 2, due, out);
    } else if (p.lost_level == 0 && age >= first_level) {
      raiseMonitoringLost(p, 1, due, out);
    }
  }
  if (p.last_pump && p.dose.rate() > 0 && !p.pump_stale && due - *p.last_pump >= technical.pump_stale.after) {
    p.pump_stale = true;
    Trigger trigger;
    trigger.metric = "PUMP_STATUS_AGE";
    trigger.unit = "s";
    trigger.value = std::chrono::duration<double>(due - *p.last_pump).count();
    trigger.limit = ">= " + secondsText(technical.pump_stale.after);
    trigger.limit_value = std::chrono::duration<double>(technical.pump_stale.after).count();
    raiseCondition(p, std::string(kPumpStale), technical.pump_stale.level, AlarmKind::Technical, false, due,
                   *p.last_pump, std::move(trigger), out);
  }
  for (std::size_t m = 0; m < kMetricCount; ++m) {
    const auto metric = static_cast<Metric>(m);
    const auto& since = p.unusable_since[m];
    if (!since || p.board.has(sensorOffKey(metric)) || *since + sensorOffDelay(metric) > due) continue;
    Trigger trigger;
    trigger.metric = std::string(metricName(metric));
    trigger.unit = "s";
    trigger.value = std::chrono::duration<double>(due - *since).count();
    trigger.limit = "no valid value for " + secondsText(sensorOffDelay(metric));
    trigger.limit_value = std::chrono::duration<double>(sensorOffDelay(metric)).count();
    ConditionLevel level = technical.sensor_off.level;
    level.title = std::string(metricName(metric)) + ": " + level.title;
    raiseCondition(p, sensorOffKey(metric), level, AlarmKind::Technical, false, due, *since, std::move(trigger), out);
  }
  for (auto it = p.gap_holds.begin(); it != p.gap_holds.end();) {
    if (it->second > due) {
      ++it;
      continue;
    }
    p.board.expire(it->first, due, out.alarms);
    it = p.gap_holds.erase(it);
  }
}

// ================================================================ clinical events, dose, NEWS2

void Engine::applyEventRule(Patient& p, std::size_t rule_index, const ClinicalEvent& event, Outputs& out) {
  const EventRule& rule = protocol_.event_rules[rule_index];
  auto& state = p.events[rule_index];
  Trigger trigger;
  if (rule.isSedation()) {
    // RASS is a state: the latest assessment decides, so an entry outside the range ends it.
    trigger.metric = "RASS";
    trigger.value = event.rass_score;
    trigger.limit = "RASS " + std::to_string(rule.rass_min) + " to " + std::to_string(rule.rass_max);
    if (event.rass_score < rule.rass_min || event.rass_score > rule.rass_max) {
      p.board.clear(rule.id, event.time, out.alarms);
      return;
    }
    raiseCondition(p, rule.id, rule.level, AlarmKind::Physiological, rule.dose_attributable, event.time, event.time,
                   std::move(trigger), out);
    return;
  }
  // A report without a severity is at least a mild one.
  const Severity severity = event.severity == Severity::Unspecified ? Severity::Mild : event.severity;
  if (rule.severity != Severity::Unspecified && rule.severity != severity) return;
  state.entries.push_back(event.time);
  while (state.entries.size() > 1 && (rule.count <= 1 || state.entries.front() < event.time - rule.within)) {
    state.entries.pop_front();
  }
  if (state.entries.size() < rule.count) return;
  trigger.metric = "ENTRIES";
  trigger.value = static_cast<double>(state.entries.size());
  trigger.limit = rule.count <= 1 ? "reported" : ">= " + std::to_string(rule.count) + " within " + minutesText(rule.within);
  trigger.limit_value = rule.count;
  raiseCondition(p, rule.id, rule.level, AlarmKind::Physiological, rule.dose_attributable, event.time,
                 state.entries.front(), std::move(trigger), out, /*fresh_occurrence=*/true);
  state.hold_until = event.time + rule.hold;
}

void Engine::evaluateSessionDose(Patient& p, TimePoint time, Outputs& out) {
  p.session_dose_crossing.reset();
  if (!protocol_.session_dose) return;
  const auto& settings = *protocol_.session_dose;
  const double mg = p.delivered.withinWindowEndingAt(time);
  const bool over = mg > settings.max_mg;
  if (over && !p.session_dose_over) {
    Trigger trigger;
    trigger.metric = "SESSION_DOSE_MG";
    trigger.unit = "mg";
    trigger.value = mg;
    trigger.limit = "> " + number(settings.max_mg) + " mg within " + minutesText(settings.window);
    trigger.limit_value = settings.max_mg;
    raiseCondition(p, settings.id, settings.level, settings.kind, false, time, time, std::move(trigger), out);
  } else if (!over && p.session_dose_over) {
    p.board.clear(settings.id, time, out.alarms);
  }
  p.session_dose_over = over;
  p.session_dose_crossing = p.delivered.nextCrossing(time, settings.max_mg, !over);
}

void Engine::checkTitrationPace(Patient& p, const std::optional<RateIncrease>& previous, TimePoint time,
                                Outputs& out) {
  if (!protocol_.titration_pace || !previous) return;
  const auto current = p.dose.lastIncrease();
  if (!current || current->time != time || previous->time == time) return;  // no increase now
  const auto& settings = *protocol_.titration_pace;
  const Duration since = time - previous->time;
  if (since >= settings.min_interval) return;
  Trigger trigger;
  trigger.metric = "MINUTES_SINCE_PREVIOUS_INCREASE";
  trigger.unit = "min";
  trigger.value = minutesBetween(previous->time, time);
  trigger.limit = "< " + minutesText(settings.min_interval);
  trigger.limit_value = std::chrono::duration<double, std::ratio<60>>(settings.min_interval).count();
  raiseCondition(p, settings.id, settings.level, settings.kind, false, time, time, std::move(trigger), out,
                 /*fresh_occurrence=*/true);
  p.pace_hold_until = time + settings.hold;
}

void Engine::rescoreNews2(Patient& p, TimePoint time, Outputs& out) {
  if (!news2_scorer_) return;  // news2.h supplies the scorer at merge
  ++counters_.news2_scores;
  evaluateNews2(p, news2_scorer_(p.news2_inputs), time, out);
}

void Engine::evaluateNews2(Patient& p, const News2& score, TimePoint time, Outputs& out) {
  const bool band_changed = score.band != p.news2.band;
  p.news2 = score;
  // An unknown score says nothing: it neither raises nor ends a NEWS2 alarm.
  if (protocol_.news2 && score.band != News2Band::Unknown) {
    const auto& settings = *protocol_.news2;
    const News2Level* reached = nullptr;
    for (const auto& level : settings.aggregate) {
      if (score.total >= level.total_at_least) reached = &level;
    }
    Trigger trigger;
    trigger.metric = "NEWS2";
    trigger.value = score.total;
    if (reached) {
      trigger.limit = ">= " + std::to_string(reached->total_at_least);
      trigger.limit_value = reached->total_at_least;
      raiseCondition(p, std::string(kNews2Aggregate), reached->level, AlarmKind::Physiological, true, time, time,
                     trigger, out);
    } else {
      p.board.clear(kNews2Aggregate, time, out.alarms);
    }
    if (settings.single_three.priority != Priority::None) {
      if (score.any_single_three) {
        trigger.limit = "a single parameter scores 3";
        trigger.limit_value = 3;
        raiseCondition(p, std::string(kNews2SingleThree), settings.single_three, AlarmKind::Physiological, true, time,
                       time, trigger, out);
      } else {
        p.board.clear(kNews2SingleThree, time, out.alarms);
      }
    }
  }
  // The band-change hook: stations see a new band at once, not at the next status tick.
  if (band_changed) p.status_now = true;
}

// ================================================================ advice

Advice Engine::adviceFor(AdviceAction action, const DoseContext& dose, const DoseTracker& tracker,
                         const std::string& title) const {
  Advice advice{action, 0.0, 0.0, title};
  if (action == AdviceAction::None) return advice;
  if (dose.likely_dose_related && advice.action < AdviceAction::Reduce) {
    // CLINICAL.md: a dose-related condition gets at least REDUCE to the previous rate.
    advice.action = AdviceAction::Reduce;
    advice.reason += "; likely dose-related";
  }
  if (!dose.infusion_running && (advice.action == AdviceAction::Reduce || advice.action == AdviceAction::Pause)) {
    // Nothing to reduce or pause: the useful advice is not to (re)start it.
    advice.action = AdviceAction::Hold;
    advice.reason += "; no infusion running: do not restart before review";
    return advice;
  }
  if (advice.action == AdviceAction::Reduce) {
    if (dose.previous_rate_mg_per_kg_per_h <= 0) {
      // "Reduce to 0 mg/kg/h" is a pause; say so in the words a nurse acts on.
      advice.action = AdviceAction::Pause;
      advice.reason += "; no lower rate to go back to: pause";
      return advice;
    }
    advice.target_rate_mg_per_kg_per_h = dose.previous_rate_mg_per_kg_per_h;
    advice.target_rate_ml_per_h = tracker.mlPerHour(advice.target_rate_mg_per_kg_per_h);
    advice.reason += "; back to the previous lower rate";
  }
  return advice;
}

void Engine::raiseCondition(Patient& p, std::string condition, const ConditionLevel& level, AlarmKind kind,
                            bool dose_attributable, TimePoint time, TimePoint onset, Trigger trigger, Outputs& out,
                            bool fresh_occurrence) {
  Raise raise;
  raise.condition = std::move(condition);
  raise.level = level;
  raise.kind = kind;
  raise.trigger = std::move(trigger);
  raise.dose = p.dose.contextAt(time, std::min(onset, time));
  if (!dose_attributable) {
    raise.dose.likely_dose_related = false;
    raise.dose.attribution = "not a dose-attributable condition";
  }
  raise.advice = adviceFor(level.advice, raise.dose, p.dose, level.title);
  raise.fresh_occurrence = fresh_occurrence;
  raise.event_like = fresh_occurrence;  // only event-like conditions occur afresh
  p.board.raise(std::move(raise), time, out.alarms);
}

// Resume needs every vital inside all its limits, and the chosen ones near baseline,
// without a gap in the data.
void Engine::noteStability(Patient& p, const Sample& sample) {
  if (!protocol_.resume || !isVital(sample.metric)) return;
  auto& st = p.advice;
  const Duration gap_limit = protocol_.technical ? staleLimit(p) : kNever;
  if (st.last_vital && sample.time - *st.last_vital > gap_limit) st.stable_since.reset();
  st.last_vital = std::max(st.last_vital.value_or(sample.time), sample.time);
  bool inside = true;
  for (std::size_t r : rules_by_metric_.at(static_cast<std::size_t>(sample.metric))) {
    const auto thresholds = thresholdsFor(protocol_.rules[r], p.baseline.baseline(sample.metric));
    if (thresholds && sideCrossed(protocol_.rules[r], *thresholds, sample.value) != 0) inside = false;
  }
  const auto& chosen = protocol_.resume->baseline_metrics;
  const bool near_baseline_needed =
      chosen.empty() || std::find(chosen.begin(), chosen.end(), sample.metric) != chosen.end();
  if (const auto baseline = p.baseline.baseline(sample.metric); baseline && near_baseline_needed && baseline->value != 0) {
    if (std::abs(sample.value - baseline->value) > protocol_.resume->baseline_fraction * std::abs(baseline->value)) {
      inside = false;
    }
  }
  if (!inside) {
    st.stable_since.reset();
    st.last_unstable = sample.time;
  } else if (!st.stable_since && (!st.last_unstable || sample.time > *st.last_unstable)) {
    st.stable_since = sample.time;
  }
}

void Engine::updateAdvice(Patient& p, TimePoint time, Outputs& out) {
  auto& st = p.advice;
  const AlarmEvent* driver = nullptr;
  for (const AlarmEvent* alarm : p.board.all()) {
    if (alarm->advice.action == AdviceAction::None) continue;
    if (!driver || drivesBefore(*alarm, *driver)) driver = alarm;
  }
  AdviceEvent next;
  if (driver) {
    next.advice = driver->advice;
    next.condition = driver->condition;
    next.alert_id = driver->alert_id;
    next.trigger = driver->trigger;
    st.resolved_at.reset();
    const auto action = driver->advice.action;
    if (protocol_.resume && (action == AdviceAction::Pause || action == AdviceAction::Reduce)) {
      st.resume_pending = true;
      if (p.dose.rate() > 0) {
        // Where to resume: the rate before the last increase (what REDUCE targets too).
        const auto increase = p.dose.lastIncrease();
        const double before = driver->advice.target_rate_mg_per_kg_per_h > 0 ? driver->advice.target_rate_mg_per_kg_per_h
                              : increase && increase->from_mg_per_kg_per_h > 0 ? increase->from_mg_per_kg_per_h
                                                                               : 0.0;
        st.resume_target = before > 0 ? before : p.dose.rate();
        st.resume_target_is_last_rate = before <= 0;
      }
    }
  } else if (st.resume_pending && protocol_.resume) {
    if (!st.resolved_at) st.resolved_at = time;
    const auto& resume = *protocol_.resume;
    const bool fresh = st.last_vital && (!protocol_.technical || time - *st.last_vital <= staleLimit(p));
    if (st.stable_since && !fresh) st.stable_since.reset();  // a gap in the data is not stability
    const bool stable = st.stable_since && std::max(*st.stable_since, *st.resolved_at) + resume.stable <= time;
    if (stable) {
      next.advice.action = AdviceAction::ResumePossible;
      next.advice.target_rate_mg_per_kg_per_h = st.resume_target;
      next.advice.target_rate_ml_per_h = p.dose.mlPerHour(st.resume_target);
      next.advice.reason = "vital signs inside their limits and within " + number(resume.baseline_fraction * 100) +
                           " % of baseline for " + minutesText(resume.stable) + ": the infusion may resume at " +
                           number(st.resume_target) + " mg/kg/h";
      next.advice.reason += st.resume_target_is_last_rate ? " (no lower rate was given before: review first)"
                                                          : " (the rate before the last increase)";
    } else {
      next.advice.action = AdviceAction::Hold;
      next.advice.reason = "conditions resolved: keep the rate until the vital signs have been stable for " +
                           minutesText(resume.stable);
    }
  }
  if (sameAdvice(next, st.last)) return;
  next.patient_id = p.id;
  next.unit = p.unit;
  next.event_time = time;
  next.previous_action = st.last.advice.action;
  next.dose = p.dose.contextAt(time);
  // Stable ids: one advice per patient and millisecond, numbered if several share one.
  const std::int64_t ms = toMillis(time);
  st.same_ms = ms == st.last_id_ms && !st.last.advice_id.empty() ? st.same_ms + 1 : 0;
  st.last_id_ms = ms;
  next.advice_id = p.id + "/advice/" + std::to_string(ms) + (st.same_ms > 0 ? "-" + std::to_string(st.same_ms) : "");
  st.last = next;
  out.advice.push_back(std::move(next));
}

void Engine::publishStatus(Patient& p, TimePoint time, Outputs& out, bool force) {
  force = force || p.status_now;
  p.status_now = false;
  if (p.status && !force && (time < p.status->event_time || time - p.status->event_time < protocol_.status_interval)) {
    return;
  }
  PatientStatus status;
  status.patient_id = p.id;
  status.unit = p.unit;
  status.event_time = time;
  for (const auto& latest : p.latest) {
    if (latest) status.latest.push_back(*latest);
  }
  // The band and sub-scores come from the scorer (news2.h, filled by news2.h at merge);
  // without one the band stays Unknown.
  status.news2 = p.news2;
  for (int m = 1; m < kMetricCount; ++m) {
    const auto metric = static_cast<Metric>(m);
    if (!isVital(metric)) continue;
    if (const auto baseline = p.baseline.baseline(metric)) {
      status.baselines.push_back({std::string(metricName(metric)), baseline->value, baseline->provisional});
    }
  }
  status.dose = p.dose.contextAt(time);
  status.advice = p.advice.last.advice;
  status.active_alarms = p.board.size();
  p.status = status;
  out.statuses.push_back(std::move(status));
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
