// What the importers know about ISO/IEEE 11073-10101 codes (CLINICAL.md section 7): the
// names files and devices use for them, their UCUM units, the unit conversions real files
// need (fractions, kPa, Fahrenheit), and the rule that a zero from an unattached sensor is
// SENSOR_OFF, not a reading.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vitals.pb.h"

namespace vigil::streamer::importers {

enum class Quantity { Rate, Saturation, Pressure, Temperature, Other };

struct CodeInfo {
  std::uint32_t code;
  std::string_view refid;  // MDC_PULS_OXIM_SAT_O2
  std::string_view unit;   // the UCUM unit every import is converted to
  Quantity quantity;
};

// nullptr for a code the importers do not carry (it is skipped and counted).
const CodeInfo* findCode(std::uint32_t code);

// A number ("150456"), a REFID ("MDC_PULS_OXIM_SAT_O2") or a name files use ("SpO2",
// "ABP Sys", "NIBP_SYS", "PLETH_SAT_O2"); case, spaces, '_' and '-' do not matter.
std::optional<std::uint32_t> codeForName(std::string_view name);

// "mmHg" -> "mm[Hg]", "bpm" -> "/min", "degF" -> "[degF]"; unknown units come back trimmed.
std::string canonicalUnit(std::string_view raw);
// An MDC_DIM_* unit, by number ("266016") or REFID ("MDC_DIM_MMHG"), as UCUM; "" if unknown.
std::string unitFromMdc(std::string_view number_or_refid);

struct Normalized {
  double value = 0;
  std::string unit;
  std::string error;  // non-empty: the unit cannot be converted to the code's unit
};
// Converts to the code's UCUM unit: SpO2 as a fraction (0.97 -> 97 %), kPa -> mm[Hg],
// Fahrenheit -> Cel. An empty unit means the file's values are already in the code's unit.
Normalized normalizeReading(const CodeInfo& info, double value, std::string_view raw_unit);

// Marks the zeros of an unattached sensor in one instant's measurements as SENSOR_OFF and
// returns how many it marked: SpO2 0; the oximeter's pulse 0 when SpO2 is off at the same
// instant; ECG heart rate 0 while a pulse is counted; arterial pressures all 0 together.
int markSensorOff(std::vector<vigil::v1::Measurement>& measurements);

}  // namespace vigil::streamer::importers
