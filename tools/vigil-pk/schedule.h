// The pieces of the vigil-pk command that are worth testing on their own: reading the
// --schedule and --at lists, running the model over them, and the dose they amount to.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/core/pk.h"

namespace vigil::tools {

// A malformed --schedule or --at list; the message names the offending item.
class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// From `minute` on, the infusion runs at `rate_mg_per_kg_per_h` (0 stops it).
struct RateChange {
  double minute = 0.0;
  double rate_mg_per_kg_per_h = 0.0;
};
using Schedule = std::vector<RateChange>;

// "MIN:RATE,MIN:RATE,..." with minutes >= 0 strictly ascending and rates >= 0.
// Throws ParseError.
Schedule parseSchedule(std::string_view text);

// "MIN,MIN,..." with minutes >= 0 strictly ascending. Throws ParseError.
std::vector<double> parseMinutes(std::string_view text);

struct ConcentrationRow {
  double minute = 0.0;
  core::Concentrations concentrations;
};

// Concentrations at each of `minutes` (ascending) under `schedule`, starting from an
// empty patient at minute 0; before the first rate change nothing is infused.
std::vector<ConcentrationRow> simulate(const core::PkCoefficients& coefficients, const Schedule& schedule,
                                       const std::vector<double>& minutes);

// mg/kg infused from minute 0 up to `until_minute`.
double doseMgPerKg(const Schedule& schedule, double until_minute);

// The CSV the command prints: a header, then one row per entry, concentrations to 4 places.
std::string formatCsv(const std::vector<ConcentrationRow>& rows);

}  // namespace vigil::tools
