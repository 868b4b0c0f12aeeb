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
};

constexpr std::array<MetricInfo, kMetricCount> kMetricInfo{{
    {"UNSPECIFIED", ""},
    {"HR", "/min"},
    {"PULSE", "/min"},
    {"SPO2", "%"},
    {"RR", "/min"},
    {"SBP", "mm[Hg]"},
    {"DBP", "mm[Hg]"},
    {"MAP", "mm[Hg]"},
    {"ETCO2", "mm[Hg]"},
    {"TEMP", "Cel"},
    {"DOSE_RATE_MG_PER_KG_PER_H", "mg/kg/h"},
    {"DOSE_RATE_MG_PER_H", "mg/h"},
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

}  // namespace vigil::core
