// The protocol loader: the shipped file loads with CLINICAL.md's numbers, and every defect
// in a small valid protocol is refused with an error that names the field.
#include <gtest/gtest.h>

#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.h"

namespace vigil::core {
namespace {

using namespace test_support;

constexpr std::string_view kValidProtocol = R"json({
  "name": "test protocol",
  "version": "1",
  "drug": "ketamine",
  "pharmacokinetics": {
    "v1LPerKg": 0.063, "k10PerMin": 0.438, "k12PerMin": 0.592, "k13PerMin": 0.590,
    "k21PerMin": 0.247, "k31PerMin": 0.0146, "ke0PerMin": 0.238
  },
  "doseAttribution": { "windowStartS": 0, "windowEndS": 2400, "ceRisingFractionPer10Min": 0.05 },
  "baseline": { "windowS": 300 },
  "rules": [
    { "id": "spo2-low", "title": "SpO2 low", "metrics": ["SPO2"],
      "low": { "value": 90 }, "delayS": 15,
      "priority": "PRIORITY_HIGH", "advice": "ADVICE_PAUSE" },
    { "id": "hr-range", "title": "HR out of range", "metrics": ["HR"],
      "low": { "value": 50 }, "high": { "value": 150 }, "delayS": 30,
      "priority": "PRIORITY_HIGH", "advice": "ADVICE_PAUSE" },
    { "id": "bp-rise", "title": "BP rise", "metrics": ["SBP", "MAP"],
      "reference": "BASELINE_PERCENT", "high": { "value": 20, "inclusive": true },
      "delayS": 120, "consecutiveReadings": 2,
      "priority": "PRIORITY_MEDIUM", "advice": "ADVICE_HOLD" },
    { "id": "dose-max", "title": "Dose rate above maximum", "metrics": ["DOSE_RATE_MG_PER_KG_PER_H"],
      "high": { "value": 0.35 },
      "priority": "PRIORITY_MEDIUM", "kind": "KIND_ADVISORY", "advice": "ADVICE_HOLD" }
  ],
  "alarmSystem": { "audioPauseS": 90, "escalationS": 60, "realarmS": 0 },
  "technical": {
    "monitoringLost": { "title": "lost", "afterS": 10, "priority": "PRIORITY_MEDIUM", "advice": "ADVICE_HOLD" },
    "monitoringLostEscalated": { "title": "lost long", "afterS": 60, "priority": "PRIORITY_HIGH", "advice": "ADVICE_PAUSE" },
    "nibpIntervalFactor": 1.5, "nibpDefaultIntervalS": 300,
    "pumpStale": { "title": "pump", "afterS": 30, "priority": "PRIORITY_MEDIUM" },
    "sensorOff": { "title": "sensor", "afterS": 30, "priority": "PRIORITY_LOW" },
    "sequenceGap": { "title": "gap", "holdS": 60, "priority": "PRIORITY_LOW" },
    "maxSampleGapS": 10
  },
  "eventRules": [
    { "id": "rass", "title": "RASS -2", "kinds": ["SEDATION_SCORE"], "rassMin": -2, "rassMax": -2,
      "priority": "PRIORITY_MEDIUM", "advice": "ADVICE_REDUCE" },
    { "id": "sick", "title": "Nausea twice", "kinds": ["NAUSEA", "VOMITING"], "count": 2, "withinS": 1800,
      "holdS": 900, "priority": "PRIORITY_MEDIUM", "advice": "ADVICE_REDUCE", "latching": true }
  ],
  "sessionDose": { "id": "session-dose", "title": "Session dose", "maxMg": 100, "windowS": 14400,
    "priority": "PRIORITY_MEDIUM", "advice": "ADVICE_HOLD" },
  "titrationPace": { "id": "pace", "title": "Too soon", "minIntervalS": 1800, "holdS": 1200,
    "priority": "PRIORITY_LOW", "advice": "ADVICE_HOLD" },
  "resume": { "stableS": 600, "baselineFraction": 0.1, "baselineMetrics": ["HR"] },
  "news2Triggers": {
    "aggregate": [
      { "totalAtLeast": 5, "title": "NEWS2 5", "priority": "PRIORITY_MEDIUM", "advice": "ADVICE_HOLD" },
      { "totalAtLeast": 7, "title": "NEWS2 7", "priority": "PRIORITY_HIGH", "advice": "ADVICE_PAUSE" }
    ],
    "singleThreeTitle": "single 3", "singleThreePriority": "PRIORITY_LOW", "singleThreeAdvice": "ADVICE_HOLD"
  },
  "statusIntervalS": 2
})json";

// The valid protocol with exactly one occurrence of `from` replaced by `to`.
std::string edited(std::string_view from, std::string_view to) {
  std::string text(kValidProtocol);
  const auto at = text.find(from);
  if (at == std::string::npos || text.find(from, at + 1) != std::string::npos) {
    ADD_FAILURE() << "the edit must match exactly once: " << from;
    return text;
  }
  text.replace(at, from.size(), to);
  return text;
}

TEST(Protocol, TheSmallProtocolLoadsAsWritten) {
  const auto load = parseProtocol(kValidProtocol);
  ASSERT_TRUE(load.protocol.has_value()) << errorsText(load);
  EXPECT_TRUE(load.errors.empty());
  const Protocol& p = *load.protocol;
  EXPECT_EQ(p.name, "test protocol");
  EXPECT_EQ(p.drug, "ketamine");
  ASSERT_EQ(p.rules.size(), 4u);

  const Rule& spo2 = p.rules[0];
  EXPECT_EQ(spo2.id, "spo2-low");
  EXPECT_EQ(spo2.metrics, std::vector<Metric>{Metric::SpO2});
  ASSERT_TRUE(spo2.low.has_value());
  EXPECT_EQ(spo2.low->value, 90.0);
  EXPECT_FALSE(spo2.low->inclusive);  // absent "inclusive" is false
  EXPECT_FALSE(spo2.high.has_value());
  EXPECT_EQ(spo2.delay, seconds(15));
  EXPECT_EQ(spo2.priority, Priority::High);
  EXPECT_EQ(spo2.advice, AdviceAction::Pause);
  EXPECT_EQ(spo2.kind, AlarmKind::Physiological);  // absent kind
  EXPECT_TRUE(spo2.dose_attributable);             // physiological default

  const Rule& bp = p.rules[2];
  EXPECT_EQ(bp.metrics, (std::vector<Metric>{Metric::Sbp, Metric::Map}));
  EXPECT_EQ(bp.reference, Reference::BaselinePercent);
  EXPECT_TRUE(bp.high->inclusive);
  EXPECT_EQ(bp.consecutive_readings, 2u);

  const Rule& dose = p.rules[3];
  EXPECT_EQ(dose.kind, AlarmKind::Advisory);
  EXPECT_FALSE(dose.dose_attributable);  // advisory default
  EXPECT_EQ(dose.delay, Duration{0});

  EXPECT_EQ(p.dose_attribution.window_start, Duration{0});
  EXPECT_EQ(p.dose_attribution.window_end, minutes(40));
  EXPECT_EQ(p.baseline_window, minutes(5));
}

TEST(Protocol, TheAlarmSystemAndTheNewSectionsLoadAsWritten) {
  const auto load = parseProtocol(kValidProtocol);
  ASSERT_TRUE(load.protocol.has_value()) << errorsText(load);
  const Protocol& p = *load.protocol;
  EXPECT_EQ(p.alarm_system.audio_pause, seconds(90));
  EXPECT_EQ(p.alarm_system.escalation, seconds(60));
  EXPECT_EQ(p.alarm_system.realarm, Duration{0});
  EXPECT_EQ(p.alarm_system.latch_from_priority, Priority::High);  // absent: HIGH latches
  EXPECT_TRUE(p.rules[0].latching);                               // HIGH
  EXPECT_FALSE(p.rules[2].latching);                              // MEDIUM
  ASSERT_TRUE(p.technical.has_value());
  EXPECT_EQ(p.technical->monitoring_lost.after, seconds(10));
  EXPECT_EQ(p.technical->monitoring_lost.level.priority, Priority::Medium);
  EXPECT_EQ(p.technical->monitoring_lost_escalated.level.advice, AdviceAction::Pause);
  EXPECT_TRUE(p.technical->monitoring_lost_escalated.level.latching);
  EXPECT_DOUBLE_EQ(p.technical->nibp_interval_factor, 1.5);
  EXPECT_EQ(p.technical->nibp_default_interval, minutes(5));
  EXPECT_EQ(p.technical->pump_stale.after, seconds(30));
  EXPECT_EQ(p.technical->pump_stale.level.advice, AdviceAction::None);
  EXPECT_EQ(p.technical->sequence_gap.hold, seconds(60));
  EXPECT_EQ(p.technical->max_sample_gap, seconds(10));
  ASSERT_EQ(p.event_rules.size(), 2u);
  EXPECT_TRUE(p.event_rules[0].isSedation());
  EXPECT_EQ(p.event_rules[0].rass_min, -2);
  EXPECT_EQ(p.event_rules[0].level.advice, AdviceAction::Reduce);
  EXPECT_TRUE(p.event_rules[0].dose_attributable);
  EXPECT_FALSE(p.event_rules[1].isSedation());
  EXPECT_EQ(p.event_rules[1].kinds,
            (std::vector<ClinicalEventKind>{ClinicalEventKind::Nausea, ClinicalEventKind::Vomiting}));
  EXPECT_EQ(p.event_rules[1].count, 2u);
  EXPECT_EQ(p.event_rules[1].within, minutes(30));
  EXPECT_EQ(p.event_rules[1].hold, minutes(15));
  EXPECT_TRUE(p.event_rules[1].level.latching) << "set explicitly on a MEDIUM rule";
  ASSERT_TRUE(p.session_dose.has_value());
  EXPECT_DOUBLE_EQ(p.session_dose->max_mg, 100.0);
  EXPECT_EQ(p.session_dose->window, hours(4));
  EXPECT_EQ(p.session_dose->kind, AlarmKind::Advisory) << "absent kind";
  ASSERT_TRUE(p.titration_pace.has_value());
  EXPECT_EQ(p.titration_pace->min_interval, minutes(30));
  EXPECT_EQ(p.titration_pace->hold, minutes(20));
  ASSERT_TRUE(p.resume.has_value());
  EXPECT_EQ(p.resume->stable, minutes(10));
  EXPECT_DOUBLE_EQ(p.resume->baseline_fraction, 0.1);
  EXPECT_EQ(p.resume->baseline_metrics, std::vector<Metric>{Metric::HeartRate});
  ASSERT_TRUE(p.news2_triggers.has_value());
  ASSERT_EQ(p.news2_triggers->aggregate.size(), 2u);
  EXPECT_EQ(p.news2_triggers->aggregate[1].total_at_least, 7);
  EXPECT_EQ(p.news2_triggers->aggregate[1].level.priority, Priority::High);
  EXPECT_EQ(p.news2_triggers->single_three.priority, Priority::Low);
  EXPECT_EQ(p.status_interval, seconds(2));
}

TEST(Protocol, WithoutTheOptionalSectionsTheStandardsDefaultsApply) {
  std::string text(kValidProtocol);
  text = text.substr(0, text.find(R"(,
  "alarmSystem")")) +
         "\n}";
  const auto load = parseProtocol(text);
  ASSERT_TRUE(load.protocol.has_value()) << errorsText(load) << text;
  const Protocol& p = *load.protocol;
  EXPECT_EQ(p.alarm_system.audio_pause, minutes(2));
  EXPECT_EQ(p.alarm_system.escalation, minutes(2));
  EXPECT_EQ(p.alarm_system.realarm, minutes(3));
  EXPECT_EQ(p.alarm_system.latch_from_priority, Priority::High);
  EXPECT_FALSE(p.technical.has_value());
  EXPECT_TRUE(p.event_rules.empty());
  EXPECT_FALSE(p.session_dose.has_value());
  EXPECT_FALSE(p.titration_pace.has_value());
  EXPECT_FALSE(p.resume.has_value());
  EXPECT_FALSE(p.news2_triggers.has_value());
  EXPECT_EQ(p.status_interval, seconds(1));
}

TEST(Protocol, LatchingFollowsTheProtocolsPriorityUnlessARuleSaysOtherwise) {
  auto load = parseProtocol(edited(R"("alarmSystem": { "audioPauseS": 90,)",
                                   R"("alarmSystem": { "latchFromPriority": "PRIORITY_MEDIUM", "audioPauseS": 90,)"));
  ASSERT_TRUE(load.protocol.has_value()) << errorsText(load);
  EXPECT_TRUE(load.protocol->rules[2].latching);  // MEDIUM now latches
  load = parseProtocol(edited(R"("advice": "ADVICE_PAUSE" },
    { "id": "hr-range")",
                              R"("advice": "ADVICE_PAUSE", "latching": false },
    { "id": "hr-range")"));
  ASSERT_TRUE(load.protocol.has_value()) << errorsText(load);
  EXPECT_FALSE(load.protocol->rules[0].latching);
  EXPECT_TRUE(load.protocol->rules[1].latching);
}

TEST(Protocol, DoseAttributableCanBeSetExplicitly) {
  const auto load = parseProtocol(edited(R"("advice": "ADVICE_PAUSE" },
    { "id": "hr-range")",
                                         R"("advice": "ADVICE_PAUSE", "doseAttributable": false },
    { "id": "hr-range")"));
  ASSERT_TRUE(load.protocol.has_value()) << errorsText(load);
  EXPECT_FALSE(load.protocol->rules[0].dose_attributable);
  EXPECT_TRUE(load.protocol->rules[1].dose_attributable);
}

TEST(Protocol, TheShippedProtocolLoadsWithTheClinicalNumbers) {
  const auto load = parseProtocol(shippedProtocolText());
  ASSERT_TRUE(load.protocol.has_value()) << errorsText(load);
  const Protocol& p = *load.protocol;
  EXPECT_EQ(p.drug, "ketamine");
  EXPECT_FALSE(p.name.empty());
  EXPECT_FALSE(p.version.empty());
  EXPECT_EQ(p.rules.size(), 17u);
  // CLINICAL.md section 4: Domino et al. 1984, ke0 0.238 /min.
  EXPECT_DOUBLE_EQ(p.pharmacokinetics.v1_l_per_kg, 0.063);
  EXPECT_DOUBLE_EQ(p.pharmacokinetics.k10_per_min, 0.438);
  EXPECT_DOUBLE_EQ(p.pharmacokinetics.k12_per_min, 0.592);
  EXPECT_DOUBLE_EQ(p.pharmacokinetics.k13_per_min, 0.590);
  EXPECT_DOUBLE_EQ(p.pharmacokinetics.k21_per_min, 0.247);
  EXPECT_DOUBLE_EQ(p.pharmacokinetics.k31_per_min, 0.0146);
  EXPECT_DOUBLE_EQ(p.pharmacokinetics.ke0_per_min, 0.238);
  // Section 3 modifiers: attribution 0-40 min or Ce still rising 5 %/10 min; baseline 5 min.
  EXPECT_EQ(p.dose_attribution.window_start, Duration{0});
  EXPECT_EQ(p.dose_attribution.window_end, minutes(40));
  EXPECT_DOUBLE_EQ(p.dose_attribution.ce_rising_fraction_per_10_min, 0.05);
  EXPECT_EQ(p.baseline_window, minutes(5));
  // Section 6: HIGH latches, audio pause 2 min, escalation 2 min, re-alarm 3 min.
  EXPECT_EQ(p.alarm_system.latch_from_priority, Priority::High);
  EXPECT_EQ(p.alarm_system.audio_pause, minutes(2));
  EXPECT_EQ(p.alarm_system.escalation, minutes(2));
  EXPECT_EQ(p.alarm_system.realarm, minutes(3));
  // Section 3, technical conditions.
  ASSERT_TRUE(p.technical.has_value());
  const auto& t = *p.technical;
  EXPECT_EQ(t.monitoring_lost.after, seconds(10));
  EXPECT_EQ(t.monitoring_lost.level.priority, Priority::Medium);
  EXPECT_EQ(t.monitoring_lost.level.advice, AdviceAction::Hold);
  EXPECT_EQ(t.monitoring_lost_escalated.after, seconds(60));
  EXPECT_EQ(t.monitoring_lost_escalated.level.priority, Priority::High);
  EXPECT_EQ(t.monitoring_lost_escalated.level.advice, AdviceAction::Pause);
  EXPECT_DOUBLE_EQ(t.nibp_interval_factor, 1.5);
  EXPECT_EQ(t.pump_stale.after, seconds(30));
  EXPECT_EQ(t.pump_stale.level.priority, Priority::Medium);
  EXPECT_EQ(t.sensor_off.level.priority, Priority::Low);
  EXPECT_EQ(t.sequence_gap.level.priority, Priority::Low);
  // Rows 15-17.
  struct Row {
    const char* id;
    Priority priority;
    AdviceAction advice;
  };
  const std::vector<Row> rows{{"sedation-rass-minus-2", Priority::Medium, AdviceAction::Reduce},
                              {"sedation-rass-minus-3-or-deeper", Priority::High, AdviceAction::StopAndCall},
                              {"psychotomimetic-mild", Priority::Medium, AdviceAction::Reduce},
                              {"psychotomimetic-severe", Priority::High, AdviceAction::Pause},
                              {"nausea", Priority::Low, AdviceAction::Hold},
                              {"nausea-repeated", Priority::Medium, AdviceAction::Reduce}};
  ASSERT_EQ(p.event_rules.size(), rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    EXPECT_EQ(p.event_rules[r].id, rows[r].id);
    EXPECT_EQ(p.event_rules[r].level.priority, rows[r].priority) << rows[r].id;
    EXPECT_EQ(p.event_rules[r].level.advice, rows[r].advice) << rows[r].id;
  }
  EXPECT_EQ(p.event_rules[1].rass_max, -3);
  EXPECT_EQ(p.event_rules[5].count, 2u);
  EXPECT_EQ(p.event_rules[5].within, minutes(30));
  // Row 20: 100 mg per 4 h, MEDIUM HOLD; row 21: 30 min, LOW HOLD.
  ASSERT_TRUE(p.session_dose && p.titration_pace);
  EXPECT_DOUBLE_EQ(p.session_dose->max_mg, 100.0);
  EXPECT_EQ(p.session_dose->window, hours(4));
  EXPECT_EQ(p.session_dose->level.priority, Priority::Medium);
  EXPECT_EQ(p.session_dose->level.advice, AdviceAction::Hold);
  EXPECT_EQ(p.titration_pace->min_interval, minutes(30));
  EXPECT_EQ(p.titration_pace->level.priority, Priority::Low);
  EXPECT_EQ(p.titration_pace->level.advice, AdviceAction::Hold);
  // Row 22: >= 5 MEDIUM HOLD, >= 7 HIGH PAUSE, a single 3 LOW HOLD.
  ASSERT_TRUE(p.news2_triggers.has_value());
  ASSERT_EQ(p.news2_triggers->aggregate.size(), 2u);
  EXPECT_EQ(p.news2_triggers->aggregate[0].total_at_least, 5);
  EXPECT_EQ(p.news2_triggers->aggregate[0].level.priority, Priority::Medium);
  EXPECT_EQ(p.news2_triggers->aggregate[0].level.advice, AdviceAction::Hold);
  EXPECT_EQ(p.news2_triggers->aggregate[1].total_at_least, 7);
  EXPECT_EQ(p.news2_triggers->aggregate[1].level.priority, Priority::High);
  EXPECT_EQ(p.news2_triggers->aggregate[1].level.advice, AdviceAction::Pause);
  EXPECT_EQ(p.news2_triggers->single_three.priority, Priority::Low);
  EXPECT_EQ(p.news2_triggers->single_three.advice, AdviceAction::Hold);
  // Resume: 10 min within 10 % of baseline.
  ASSERT_TRUE(p.resume.has_value());
  EXPECT_EQ(p.resume->stable, minutes(10));
  EXPECT_DOUBLE_EQ(p.resume->baseline_fraction, 0.10);
  // Rule ids are unique and usable in alert ids.
  std::set<std::string> ids;
  for (const auto& rule : p.rules) EXPECT_TRUE(ids.insert(rule.id).second) << rule.id;
  // And an engine can be built from it.
  EXPECT_NO_THROW({ Engine engine(p); });
}

// ---------------------------------------------------------------- refusals

struct Defect {
  std::string name;
  std::string from;
  std::string to;
  std::string field;    // ProtocolError::field, exactly ("" for a parse error)
  std::string message;  // a fragment of the error's text
};

void PrintTo(const Defect& d, std::ostream* os) { *os << d.name; }

class ProtocolDefect : public ::testing::TestWithParam<Defect> {};

TEST_P(ProtocolDefect, IsRefusedNamingTheField) {
  const Defect& d = GetParam();
  const auto load = parseProtocol(edited(d.from, d.to));
  EXPECT_FALSE(load.protocol.has_value());
  ASSERT_FALSE(load.errors.empty());
  bool found = false;
  for (const auto& error : load.errors) {
    if (error.field == d.field && error.text().find(d.message) != std::string::npos) found = true;
  }
  EXPECT_TRUE(found) << "expected field \"" << d.field << "\" with \"" << d.message << "\"; got:\n" << errorsText(load);
  for (const auto& error : load.errors) {
    if (!error.field.empty()) {
      EXPECT_EQ(error.text().rfind(error.field, 0), 0u) << "the text starts with the field";
    }
  }
}

const std::vector<Defect>& defects() {
  static const std::vector<Defect> list{
      // Unknown fields are errors that name the field (a misspelling must not fall back to a default).
      {"UnknownRuleField", R"("delayS": 15,)", R"("delayS": 15, "delaySeconds": 20,)", "", "delaySeconds"},
      {"UnknownTopLevelField", R"("version": "1",)", R"("version": "1", "maxDoseMg": 100,)", "", "maxDoseMg"},
      {"MalformedJson", R"("baseline": { "windowS": 300 },)", R"("baseline": { "windowS": 300 )", "",
       "not a valid protocol file"},
      {"UnterminatedString", R"("name": "test protocol")", R"("name": "test protocol)", "",
       "not a valid protocol file"},
      {"WrongType", R"("delayS": 15,)", R"("delayS": "fifteen",)", "", "not a valid protocol file"},
      // Limits.
      {"LowAboveHigh", R"("low": { "value": 50 }, "high": { "value": 150 })",
       R"("low": { "value": 160 }, "high": { "value": 150 })", "rules[1] (hr-range).low.value",
       "low limit 160 is not below high limit 150"},
      {"LowEqualsHigh", R"("low": { "value": 50 }, "high": { "value": 150 })",
       R"("low": { "value": 150 }, "high": { "value": 150 })", "rules[1] (hr-range).low.value", "is not below"},
      {"MissingLimits", R"("low": { "value": 90 }, "delayS": 15,)", R"("delayS": 15,)", "rules[0] (spo2-low)",
       "needs a low or a high limit"},
      {"LimitNotANumber", R"("low": { "value": 90 })", R"("low": { "value": "NaN" })", "rules[0] (spo2-low).low.value",
       "must be a number"},
      {"BaselinePercentBelowOf100", R"("reference": "BASELINE_PERCENT", "high": { "value": 20, "inclusive": true })",
       R"("reference": "BASELINE_PERCENT", "low": { "value": 100 })", "rules[2] (bp-rise).low.value",
       "between 0 and 100"},
      {"BaselinePercentOnADoseMetric", R"("high": { "value": 0.35 },)",
       R"("reference": "BASELINE_PERCENT", "high": { "value": 20 },)", "rules[3] (dose-max).metrics[0]",
       "a dose rate has no baseline"},
      // Delay.
      {"NegativeDelay", R"("delayS": 15,)", R"("delayS": -1,)", "rules[0] (spo2-low).delay_s", "must not be negative"},
      // Identity and text.
      {"DuplicateRuleId", R"("id": "hr-range")", R"("id": "spo2-low")", "rules[1] (spo2-low).id",
       "duplicates an earlier rule's id"},
      {"EmptyRuleId", R"("id": "hr-range")", R"("id": "")", "rules[1].id", "must be non-empty"},
      {"RuleIdWithASlash", R"("id": "hr-range")", R"("id": "hr/range")", "rules[1] (hr/range).id", "letters, digits"},
      {"EmptyTitle", R"("title": "HR out of range")", R"("title": "")", "rules[1] (hr-range).title",
       "must not be empty"},
      {"EmptyName", R"("name": "test protocol")", R"("name": "")", "name", "must not be empty"},
      // Metrics.
      {"MetricUnspecified", R"("metrics": ["SPO2"])", R"("metrics": ["METRIC_UNSPECIFIED"])",
       "rules[0] (spo2-low).metrics[0]", "must name a metric"},
      {"NoMetrics", R"("metrics": ["SPO2"])", R"("metrics": [])", "rules[0] (spo2-low).metrics", "at least one metric"},
      {"UnknownMetricName", R"("metrics": ["SPO2"])", R"("metrics": ["SPO3"])", "", "not a valid protocol file"},
      // Priority and advice.
      {"PriorityNone", R"("priority": "PRIORITY_HIGH", "advice": "ADVICE_PAUSE" },
    { "id": "hr-range")",
       R"("priority": "PRIORITY_NONE", "advice": "ADVICE_PAUSE" },
    { "id": "hr-range")",
       "rules[0] (spo2-low).priority", "must be LOW, MEDIUM or HIGH"},
      {"ResumePossibleAsRuleAdvice", R"("advice": "ADVICE_PAUSE" },
    { "id": "hr-range")",
       R"("advice": "ADVICE_RESUME_POSSIBLE" },
    { "id": "hr-range")",
       "rules[0] (spo2-low).advice", "RESUME_POSSIBLE"},
      // Enum numbers that name nothing: the JSON mapping accepts numbers for enums.
      {"MetricNumberOutOfRange", R"("metrics": ["SPO2"])", R"("metrics": [42])", "rules[0] (spo2-low).metrics[0]",
       "42"},
      {"PriorityNumberOutOfRange", R"("priority": "PRIORITY_HIGH", "advice": "ADVICE_PAUSE" },
    { "id": "hr-range")",
       R"("priority": 9, "advice": "ADVICE_PAUSE" },
    { "id": "hr-range")",
       "rules[0] (spo2-low).priority", "9"},
      {"AdviceNumberOutOfRange", R"("advice": "ADVICE_PAUSE" },
    { "id": "hr-range")",
       R"("advice": 17 },
    { "id": "hr-range")",
       "rules[0] (spo2-low).advice", "17"},
      {"KindNumberOutOfRange", R"("kind": "KIND_ADVISORY")", R"("kind": 8)", "rules[3] (dose-max).kind", "8"},
      {"ReferenceNumberOutOfRange", R"("reference": "BASELINE_PERCENT")", R"("reference": 5)",
       "rules[2] (bp-rise).reference", "5"},
      // Pharmacokinetics.
      {"ZeroK10", R"("k10PerMin": 0.438)", R"("k10PerMin": 0)", "pharmacokinetics.k10_per_min",
       "must be a positive number"},
      {"NegativeKe0", R"("ke0PerMin": 0.238)", R"("ke0PerMin": -0.238)", "pharmacokinetics.ke0_per_min",
       "must be a positive number"},
      {"ZeroV1", R"("v1LPerKg": 0.063)", R"("v1LPerKg": 0)", "pharmacokinetics.v1_l_per_kg",
       "must be a positive number"},
      // Dose attribution and baseline.
      {"WindowEndBeforeStart", R"("windowStartS": 0, "windowEndS": 2400)",
       R"("windowStartS": 3000, "windowEndS": 2400)", "dose_attribution.window_end_s",
       "must not be before window_start_s"},
      {"NegativeWindowStart", R"("windowStartS": 0,)", R"("windowStartS": -60,)", "dose_attribution.window_start_s",
       "must not be negative"},
      {"NegativeRisingFraction", R"("ceRisingFractionPer10Min": 0.05)", R"("ceRisingFractionPer10Min": -0.05)",
       "dose_attribution.ce_rising_fraction_per_10_min", "must not be negative"},
      {"ZeroBaselineWindow", R"("baseline": { "windowS": 300 })", R"("baseline": { "windowS": 0 })",
       "baseline.window_s", "must be a positive number"},
      // Alarm system: ISO 80601-2-61 allows an audio pause of at most 2 min.
      {"AudioPauseOverTwoMinutes", R"("audioPauseS": 90)", R"("audioPauseS": 121)", "alarm_system.audio_pause_s",
       "must not exceed 120 s"},
      {"AudioPauseZero", R"("audioPauseS": 90)", R"("audioPauseS": 0)", "alarm_system.audio_pause_s",
       "must be a positive number"},
      {"NegativeEscalation", R"("escalationS": 60)", R"("escalationS": -1)", "alarm_system.escalation_s",
       "must not be negative"},
      {"LatchPriorityOutOfRange", R"("alarmSystem": { "audioPauseS": 90,)",
       R"("alarmSystem": { "latchFromPriority": 7, "audioPauseS": 90,)", "alarm_system.latch_from_priority", "7"},
      // Technical.
      {"EscalatedLevelNotLater", R"("title": "lost long", "afterS": 60)", R"("title": "lost long", "afterS": 10)",
       "technical.monitoring_lost_escalated.after_s", "must be after monitoring_lost.after_s"},
      {"ZeroNibpFactor", R"("nibpIntervalFactor": 1.5)", R"("nibpIntervalFactor": 0)", "technical.nibp_interval_factor",
       "must be a positive number"},
      {"TechnicalPriorityNone", R"("title": "sensor", "afterS": 30, "priority": "PRIORITY_LOW")",
       R"("title": "sensor", "afterS": 30, "priority": "PRIORITY_NONE")", "technical.sensor_off.priority",
       "must be LOW, MEDIUM or HIGH"},
      {"MissingPumpStale", R"("pumpStale": { "title": "pump", "afterS": 30, "priority": "PRIORITY_MEDIUM" },)", "",
       "technical.pump_stale", "is required"},
      // Event rules.
      {"EventRuleWithoutKinds", R"("kinds": ["NAUSEA", "VOMITING"])", R"("kinds": [])", "event_rules[1] (sick).kinds",
       "at least one kind"},
      {"RassRuleWithOtherKinds", R"("kinds": ["SEDATION_SCORE"])", R"("kinds": ["SEDATION_SCORE", "NAUSEA"])",
       "event_rules[0] (rass).kinds", "SEDATION_SCORE alone"},
      {"RassRangeUpsideDown", R"("rassMin": -2, "rassMax": -2)", R"("rassMin": -1, "rassMax": -2)",
       "event_rules[0] (rass).rass_min", "must not be above rass_max"},
      {"RassOutOfScale", R"("rassMin": -2, "rassMax": -2)", R"("rassMin": -7, "rassMax": -2)",
       "event_rules[0] (rass).rass_min", "-5 to +4"},
      {"CountWithoutWindow", R"("count": 2, "withinS": 1800,)", R"("count": 2,)", "event_rules[1] (sick).within_s",
       "must be a positive number"},
      {"EventWithoutHold", R"("holdS": 900,)", R"("holdS": 0,)", "event_rules[1] (sick).hold_s",
       "must be a positive number"},
      {"EventRuleIdTakenByALimitRule", R"("id": "sick")", R"("id": "spo2-low")", "event_rules[1] (spo2-low).id",
       "duplicates an earlier rule's id"},
      {"EventKindUnspecified", R"("kinds": ["NAUSEA", "VOMITING"])", R"("kinds": ["CLINICAL_EVENT_UNSPECIFIED"])",
       "event_rules[1] (sick).kinds[0]", "not a known kind"},
      // Session dose, titration pace, resume, NEWS2.
      {"ZeroSessionDose", R"("maxMg": 100)", R"("maxMg": 0)", "session_dose.max_mg", "must be a positive number"},
      {"PaceWithoutInterval", R"("minIntervalS": 1800)", R"("minIntervalS": 0)", "titration_pace.min_interval_s",
       "must be a positive number"},
      {"ResumeFractionOverOne", R"("baselineFraction": 0.1)", R"("baselineFraction": 1.5)", "resume.baseline_fraction",
       "between 0 and 1"},
      {"ResumeOnADoseMetric", R"("baselineMetrics": ["HR"])", R"("baselineMetrics": ["DOSE_RATE_MG_PER_H"])",
       "resume.baseline_metrics[0]", "must name a vital sign"},
      {"News2LevelsNotAscending", R"("totalAtLeast": 7)", R"("totalAtLeast": 5)",
       "news2_triggers.aggregate[1].total_at_least", "above the previous level"},
      {"News2AdviceResume", R"("singleThreeAdvice": "ADVICE_HOLD")", R"("singleThreeAdvice": "ADVICE_RESUME_POSSIBLE")",
       "news2_triggers.single_three.advice", "RESUME_POSSIBLE"},
      {"NegativeStatusInterval", R"("statusIntervalS": 2)", R"("statusIntervalS": -2)", "status_interval_s",
       "must not be negative"},
  };
  return list;
}

INSTANTIATE_TEST_SUITE_P(Refusals, ProtocolDefect, ::testing::ValuesIn(defects()),
                         [](const ::testing::TestParamInfo<Defect>& info) { return info.param.name; });

TEST(Protocol, MissingSectionsAreReported) {
  const auto load = parseProtocol(R"({ "name": "x", "rules": [] })");
  EXPECT_FALSE(load.protocol.has_value());
  std::set<std::string> fields;
  for (const auto& error : load.errors) fields.insert(error.field);
  EXPECT_TRUE(fields.count("pharmacokinetics")) << errorsText(load);
  EXPECT_TRUE(fields.count("dose_attribution")) << errorsText(load);
  EXPECT_TRUE(fields.count("baseline.window_s")) << errorsText(load);
  EXPECT_TRUE(fields.count("rules")) << errorsText(load);
}

TEST(Protocol, EveryDefectIsReportedAtOnce) {
  std::string text = edited(R"("delayS": 15,)", R"("delayS": -1,)");
  const std::string title = R"("title": "HR out of range")";
  text.replace(text.find(title), title.size(), R"("title": "")");
  const auto load = parseProtocol(text);
  EXPECT_FALSE(load.protocol.has_value());
  ASSERT_EQ(load.errors.size(), 2u) << errorsText(load);
  EXPECT_EQ(load.errors[0].field, "rules[0] (spo2-low).delay_s");
  EXPECT_EQ(load.errors[1].field, "rules[1] (hr-range).title");
}

TEST(Protocol, EmptyAndNonObjectInputIsRefused) {
  for (std::string_view text : {std::string_view(""), std::string_view("[]"), std::string_view("null")}) {
    const auto load = parseProtocol(text);
    EXPECT_FALSE(load.protocol.has_value()) << text;
    EXPECT_FALSE(load.errors.empty()) << text;
  }
}

// IHE PCD-05: an alert manager's "accepted" acknowledges an alarm only where the
// protocol says so.
TEST(Protocol, AnAlertManagersAcceptanceAcknowledgesOnlyWhereTheProtocolSaysSo) {
  const auto absent = parseProtocol(kValidProtocol);
  ASSERT_TRUE(absent.protocol.has_value()) << errorsText(absent);
  EXPECT_FALSE(absent.protocol->alert_manager_accepted_acknowledges);
  const auto allowed = parseProtocol(
      edited(R"("statusIntervalS": 2)", R"("statusIntervalS": 2, "alertManager": { "acceptedAcknowledges": true })"));
  ASSERT_TRUE(allowed.protocol.has_value()) << errorsText(allowed);
  EXPECT_TRUE(allowed.protocol->alert_manager_accepted_acknowledges);
}

}  // namespace
}  // namespace vigil::core
