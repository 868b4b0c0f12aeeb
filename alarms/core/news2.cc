#include "alarms/core/news2.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "alarms/core/format.h"
#include "alarms/core/protocol.h"
#include "protocol.pb.h"

namespace vigil::core {
namespace {
namespace v1 = vigil::v1;

// ---------------------------------------------------------------- rounding

// Doubles cannot hold most decimal halves: 36.05 / 0.1 is 360.49999999999994. A value
// within this many steps of a half is taken as the half itself, so 36.05 rounds like the
// 36.05 a person reads. A nurse's or a monitor's number has nothing that fine.
constexpr double kHalfTolerance = 1e-9;

// How many resolution steps `value` is, rounded half away from zero.
std::int64_t stepsOf(double value, double resolution) {
  const double steps = value / resolution;
  const double magnitude = std::floor(std::abs(steps) + 0.5 + kHalfTolerance);
  return static_cast<std::int64_t>(std::copysign(magnitude, steps));
}

// steps x resolution, but divided when the resolution is 1/n, so that 361 steps of 0.1
// read 36.1 and not 36.100000000000001.
double valueOfSteps(std::int64_t steps, double resolution) {
  const double per_unit = 1.0 / resolution;
  const double whole = std::round(per_unit);
  if (whole >= 1 && std::abs(per_unit - whole) < kHalfTolerance * whole) return static_cast<double>(steps) / whole;
  return static_cast<double>(steps) * resolution;
}

bool isMultipleOf(double value, double resolution) {
  return std::abs(value / resolution - static_cast<double>(stepsOf(value, resolution))) < 1e-6;
}

// ---------------------------------------------------------------- scoring

bool inBand(const News2ScoreBand& band, std::int64_t steps) {
  return steps >= band.min_steps && steps <= band.max_steps;
}

News2SubScore unknown(const char* parameter) { return News2SubScore{parameter, false, 0.0, 0}; }

// A measured parameter: rounded, then looked up. Missing, not finite, or (in a chart built
// by hand, not loaded) no band for it: unknown.
News2SubScore scoreMeasured(const char* parameter, std::optional<double> value, const News2Scale& scale) {
  if (!value || !std::isfinite(*value) || !(scale.resolution > 0)) return unknown(parameter);
  const std::int64_t steps = stepsOf(*value, scale.resolution);
  for (const auto& band : scale.bands) {
    if (inBand(band, steps)) {
      return News2SubScore{parameter, true, valueOfSteps(steps, scale.resolution), band.score};
    }
  }
  return unknown(parameter);
}

const News2Scale& spo2Scale(const News2Inputs& observations, const News2Chart& chart) {
  if (!observations.spo2_scale_2) return chart.spo2_scale_1;
  return observations.on_oxygen ? chart.spo2_scale_2_on_oxygen : chart.spo2_scale_2_on_air;
}

// value: 0 air, 1 oxygen.
News2SubScore scoreAirOrOxygen(bool on_oxygen, const News2Chart& chart) {
  return News2SubScore{"AIR_OR_OXYGEN", true, on_oxygen ? 1.0 : 0.0, on_oxygen ? chart.oxygen_score : chart.air_score};
}

// value: the ACVPU level's number (1 alert ... 5 unresponsive, as in vitals.proto).
// Unspecified counts as alert but is reported unknown (news2.h).
News2SubScore scoreConsciousness(Acvpu level, const News2Chart& chart) {
  const auto& scores = chart.consciousness;
  const double value = static_cast<double>(static_cast<int>(level));
  switch (level) {
    case Acvpu::Alert: return News2SubScore{"CONSCIOUSNESS", true, value, scores.alert};
    case Acvpu::NewConfusion: return News2SubScore{"CONSCIOUSNESS", true, value, scores.new_confusion};
    case Acvpu::Voice: return News2SubScore{"CONSCIOUSNESS", true, value, scores.voice};
    case Acvpu::Pain: return News2SubScore{"CONSCIOUSNESS", true, value, scores.pain};
    case Acvpu::Unresponsive: return News2SubScore{"CONSCIOUSNESS", true, value, scores.unresponsive};
    case Acvpu::Unspecified: break;
  }
  return News2SubScore{"CONSCIOUSNESS", false, 0.0, scores.alert};
}

News2Band bandOf(const News2& news2, const News2Chart& chart) {
  if (news2.total == 0) return News2Band::Zero;
  if (news2.total >= chart.risk.high_from_total) return News2Band::High;
  if (news2.total >= chart.risk.medium_from_total) return News2Band::Medium;
  if (news2.any_single_three) return News2Band::LowMedium;
  return News2Band::Low;
}

bool isRequired(const News2SubScore& sub) {
  const std::string& p = sub.parameter;
  return p == "RR" || p == "SPO2" || p == "SBP" || p == "PULSE";
}

}  // namespace

std::optional<int> measuredScore(News2Parameter parameter, double value, const News2Inputs& context,
                                 const News2Chart& chart) {
  if (!chart.configured) return std::nullopt;
  const News2Scale* scale = nullptr;
  switch (parameter) {
    case News2Parameter::Rr: scale = &chart.respiration_rate; break;
    case News2Parameter::SpO2: scale = &spo2Scale(context, chart); break;
    case News2Parameter::Sbp: scale = &chart.systolic_bp; break;
    case News2Parameter::Pulse: scale = &chart.pulse; break;
    case News2Parameter::Temperature: scale = &chart.temperature; break;
  }
  const auto sub = scoreMeasured("", value, *scale);
  if (!sub.known) return std::nullopt;
  return sub.score;
}

double roundToResolution(double value, double resolution) {
  if (!std::isfinite(value) || !(resolution > 0)) return value;
  return valueOfSteps(stepsOf(value, resolution), resolution);
}

News2 computeNews2(const News2Inputs& observations, const News2Chart& chart) {
  News2 news2;
  news2.spo2_scale = observations.spo2_scale_2 ? 2 : 1;
  if (!chart.configured) {
    for (const char* parameter : {"RR", "SPO2", "AIR_OR_OXYGEN", "SBP", "PULSE", "CONSCIOUSNESS", "TEMP"}) {
      news2.sub_scores.push_back(unknown(parameter));
    }
    return news2;  // band Unknown
  }
  news2.sub_scores = {
      scoreMeasured("RR", observations.rr, chart.respiration_rate),
      scoreMeasured("SPO2", observations.spo2, spo2Scale(observations, chart)),
      scoreAirOrOxygen(observations.on_oxygen, chart),
      scoreMeasured("SBP", observations.sbp, chart.systolic_bp),
      scoreMeasured("PULSE", observations.pulse, chart.pulse),
      scoreConsciousness(observations.consciousness, chart),
      scoreMeasured("TEMP", observations.temperature_c, chart.temperature),
  };
  bool required_missing = false;
  for (const auto& sub : news2.sub_scores) {
    news2.total += sub.score;
    if (sub.score > 0 && sub.score == chart.risk.single_parameter_score) news2.any_single_three = true;
    if (!sub.known && isRequired(sub)) required_missing = true;
  }
  news2.band = required_missing ? News2Band::Unknown : bandOf(news2, chart);
  return news2;
}

// ---------------------------------------------------------------- the protocol's chart

namespace {

class ChartChecker {
 public:
  explicit ChartChecker(std::vector<ProtocolError>& errors) : errors_(errors), before_(errors.size()) {}
  void fail(std::string field, std::string message) { errors_.push_back({std::move(field), std::move(message)}); }
  bool ok() const { return errors_.size() == before_; }

  int score(std::uint32_t value, const std::string& field) {
    if (value > 3) fail(field, "a NEWS2 score must be 0..3 (got " + std::to_string(value) + ")");
    return static_cast<int>(value);
  }

 private:
  std::vector<ProtocolError>& errors_;
  std::size_t before_;
};

std::optional<double> bandEnd(bool present, double value) {
  return present ? std::optional<double>(value) : std::nullopt;
}

// One end of band i: finite and on the resolution's grid.
void checkBandEnd(std::optional<double> end, double resolution, const std::string& field, ChartChecker& check) {
  if (!end) return;
  if (!std::isfinite(*end)) {
    check.fail(field, "must be a number");
  } else if (resolution > 0 && std::isfinite(resolution) && !isMultipleOf(*end, resolution)) {
    check.fail(field,
               "is not a multiple of the resolution " + formatNumber(resolution) + " (got " + formatNumber(*end) + ")");
  }
}

// Open below only first, open above only last, and each band starting one step after the
// previous one ends: no value without a score, none with two.
void checkBandOrder(const News2Scale& scale, const std::string& at, ChartChecker& check) {
  const auto& bands = scale.bands;
  const std::size_t last = bands.size() - 1;
  for (std::size_t i = 0; i < bands.size(); ++i) {
    const auto field = at + ".bands[" + std::to_string(i) + "]";
    const auto& band = bands[i];
    if (i == 0 && band.min) check.fail(field + ".min", "the lowest band must be open below (no min)");
    if (i > 0 && !band.min) check.fail(field + ".min", "is required: only the lowest band is open below");
    if (i == last && band.max) check.fail(field + ".max", "the highest band must be open above (no max)");
    if (i < last && !band.max) check.fail(field + ".max", "is required: only the highest band is open above");
    if (band.min && band.max && *band.max < *band.min) {
      check.fail(field + ".max", "is below min (" + formatNumber(*band.max) + " < " + formatNumber(*band.min) + ")");
    }
    if (i == 0 || !band.min || !bands[i - 1].max) continue;
    const auto expected = stepsOf(*bands[i - 1].max, scale.resolution) + 1;
    const auto actual = stepsOf(*band.min, scale.resolution);
    const auto previous = "bands[" + std::to_string(i - 1) + "] (max " + formatNumber(*bands[i - 1].max) + ")";
    if (actual < expected)
      check.fail(field + ".min", "overlaps " + previous + " (got " + formatNumber(*band.min) + ")");
    if (actual > expected) {
      check.fail(field + ".min", "leaves a gap after " + previous + ": expected " +
                                     formatNumber(valueOfSteps(expected, scale.resolution)) + " (got " +
                                     formatNumber(*band.min) + ")");
    }
  }
}

News2Scale parseScale(const v1::News2Parameter& message, const std::string& at, ChartChecker& check) {
  News2Scale scale;
  scale.resolution = message.resolution();
  const bool resolution_ok = std::isfinite(scale.resolution) && scale.resolution > 0;
  if (!resolution_ok) {
    check.fail(at + ".resolution", "must be a positive number (got " + formatNumber(scale.resolution) + ")");
  }
  if (message.bands_size() == 0) {
    check.fail(at + ".bands", "must list at least one band");
    return scale;
  }
  bool ends_ok = true;
  for (int i = 0; i < message.bands_size(); ++i) {
    const auto& band = message.bands(i);
    const auto field = at + ".bands[" + std::to_string(i) + "]";
    News2ScoreBand parsed{bandEnd(band.has_min(), band.min()), bandEnd(band.has_max(), band.max()),
                          check.score(band.score(), field + ".score")};
    checkBandEnd(parsed.min, scale.resolution, field + ".min", check);
    checkBandEnd(parsed.max, scale.resolution, field + ".max", check);
    if ((parsed.min && !std::isfinite(*parsed.min)) || (parsed.max && !std::isfinite(*parsed.max))) ends_ok = false;
    if (resolution_ok && parsed.min && std::isfinite(*parsed.min))
      parsed.min_steps = stepsOf(*parsed.min, scale.resolution);
    if (resolution_ok && parsed.max && std::isfinite(*parsed.max))
      parsed.max_steps = stepsOf(*parsed.max, scale.resolution);
    scale.bands.push_back(parsed);
  }
  if (resolution_ok && ends_ok) checkBandOrder(scale, at, check);
  return scale;
}

News2ConsciousnessScores parseConsciousness(const v1::News2Consciousness& message, ChartChecker& check) {
  const std::string at = "news2_chart.consciousness.";
  return News2ConsciousnessScores{check.score(message.alert(), at + "alert"),
                                  check.score(message.new_confusion(), at + "new_confusion"),
                                  check.score(message.voice(), at + "voice"), check.score(message.pain(), at + "pain"),
                                  check.score(message.unresponsive(), at + "unresponsive")};
}

News2RiskThresholds parseRisk(const v1::News2RiskBands& message, ChartChecker& check) {
  News2RiskThresholds risk{static_cast<int>(message.medium_from_total()), static_cast<int>(message.high_from_total()),
                           static_cast<int>(message.single_parameter_score())};
  if (message.medium_from_total() < 1) check.fail("news2_chart.risk.medium_from_total", "must be at least 1");
  if (message.high_from_total() <= message.medium_from_total()) {
    check.fail("news2_chart.risk.high_from_total",
               "must be above medium_from_total (got " + std::to_string(message.high_from_total()) + ")");
  }
  if (message.single_parameter_score() < 1 || message.single_parameter_score() > 3) {
    check.fail("news2_chart.risk.single_parameter_score",
               "must be 1..3 (got " + std::to_string(message.single_parameter_score()) + ")");
  }
  return risk;
}

void requirePresent(bool present, const std::string& field, ChartChecker& check) {
  if (!present) check.fail(field, "is required");
}

}  // namespace

std::optional<News2Chart> parseNews2Chart(const v1::News2Chart& message, std::vector<ProtocolError>& errors) {
  ChartChecker check(errors);
  News2Chart chart;
  chart.configured = true;
  chart.respiration_rate = parseScale(message.respiration_rate(), "news2_chart.respiration_rate", check);
  chart.spo2_scale_1 = parseScale(message.spo2_scale_1(), "news2_chart.spo2_scale_1", check);
  chart.spo2_scale_2_on_air = parseScale(message.spo2_scale_2_on_air(), "news2_chart.spo2_scale_2_on_air", check);
  chart.spo2_scale_2_on_oxygen =
      parseScale(message.spo2_scale_2_on_oxygen(), "news2_chart.spo2_scale_2_on_oxygen", check);
  requirePresent(message.has_air_or_oxygen(), "news2_chart.air_or_oxygen", check);
  chart.air_score = check.score(message.air_or_oxygen().air(), "news2_chart.air_or_oxygen.air");
  chart.oxygen_score = check.score(message.air_or_oxygen().oxygen(), "news2_chart.air_or_oxygen.oxygen");
  chart.systolic_bp = parseScale(message.systolic_bp(), "news2_chart.systolic_bp", check);
  chart.pulse = parseScale(message.pulse(), "news2_chart.pulse", check);
  requirePresent(message.has_consciousness(), "news2_chart.consciousness", check);
  chart.consciousness = parseConsciousness(message.consciousness(), check);
  chart.temperature = parseScale(message.temperature(), "news2_chart.temperature", check);
  requirePresent(message.has_risk(), "news2_chart.risk", check);
  chart.risk = parseRisk(message.risk(), check);
  if (!check.ok()) return std::nullopt;
  return chart;
}

}  // namespace vigil::core
