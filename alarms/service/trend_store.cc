#include "alarms/service/trend_store.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include "streamer/enums.h"

namespace vigil::service {
namespace {

// Six names, compared in place: a std::map<std::string> lookup per latest value was most of
// this store's cost on the engine's hot path (eight per status).
std::optional<TrendSeries> seriesOf(std::string_view metric) {
  static constexpr std::pair<std::string_view, TrendSeries> kByMetric[] = {
      {"HR", TrendSeries::Hr},     {"SBP", TrendSeries::Sbp}, {"DBP", TrendSeries::Dbp},
      {"SPO2", TrendSeries::Spo2}, {"RR", TrendSeries::Rr},   {"ETCO2", TrendSeries::Etco2},
  };
  for (const auto& [name, series] : kByMetric) {
    if (name == metric) return series;
  }
  return std::nullopt;
}

std::size_t index(TrendSeries series) { return static_cast<std::size_t>(series); }

}  // namespace

void TrendStore::record(const core::Outputs& outputs) {
  for (const auto& status : outputs.statuses) recordStatus(status);
  for (const auto& event : outputs.alarms) recordAlarm(event);
}

void TrendStore::recordStatus(const core::PatientStatus& status) {
  auto* trend = patient(status.patient_id);
  if (!trend) return;
  // A value goes to the bucket of its own measurement time, so a blood pressure taken
  // every 15 minutes is a point every 15 minutes, not a flat line.
  for (const auto& latest : status.latest) {
    if (const auto series = seriesOf(latest.metric)) set(*trend, *series, core::toMillis(latest.time), latest.value);
  }
  const auto now_ms = core::toMillis(status.event_time);
  const auto& dose = status.dose;
  set(*trend, TrendSeries::DoseRate, now_ms, dose.infusion_running ? dose.rate_mg_per_kg_per_h : 0.0);
  set(*trend, TrendSeries::EffectSite, now_ms, dose.ce_ug_per_ml);
  forgetBefore(*trend, now_ms);
}

void TrendStore::recordAlarm(const core::AlarmEvent& event) {
  auto* trend = patient(event.patient_id);
  if (!trend) return;
  auto& alarms = trend->alarms;
  auto entry = std::find_if(alarms.rbegin(), alarms.rend(),
                            [&](const TrendAlarmEntry& known) { return known.alert_id == event.alert_id; });
  if (entry == alarms.rend()) {
    if (alarms.size() >= config_.max_alarms) {
      alarms.pop_front();
      ++counters_.alarms_forgotten;
    }
    alarms.push_back({event.alert_id, event.title, event.priority, core::toMillis(event.start_time), 0, {}, 0});
    entry = alarms.rbegin();
  }
  entry->priority = std::max(entry->priority, event.priority);
  if (event.phase == core::Phase::End) entry->end_ms = core::toMillis(event.event_time);
  if (!event.acknowledged_by.empty() && event.acknowledged_time) {
    entry->acknowledged_by = event.acknowledged_by;
    entry->acknowledged_ms = core::toMillis(*event.acknowledged_time);
  }
}

TrendStore::PatientTrend* TrendStore::patient(const std::string& patient_id) {
  if (const auto found = patients_.find(patient_id)) return &trends_[*found];
  if (trends_.size() >= config_.max_patients) {
    ++counters_.patients_refused;
    return nullptr;
  }
  patients_.add(patient_id);
  return &trends_.emplace_back();
}

const TrendStore::PatientTrend* TrendStore::find(const std::string& patient_id) const {
  const auto found = patients_.find(patient_id);
  return found ? &trends_[*found] : nullptr;
}

// The bucket holding `time_ms`, made if it is newer than every bucket; nullptr for a time
// older than the window kept.
TrendBucket* TrendStore::bucketAt(PatientTrend& trend, std::int64_t time_ms) {
  const auto width = config_.bucket.count();
  const auto start = time_ms - ((time_ms % width) + width) % width;
  auto& buckets = trend.buckets;
  if (buckets.empty() || buckets.back().start_ms < start) {
    buckets.emplace_back().start_ms = start;
    return &buckets.back();
  }
  if (buckets.back().start_ms == start) return &buckets.back();  // the usual case: the newest bucket
  const auto found = std::lower_bound(buckets.begin(), buckets.end(), start,
                                      [](const TrendBucket& bucket, std::int64_t ms) { return bucket.start_ms < ms; });
  if (found == buckets.end() || found->start_ms != start) return nullptr;  // a gap in the past stays a gap
  return &*found;
}

void TrendStore::set(PatientTrend& trend, TrendSeries series, std::int64_t time_ms, double value) {
  if (time_ms <= 0) return;  // never measured
  if (auto* bucket = bucketAt(trend, time_ms)) bucket->values[index(series)] = value;
}

void TrendStore::forgetBefore(PatientTrend& trend, std::int64_t newest_ms) {
  const auto oldest_kept = newest_ms - config_.window.count();
  while (!trend.buckets.empty() && trend.buckets.front().start_ms < oldest_kept) trend.buckets.pop_front();
  const auto oldest_alarm_kept = newest_ms - config_.alarm_history.count();
  while (!trend.alarms.empty() && trend.alarms.front().end_ms != 0 && trend.alarms.front().end_ms < oldest_alarm_kept) {
    trend.alarms.pop_front();
  }
}

const std::deque<TrendBucket>* TrendStore::buckets(const std::string& patient_id) const {
  const auto* found = find(patient_id);
  return found ? &found->buckets : nullptr;
}

const std::deque<TrendAlarmEntry>* TrendStore::alarms(const std::string& patient_id) const {
  const auto* found = find(patient_id);
  return found ? &found->alarms : nullptr;
}

vigil::v1::Trend TrendStore::trend(const std::string& patient_id, std::int64_t since_ms) const {
  vigil::v1::Trend out;
  out.set_patient_id(patient_id);
  out.set_bucket_ms(config_.bucket.count());
  const auto* found = find(patient_id);
  if (!found) return out;
  google::protobuf::RepeatedField<double>* columns[kTrendSeriesCount] = {out.mutable_hr(),
                                                                         out.mutable_sbp(),
                                                                         out.mutable_dbp(),
                                                                         out.mutable_spo2(),
                                                                         out.mutable_rr(),
                                                                         out.mutable_etco2(),
                                                                         out.mutable_rate_mg_per_kg_per_h(),
                                                                         out.mutable_ce_ug_per_ml()};
  for (const auto& bucket : found->buckets) {
    if (bucket.start_ms < since_ms) continue;
    out.add_time_ms(bucket.start_ms);
    for (std::size_t i = 0; i < kTrendSeriesCount; ++i) columns[i]->Add(bucket.values[i]);
  }
  for (const auto& entry : found->alarms) {
    auto* alarm = out.add_alarms();
    alarm->set_alert_id(entry.alert_id);
    alarm->set_title(entry.title);
    alarm->set_priority(streamer::toWire(entry.priority));
    alarm->set_start_time_ms(entry.start_ms);
    alarm->set_end_time_ms(entry.end_ms);
    alarm->set_acknowledged_by(entry.acknowledged_by);
    alarm->set_acknowledged_time_ms(entry.acknowledged_ms);
  }
  return out;
}

}  // namespace vigil::service
