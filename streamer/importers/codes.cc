#include "streamer/importers/codes.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <iterator>
#include <utility>

#include "alarms/core/metrics.h"
#include "streamer/importers/text.h"

namespace vigil::streamer::importers {
namespace {

namespace mdc = core::mdc;

// Codes the core carries but no rule evaluates; imported so a replay shows what the file had.
constexpr std::uint32_t kPulseRateNonInvasive = 149546;  // MDC_PULS_RATE_NON_INV (from the NIBP cuff)
constexpr std::uint32_t kPerfusionRelative = 150448;     // MDC_PULS_OXIM_PERF_REL
constexpr std::uint32_t kPerfusionIndex = 150488;        // MDC_BLD_PERF_INDEX

constexpr CodeInfo kCodes[] = {
    {mdc::kEcgHeartRate, "MDC_ECG_HEART_RATE", "/min", Quantity::Rate},
    {mdc::kPulseOximPulseRate, "MDC_PULS_OXIM_PULS_RATE", "/min", Quantity::Rate},
    {kPulseRateNonInvasive, "MDC_PULS_RATE_NON_INV", "/min", Quantity::Rate},
    {mdc::kSpO2, "MDC_PULS_OXIM_SAT_O2", "%", Quantity::Saturation},
    {mdc::kRespRate, "MDC_RESP_RATE", "/min", Quantity::Rate},
    {mdc::kNibpSys, "MDC_PRESS_BLD_NONINV_SYS", "mm[Hg]", Quantity::Pressure},
    {mdc::kNibpDia, "MDC_PRESS_BLD_NONINV_DIA", "mm[Hg]", Quantity::Pressure},
    {mdc::kNibpMean, "MDC_PRESS_BLD_NONINV_MEAN", "mm[Hg]", Quantity::Pressure},
    {mdc::kCuffSys, "MDC_PRESS_CUFF_SYS", "mm[Hg]", Quantity::Pressure},
    {mdc::kCuffDia, "MDC_PRESS_CUFF_DIA", "mm[Hg]", Quantity::Pressure},
    {mdc::kCuffMean, "MDC_PRESS_CUFF_MEAN", "mm[Hg]", Quantity::Pressure},
    {mdc::kAbpSys, "MDC_PRESS_BLD_ART_ABP_SYS", "mm[Hg]", Quantity::Pressure},
    {mdc::kAbpDia, "MDC_PRESS_BLD_ART_ABP_DIA", "mm[Hg]", Quantity::Pressure},
    {mdc::kAbpMean, "MDC_PRESS_BLD_ART_ABP_MEAN", "mm[Hg]", Quantity::Pressure},
    {mdc::kEtCO2, "MDC_AWAY_CO2_ET", "mm[Hg]", Quantity::Pressure},
    {mdc::kTempBody, "MDC_TEMP_BODY", "Cel", Quantity::Temperature},
    {kPerfusionRelative, "MDC_PULS_OXIM_PERF_REL", "1", Quantity::Other},
    {kPerfusionIndex, "MDC_BLD_PERF_INDEX", "%", Quantity::Other},
    // Heart rate under the name the IHE PCD-01 example (E.1.1) uses; the same code.
    {mdc::kEcgHeartRate, "MDC_ECG_CARD_BEAT_RATE", "/min", Quantity::Rate},
    {mdc::kEcgHeartRate, "MDC_HEART_RATE", "/min", Quantity::Rate},
};

// Names as files spell them, already folded by foldName(). MIMIC numerics (HR, ABPSys,
// PULSE, RESP, SpO2, NBPSys), VitalDB IntelliVue tracks (ECG_HR, PLETH_SAT_O2, NIBP_SYS,
// ART_SYS, ABP_SYS), and the short names of README.md's CSV.
constexpr std::pair<std::string_view, std::uint32_t> kAliases[] = {
    {"HR", mdc::kEcgHeartRate},
    {"HEARTRATE", mdc::kEcgHeartRate},
    {"ECGHR", mdc::kEcgHeartRate},
    {"PULSE", mdc::kPulseOximPulseRate},
    {"PR", mdc::kPulseOximPulseRate},
    {"PULSERATE", mdc::kPulseOximPulseRate},
    {"PLETHHR", mdc::kPulseOximPulseRate},
    {"SPO2HR", mdc::kPulseOximPulseRate},
    {"NIBPHR", kPulseRateNonInvasive},
    {"NBPHR", kPulseRateNonInvasive},
    {"SPO2", mdc::kSpO2},
    {"SAO2", mdc::kSpO2},
    {"PLETHSATO2", mdc::kSpO2},
    {"SATO2", mdc::kSpO2},
    {"RESP", mdc::kRespRate},
    {"RR", mdc::kRespRate},
    {"RESPRATE", mdc::kRespRate},
    {"RESPIRATIONRATE", mdc::kRespRate},
    {"NBPSYS", mdc::kNibpSys},
    {"NIBPSYS", mdc::kNibpSys},
    {"NBPDIAS", mdc::kNibpDia},
    {"NBPDIA", mdc::kNibpDia},
    {"NIBPDIA", mdc::kNibpDia},
    {"NIBPDIAS", mdc::kNibpDia},
    {"NBPMEAN", mdc::kNibpMean},
    {"NIBPMEAN", mdc::kNibpMean},
    {"NIBPMAP", mdc::kNibpMean},
    {"CUFFSYS", mdc::kCuffSys},
    {"CUFFDIA", mdc::kCuffDia},
    {"CUFFMEAN", mdc::kCuffMean},
    {"ABPSYS", mdc::kAbpSys},
    {"ARTSYS", mdc::kAbpSys},
    {"ABPDIAS", mdc::kAbpDia},
    {"ABPDIA", mdc::kAbpDia},
    {"ARTDIA", mdc::kAbpDia},
    {"ARTDIAS", mdc::kAbpDia},
    {"ABPMEAN", mdc::kAbpMean},
    {"ARTMEAN", mdc::kAbpMean},
    {"ABPMAP", mdc::kAbpMean},
    {"ETCO2", mdc::kEtCO2},
    {"CO2ET", mdc::kEtCO2},
    {"TEMP", mdc::kTempBody},
    {"BT", mdc::kTempBody},
    {"TEMPBODY", mdc::kTempBody},
    {"BODYTEMP", mdc::kTempBody},
    {"TEMPERATURE", mdc::kTempBody},
    {"PLETHPERFREL", kPerfusionRelative},
    {"PERFREL", kPerfusionRelative},
    {"PI", kPerfusionIndex},
    {"PERFINDEX", kPerfusionIndex},
};

// Upper case without spaces, '_', '-', so "ABP Sys", "ABPSys" and "ABP_SYS" meet.
std::string foldName(std::string_view name) {
  std::string folded;
  for (const char c : trim(name)) {
    if (c == ' ' || c == '_' || c == '-') continue;
    folded.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return folded;
}

constexpr std::pair<std::string_view, std::string_view> kUnits[] = {
    {"MMHG", "mm[Hg]"},
    {"MM[HG]", "mm[Hg]"},
    {"KPA", "kPa"},
    {"BPM", "/min"},
    {"/MIN", "/min"},
    {"1/MIN", "/min"},
    {"{BEAT}/MIN", "/min"},
    {"{BEATS}/MIN", "/min"},
    {"BEATS/MIN", "/min"},
    {"BEAT/MIN", "/min"},
    {"{BREATH}/MIN", "/min"},
    {"{BREATHS}/MIN", "/min"},
    {"BREATHS/MIN", "/min"},
    {"{RESP}/MIN", "/min"},
    {"PM", "/min"},
    {"RPM", "/min"},
    {"BRPM", "/min"},
    {"MIN-1", "/min"},
    {"%", "%"},
    {"PERCENT", "%"},
    {"1", "1"},
    {"{RATIO}", "1"},
    {"RATIO", "1"},
    {"FRACTION", "1"},
    {"CEL", "Cel"},
    {"DEGC", "Cel"},
    {"°C", "Cel"},
    {"C", "Cel"},
    {"CELSIUS", "Cel"},
    {"[DEGF]", "[degF]"},
    {"DEGF", "[degF]"},
    {"°F", "[degF]"},
    {"F", "[degF]"},
    {"FAHRENHEIT", "[degF]"},
    {"ML/H", "mL/h"},
    {"ML/HR", "mL/h"},
    {"ML/HOUR", "mL/h"},
    {"MG/ML", "mg/mL"},
    {"UG/KG/MIN", "ug/kg/min"},
    {"MCG/KG/MIN", "ug/kg/min"},
    {"KG", "kg"},
    {"ML", "mL"},
    {"MS", "ms"},
};

struct MdcUnit {
  std::string_view number;
  std::string_view refid;
  std::string_view ucum;
};

// MDC_DIM_* units: the numbers seen in the PCD examples, and the REFIDs of the ones whose
// numbers we have not verified (matched by name only).
constexpr MdcUnit kMdcUnits[] = {
    {"262656", "MDC_DIM_DIMLESS", "1"},
    {"262688", "MDC_DIM_PERCENT", "%"},
    {"264864", "MDC_DIM_BEAT_PER_MIN", "/min"},
    {"264928", "MDC_DIM_RESP_PER_MIN", "/min"},
    {"266016", "MDC_DIM_MMHG", "mm[Hg]"},
    {"265266", "MDC_DIM_MILLI_L_PER_HR", "mL/h"},
    {"265619", "MDC_DIM_MICRO_G_PER_KG_PER_MIN", "ug/kg/min"},
    {"264306", "MDC_DIM_MILLI_G_PER_ML", "mg/mL"},
    {"263875", "MDC_DIM_KILO_G", "kg"},
    {"263762", "MDC_DIM_MILLI_L", "mL"},
    {"264338", "MDC_DIM_MILLI_SEC", "ms"},
    {"264352", "MDC_DIM_MIN", "min"},
    {"", "MDC_DIM_KILO_PASCAL", "kPa"},
    {"", "MDC_DIM_KILO_PA", "kPa"},
    {"", "MDC_DIM_DEGC", "Cel"},
    {"", "MDC_DIM_FAHR", "[degF]"},
    {"", "MDC_DIM_DEGF", "[degF]"},
    {"", "MDC_DIM_MILLI_G_PER_KG_PER_HR", "mg/kg/h"},
    {"", "MDC_DIM_MILLI_G_PER_HR", "mg/h"},
};

constexpr double kMmHgPerKPa = 7.500617;

}  // namespace

const CodeInfo* findCode(std::uint32_t code) {
  const auto found =
      std::find_if(std::begin(kCodes), std::end(kCodes), [code](const CodeInfo& info) { return info.code == code; });
  return found == std::end(kCodes) ? nullptr : &*found;
}

std::optional<std::uint32_t> codeForName(std::string_view name) {
  if (const auto number = parseInt(name); number && *number > 0 && *number <= 0xFFFFFFFF) {
    return static_cast<std::uint32_t>(*number);
  }
  const auto folded = foldName(name);
  if (folded.empty()) return std::nullopt;
  for (const auto& info : kCodes) {
    if (foldName(info.refid) == folded) return info.code;
  }
  for (const auto& [alias, code] : kAliases) {
    if (alias == folded) return code;
  }
  return std::nullopt;
}

std::string canonicalUnit(std::string_view raw) {
  std::string key;
  for (const char c : trim(raw)) {
    if (c != ' ') key.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  for (const auto& [spelling, ucum] : kUnits) {
    if (spelling == key) return std::string(ucum);
  }
  return std::string(trim(raw));
}

std::string unitFromMdc(std::string_view number_or_refid) {
  const auto key = toUpper(trim(number_or_refid));
  if (key.empty()) return {};
  for (const auto& unit : kMdcUnits) {
    if (unit.number == key || unit.refid == key) return std::string(unit.ucum);
  }
  return {};
}

Normalized normalizeReading(const CodeInfo& info, double value, std::string_view raw_unit) {
  const auto unit = canonicalUnit(raw_unit);
  const std::string target(info.unit);
  auto refuse = [&]() {
    return Normalized{value, unit,
                      "unit '" + std::string(trim(raw_unit)) + "' not convertible for " + std::string(info.refid)};
  };
  if (unit.empty() || unit == target) {
    // A saturation between 0 and 1 is a fraction whatever the label says: 1 % SpO2 is not a reading.
    if (info.quantity == Quantity::Saturation && value > 0 && value <= 1) return {value * 100, target, {}};
    return {value, target, {}};
  }
  switch (info.quantity) {
    case Quantity::Saturation:
      if (unit == "1") return {value * 100, target, {}};
      return refuse();
    case Quantity::Pressure:
      if (unit == "kPa") return {value * kMmHgPerKPa, target, {}};
      return refuse();
    case Quantity::Temperature:
      if (unit == "[degF]") return {(value - 32) * 5 / 9, target, {}};
      return refuse();
    case Quantity::Rate: return refuse();
    case Quantity::Other: return {value, unit, {}};
  }
  return refuse();
}

namespace {

vigil::v1::Measurement* findMeasurement(std::vector<vigil::v1::Measurement>& measurements, std::uint32_t code) {
  for (auto& measurement : measurements) {
    if (measurement.code() == code) return &measurement;
  }
  return nullptr;
}

bool isValidPositive(const vigil::v1::Measurement* measurement) {
  return measurement != nullptr && measurement->quality() == vigil::v1::QUALITY_VALID && measurement->value() > 0;
}

int markOff(vigil::v1::Measurement* measurement) {
  if (measurement == nullptr || measurement->quality() == vigil::v1::QUALITY_SENSOR_OFF) return 0;
  measurement->set_quality(vigil::v1::QUALITY_SENSOR_OFF);
  return 1;
}

}  // namespace

int markSensorOff(std::vector<vigil::v1::Measurement>& measurements) {
  int marked = 0;
  // An oximeter without a finger reads 0 %: no patient is at 0 %.
  auto* spo2 = findMeasurement(measurements, mdc::kSpO2);
  if (spo2 != nullptr && spo2->value() == 0) marked += markOff(spo2);
  // Its pulse reads 0 at the same moment: the same absent probe, not a cardiac arrest.
  auto* pleth_pulse = findMeasurement(measurements, mdc::kPulseOximPulseRate);
  if (pleth_pulse != nullptr && pleth_pulse->value() == 0 && spo2 != nullptr &&
      spo2->quality() == vigil::v1::QUALITY_SENSOR_OFF) {
    marked += markOff(pleth_pulse);
  }
  // ECG rate 0 while a pulse is being counted: leads off. Without a pulse a 0 stays a
  // reading, because it may be asystole.
  auto* heart_rate = findMeasurement(measurements, mdc::kEcgHeartRate);
  if (heart_rate != nullptr && heart_rate->value() == 0 &&
      (isValidPositive(pleth_pulse) || isValidPositive(findMeasurement(measurements, kPulseRateNonInvasive)))) {
    marked += markOff(heart_rate);
  }
  // An arterial line with systolic, diastolic and mean all 0 is open to air or being
  // zeroed: the transducer is not measuring the patient.
  std::array<vigil::v1::Measurement*, 3> arterial{findMeasurement(measurements, mdc::kAbpSys),
                                                  findMeasurement(measurements, mdc::kAbpDia),
                                                  findMeasurement(measurements, mdc::kAbpMean)};
  const bool any_arterial = std::any_of(arterial.begin(), arterial.end(), [](auto* m) { return m != nullptr; });
  const bool all_zero =
      std::all_of(arterial.begin(), arterial.end(), [](auto* m) { return m == nullptr || m->value() == 0; });
  if (any_arterial && all_zero) {
    for (auto* measurement : arterial) marked += markOff(measurement);
  }
  return marked;
}

}  // namespace vigil::streamer::importers
