// NEWS2 scored from values that persisted (issue 14, CLINICAL.md row 22): a parameter's
// sub-score counts once every reading over the protocol's persistence for it scored that
// much or more. The expectations come from the shipped protocol's numbers as CLINICAL.md
// gives them (SpO2 15 s like rule 1, RR 30 s like rule 4, pulse 30 s like rule 11, SBP two
// NIBP readings like rule 8), not from the code under test.
#include <gtest/gtest.h>

#include "alarms/core/protocol.h"
#include "tests/alarms/core/test_support.h"

namespace vigil::core {
namespace {

using namespace test_support;

constexpr char kSingleThree[] = "news2-single-parameter-3";
constexpr char kAggregate[] = "news2-aggregate";

// A frame with the four parameters the band needs; arterial SBP, so it is continuous.
std::vector<Measurement> observation(double spo2, double hr = 75, double rr = 14, double sbp = 125) {
  return {measurement(mdc::kRespRate, rr), measurement(mdc::kSpO2, spo2), measurement(mdc::kEcgHeartRate, hr),
          measurement(mdc::kAbpSys, sbp)};
}

// Every parameter has persisted by then (arterial SBP is the slowest: 60 s), so NEWS2 is
// known and 0; the tests start their episodes after it.
constexpr int kSettled = 70;

// 1 Hz observations from `from` to `to` inclusive, every parameter normal but `spo2`.
void spo2Seconds(Session& s, int from, int to, double spo2) {
  for (int t = from; t <= to; ++t) s.vitals(atSecond(t), observation(spo2));
}

TEST(News2Persistence, TheShippedProtocolMatchesEachParameterToItsLimitRulesDelay) {
  const auto protocol = shippedProtocol();
  ASSERT_TRUE(protocol.news2_triggers.has_value());
  const auto& p = protocol.news2_triggers->persistence;
  EXPECT_EQ(p[static_cast<std::size_t>(News2Parameter::SpO2)].delay, findRule(protocol, "spo2-below-90")->delay);
  EXPECT_EQ(p[static_cast<std::size_t>(News2Parameter::Rr)].delay, findRule(protocol, "rr-below-10")->delay);
  EXPECT_EQ(p[static_cast<std::size_t>(News2Parameter::Pulse)].delay, findRule(protocol, "hr-out-of-range")->delay);
  EXPECT_EQ(p[static_cast<std::size_t>(News2Parameter::Sbp)].readings,
            findRule(protocol, "sbp-below-90")->consecutive_readings);
}

TEST(News2Persistence, AMotionDipShorterThanTheDelayRaisesNothing) {
  Session s;
  spo2Seconds(s, 0, kSettled, 97);
  spo2Seconds(s, 71, 78, 84);  // 8 s at a SpO2 that scores 3
  spo2Seconds(s, 79, 150, 97);
  EXPECT_TRUE(ofKind(s.events, AlarmKind::Physiological).empty());
  EXPECT_EQ(s.engine.news2Inputs(kPatient)->spo2, 97.0);
}

TEST(News2Persistence, ASustainedDesaturationScoresOnceItHasLastedTheDelay) {
  Session s;
  spo2Seconds(s, 0, kSettled, 97);
  spo2Seconds(s, 71, 84, 88);  // 14 s: not yet
  EXPECT_TRUE(select(s.events, kSingleThree).empty());
  spo2Seconds(s, 85, 100, 88);
  const auto starts = select(s.events, kSingleThree, Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].event_time, atSecond(86)) << "15 s after the first reading of 88 (second 71)";
  EXPECT_EQ(starts[0].trigger.value, 3) << "the score: SpO2 88 scores 3, everything else 0";
  // Like a limit rule's condition, it ends at the first reading back inside: the score is
  // the lowest that every reading of the delay reached.
  spo2Seconds(s, 101, 115, 97);
  const auto ends = select(s.events, kSingleThree, Phase::End);
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].event_time, atSecond(101));
}

TEST(News2Persistence, AValueHoveringOnABandEdgeScoresTheBandItNeverLeft) {
  Session s;
  spo2Seconds(s, 0, kSettled, 97);
  // 91 (scores 3) and 92 (scores 2) by turns: 3 never lasts, 2 or more always does.
  for (int t = 71; t <= 100; ++t) s.vitals(atSecond(t), observation(t % 2 ? 91 : 92));
  EXPECT_TRUE(select(s.events, kSingleThree).empty());
  EXPECT_EQ(s.engine.news2Inputs(kPatient)->spo2, 92.0);
  ASSERT_FALSE(s.statuses.empty());
  EXPECT_EQ(s.statuses.back().news2.total, 2);
}

TEST(News2Persistence, AnAggregateOfFiveMustHoldForTheLongestDelayOfItsParameters) {
  Session s;
  for (int t = 0; t <= kSettled; ++t) s.vitals(atSecond(t), observation(97));
  // RR 22 (2), pulse 112 (2), SpO2 94 (1): 5. RR and pulse need 30 s, SpO2 15 s.
  for (int t = 71; t <= 99; ++t) s.vitals(atSecond(t), observation(94, 112, 22));
  EXPECT_TRUE(select(s.events, kAggregate).empty());
  for (int t = 100; t <= 105; ++t) s.vitals(atSecond(t), observation(94, 112, 22));
  const auto starts = select(s.events, kAggregate, Phase::Start);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].event_time, atSecond(101));
  EXPECT_EQ(starts[0].priority, Priority::Medium);
}

TEST(News2Persistence, OneNibpReadingIsNotEnoughTwoAre) {
  Session s;
  for (int t = 0; t <= 30; ++t)
    s.vitals(atSecond(t),
             {measurement(mdc::kRespRate, 14), measurement(mdc::kSpO2, 97), measurement(mdc::kEcgHeartRate, 75)});
  s.vitals(atSecond(31), nibpReading(125, 80, 95));
  s.vitals(atSecond(60), nibpReading(230, 110, 150));  // a cuff re-cycle's spurious reading
  EXPECT_TRUE(select(s.events, kSingleThree).empty());
  EXPECT_EQ(s.engine.news2Inputs(kPatient)->sbp, 125.0);
  s.vitals(atSecond(100), nibpReading(228, 110, 150));  // the second reading confirms it
  EXPECT_EQ(select(s.events, kSingleThree, Phase::Start).size(), 1u);
  EXPECT_EQ(s.engine.news2Inputs(kPatient)->sbp, 228.0);
}

TEST(News2Persistence, AGapInTheDataStartsThePersistenceAgain) {
  Session s;
  spo2Seconds(s, 0, kSettled, 97);
  spo2Seconds(s, 71, 80, 88);
  // 30 s without data (longer than the protocol's 10 s sample gap): the 10 s of 88 before
  // it do not count.
  spo2Seconds(s, 111, 124, 88);
  EXPECT_TRUE(select(s.events, kSingleThree).empty());
  spo2Seconds(s, 125, 127, 88);
  EXPECT_EQ(select(s.events, kSingleThree, Phase::Start).size(), 1u);
}

TEST(News2Persistence, WithoutPersistenceEverySampleScoresAsBefore) {
  Session s(withoutNews2Persistence(shippedProtocol()));
  spo2Seconds(s, 0, 40, 97);
  spo2Seconds(s, 41, 41, 84);
  EXPECT_EQ(select(s.events, kSingleThree, Phase::Start).size(), 1u);
}

// The protocol file's persistence block: the loader's checks.
std::string withPersistence(const std::string& entries) {
  std::string text = shippedProtocolText();
  const std::string key = "\"persistence\": [";
  const auto at = text.find(key);
  if (at == std::string::npos) throw std::runtime_error("the shipped protocol has no NEWS2 persistence");
  const auto end = text.find(']', at);
  return text.substr(0, at + key.size()) + entries + text.substr(end);
}

TEST(News2PersistenceLoad, RefusesAMetricNews2DoesNotScore) {
  const auto load = parseProtocol(withPersistence(R"({ "metric": "ETCO2", "delayS": 10 })"));
  ASSERT_FALSE(load.protocol.has_value());
  EXPECT_NE(errorsText(load).find("news2_triggers.persistence[0].metric"), std::string::npos) << errorsText(load);
}

TEST(News2PersistenceLoad, RefusesHrAndPulseTogetherBecauseTheyAreOneParameter) {
  const auto load =
      parseProtocol(withPersistence(R"({ "metric": "HR", "delayS": 10 }, { "metric": "PULSE", "delayS": 20 })"));
  ASSERT_FALSE(load.protocol.has_value());
  EXPECT_NE(errorsText(load).find("news2_triggers.persistence[1].metric"), std::string::npos) << errorsText(load);
}

TEST(News2PersistenceLoad, RefusesANegativeDelay) {
  const auto load = parseProtocol(withPersistence(R"({ "metric": "SPO2", "delayS": -1 })"));
  ASSERT_FALSE(load.protocol.has_value());
  EXPECT_NE(errorsText(load).find("news2_triggers.persistence[0].delay_s"), std::string::npos) << errorsText(load);
}

TEST(News2PersistenceLoad, AParameterNotListedHasNoPersistence) {
  const auto load = parseProtocol(withPersistence(R"({ "metric": "PULSE", "delayS": 7 })"));
  ASSERT_TRUE(load.protocol.has_value()) << errorsText(load);
  const auto& p = load.protocol->news2_triggers->persistence;
  EXPECT_EQ(p[static_cast<std::size_t>(News2Parameter::Pulse)].delay, std::chrono::seconds(7));
  EXPECT_EQ(p[static_cast<std::size_t>(News2Parameter::SpO2)].delay, Duration{0});
}

}  // namespace
}  // namespace vigil::core
