#include "alarms/core/metrics.h"

#include <array>

namespace vigil::core {
namespace {

struct CodeEntry {
  std::uint32_t code;
  MetricSource source;
};

constexpr std::array<CodeEntry, 15> kCodeTable{{
    {mdc::kEcgHeartRate, {Metric::HeartRate, false}},
    {mdc::kPulseOximPulseRate, {Metric::Pulse, false}},
    {mdc::kSpO2, {Metric::SpO2, false}},
    {mdc::kRespRate, {Metric::RespRate, false}},
    {mdc::kNibpSys, {Metric::Sbp, true}},
    {mdc::kNibpDia, {Metric::Dbp, true}},
    {mdc::kNibpMean, {Metric::Map, true}},
    {mdc::kCuffSys, {Metric::Sbp, true}},
    {mdc::kCuffDia, {Metric::Dbp, true}},
    {mdc::kCuffMean, {Metric::Map, true}},
    {mdc::kAbpSys, {Metric::Sbp, false}},
    {mdc::kAbpDia, {Metric::Dbp, false}},
    {mdc::kAbpMean, {Metric::Map, false}},
    {mdc::kEtCO2, {Metric::EtCO2, false}},
    {mdc::kTempBody, {Metric::Temperature, false}},
}};

struct MetricInfo {
  std::string_view name;
  std::string_view unit;
  MeasuringRange range;  // device measuring range (see metrics.h): not a clinical choice
};

constexpr std::array<MetricInfo, kMetricCount> kMetricInfo{{
    {"UNSPECIFIED", "", {0.0, 0.0}},
    {"HR", "/min", {0.0, 350.0}},
    {"PULSE", "/min", {0.0, 350.0}},
    {"SPO2", "%", {0.0, 100.0}},
    {"RR", "/min", {0.0, 200.0}},
    {"SBP", "mm[Hg]", {0.0, 400.0}},
    {"DBP", "mm[Hg]", {0.0, 400.0}},
    {"MAP", "mm[Hg]", {0.0, 400.0}},
    {"ETCO2", "mm[Hg]", {0.0, 150.0}},
    {"TEMP", "Cel", {10.0, 50.0}},
    {"DOSE_RATE_MG_PER_KG_PER_H", "mg/kg/h", pump_range::kDoseRateMgPerKgPerH},
    {"DOSE_RATE_MG_PER_H", "mg/h", {0.0, 100000.0}},
}};

}  // namespace

std::optional<MetricSource> metricForCode(std::uint32_t code) {
  for (const auto& entry : kCodeTable) {
    if (entry.code == code) return entry.source;
  }
  return std::nullopt;
}

std::string_view metricName(Metric metric) { return kMetricInfo.at(static_cast<std::size_t>(metric)).name; }
std::string_view metricUnit(Metric metric) { return kMetricInfo.at(static_cast<std::size_t>(metric)).unit; }
MeasuringRange measuringRange(Metric metric) { return kMetricInfo.at(static_cast<std::size_t>(metric)).range; }

}  // namespace vigil::core
