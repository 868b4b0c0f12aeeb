// Table-driven tests over every rule of the shipped protocol: the expected table below is
// CLINICAL.md section 3 (rows 1-14, 18, 19) written out; each protocol rule must match
// it, and each rule is then driven through a fresh engine at, just inside and just
// outside its limit, at the edge of its delay (or reading count), and with a reset.
//
// Every case starts from the same patient: 5 min of normal vitals before the infusion
// (baselines HR 80, SBP 120, MAP 90), ketamine started at 0.1 mg/kg/h, stepped to
// 0.2 mg/kg/h 30 min later, and the case itself 2 h after that step, so neither the
// attribution window (40 min) nor a still-rising Ce (>= 5 % in 10 min) applies.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "test_support.h"

namespace vigil::core {
namespace {

using namespace test_support;

// ---------------------------------------------------------------- the rule table

struct ExpectedLimit {
  double value = 0.0;  // absolute, or percent for baseline-relative rules
  bool inclusive = false;
};

struct ExpectedRule {
  std::string id;
  std::vector<Metric> metrics;
  Reference reference = Reference::Absolute;
  std::optional<ExpectedLimit> low;
  std::optional<ExpectedLimit> high;
  double delay_s = 0.0;
  unsigned readings = 0;  // episodic (NIBP) persistence
  Priority priority = Priority::None;
  AlarmKind kind = AlarmKind::Physiological;
  AdviceAction advice = AdviceAction::None;
  // Baseline-relative rules: the absolute threshold per metric for this file's patient,
  // worked out by hand from the baselines (HR 80, SBP 120, MAP 90).
  std::map<Metric, double> threshold_for_test_patient;
};

// CLINICAL.md section 3. "<" and ">" are exclusive, "<=" / ">=" / "= 0" inclusive.
const std::vector<ExpectedRule>& clinicalTable() {
  using M = Metric;
  using P = Priority;
  using A = AdviceAction;
  static const std::vector<ExpectedRule> table{
      // 1. SpO2 < 90 %, 15 s, HIGH, PAUSE
      {"spo2-below-90", {M::SpO2}, Reference::Absolute, ExpectedLimit{90, false}, {}, 15, 0, P::High,
       AlarmKind::Physiological, A::Pause, {}},
      // 2. SpO2 <= 85 %, 10 s, HIGH, STOP_AND_CALL
      {"spo2-at-or-below-85", {M::SpO2}, Reference::Absolute, ExpectedLimit{85, true}, {}, 10, 0, P::High,
       AlarmKind::Physiological, A::StopAndCall, {}},
      // 3. SpO2 < 94 %, 60 s, MEDIUM, HOLD
      {"spo2-below-94", {M::SpO2}, Reference::Absolute, ExpectedLimit{94, false}, {}, 60, 0, P::Medium,
       AlarmKind::Physiological, A::Hold, {}},
      // 4. RR < 10 /min, 30 s, HIGH, PAUSE
      {"rr-below-10", {M::RespRate}, Reference::Absolute, ExpectedLimit{10, false}, {}, 30, 0, P::High,
       AlarmKind::Physiological, A::Pause, {}},
      // 5. no breath (RR = 0), 20 s, HIGH, STOP_AND_CALL
      {"no-breath", {M::RespRate}, Reference::Absolute, ExpectedLimit{0, true}, {}, 20, 0, P::High,
       AlarmKind::Physiological, A::StopAndCall, {}},
      // 6. SBP > 180, 2 NIBP readings or 60 s arterial, HIGH, PAUSE
      {"sbp-above-180", {M::Sbp}, Reference::Absolute, {}, ExpectedLimit{180, false}, 60, 2, P::High,
       AlarmKind::Physiological, A::Pause, {}},
      // 7. SBP > 160, 2 readings / 60 s, MEDIUM, REDUCE
      {"sbp-above-160", {M::Sbp}, Reference::Absolute, {}, ExpectedLimit{160, false}, 60, 2, P::Medium,
       AlarmKind::Physiological, A::Reduce, {}},
      // 8. SBP < 90, 2 readings / 60 s, HIGH, PAUSE
      {"sbp-below-90", {M::Sbp}, Reference::Absolute, ExpectedLimit{90, false}, {}, 60, 2, P::High,
       AlarmKind::Physiological, A::Pause, {}},
      // 9. SBP or MAP >= 20 % above baseline, 2 readings / 120 s, MEDIUM, HOLD
      {"bp-20pct-above-baseline", {M::Sbp, M::Map}, Reference::BaselinePercent, {}, ExpectedLimit{20, true}, 120,
       2, P::Medium, AlarmKind::Physiological, A::Hold, {{M::Sbp, 144.0}, {M::Map, 108.0}}},
      // 10. SBP or MAP >= 30 % above baseline, 2 readings / 120 s, MEDIUM, REDUCE
      {"bp-30pct-above-baseline", {M::Sbp, M::Map}, Reference::BaselinePercent, {}, ExpectedLimit{30, true}, 120,
       2, P::Medium, AlarmKind::Physiological, A::Reduce, {{M::Sbp, 156.0}, {M::Map, 117.0}}},
      // 11. HR > 150 or < 50, 30 s, HIGH, PAUSE
      {"hr-out-of-range", {M::HeartRate, M::Pulse}, Reference::Absolute, ExpectedLimit{50, false}, ExpectedLimit{150, false},
       30, 0, P::High, AlarmKind::Physiological, A::Pause, {}},
      // 12. HR > 120, 60 s, MEDIUM, HOLD
      {"hr-above-120", {M::HeartRate, M::Pulse}, Reference::Absolute, {}, ExpectedLimit{120, false}, 60, 0, P::Medium,
       AlarmKind::Physiological, A::Hold, {}},
      // 13. HR >= 30 % above baseline, 120 s, MEDIUM, HOLD
      {"hr-30pct-above-baseline", {M::HeartRate, M::Pulse}, Reference::BaselinePercent, {}, ExpectedLimit{30, true}, 120, 0,
       P::Medium, AlarmKind::Physiological, A::Hold, {{M::HeartRate, 104.0}}},
      // 14. EtCO2 > 50, 60 s, MEDIUM, HOLD
      {"etco2-above-50", {M::EtCO2}, Reference::Absolute, {}, ExpectedLimit{50, false}, 60, 0, P::Medium,
       AlarmKind::Physiological, A::Hold, {}},
      // 18. dose rate > 0.35 mg/kg/h, immediate, MEDIUM, HOLD (advisory)
      {"dose-rate-above-protocol-max", {M::DoseRateMgPerKgPerH}, Reference::Absolute, {}, ExpectedLimit{0.35, false},
       0, 0, P::Medium, AlarmKind::Advisory, A::Hold, {}},
      // 18. dose rate > 25 mg/h, immediate, MEDIUM, HOLD (advisory)
      {"dose-rate-above-25-mg-per-h", {M::DoseRateMgPerH}, Reference::Absolute, {}, ExpectedLimit{25, false}, 0, 0,
       P::Medium, AlarmKind::Advisory, A::Hold, {}},
      // 19. dose rate > 1 mg/kg/h, immediate, HIGH, STOP_AND_CALL (advisory)
      {"dose-rate-above-ceiling", {M::DoseRateMgPerKgPerH}, Reference::Absolute, {}, ExpectedLimit{1.0, false}, 0,
       0, P::High, AlarmKind::Advisory, A::StopAndCall, {}},
  };
  return table;
}

const Protocol& protocol() {
  static const Protocol loaded = shippedProtocol();
  return loaded;
}

TEST(ShippedRuleTable, EveryProtocolRuleMatchesTheClinicalTable) {
  std::set<std::string> seen;
  for (const Rule& rule : protocol().rules) {
    SCOPED_TRACE(rule.id);
    const ExpectedRule* row = nullptr;
    for (const auto& candidate : clinicalTable()) {
      if (candidate.id == rule.id) row = &candidate;
    }
    ASSERT_NE(row, nullptr) << "a shipped rule that is not in the CLINICAL.md table";
    seen.insert(rule.id);
    EXPECT_EQ(rule.metrics, row->metrics);
    EXPECT_EQ(rule.reference, row->reference);
    ASSERT_EQ(rule.low.has_value(), row->low.has_value());
    ASSERT_EQ(rule.high.has_value(), row->high.has_value());
    if (row->low) {
      EXPECT_DOUBLE_EQ(rule.low->value, row->low->value);
      EXPECT_EQ(rule.low->inclusive, row->low->inclusive);
    }
    if (row->high) {
      EXPECT_DOUBLE_EQ(rule.high->value, row->high->value);
      EXPECT_EQ(rule.high->inclusive, row->high->inclusive);
    }
    EXPECT_EQ(rule.delay, Duration{static_cast<std::int64_t>(row->delay_s * 1000)});
    EXPECT_EQ(std::max(1u, rule.consecutive_readings), std::max(1u, row->readings));
    EXPECT_EQ(rule.priority, row->priority);
    EXPECT_EQ(rule.kind, row->kind);
    EXPECT_EQ(rule.advice, row->advice);
    EXPECT_EQ(rule.dose_attributable, row->kind == AlarmKind::Physiological);
    EXPECT_FALSE(rule.title.empty());
  }
  EXPECT_EQ(seen.size(), clinicalTable().size()) << "a CLINICAL.md row is missing from the shipped protocol";
  EXPECT_EQ(protocol().rules.size(), clinicalTable().size());
}

// ---------------------------------------------------------------- sources and units

struct Source {
  std::uint32_t code = 0;  // 0: the pump status
  bool episodic = false;
  bool cuff = false;  // NIBP under the MDC_PRESS_CUFF_* aliases
};

std::vector<Source> sourcesOf(Metric metric) {
  switch (metric) {
    case Metric::HeartRate: return {{mdc::kEcgHeartRate, false, false}};
    case Metric::SpO2: return {{mdc::kSpO2, false, false}};
    case Metric::RespRate: return {{mdc::kRespRate, false, false}};
    case Metric::EtCO2: return {{mdc::kEtCO2, false, false}};
    case Metric::Sbp: return {{mdc::kNibpSys, true, false}, {mdc::kCuffSys, true, true}, {mdc::kAbpSys, false, false}};
    case Metric::Map:
      return {{mdc::kNibpMean, true, false}, {mdc::kCuffMean, true, true}, {mdc::kAbpMean, false, false}};
    case Metric::DoseRateMgPerKgPerH:
    case Metric::DoseRateMgPerH: return {{0, false, false}};
    default: return {};
  }
}

// UCUM units from CLINICAL.md section 7; the dose rates in the protocol's own units.
std::string expectedUnit(Metric metric) {
  switch (metric) {
    case Metric::HeartRate:
    case Metric::RespRate: return "/min";
    case Metric::SpO2: return "%";
    case Metric::Sbp:
    case Metric::Map:
    case Metric::EtCO2: return "mm[Hg]";
    case Metric::DoseRateMgPerKgPerH: return "mg/kg/h";
    case Metric::DoseRateMgPerH: return "mg/h";
    default: return "?";
  }
}

// A step well below what the devices resolve (SpO2, HR, RR and BP come in whole units),
// and fine enough for pump rates (0.001 mg/kg/h, 0.01 mg/h).
double epsilonFor(Metric metric) {
  switch (metric) {
    case Metric::DoseRateMgPerKgPerH: return 0.001;
    case Metric::DoseRateMgPerH: return 0.01;
    default: return 0.1;
  }
}

// ---------------------------------------------------------------- the patient

// Baselines of the test patient, set from the pre-infusion data below.
constexpr double kBaselineHr = 80.0;
constexpr double kBaselineSbp = 120.0;
constexpr double kBaselineMap = 90.0;
constexpr double kFirstRate = 0.1;   // mg/kg/h, from the start
constexpr double kSteadyRate = 0.2;  // mg/kg/h, from 30 min on

TimePoint infusionStart() { return atSecond(300); }
TimePoint lastStep() { return infusionStart() + minutes(30); }
TimePoint caseStart() { return lastStep() + hours(2); }

double normalValue(Metric metric) {
  const Normals n;
  switch (metric) {
    case Metric::HeartRate: return n.hr;
    case Metric::SpO2: return n.spo2;
    case Metric::RespRate: return n.rr;
    case Metric::EtCO2: return n.etco2;
    case Metric::Sbp: return n.sbp;
    case Metric::Map: return n.map;
    case Metric::DoseRateMgPerKgPerH: return kSteadyRate;
    case Metric::DoseRateMgPerH: return kSteadyRate * kWeightKg;
    default: return 0.0;
  }
}

double baselineOf(Metric metric) {
  switch (metric) {
    case Metric::HeartRate: return kBaselineHr;
    case Metric::Sbp: return kBaselineSbp;
    case Metric::Map: return kBaselineMap;
    default: return 0.0;
  }
}

// 5 min of normal vitals, three NIBP readings (medians SBP 120, MAP 90), then the
// infusion: 0.1 mg/kg/h, 0.2 mg/kg/h 30 min later.
void establishSteadyInfusion(Session& s) {
  s.continuous(atSecond(0), infusionStart(), seconds(1));
  s.vitals(atSecond(10), nibpReading(118, 74, 88));
  s.vitals(atSecond(150), nibpReading(122, 76, 92));
  s.vitals(atSecond(290), nibpReading(120, 75, 90));
  s.steady(infusionStart(), lastStep() - seconds(5), kFirstRate);
  s.steady(lastStep(), caseStart() - seconds(5), kSteadyRate);
}

// ---------------------------------------------------------------- cases

enum class Drive { OnLimit, JustInside, JustOutside, DelayEdge, ResetByInside };

const char* driveName(Drive d) {
  switch (d) {
    case Drive::OnLimit: return "OnLimit";
    case Drive::JustInside: return "JustInside";
    case Drive::JustOutside: return "JustOutside";
    case Drive::DelayEdge: return "DelayEdge";
    case Drive::ResetByInside: return "ResetByInside";
  }
  return "?";
}

struct RuleCase {
  std::size_t row = 0;
  bool low_side = false;
  Metric metric = Metric::Unspecified;
  Source source;
  Drive drive = Drive::OnLimit;
  std::string name;
};

void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.name; }

double thresholdOf(const ExpectedRule& row, bool low_side, Metric metric) {
  if (row.reference == Reference::BaselinePercent) return row.threshold_for_test_patient.at(metric);
  return low_side ? row.low->value : row.high->value;
}

std::vector<RuleCase> allCases() {
  std::vector<RuleCase> cases;
  const auto& table = clinicalTable();
  for (std::size_t r = 0; r < table.size(); ++r) {
    const auto& row = table[r];
    for (bool low_side : {true, false}) {
      if (low_side ? !row.low : !row.high) continue;
      for (Metric metric : row.metrics) {
        for (const Source& source : sourcesOf(metric)) {
          for (Drive drive : {Drive::OnLimit, Drive::JustInside, Drive::JustOutside, Drive::DelayEdge,
                              Drive::ResetByInside}) {
            const double threshold = thresholdOf(row, low_side, metric);
            // A vital sign below 0 does not exist (RR = 0 is "no breath" itself).
            if (drive == Drive::JustOutside && low_side && threshold - epsilonFor(metric) < 0) continue;
            // Pump-status rules have no delay: the first status beyond the limit starts them.
            if (drive == Drive::ResetByInside && source.code == 0) continue;
            std::string name = row.id + (low_side ? "_low_" : "_high_") + std::string(metricName(metric)) + "_" +
                               (source.code ? std::to_string(source.code) : std::string("pump")) + "_" +
                               driveName(drive);
            for (char& c : name) {
              if (c == '-') c = '_';
            }
            cases.push_back({r, low_side, metric, source, drive, name});
          }
        }
      }
    }
  }
  return cases;
}

class RuleTableTest : public ::testing::TestWithParam<RuleCase> {
 protected:
  void SetUp() override {
    const auto& c = GetParam();
    row_ = &clinicalTable()[c.row];
    rule_ = findRule(protocol(), row_->id);
    ASSERT_NE(rule_, nullptr);
    threshold_ = thresholdOf(*row_, c.low_side, c.metric);
    const ExpectedLimit limit = c.low_side ? *row_->low : *row_->high;
    inclusive_ = limit.inclusive;
    const double eps = epsilonFor(c.metric);
    inside_ = c.low_side ? threshold_ + eps : threshold_ - eps;
    outside_ = c.low_side ? threshold_ - eps : threshold_ + eps;
    beyond_ = inclusive_ ? threshold_ : outside_;

    establishSteadyInfusion(session_);
    ASSERT_TRUE(session_.events.empty()) << "the test patient alarmed during set-up: " << describe(session_.events[0]);
    session_.engine.advanceTo(caseStart());
    // The premises of "no attribution": baselines exist and are not provisional, the last
    // increase is 2 h old, and Ce no longer rises by 5 % over 10 min.
    for (Metric m : {Metric::HeartRate, Metric::Sbp, Metric::Map}) {
      const auto baseline = session_.engine.baseline(kPatient, m);
      ASSERT_TRUE(baseline.has_value());
      EXPECT_DOUBLE_EQ(baseline->value, baselineOf(m));
      EXPECT_FALSE(baseline->provisional);
    }
    const auto dose = session_.engine.doseContext(kPatient);
    ASSERT_TRUE(dose.has_value());
    ASSERT_TRUE(dose->infusion_running);
    ASSERT_DOUBLE_EQ(dose->rate_mg_per_kg_per_h, kSteadyRate);
    ASSERT_DOUBLE_EQ(dose->previous_rate_mg_per_kg_per_h, kFirstRate);
    ASSERT_DOUBLE_EQ(dose->minutes_since_last_increase, 120.0);
    ASSERT_FALSE(dose->likely_dose_related) << dose->attribution;
    mark_ = session_.events.size();
  }

  // Sends the metric under test at `time` from the case's source, the other vitals normal.
  void send(TimePoint time, double value) {
    const auto& c = GetParam();
    if (c.source.code == 0) {
      const double mg_per_kg_per_h = c.metric == Metric::DoseRateMgPerH ? value / kWeightKg : value;
      session_.infusion(pump(time, mg_per_kg_per_h));
    } else if (c.source.episodic) {
      const bool sys = c.metric == Metric::Sbp;
      const Normals n;
      session_.vitals(time, nibpReading(sys ? value : n.sbp, n.dbp, sys ? n.map : value, c.source.cuff));
    } else {
      session_.vitals(time, continuousVitals(c.source.code, value));
    }
  }
  // Normal continuous vitals and the steady pump, for the gaps between NIBP readings or
  // pump statuses (the pump is left to the case when it is the source under test).
  void background(TimePoint from, TimePoint to) {
    for (TimePoint t = from; t <= to; t += seconds(5)) {
      if (GetParam().source.code != 0 && (t - from) % seconds(10) == Duration{0}) {
        session_.infusion(pump(t, kSteadyRate));
      }
      session_.vitals(t, continuousVitals());
    }
  }

  AlarmEvents caseEvents(std::optional<Phase> phase = std::nullopt) const {
    return select(AlarmEvents(session_.events.begin() + static_cast<std::ptrdiff_t>(mark_), session_.events.end()),
                  row_->id, phase);
  }

  std::string expectedLimitText() const {
    const auto& c = GetParam();
    char number[32];
    std::snprintf(number, sizeof number, "%g", threshold_);
    return std::string(c.low_side ? (inclusive_ ? "<= " : "< ") : (inclusive_ ? ">= " : "> ")) + number;
  }

  void expectStart(const AlarmEvent& e, TimePoint start, double value) const {
    const auto& c = GetParam();
    EXPECT_EQ(e.alert_id, alertIdFor(kPatient, row_->id, start));
    EXPECT_EQ(e.patient_id, kPatient);
    EXPECT_EQ(e.unit, kWard);
    EXPECT_EQ(e.condition, row_->id);
    EXPECT_EQ(e.title, rule_->title);
    EXPECT_EQ(e.kind, row_->kind);
    EXPECT_EQ(e.priority, row_->priority);
    EXPECT_EQ(e.phase, Phase::Start);
    EXPECT_EQ(e.state, AlarmState::Active);
    EXPECT_EQ(e.inactivation, Inactivation::Enabled);
    EXPECT_EQ(e.start_time, start);
    EXPECT_EQ(e.event_time, start);
    EXPECT_TRUE(e.acknowledged_by.empty());
    EXPECT_FALSE(e.acknowledged_time.has_value());
    // The trigger: the value and the code that started it, and the limit in force.
    EXPECT_EQ(e.trigger.code, c.source.code);
    EXPECT_EQ(e.trigger.metric, metricName(c.metric));
    EXPECT_EQ(e.trigger.unit, expectedUnit(c.metric));
    if (c.metric == Metric::DoseRateMgPerH) {
      EXPECT_NEAR(e.trigger.value, value, 1e-9);  // (value / weight) * weight
    } else {
      EXPECT_DOUBLE_EQ(e.trigger.value, value);
    }
    EXPECT_DOUBLE_EQ(e.trigger.limit_value, threshold_);
    if (row_->reference == Reference::BaselinePercent) {
      EXPECT_EQ(e.trigger.limit.rfind(expectedLimitText(), 0), 0u) << e.trigger.limit;
      char baseline[64];
      std::snprintf(baseline, sizeof baseline, "baseline %g", baselineOf(c.metric));
      EXPECT_NE(e.trigger.limit.find(baseline), std::string::npos) << e.trigger.limit;
      EXPECT_DOUBLE_EQ(e.trigger.baseline, baselineOf(c.metric));
    } else {
      EXPECT_EQ(e.trigger.limit, expectedLimitText());
      EXPECT_EQ(e.trigger.baseline, 0.0);
    }
    EXPECT_FALSE(e.trigger.provisional_baseline);
    // No recent increase and Ce steady: the rule's own advice, and it says so.
    EXPECT_TRUE(e.dose.infusion_running);
    EXPECT_FALSE(e.dose.likely_dose_related) << e.dose.attribution;
    EXPECT_EQ(e.advice.action, row_->advice);
    if (row_->kind == AlarmKind::Physiological) {
      EXPECT_NE(e.dose.attribution.find("no rate increase"), std::string::npos) << e.dose.attribution;
      EXPECT_DOUBLE_EQ(e.dose.rate_mg_per_kg_per_h, kSteadyRate);
      EXPECT_DOUBLE_EQ(e.dose.previous_rate_mg_per_kg_per_h, kFirstRate);
      ASSERT_TRUE(e.dose.last_increase.has_value());
      EXPECT_EQ(*e.dose.last_increase, lastStep());
      EXPECT_DOUBLE_EQ(e.dose.minutes_since_last_increase, minutesBetween(lastStep(), start));
      EXPECT_GT(e.dose.ce_ug_per_ml, 0.0);
    } else {
      EXPECT_NE(e.dose.attribution.find("not a dose-attributable"), std::string::npos) << e.dose.attribution;
    }
    if (row_->advice == AdviceAction::Reduce) {
      // Back to the rate before the last increase: 0.1 mg/kg/h = 0.1 x 80 kg / 2 mg/mL.
      EXPECT_DOUBLE_EQ(e.advice.target_rate_mg_per_kg_per_h, kFirstRate);
      EXPECT_DOUBLE_EQ(e.advice.target_rate_ml_per_h, 4.0);
    } else {
      EXPECT_EQ(e.advice.target_rate_mg_per_kg_per_h, 0.0);
      EXPECT_EQ(e.advice.target_rate_ml_per_h, 0.0);
    }
  }

  // The value cases: the value held for the whole delay (or readings) and a little longer;
  // it alarms exactly when it is beyond the limit, at the moment the delay is complete,
  // and a normal value afterwards ends the alarm.
  void runValueCase(double value, bool should_alarm) {
    const auto& c = GetParam();
    const TimePoint t0 = caseStart();
    TimePoint expected_start;
    TimePoint after;
    if (c.source.code == 0) {
      send(t0, value);
      background(t0 + seconds(1), t0 + seconds(29));
      send(t0 + seconds(30), value);  // the same rate again: no second START
      background(t0 + seconds(31), t0 + seconds(59));
      expected_start = t0;
      after = t0 + minutes(1);
    } else if (c.source.episodic) {
      const auto interval = minutes(3);  // a typical NIBP cycle
      const unsigned readings = std::max(1u, row_->readings);
      for (unsigned i = 0; i <= readings; ++i) {  // one reading more than needed
        const TimePoint t = t0 + i * interval;
        if (i > 0) background(t - interval + seconds(10), t - seconds(10));
        send(t, value);
      }
      expected_start = t0 + (readings - 1) * interval;
      after = t0 + (readings + 1) * interval;
      background(t0 + readings * interval + seconds(10), after - seconds(10));
    } else {
      const auto delay = rule_->delay;
      for (TimePoint t = t0; t <= t0 + delay + seconds(5); t += seconds(1)) send(t, value);
      expected_start = t0 + delay;
      after = t0 + delay + seconds(6);
    }
    const auto starts = caseEvents(Phase::Start);
    if (!should_alarm) {
      EXPECT_TRUE(caseEvents().empty()) << describe(caseEvents().front());
      return;
    }
    ASSERT_EQ(starts.size(), 1u);
    // Only the START so far, and for a MEDIUM alarm left unacknowledged long enough, its
    // escalation 120 s later.
    for (const auto& e : caseEvents()) {
      if (e.phase == Phase::Start) continue;
      EXPECT_EQ(e.phase, Phase::Escalate) << describe(e);
      EXPECT_EQ(row_->priority, Priority::Medium);
      EXPECT_EQ(e.event_time, expected_start + seconds(120));
      EXPECT_EQ(e.priority, Priority::High);
    }
    expectStart(starts[0], expected_start, value);
    EXPECT_EQ(select(session_.engine.alarms(), row_->id).size(), 1u);

    // Back inside the limit: the alarm ends under the same id; a HIGH alarm latches first
    // and ends when it is acknowledged.
    send(after, normalValue(c.metric));
    if (rule_->latching) {
      EXPECT_EQ(row_->priority, Priority::High) << "only HIGH latches in the shipped protocol";
      const auto latched = caseEvents(Phase::Update);
      ASSERT_EQ(latched.size(), 1u);
      EXPECT_EQ(latched[0].state, AlarmState::Latched);
      EXPECT_EQ(latched[0].event_time, after);
      EXPECT_TRUE(caseEvents(Phase::End).empty());
      ASSERT_EQ(select(session_.engine.alarms(), row_->id).size(), 1u);
      EXPECT_EQ(select(session_.engine.alarms(), row_->id)[0].state, AlarmState::Latched);
      session_.advance(after + seconds(1));
      ASSERT_TRUE(session_.acknowledge(starts[0].alert_id, "nurse-a").ok);
    } else {
      EXPECT_NE(row_->priority, Priority::High);
    }
    const auto ends = caseEvents(Phase::End);
    ASSERT_EQ(ends.size(), 1u);
    EXPECT_EQ(ends[0].alert_id, starts[0].alert_id);
    EXPECT_EQ(ends[0].state, AlarmState::Inactive);
    EXPECT_EQ(ends[0].event_time, rule_->latching ? after + seconds(1) : after);
    EXPECT_EQ(ends[0].start_time, expected_start);
    EXPECT_TRUE(select(session_.engine.alarms(), row_->id).empty());
  }

  const ExpectedRule* row_ = nullptr;
  const Rule* rule_ = nullptr;
  double threshold_ = 0.0;
  bool inclusive_ = false;
  double inside_ = 0.0;
  double outside_ = 0.0;
  double beyond_ = 0.0;  // the nearest value that alarms: the limit if inclusive
  Session session_{protocol()};
  std::size_t mark_ = 0;
};

TEST_P(RuleTableTest, Case) {
  const auto& c = GetParam();
  const TimePoint t0 = caseStart();
  switch (c.drive) {
    case Drive::OnLimit: runValueCase(threshold_, inclusive_); break;
    case Drive::JustInside: runValueCase(inside_, false); break;
    case Drive::JustOutside: runValueCase(outside_, true); break;

    case Drive::DelayEdge:
      if (c.source.code == 0) {
        // Immediate: the first pump status beyond the limit starts it.
        ASSERT_EQ(rule_->delay, Duration{0});
        send(t0, beyond_);
        const auto starts = caseEvents(Phase::Start);
        ASSERT_EQ(starts.size(), 1u);
        expectStart(starts[0], t0, beyond_);
      } else if (c.source.episodic) {
        // One reading short: nothing, even long after the delay in seconds; the reading that
        // completes the count starts it, even when it comes sooner than delay_s.
        const unsigned readings = std::max(1u, row_->readings);
        ASSERT_GE(readings, 2u);
        const auto repeat = seconds(30);
        ASSERT_LT(repeat * (readings - 1), rule_->delay) << "the readings must come faster than delay_s";
        for (unsigned i = 0; i + 1 < readings; ++i) send(t0 + i * repeat, beyond_);
        background(t0 + seconds(1), t0 + (readings - 1) * repeat - seconds(1));
        EXPECT_TRUE(caseEvents(Phase::Start).empty());
        const TimePoint last = t0 + (readings - 1) * repeat;
        send(last, beyond_);
        const auto starts = caseEvents(Phase::Start);
        ASSERT_EQ(starts.size(), 1u);
        expectStart(starts[0], last, beyond_);
      } else {
        // Beyond from t0 on, sampled every second, and once more 1 ms before the delay is
        // complete: nothing. The sample at t0 + delay starts it.
        const auto delay = rule_->delay;
        ASSERT_GT(delay, Duration{0});
        for (TimePoint t = t0; t < t0 + delay; t += seconds(1)) send(t, beyond_);
        send(t0 + delay - milliseconds(1), beyond_);
        EXPECT_TRUE(caseEvents(Phase::Start).empty());
        send(t0 + delay, beyond_);
        const auto starts = caseEvents(Phase::Start);
        ASSERT_EQ(starts.size(), 1u);
        expectStart(starts[0], t0 + delay, beyond_);
      }
      break;

    case Drive::ResetByInside:
      if (c.source.episodic) {
        // beyond, inside, beyond: the count starts again after the inside reading.
        const auto repeat = seconds(30);
        send(t0, beyond_);
        send(t0 + repeat, inside_);
        send(t0 + 2 * repeat, beyond_);
        EXPECT_TRUE(caseEvents().empty());
        send(t0 + 3 * repeat, beyond_);
        const auto starts = caseEvents(Phase::Start);
        ASSERT_EQ(starts.size(), 1u);
        expectStart(starts[0], t0 + 3 * repeat, beyond_);
      } else {
        // Beyond for all but the last second of the delay, one sample just inside, then the
        // delay must run in full again from the next sample beyond.
        const auto delay = rule_->delay;
        for (TimePoint t = t0; t < t0 + delay; t += seconds(1)) send(t, beyond_);
        send(t0 + delay - milliseconds(500), inside_);
        const TimePoint t1 = t0 + delay;
        for (TimePoint t = t1; t < t1 + delay; t += seconds(1)) send(t, beyond_);
        send(t1 + delay - milliseconds(1), beyond_);
        EXPECT_TRUE(caseEvents().empty());
        send(t1 + delay, beyond_);
        const auto starts = caseEvents(Phase::Start);
        ASSERT_EQ(starts.size(), 1u);
        expectStart(starts[0], t1 + delay, beyond_);
      }
      break;
  }
}

INSTANTIATE_TEST_SUITE_P(ShippedProtocol, RuleTableTest, ::testing::ValuesIn(allCases()),
                         [](const ::testing::TestParamInfo<RuleCase>& info) { return info.param.name; });

// The case list itself must cover every rule, side, metric and source.
TEST(ShippedRuleTable, CasesCoverEveryRuleSideAndSource) {
  const auto cases = allCases();
  for (const auto& row : clinicalTable()) {
    for (bool low_side : {true, false}) {
      if (low_side ? !row.low : !row.high) continue;
      for (Metric metric : row.metrics) {
        for (const Source& source : sourcesOf(metric)) {
          std::set<Drive> drives;
          for (const auto& c : cases) {
            if (clinicalTable()[c.row].id == row.id && c.low_side == low_side && c.metric == metric &&
                c.source.code == source.code) {
              drives.insert(c.drive);
            }
          }
          EXPECT_TRUE(drives.count(Drive::OnLimit) && drives.count(Drive::JustInside) &&
                      drives.count(Drive::DelayEdge))
              << row.id << " " << metricName(metric) << " " << source.code;
        }
      }
    }
  }
  EXPECT_GE(cases.size(), 150u);
}

}  // namespace
}  // namespace vigil::core
