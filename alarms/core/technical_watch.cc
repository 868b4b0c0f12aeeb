// Technical conditions: monitoring lost, pump status stale, sensor off, sequence gaps.
#include "alarms/core/technical_watch.h"

namespace vigil::core::engine_detail {

TechnicalWatch::TechnicalWatch(const Protocol& protocol, const LimitRules& rules) : protocol_(protocol) {
  sensor_off_delay_.fill(kNever);
  if (!protocol_.technical) return;
  for (std::size_t m = 0; m < kMetricCount; ++m) {
    const auto metric = static_cast<Metric>(m);
    Duration shortest = kNever;
    for (std::size_t r : rules.rulesOn(metric)) {
      if (protocol_.rules[r].delay.count() > 0) shortest = std::min(shortest, protocol_.rules[r].delay);
    }
    const bool used = !rules.rulesOn(metric).empty() || metric == Metric::Temperature;
    if (used) sensor_off_delay_[m] = shortest == kNever ? protocol_.technical->sensor_off.after : shortest;
  }
}

// Only a valid measurement shows that the patient is monitored: a monitor that reports every
// probe off is as blind as one that is unplugged.
void TechnicalWatch::onFrame(State& state, PatientFacts& patient, bool watched, TimePoint time, Outputs& out) const {
  if (watched && state.lost_level > 0) endMonitoringLost(state, patient, time, out);
}

void TechnicalWatch::onMeasurement(State& state, PatientFacts& patient, Metric metric, Quality quality, TimePoint time,
                                   Outputs& out) const {
  auto& since = state.unusable_since[static_cast<std::size_t>(metric)];
  if (quality == Quality::Valid) {
    if (since) {
      since.reset();
      patient.board.clear(sensorOffKey(metric), time, out.alarms);
    }
    return;
  }
  if (sensor_off_delay_[static_cast<std::size_t>(metric)] == kNever) return;
  if (!since) since = time;
}

// A pump status arrived: it is no longer stale, and with nothing running "monitoring lost"
// (which is about titrating blind) no longer applies.
void TechnicalWatch::onPump(State& state, PatientFacts& patient, bool started, TimePoint time, Outputs& out) const {
  if (started) state.running_since = time;
  state.last_pump = time;
  if (state.pump_stale) {
    state.pump_stale = false;
    patient.board.clear(kPumpStale, time, out.alarms);
  }
  if (patient.dose.rate() <= 0 && state.lost_level > 0) endMonitoringLost(state, patient, time, out);
}

void TechnicalWatch::onGap(State& state, PatientFacts& patient, const SequenceGap& gap, Outputs& out) const {
  const auto& settings = protocol_.technical->sequence_gap;
  const std::string key = std::string(kSequenceGapPrefix) + keyPart(gap.source_id);
  Trigger trigger;
  trigger.metric = "FRAMES_MISSING";
  trigger.value = static_cast<double>(gap.missing);
  trigger.limit = "from " + gap.source_id;
  patient.raise(key, settings.level, AlarmKind::Technical, false, gap.time, gap.time, std::move(trigger), out,
                /*fresh_occurrence=*/true);
  state.gap_holds[key] = gap.time + settings.hold;
}

void TechnicalWatch::endMonitoringLost(State& state, PatientFacts& patient, TimePoint time, Outputs& out) const {
  state.lost_level = 0;
  patient.board.clear(kMonitoringLost, time, out.alarms);
}

// From when the vitals count as missing: the last frame that watches the patient, or the
// start of the infusion if that came later. Nothing while no infusion runs.
std::optional<TimePoint> TechnicalWatch::monitoringReference(const State& state, const PatientFacts& patient) const {
  if (!protocol_.technical || patient.dose.rate() <= 0 || !state.running_since) return std::nullopt;
  const auto& vitals = patient.vitals;
  const auto last = vitals.ever_continuous ? vitals.last_continuous : vitals.last_episodic;
  return last ? std::max(*last, *state.running_since) : *state.running_since;
}

// How long without vital signs raises monitoring lost at `level` (1, or 2 escalated).
Duration TechnicalWatch::lostLimit(const PatientFacts& patient, int level) const {
  const auto& technical = *protocol_.technical;
  const Duration first = patient.vitals.staleLimit(technical);
  return level == 2 ? first + (technical.monitoring_lost_escalated.after - technical.monitoring_lost.after) : first;
}

void TechnicalWatch::raiseMonitoringLost(State& state, PatientFacts& patient, int level, TimePoint time,
                                         Outputs& out) const {
  const auto& technical = *protocol_.technical;
  const auto& settings = level == 2 ? technical.monitoring_lost_escalated : technical.monitoring_lost;
  const auto reference = monitoringReference(state, patient);
  Trigger trigger;
  trigger.metric = "VITALS_AGE";
  trigger.unit = "s";
  trigger.value = reference ? std::chrono::duration<double>(time - *reference).count() : 0.0;
  const Duration limit = lostLimit(patient, level);
  trigger.limit = ">= " + secondsText(limit) + " without vital signs while the infusion runs";
  trigger.limit_value = std::chrono::duration<double>(limit).count();
  state.lost_level = level;
  patient.raise(std::string(kMonitoringLost), settings.level, AlarmKind::Technical, false, time,
                reference.value_or(time), std::move(trigger), out);
}

void TechnicalWatch::raisePumpStale(State& state, PatientFacts& patient, TimePoint time, Outputs& out) const {
  const auto& after = protocol_.technical->pump_stale.after;
  state.pump_stale = true;
  Trigger trigger;
  trigger.metric = "PUMP_STATUS_AGE";
  trigger.unit = "s";
  trigger.value = std::chrono::duration<double>(time - *state.last_pump).count();
  trigger.limit = ">= " + secondsText(after);
  trigger.limit_value = std::chrono::duration<double>(after).count();
  patient.raise(std::string(kPumpStale), protocol_.technical->pump_stale.level, AlarmKind::Technical, false, time,
                *state.last_pump, std::move(trigger), out);
}

void TechnicalWatch::raiseSensorOff(const State& state, PatientFacts& patient, Metric metric, TimePoint time,
                                    Outputs& out) const {
  const TimePoint since = *state.unusable_since[static_cast<std::size_t>(metric)];
  const Duration delay = sensor_off_delay_[static_cast<std::size_t>(metric)];
  Trigger trigger;
  trigger.metric = std::string(metricName(metric));
  trigger.unit = "s";
  trigger.value = std::chrono::duration<double>(time - since).count();
  trigger.limit = "no valid value for " + secondsText(delay);
  trigger.limit_value = std::chrono::duration<double>(delay).count();
  ConditionLevel level = protocol_.technical->sensor_off.level;
  level.title = std::string(metricName(metric)) + ": " + level.title;
  patient.raise(sensorOffKey(metric), level, AlarmKind::Technical, false, time, since, std::move(trigger), out);
}

// Monitoring lost at the first level, then escalated (a first-level deadline that finds
// the second one due too raises the second at once).
void TechnicalWatch::monitoringDeadlines(State& state, PatientFacts& patient, deadlines::DeadlineVisit& visit) const {
  const auto reference = monitoringReference(state, patient);
  if (!reference) return;
  const bool has_second = !protocol_.technical->monitoring_lost_escalated.level.title.empty();
  const auto raise_level = [&](int level) {
    return [&, level](TimePoint due, Outputs& out) { raiseMonitoringLost(state, patient, level, due, out); };
  };
  if (state.lost_level == 0) {
    visit.at(*reference + lostLimit(patient, 1), [&](TimePoint due, Outputs& out) {
      const bool second_due = has_second && due - *reference >= lostLimit(patient, 2);
      raise_level(second_due ? 2 : 1)(due, out);
    });
  }
  if (has_second && state.lost_level < 2) visit.at(*reference + lostLimit(patient, 2), raise_level(2));
}

void TechnicalWatch::deadlines(State& state, PatientFacts& patient, deadlines::DeadlineVisit& visit) const {
  if (!protocol_.technical) return;
  monitoringDeadlines(state, patient, visit);
  if (state.last_pump && patient.dose.rate() > 0 && !state.pump_stale) {
    visit.at(*state.last_pump + protocol_.technical->pump_stale.after,
             [&](TimePoint due, Outputs& out) { raisePumpStale(state, patient, due, out); });
  }
  for (std::size_t m = 0; m < kMetricCount; ++m) {
    const auto metric = static_cast<Metric>(m);
    if (!state.unusable_since[m] || patient.board.has(sensorOffKey(metric))) continue;
    visit.at(*state.unusable_since[m] + sensor_off_delay_[m],
             [&](TimePoint due, Outputs& out) { raiseSensorOff(state, patient, metric, due, out); });
  }
  for (auto it = state.gap_holds.begin(); it != state.gap_holds.end();) {
    const auto hold = it++;  // the run erases it
    visit.at(hold->second, [&](TimePoint due, Outputs& out) {
      patient.board.expire(hold->first, due, out.alarms);
      state.gap_holds.erase(hold);
    });
  }
}

}  // namespace vigil::core::engine_detail
