// Technical conditions: monitoring lost, pump status stale, sensor off, sequence gaps.
#include "alarms/core/engine.h"

#include <cmath>

#include "alarms/core/engine_internal.h"

namespace vigil::core {
using namespace engine_detail;

// Only a valid measurement shows that the patient is monitored: a monitor that reports every
// probe off is as blind as one that is unplugged.
void Engine::noteVitalsArrived(Patient& p, const VitalsFrame& frame, Outputs& out) {
  bool continuous = false;
  bool episodic = false;
  for (const auto& measurement : frame.measurements) {
    const auto source = metricForCode(measurement.code);
    if (source && measurement.quality == Quality::Valid) (source->episodic ? episodic : continuous) = true;
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

// A pump status arrived: it is no longer stale, and with nothing running "monitoring lost"
// (which is about titrating blind) no longer applies.
void Engine::notePumpArrived(Patient& p, TimePoint time, Outputs& out) {
  p.last_pump = time;
  if (p.pump_stale) {
    p.pump_stale = false;
    p.board.clear(kPumpStale, time, out.alarms);
  }
  if (p.dose.rate() <= 0 && p.lost_level > 0) {
    p.lost_level = 0;
    p.board.clear(kMonitoringLost, time, out.alarms);
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

}  // namespace vigil::core
