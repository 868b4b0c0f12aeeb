// NEWS2 (CLINICAL.md section 5): every band edge of every parameter on the shipped chart,
// scale 1 and scale 2 on air and on oxygen, the rounding rule, missing values, totals and
// bands; and the loader refusing a chart with gaps, overlaps, scores out of 0..3 or a
// resolution that is not positive, naming the field.
//
// The expected scores below are the RCP 2017 chart written out by hand, not read from the
// protocol file: a mistaken edit of the file's chart fails here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/core/format.h"
#include "alarms/core/news2.h"
#include "test_support.h"

namespace vigil::core {
namespace {

using namespace test_support;

const News2Chart& chart() {
  static const News2Chart loaded = shippedProtocol().news2_chart;
  return loaded;
}

// A calm adult on air, alert, scale 1: every parameter in its 0 band.
News2Inputs normal() {
  News2Inputs o;
  o.rr = 16;
  o.spo2 = 97;
  o.sbp = 120;
  o.pulse = 70;
  o.temperature_c = 37.0;
  o.consciousness = Acvpu::Alert;
  return o;
}

const News2SubScore& sub(const News2& news2, std::string_view parameter) {
  for (const auto& s : news2.sub_scores) {
    if (s.parameter == parameter) return s;
  }
  static const News2SubScore none{"<missing>", false, 0.0, -1};
  ADD_FAILURE() << "no sub-score " << parameter;
  return none;
}

TEST(News2Chart, TheShippedProtocolCarriesTheChart) {
  const auto load = parseProtocol(shippedProtocolText());
  ASSERT_TRUE(load.protocol.has_value()) << errorsText(load);
  const News2Chart& c = load.protocol->news2_chart;
  EXPECT_TRUE(c.configured);
  EXPECT_EQ(c.respiration_rate.bands.size(), 5u);
  EXPECT_EQ(c.spo2_scale_1.bands.size(), 4u);
  EXPECT_EQ(c.spo2_scale_2_on_air.bands.size(), 4u);
  EXPECT_EQ(c.spo2_scale_2_on_oxygen.bands.size(), 7u);
  EXPECT_EQ(c.systolic_bp.bands.size(), 5u);
  EXPECT_EQ(c.pulse.bands.size(), 6u);
  EXPECT_EQ(c.temperature.bands.size(), 5u);
  EXPECT_DOUBLE_EQ(c.respiration_rate.resolution, 1.0);
  EXPECT_DOUBLE_EQ(c.temperature.resolution, 0.1);
  EXPECT_EQ(c.air_score, 0);
  EXPECT_EQ(c.oxygen_score, 2);
  EXPECT_EQ(c.risk.medium_from_total, 5);
  EXPECT_EQ(c.risk.high_from_total, 7);
  EXPECT_EQ(c.risk.single_parameter_score, 3);
}

TEST(News2, ANormalAdultScoresZeroWithEverySubScoreKnownInChartOrder) {
  const News2 n = computeNews2(normal(), chart());
  EXPECT_EQ(n.total, 0);
  EXPECT_EQ(n.band, News2Band::Zero);
  EXPECT_FALSE(n.any_single_three);
  EXPECT_EQ(n.spo2_scale, 1);
  const std::vector<std::string> order{"RR", "SPO2", "AIR_OR_OXYGEN", "SBP", "PULSE", "CONSCIOUSNESS", "TEMP"};
  ASSERT_EQ(n.sub_scores.size(), order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    EXPECT_EQ(n.sub_scores[i].parameter, order[i]);
    EXPECT_TRUE(n.sub_scores[i].known) << order[i];
    EXPECT_EQ(n.sub_scores[i].score, 0) << order[i];
  }
  EXPECT_DOUBLE_EQ(sub(n, "RR").value, 16);
  EXPECT_DOUBLE_EQ(sub(n, "SPO2").value, 97);
  EXPECT_DOUBLE_EQ(sub(n, "AIR_OR_OXYGEN").value, 0);
  EXPECT_DOUBLE_EQ(sub(n, "SBP").value, 120);
  EXPECT_DOUBLE_EQ(sub(n, "PULSE").value, 70);
  EXPECT_DOUBLE_EQ(sub(n, "CONSCIOUSNESS").value, 1);  // ACVPU_ALERT
  EXPECT_DOUBLE_EQ(sub(n, "TEMP").value, 37.0);
}

// ---------------------------------------------------------------- every band edge

struct Edge {
  std::string name;
  std::string parameter;  // the sub-score that changes
  std::function<void(News2Inputs&)> set;
  double value = 0.0;  // the value as scored (after rounding)
  int score = 0;
  int others = 0;  // what the rest adds (oxygen: 2)
};

void PrintTo(const Edge& e, std::ostream* os) { *os << e.name; }

using Setter = std::function<void(News2Inputs&, double)>;

// One parameter's edges: (input, scored value, score) triples.
struct Point {
  double input;
  double scored;
  int score;
};

std::string valueName(double v) {
  std::string text = formatNumber(v);
  for (char& c : text) {
    if (c == '.') c = '_';
    if (c == '-') c = 'm';
  }
  return text;
}

void addEdges(std::vector<Edge>& out, const std::string& label, const std::string& parameter, const Setter& setter,
              std::vector<Point> points, int others = 0) {
  for (const auto& p : points) {
    out.push_back({label + "_" + valueName(p.input) + "_scores_" + std::to_string(p.score), parameter,
                   [setter, input = p.input](News2Inputs& o) { setter(o, input); }, p.scored, p.score, others});
  }
}

std::vector<Edge> edges() {
  std::vector<Edge> out;
  const Setter rr = [](News2Inputs& o, double v) { o.rr = v; };
  const Setter spo2 = [](News2Inputs& o, double v) { o.spo2 = v; };
  const Setter spo2_scale2_air = [](News2Inputs& o, double v) {
    o.spo2 = v;
    o.spo2_scale_2 = true;
  };
  const Setter spo2_scale2_oxygen = [](News2Inputs& o, double v) {
    o.spo2 = v;
    o.spo2_scale_2 = true;
    o.on_oxygen = true;
  };
  const Setter spo2_scale1_oxygen = [](News2Inputs& o, double v) {
    o.spo2 = v;
    o.on_oxygen = true;
  };
  const Setter sbp = [](News2Inputs& o, double v) { o.sbp = v; };
  const Setter pulse = [](News2Inputs& o, double v) { o.pulse = v; };
  const Setter temp = [](News2Inputs& o, double v) { o.temperature_c = v; };

  // RR: <= 8 -> 3, 9-11 -> 1, 12-20 -> 0, 21-24 -> 2, >= 25 -> 3.
  addEdges(out, "RR", "RR", rr,
           {{0, 0, 3},
            {8, 8, 3},
            {9, 9, 1},
            {11, 11, 1},
            {12, 12, 0},
            {20, 20, 0},
            {21, 21, 2},
            {24, 24, 2},
            {25, 25, 3},
            {60, 60, 3}});
  // SpO2 scale 1: <= 91 -> 3, 92-93 -> 2, 94-95 -> 1, >= 96 -> 0.
  addEdges(out, "SpO2Scale1", "SPO2", spo2,
           {{50, 50, 3}, {91, 91, 3}, {92, 92, 2}, {93, 93, 2}, {94, 94, 1}, {95, 95, 1}, {96, 96, 0}, {100, 100, 0}});
  // Scale 1 does not care about oxygen for SpO2 itself (oxygen adds its own 2).
  addEdges(out, "SpO2Scale1OnOxygen", "SPO2", spo2_scale1_oxygen, {{97, 97, 0}, {96, 96, 0}, {95, 95, 1}, {91, 91, 3}},
           2);
  // Scale 2 on air: <= 83 -> 3, 84-85 -> 2, 86-87 -> 1, >= 88 -> 0 (88-92, and >= 93 on air).
  addEdges(out, "SpO2Scale2OnAir", "SPO2", spo2_scale2_air,
           {{83, 83, 3},
            {84, 84, 2},
            {85, 85, 2},
            {86, 86, 1},
            {87, 87, 1},
            {88, 88, 0},
            {92, 92, 0},
            {93, 93, 0},
            {96, 96, 0},
            {97, 97, 0},
            {100, 100, 0}});
  // Scale 2 on oxygen: as on air up to 92, then 93-94 -> 1, 95-96 -> 2, >= 97 -> 3.
  addEdges(out, "SpO2Scale2OnOxygen", "SPO2", spo2_scale2_oxygen,
           {{83, 83, 3},
            {84, 84, 2},
            {85, 85, 2},
            {86, 86, 1},
            {87, 87, 1},
            {88, 88, 0},
            {92, 92, 0},
            {93, 93, 1},
            {94, 94, 1},
            {95, 95, 2},
            {96, 96, 2},
            {97, 97, 3},
            {100, 100, 3}},
           2);
  // SBP: <= 90 -> 3, 91-100 -> 2, 101-110 -> 1, 111-219 -> 0, >= 220 -> 3.
  addEdges(out, "SBP", "SBP", sbp,
           {{60, 60, 3},
            {90, 90, 3},
            {91, 91, 2},
            {100, 100, 2},
            {101, 101, 1},
            {110, 110, 1},
            {111, 111, 0},
            {219, 219, 0},
            {220, 220, 3},
            {260, 260, 3}});
  // Pulse: <= 40 -> 3, 41-50 -> 1, 51-90 -> 0, 91-110 -> 1, 111-130 -> 2, >= 131 -> 3.
  addEdges(out, "Pulse", "PULSE", pulse,
           {{30, 30, 3},
            {40, 40, 3},
            {41, 41, 1},
            {50, 50, 1},
            {51, 51, 0},
            {90, 90, 0},
            {91, 91, 1},
            {110, 110, 1},
            {111, 111, 2},
            {130, 130, 2},
            {131, 131, 3},
            {180, 180, 3}});
  // Temperature: <= 35.0 -> 3, 35.1-36.0 -> 1, 36.1-38.0 -> 0, 38.1-39.0 -> 1, >= 39.1 -> 2.
  addEdges(out, "Temp", "TEMP", temp,
           {{33.0, 33.0, 3},
            {35.0, 35.0, 3},
            {35.1, 35.1, 1},
            {36.0, 36.0, 1},
            {36.1, 36.1, 0},
            {38.0, 38.0, 0},
            {38.1, 38.1, 1},
            {39.0, 39.0, 1},
            {39.1, 39.1, 2},
            {41.0, 41.0, 2}});

  // Rounding: half away from zero to the chart's resolution, then the band.
  addEdges(out, "RoundSpO2", "SPO2", spo2,
           {{91.5, 92, 2}, {91.49, 91, 3}, {93.5, 94, 1}, {95.5, 96, 0}, {95.4, 95, 1}});
  addEdges(out, "RoundRR", "RR", rr, {{8.5, 9, 1}, {8.49, 8, 3}, {20.5, 21, 2}, {20.4, 20, 0}, {24.5, 25, 3}});
  addEdges(out, "RoundSBP", "SBP", sbp, {{90.5, 91, 2}, {90.4, 90, 3}, {110.5, 111, 0}, {219.5, 220, 3}});
  addEdges(out, "RoundPulse", "PULSE", pulse, {{40.5, 41, 1}, {50.5, 51, 0}, {130.5, 131, 3}, {130.49, 130, 2}});
  addEdges(out, "RoundTemp", "TEMP", temp,
           {{36.05, 36.1, 0},
            {36.04, 36.0, 1},
            {35.05, 35.1, 1},
            {35.04, 35.0, 3},
            {38.05, 38.1, 1},
            {38.049, 38.0, 0},
            {39.05, 39.1, 2},
            {36.95, 37.0, 0}});
  return out;
}

class News2Edge : public ::testing::TestWithParam<Edge> {};

TEST_P(News2Edge, ScoresAsTheChart) {
  const Edge& e = GetParam();
  News2Inputs o = normal();
  e.set(o);
  const News2 n = computeNews2(o, chart());
  const auto& s = sub(n, e.parameter);
  EXPECT_TRUE(s.known);
  EXPECT_EQ(s.score, e.score);
  EXPECT_DOUBLE_EQ(s.value, e.value) << "the value as scored, after rounding";
  EXPECT_EQ(n.total, e.score + e.others);
  EXPECT_EQ(n.any_single_three, e.score == 3);
  EXPECT_NE(n.band, News2Band::Unknown);
}

INSTANTIATE_TEST_SUITE_P(Rcp2017, News2Edge, ::testing::ValuesIn(edges()),
                         [](const ::testing::TestParamInfo<Edge>& info) { return info.param.name; });

// ---------------------------------------------------------------- air, oxygen, consciousness

TEST(News2, OxygenScoresTwoAndAirZero) {
  News2Inputs o = normal();
  EXPECT_EQ(sub(computeNews2(o, chart()), "AIR_OR_OXYGEN").score, 0);
  o.on_oxygen = true;
  const News2 n = computeNews2(o, chart());
  EXPECT_EQ(sub(n, "AIR_OR_OXYGEN").score, 2);
  EXPECT_DOUBLE_EQ(sub(n, "AIR_OR_OXYGEN").value, 1);
  EXPECT_EQ(n.total, 2);
  EXPECT_EQ(n.band, News2Band::Low);
}

TEST(News2, ScaleTwoIsReported) {
  News2Inputs o = normal();
  o.spo2_scale_2 = true;
  EXPECT_EQ(computeNews2(o, chart()).spo2_scale, 2);
  o.spo2_scale_2 = false;
  EXPECT_EQ(computeNews2(o, chart()).spo2_scale, 1);
}

TEST(News2, ConsciousnessAlertScoresZeroAndAnyNewConfusionVoicePainOrUnresponsiveThree) {
  struct Level {
    Acvpu level;
    double value;
    int score;
  };
  for (const Level& l : {Level{Acvpu::Alert, 1, 0}, Level{Acvpu::NewConfusion, 2, 3}, Level{Acvpu::Voice, 3, 3},
                         Level{Acvpu::Pain, 4, 3}, Level{Acvpu::Unresponsive, 5, 3}}) {
    News2Inputs o = normal();
    o.consciousness = l.level;
    const News2 n = computeNews2(o, chart());
    SCOPED_TRACE(l.value);
    EXPECT_TRUE(sub(n, "CONSCIOUSNESS").known);
    EXPECT_EQ(sub(n, "CONSCIOUSNESS").score, l.score);
    EXPECT_DOUBLE_EQ(sub(n, "CONSCIOUSNESS").value, l.value);
    EXPECT_EQ(n.total, l.score);
    EXPECT_EQ(n.band, l.score == 3 ? News2Band::LowMedium : News2Band::Zero);
  }
}

// ---------------------------------------------------------------- totals and bands

struct Total {
  std::string name;
  std::function<void(News2Inputs&)> set;
  int total;
  News2Band band;
  bool single_three;
};

void PrintTo(const Total& t, std::ostream* os) { *os << t.name; }

std::vector<Total> totals() {
  return {
      {"Zero", [](News2Inputs&) {}, 0, News2Band::Zero, false},
      {"OneIsLow", [](News2Inputs& o) { o.pulse = 91; }, 1, News2Band::Low, false},
      {"FourWithoutAThreeIsLow", [](News2Inputs& o) { o.rr = 21, o.pulse = 111; }, 4, News2Band::Low, false},
      {"ASingleThreeIsLowMedium", [](News2Inputs& o) { o.rr = 25; }, 3, News2Band::LowMedium, true},
      {"ASingleThreeAtFourIsLowMedium", [](News2Inputs& o) { o.sbp = 90, o.pulse = 91; }, 4, News2Band::LowMedium,
       true},
      {"FiveIsMedium", [](News2Inputs& o) { o.rr = 21, o.pulse = 111, o.temperature_c = 38.1; }, 5, News2Band::Medium,
       false},
      {"FiveWithAThreeIsMedium", [](News2Inputs& o) { o.rr = 25, o.sbp = 91; }, 5, News2Band::Medium, true},
      {"SixIsMedium", [](News2Inputs& o) { o.rr = 21, o.pulse = 111, o.on_oxygen = true; }, 6, News2Band::Medium,
       false},
      {"SevenIsHigh", [](News2Inputs& o) { o.rr = 25, o.sbp = 91, o.on_oxygen = true; }, 7, News2Band::High, true},
      {"SevenWithoutAThreeIsHigh",
       [](News2Inputs& o) { o.rr = 21, o.pulse = 111, o.on_oxygen = true, o.temperature_c = 38.5; }, 7, News2Band::High,
       false},
      {"EverythingWorstIsNineteen",
       [](News2Inputs& o) {
         o.rr = 30, o.spo2 = 80, o.on_oxygen = true, o.sbp = 80, o.pulse = 140, o.consciousness = Acvpu::Unresponsive,
         o.temperature_c = 40;
       },
       3 + 3 + 2 + 3 + 3 + 3 + 2, News2Band::High, true},
  };
}

class News2Total : public ::testing::TestWithParam<Total> {};

TEST_P(News2Total, SumsAndBands) {
  const Total& t = GetParam();
  News2Inputs o = normal();
  t.set(o);
  const News2 n = computeNews2(o, chart());
  int sum = 0;
  for (const auto& s : n.sub_scores) sum += s.score;
  EXPECT_EQ(sum, t.total) << "the sub-scores";
  EXPECT_EQ(n.total, t.total);
  EXPECT_EQ(n.band, t.band);
  EXPECT_EQ(n.any_single_three, t.single_three);
}

INSTANTIATE_TEST_SUITE_P(Rcp2017, News2Total, ::testing::ValuesIn(totals()),
                         [](const ::testing::TestParamInfo<Total>& info) { return info.param.name; });

// ---------------------------------------------------------------- missing values

TEST(News2, AnyOfRrSpo2SbpOrPulseMissingMakesTheBandUnknown) {
  struct Missing {
    const char* parameter;
    std::function<void(News2Inputs&)> clear;
  };
  const std::vector<Missing> all{{"RR", [](News2Inputs& o) { o.rr.reset(); }},
                                 {"SPO2", [](News2Inputs& o) { o.spo2.reset(); }},
                                 {"SBP", [](News2Inputs& o) { o.sbp.reset(); }},
                                 {"PULSE", [](News2Inputs& o) { o.pulse.reset(); }}};
  for (const auto& m : all) {
    SCOPED_TRACE(m.parameter);
    News2Inputs o = normal();
    o.temperature_c = 39.5;  // 2: the known parameters still add up
    m.clear(o);
    const News2 n = computeNews2(o, chart());
    EXPECT_EQ(n.band, News2Band::Unknown);
    EXPECT_FALSE(sub(n, m.parameter).known);
    EXPECT_EQ(sub(n, m.parameter).score, 0);
    EXPECT_EQ(n.total, 2) << "the total of the known sub-scores";
    EXPECT_EQ(n.sub_scores.size(), 7u);
  }
}

TEST(News2, ANonFiniteValueIsMissing) {
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    News2Inputs o = normal();
    o.spo2 = bad;
    const News2 n = computeNews2(o, chart());
    EXPECT_FALSE(sub(n, "SPO2").known);
    EXPECT_EQ(n.band, News2Band::Unknown);
    News2Inputs t = normal();
    t.temperature_c = bad;
    EXPECT_FALSE(sub(computeNews2(t, chart()), "TEMP").known);
  }
}

TEST(News2, MissingTemperatureScoresZeroAsUnknownAndTheBandStands) {
  News2Inputs o = normal();
  o.temperature_c.reset();
  o.rr = 25;
  const News2 n = computeNews2(o, chart());
  EXPECT_FALSE(sub(n, "TEMP").known);
  EXPECT_EQ(sub(n, "TEMP").score, 0);
  EXPECT_EQ(n.total, 3);
  EXPECT_EQ(n.band, News2Band::LowMedium);
}

TEST(News2, UnspecifiedConsciousnessCountsAsAlertButIsReportedUnknown) {
  News2Inputs o = normal();
  o.consciousness = Acvpu::Unspecified;
  o.pulse = 111;
  const News2 n = computeNews2(o, chart());
  EXPECT_FALSE(sub(n, "CONSCIOUSNESS").known);
  EXPECT_EQ(sub(n, "CONSCIOUSNESS").score, 0);
  EXPECT_EQ(n.total, 2);
  EXPECT_EQ(n.band, News2Band::Low);
}

TEST(News2, BothOptionalParametersMissingStillGiveALowerBoundBand) {
  News2Inputs o = normal();
  o.consciousness = Acvpu::Unspecified;
  o.temperature_c.reset();
  o.rr = 25, o.sbp = 91, o.on_oxygen = true;
  const News2 n = computeNews2(o, chart());
  EXPECT_EQ(n.total, 7);
  EXPECT_EQ(n.band, News2Band::High);
}

TEST(News2, AChartThatIsNotConfiguredScoresNothing) {
  const News2 n = computeNews2(normal(), News2Chart{});
  EXPECT_EQ(n.band, News2Band::Unknown);
  EXPECT_EQ(n.total, 0);
  ASSERT_EQ(n.sub_scores.size(), 7u);
  for (const auto& s : n.sub_scores) EXPECT_FALSE(s.known) << s.parameter;
}

// ---------------------------------------------------------------- rounding itself

TEST(News2Rounding, HalfAwayFromZeroToTheResolution) {
  EXPECT_DOUBLE_EQ(roundToResolution(91.5, 1), 92);
  EXPECT_DOUBLE_EQ(roundToResolution(91.49, 1), 91);
  EXPECT_DOUBLE_EQ(roundToResolution(92.5, 1), 93) << "not to even";
  EXPECT_DOUBLE_EQ(roundToResolution(-0.5, 1), -1) << "away from zero";
  EXPECT_EQ(roundToResolution(36.05, 0.1), 36.1) << "36.05 is 36.04999... as a double; it still reads 36.05";
  EXPECT_EQ(roundToResolution(36.04, 0.1), 36.0);
  EXPECT_EQ(roundToResolution(36.15, 0.1), 36.2);
  EXPECT_EQ(roundToResolution(38.25, 0.1), 38.3);
  EXPECT_EQ(roundToResolution(35.0, 0.1), 35.0);
  EXPECT_DOUBLE_EQ(roundToResolution(7.3, 0.5), 7.5);
  EXPECT_TRUE(std::isnan(roundToResolution(std::nan(""), 1)));
}

// ---------------------------------------------------------------- chart refusals

// The shipped protocol with exactly one occurrence of `from` replaced by `to`.
std::string shippedEdited(std::string_view from, std::string_view to) {
  std::string text = shippedProtocolText();
  const auto at = text.find(from);
  if (at == std::string::npos || text.find(from, at + 1) != std::string::npos) {
    ADD_FAILURE() << "the edit must match exactly once: " << from;
    return text;
  }
  text.replace(at, from.size(), to);
  return text;
}

struct ChartDefect {
  std::string name;
  std::string from;
  std::string to;
  std::string field;    // ProtocolError::field, exactly
  std::string message;  // a fragment of the error's text
};

void PrintTo(const ChartDefect& d, std::ostream* os) { *os << d.name; }

const std::vector<ChartDefect>& chartDefects() {
  static const std::vector<ChartDefect> list{
      {"OverlappingBands", R"({ "min": 9, "max": 11, "score": 1 })", R"({ "min": 8, "max": 11, "score": 1 })",
       "news2_chart.respiration_rate.bands[1].min", "overlaps bands[0] (max 8)"},
      {"GapBetweenBands", R"({ "min": 12, "max": 20, "score": 0 })", R"({ "min": 13, "max": 20, "score": 0 })",
       "news2_chart.respiration_rate.bands[2].min", "leaves a gap after bands[1] (max 11): expected 12"},
      {"TemperatureGap", R"({ "min": 36.1, "max": 38.0, "score": 0 })", R"({ "min": 36.2, "max": 38.0, "score": 0 })",
       "news2_chart.temperature.bands[2].min", "expected 36.1"},
      {"TemperatureOverlap", R"({ "min": 38.1, "max": 39.0, "score": 1 })",
       R"({ "min": 38.0, "max": 39.0, "score": 1 })", "news2_chart.temperature.bands[3].min", "overlaps"},
      {"BandScoreAboveThree", R"({ "min": 220, "score": 3 })", R"({ "min": 220, "score": 4 })",
       "news2_chart.systolic_bp.bands[4].score", "must be 0..3 (got 4)"},
      {"OxygenScoreAboveThree", R"("oxygen": 2 })", R"("oxygen": 5 })", "news2_chart.air_or_oxygen.oxygen", "0..3"},
      {"ConsciousnessScoreAboveThree", R"("voice": 3,)", R"("voice": 7,)", "news2_chart.consciousness.voice", "0..3"},
      {"NegativeScoreIsNotAScore", R"({ "min": 131, "score": 3 })", R"({ "min": 131, "score": -3 })", "",
       "not a valid protocol file"},
      {"ZeroResolution", R"("resolution": 0.1,)", R"("resolution": 0,)", "news2_chart.temperature.resolution",
       "must be a positive number"},
      {"NegativeResolution", R"("spo2Scale1": { "resolution": 1,)", R"("spo2Scale1": { "resolution": -1,)",
       "news2_chart.spo2_scale_1.resolution", "must be a positive number"},
      {"MissingResolution", R"("pulse": { "resolution": 1,)", R"("pulse": {)", "news2_chart.pulse.resolution",
       "must be a positive number (got 0)"},
      {"EndOffTheResolution", R"({ "min": 35.1, "max": 36.0, "score": 1 })",
       R"({ "min": 35.15, "max": 36.0, "score": 1 })", "news2_chart.temperature.bands[1].min",
       "not a multiple of the resolution 0.1"},
      {"LowestBandClosedBelow", R"({ "max": 8, "score": 3 })", R"({ "min": 0, "max": 8, "score": 3 })",
       "news2_chart.respiration_rate.bands[0].min", "open below"},
      {"HighestBandClosedAbove", R"({ "min": 131, "score": 3 })", R"({ "min": 131, "max": 300, "score": 3 })",
       "news2_chart.pulse.bands[5].max", "open above"},
      {"InnerBandOpen", R"({ "min": 94, "max": 95, "score": 1 })", R"({ "min": 94, "score": 1 })",
       "news2_chart.spo2_scale_1.bands[2].max", "is required"},
      {"MaxBelowMin", R"({ "min": 91, "max": 100, "score": 2 })", R"({ "min": 91, "max": 89, "score": 2 })",
       "news2_chart.systolic_bp.bands[1].max", "is below min"},
      {"NoBands", R"("spo2Scale2OnAir": { "resolution": 1, "bands": [
      { "max": 83, "score": 3 }, { "min": 84, "max": 85, "score": 2 }, { "min": 86, "max": 87, "score": 1 },
      { "min": 88, "score": 0 } ] },)",
       R"("spo2Scale2OnAir": { "resolution": 1, "bands": [] },)", "news2_chart.spo2_scale_2_on_air.bands",
       "must list at least one band"},
      {"MissingScale", R"("spo2Scale2OnAir": { "resolution": 1, "bands": [
      { "max": 83, "score": 3 }, { "min": 84, "max": 85, "score": 2 }, { "min": 86, "max": 87, "score": 1 },
      { "min": 88, "score": 0 } ] },)",
       "", "news2_chart.spo2_scale_2_on_air.bands", "must list at least one band"},
      {"MissingConsciousness",
       R"("consciousness": { "alert": 0, "newConfusion": 3, "voice": 3, "pain": 3, "unresponsive": 3 },)", "",
       "news2_chart.consciousness", "is required"},
      {"HighNotAboveMedium", R"("highFromTotal": 7)", R"("highFromTotal": 5)", "news2_chart.risk.high_from_total",
       "must be above medium_from_total"},
      {"MediumZero", R"("mediumFromTotal": 5)", R"("mediumFromTotal": 0)", "news2_chart.risk.medium_from_total",
       "at least 1"},
      {"SingleParameterScoreFour", R"("singleParameterScore": 3)", R"("singleParameterScore": 4)",
       "news2_chart.risk.single_parameter_score", "1..3"},
      {"UnknownChartField", R"("airOrOxygen": {)", R"("airOrOxygenn": {)", "", "airOrOxygenn"},
  };
  return list;
}

class News2ChartDefect : public ::testing::TestWithParam<ChartDefect> {};

TEST_P(News2ChartDefect, IsRefusedNamingTheField) {
  const ChartDefect& d = GetParam();
  const auto load = parseProtocol(shippedEdited(d.from, d.to));
  EXPECT_FALSE(load.protocol.has_value());
  bool found = false;
  for (const auto& error : load.errors) {
    if (error.field == d.field && error.text().find(d.message) != std::string::npos) found = true;
  }
  EXPECT_TRUE(found) << "expected field \"" << d.field << "\" with \"" << d.message << "\"; got:\n" << errorsText(load);
}

INSTANTIATE_TEST_SUITE_P(Refusals, News2ChartDefect, ::testing::ValuesIn(chartDefects()),
                         [](const ::testing::TestParamInfo<ChartDefect>& info) { return info.param.name; });

TEST(News2ChartLoad, ChartErrorsAreReportedWithTheRestOfTheProtocolsErrors) {
  std::string text = shippedEdited(R"("resolution": 0.1,)", R"("resolution": 0,)");
  const std::string window = R"("baseline": { "windowS": 300 })";
  text.replace(text.find(window), window.size(), R"("baseline": { "windowS": 0 })");
  const auto load = parseProtocol(text);
  EXPECT_FALSE(load.protocol.has_value());
  std::vector<std::string> fields;
  for (const auto& error : load.errors) fields.push_back(error.field);
  EXPECT_NE(std::find(fields.begin(), fields.end(), "baseline.window_s"), fields.end()) << errorsText(load);
  EXPECT_NE(std::find(fields.begin(), fields.end(), "news2_chart.temperature.resolution"), fields.end())
      << errorsText(load);
}

TEST(News2ChartLoad, AProtocolWithoutAChartLoadsUnconfigured) {
  const auto load = parseProtocol(R"json({
    "name": "no chart", "drug": "ketamine",
    "pharmacokinetics": { "v1LPerKg": 0.063, "k10PerMin": 0.438, "k12PerMin": 0.592, "k13PerMin": 0.590,
                          "k21PerMin": 0.247, "k31PerMin": 0.0146, "ke0PerMin": 0.238 },
    "doseAttribution": { "windowStartS": 0, "windowEndS": 2400 },
    "baseline": { "windowS": 300 },
    "rules": [ { "id": "spo2-low", "title": "SpO2 low", "metrics": ["SPO2"], "low": { "value": 90 },
                 "delayS": 15, "priority": "PRIORITY_HIGH", "advice": "ADVICE_PAUSE" } ]
  })json");
  ASSERT_TRUE(load.protocol.has_value()) << errorsText(load);
  EXPECT_FALSE(load.protocol->news2_chart.configured);
  EXPECT_EQ(computeNews2(normal(), load.protocol->news2_chart).band, News2Band::Unknown);
}

}  // namespace
}  // namespace vigil::core
