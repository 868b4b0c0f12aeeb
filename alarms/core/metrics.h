// IEEE 11073-10101 codes (CLINICAL.md section 7) and the alias table that maps what
// devices send onto the logical metrics the protocol's rules are written against.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vigil::core {

// Code = partition x 65536 + term code (partition 2 = metrics).
namespace mdc {
inline constexpr std::uint32_t kEcgHeartRate = 147842;        // MDC_ECG_HEART_RATE, /min
inline constexpr std::uint32_t kPulseOximPulseRate = 149530;  // MDC_PULS_OXIM_PULS_RATE, /min
inline constexpr std::uint32_t kSpO2 = 150456;                // MDC_PULS_OXIM_SAT_O2, %
inline constexpr std::uint32_t kRespRate = 151562;            // MDC_RESP_RATE, /min
inline constexpr std::uint32_t kNibpSys = 150021;             // MDC_PRESS_BLD_NONINV_SYS, mm[Hg]
inline constexpr std::uint32_t kNibpDia = 150022;
inline constexpr std::uint32_t kNibpMean = 150023;
inline constexpr std::uint32_t kCuffSys = 150301;  // MDC_PRESS_CUFF_SYS: NIBP alias
inline constexpr std::uint32_t kCuffDia = 150302;
inline constexpr std::uint32_t kCuffMean = 150303;
inline constexpr std::uint32_t kAbpSys = 150037;  // MDC_PRESS_BLD_ART_ABP_SYS
inline constexpr std::uint32_t kAbpDia = 150038;
inline constexpr std::uint32_t kAbpMean = 150039;
inline constexpr std::uint32_t kEtCO2 = 151708;              // MDC_AWAY_CO2_ET, mm[Hg]
inline constexpr std::uint32_t kTempBody = 150364;           // MDC_TEMP_BODY, Cel
inline constexpr std::uint32_t kPumpFlow = 157784;           // MDC_FLOW_FLUID_PUMP, mL/h
inline constexpr std::uint32_t kDoseRate = 157924;           // MDC_RATE_DOSE
inline constexpr std::uint32_t kVolumeInfused = 157993;      // MDC_VOL_FLUID_DELIV_TOTAL, mL
inline constexpr std::uint32_t kDrugConcentration = 157760;  // MDC_CONC_DRUG, mg/mL
}  // namespace mdc

// The same numbering as protocol.proto's Metric enum, so the protocol loader converts by
// value. Dose-rate metrics come from pump status, not from a device code.
enum class Metric {
  Unspecified = 0,
  HeartRate = 1,
  Pulse = 2,
  SpO2 = 3,
  RespRate = 4,
  Sbp = 5,
  Dbp = 6,
  Map = 7,
  EtCO2 = 8,
  Temperature = 9,
  DoseRateMgPerKgPerH = 10,
  DoseRateMgPerH = 11,
};
inline constexpr int kMetricCount = 12;

struct MetricSource {
  Metric metric = Metric::Unspecified;
  // NIBP is measured every few minutes: its persistence is counted in readings, not seconds.
  bool episodic = false;
};

// nullopt for a code no rule uses (it is carried but not evaluated).
std::optional<MetricSource> metricForCode(std::uint32_t code);
std::string_view metricName(Metric metric);  // "SPO2", as in the protocol file
std::string_view metricUnit(Metric metric);  // "%", UCUM

// What a device of the kind can physically report, in metricUnit(): SpO2 cannot exceed
// 100 %, a pressure or a rate cannot be negative, a body temperature outside 10-50 Cel is
// a broken probe. These are device measuring ranges that separate a number from garbage
// at ingest (alarms/core/ingest_guard.h); they are NOT clinical limits, which live in the
// protocol file. A value outside is dropped and counted, never clamped.
struct MeasuringRange {
  double low = 0.0;
  double high = 0.0;
  bool contains(double value) const { return value >= low && value <= high; }
};
MeasuringRange measuringRange(Metric metric);

// The same for the numbers a pump reports (PumpStatus): 0 means "not set" for weight and
// concentration, so every range starts at 0.
namespace pump_range {
inline constexpr MeasuringRange kRateMlPerH{0.0, 2000.0};  // volumetric pumps top out near 1200 mL/h
inline constexpr MeasuringRange kDoseRateMgPerKgPerH{0.0, 1000.0};
inline constexpr MeasuringRange kConcentrationMgPerMl{0.0, 1000.0};  // 1 g/mL: beyond any solution
inline constexpr MeasuringRange kPatientWeightKg{0.0, 650.0};
inline constexpr MeasuringRange kVolumeInfusedMl{0.0, 100000.0};
}  // namespace pump_range

}  // namespace vigil::core
