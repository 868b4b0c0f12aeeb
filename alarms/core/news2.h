// NEWS2, the National Early Warning Score 2 (Royal College of Physicians 2017,
// CLINICAL.md section 5): seven parameters, each scored 0-3 from the chart in the
// protocol file, summed into a total and a clinical-risk band. Pure: values in, score out.
//
// Rounding. A value between two bands (SpO2 91.5, temperature 36.05) is first rounded to
// the parameter's resolution (1 for RR, SpO2, SBP and pulse; 0.1 C for temperature), half
// away from zero: 91.5 -> 92, 91.49 -> 91, 36.05 -> 36.1, 36.04 -> 36.0. The rounded value
// is what is scored and what the sub-score reports. (Half away from zero is how a monitor
// rounds a reading for its display, so the score matches the number the nurse sees.)
//
// Missing values.
// - RR, SpO2, SBP or pulse missing (or not a finite number): the band is Unknown. Those
//   four come from the monitor; without one of them the score would look better than it is.
// - Temperature missing: it scores 0 and its sub-score says known = false; the band is
//   computed from the rest. Temperature is taken a few times a day, not streamed, and a
//   score that waited for it would be Unknown most of the session.
// - Consciousness Unspecified (no ACVPU entered yet): it counts as alert (scores 0) and its
//   sub-score says known = false. A patient is recorded as alert unless the nurse records
//   a change; ACVPU is a nurse's entry, not a measurement.
//   So with temperature or consciousness unknown the total is a lower bound: the band can
//   only be too low by those parameters' scores, never too high, and the station shows
//   which sub-scores are unknown.
// - Air or oxygen: on_oxygen = false is air (the nurse records oxygen when it starts).
// - A chart that is not configured (the protocol has no "news2Chart" block) scores nothing:
//   the band is Unknown and every sub-score is unknown.
//
// Band: Unknown as above; Zero for a total of 0; High from risk.high_from_total (7);
// Medium from risk.medium_from_total (5); LowMedium when a single parameter scores
// risk.single_parameter_score (3) and the total is below medium; Low otherwise (1-4).
// total and any_single_three are computed over the known sub-scores even when the band
// is Unknown.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "alarms/core/domain.h"
#include "alarms/core/news2_inputs.h"

namespace vigil::v1 {
class News2Chart;
}

namespace vigil::core {

struct ProtocolError;

// One row of a parameter: rounded values in [min, max] score `score`; an absent end is
// open. Both ends are multiples of the parameter's resolution.
struct News2ScoreBand {
  std::optional<double> min;
  std::optional<double> max;
  int score = 0;
  // min and max in steps of the scale's resolution, rounded as a value is (no end: the
  // type's limit). Worked out once when the chart is read, not for every value scored.
  std::int64_t min_steps = std::numeric_limits<std::int64_t>::min();
  std::int64_t max_steps = std::numeric_limits<std::int64_t>::max();
};

// A measured parameter's bands, ascending, contiguous at `resolution`, covering every value.
struct News2Scale {
  double resolution = 1.0;
  std::vector<News2ScoreBand> bands;
};

struct News2ConsciousnessScores {
  int alert = 0;
  int new_confusion = 0;
  int voice = 0;
  int pain = 0;
  int unresponsive = 0;
};

struct News2RiskThresholds {
  int medium_from_total = 0;
  int high_from_total = 0;
  int single_parameter_score = 0;
};

// The chart as loaded from the protocol file (protocol.proto News2Chart).
struct News2Chart {
  bool configured = false;  // false: the protocol has no chart; every score is Unknown
  News2Scale respiration_rate;
  News2Scale spo2_scale_1;
  News2Scale spo2_scale_2_on_air;
  News2Scale spo2_scale_2_on_oxygen;
  int air_score = 0;
  int oxygen_score = 0;
  News2Scale systolic_bp;
  News2Scale pulse;
  News2ConsciousnessScores consciousness;
  News2Scale temperature;
  News2RiskThresholds risk;
};

// Sub-scores in the chart's order: RR, SPO2, AIR_OR_OXYGEN, SBP, PULSE, CONSCIOUSNESS, TEMP.
// The engine keeps `observations` (news2_inputs.h) up to date per patient.
News2 computeNews2(const News2Inputs& observations, const News2Chart& chart);

// The sub-score one value of a measured parameter gets with the chart and the SpO2 scale
// and oxygen of `context`; nullopt for a value no band covers (or no chart).
std::optional<int> measuredScore(News2Parameter parameter, double value, const News2Inputs& context,
                                 const News2Chart& chart);

// `value` rounded to a multiple of `resolution`, half away from zero (see above).
double roundToResolution(double value, double resolution);

// Checks the protocol file's chart and converts it. Errors name the field, e.g.
// "news2.temperature.bands[2].min"; nullopt when there is any.
std::optional<News2Chart> parseNews2Chart(const v1::News2Chart& message, std::vector<ProtocolError>& errors);

}  // namespace vigil::core
