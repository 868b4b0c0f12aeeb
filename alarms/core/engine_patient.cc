// What the engine's parts share: when the vitals arrived, and raising a condition with its
// dose context and advice.
#include "alarms/core/engine_patient.h"

#include <cmath>

namespace vigil::core::engine_detail {
namespace {

Duration nibpLimit(const TechnicalSettings& technical, Duration interval) {
  return Duration{
      static_cast<std::int64_t>(std::ceil(technical.nibp_interval_factor * static_cast<double>(interval.count())))};
}

}  // namespace

LatestValues::Value& LatestValues::slotFor(Metric metric) {
  auto at = std::lower_bound(values_.begin(), values_.end(), metric,
                             [](const Value& value, Metric m) { return value.metric < m; });
  if (at == values_.end() || at->metric != metric) at = values_.insert(at, Value{metric});
  return *at;
}

void LatestValues::note(const Sample& sample) {
  auto& slot = slotFor(sample.metric);
  slot.code = sample.code;
  slot.value = sample.value;
  slot.time = sample.time;
  // A unit spelled as the metric's own is not kept: it comes back from metricUnit().
  if (sample.unit == metricUnit(sample.metric)) {
    slot.unit.clear();
  } else {
    slot.unit = sample.unit;
  }
}

LatestValue LatestValues::Value::expanded() const {
  return LatestValue{code, std::string(metricName(metric)), value,
                     std::string(unit.empty() ? metricUnit(metric) : std::string_view(unit)), time};
}

void LatestValues::appendTo(std::vector<LatestValue>& out) const {
  for (const auto& value : values_) out.push_back(value.expanded());
}

LatestValues::Saved LatestValues::saved() const {
  Saved saved;
  for (const auto& value : values_) saved[static_cast<std::size_t>(value.metric)] = value.expanded();
  return saved;
}

void LatestValues::restore(const Saved& saved) {
  values_.clear();
  for (std::size_t m = 0; m < saved.size(); ++m) {
    if (!saved[m]) continue;
    const auto metric = static_cast<Metric>(m);
    values_.push_back(Value{metric, saved[m]->code, saved[m]->value, saved[m]->time,
                            saved[m]->unit == metricUnit(metric) ? std::string() : saved[m]->unit});
  }
}

bool VitalsTiming::noteFrame(TimePoint time, bool continuous, bool episodic,
                             const std::optional<TechnicalSettings>& technical) {
  if (technical) {
    // The NIBP interval as known before this reading: what its persistence is judged by.
    const Duration interval =
        last_episodic && previous_episodic ? *last_episodic - *previous_episodic : technical->nibp_default_interval;
    episodic_gap_limit = nibpLimit(*technical, interval);
  }
  if (continuous) {
    ever_continuous = true;
    last_continuous = std::max(last_continuous.value_or(time), time);
  }
  if (episodic && (!last_episodic || time > *last_episodic)) {
    previous_episodic = last_episodic;
    last_episodic = time;
  }
  return continuous || (episodic && !ever_continuous);
}

Duration VitalsTiming::staleLimit(const TechnicalSettings& technical) const {
  if (ever_continuous || !last_episodic) return technical.monitoring_lost.after;
  return nibpLimit(technical,
                   previous_episodic ? *last_episodic - *previous_episodic : technical.nibp_default_interval);
}

void PatientFacts::raise(std::string condition, const ConditionLevel& level, AlarmKind kind, bool dose_attributable,
                         TimePoint time, TimePoint onset, Trigger trigger, Outputs& out, bool fresh_occurrence) {
  Raise raise;
  raise.condition = std::move(condition);
  raise.level = level;
  raise.kind = kind;
  raise.trigger = std::move(trigger);
  raise.dose = dose.contextAt(time, std::min(onset, time));
  if (!dose_attributable) {
    raise.dose.likely_dose_related = false;
    raise.dose.attribution = "not a dose-attributable condition";
  }
  raise.advice = adviceFor(level.advice, raise.dose, dose, level.title);
  raise.fresh_occurrence = fresh_occurrence;
  raise.event_like = fresh_occurrence;  // only event-like conditions occur afresh
  board.raise(std::move(raise), time, out.alarms);
}

Advice adviceFor(AdviceAction action, const DoseContext& dose, const DoseTracker& tracker, const std::string& title) {
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

}  // namespace vigil::core::engine_detail
