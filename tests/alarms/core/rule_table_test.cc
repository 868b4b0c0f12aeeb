// One table row per rule of the shipped protocol (CLINICAL.md section 3), and for every
// row, side, metric and input that can carry it (ECG and oximeter pulse, NIBP under its
// NONINV and CUFF codes, arterial pressure, the pump), six probes through a fresh engine:
//   OnLimit        the limit itself, held past the delay: alarms exactly when inclusive
//   JustInside     one step inside: never alarms
//   JustOutside    one step beyond: alarms
//   DelayShort     beyond for the delay less 1 ms (or n - 1 readings): no alarm yet
//   DelayExact     beyond for exactly the delay (or the n-th reading): the alarm starts then
//   ResetByInside  one value inside just before the delay ends: the delay starts again
// and every START carries the row's priority, kind, advice, value, unit and limit.
//
// The numbers come from the table below, never from the protocol file, so a mistaken edit
// of the file fails here; RuleRow.MatchesTheProtocolFile says which rule and which field.
//
// Adding a row: one line in rules(). A row on a new kind of input (a nurse's entry, the
// session dose, a NEWS2 score) also needs that input in inputs() and one case in
// RuleProbe::send() that turns a number into that input at a time.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.h"

namespace vigil::core {
namespace {

using namespace test_support;

// ---------------------------------------------------------------- the table

struct Row {
  std::string id;
  std::vector<Metric> metrics;  // any of these
  Reference reference = Reference::Absolute;
  std::optional<Limit> low;   // absolute, or percent below baseline
  std::optional<Limit> high;  // absolute, or percent above baseline
  double delay_s = 0;         // continuous inputs (and pump statuses): seconds beyond the limit
  unsigned readings = 0;      // episodic inputs (NIBP): consecutive readings beyond the limit
  Priority priority = Priority::None;
  AdviceAction advice = AdviceAction::None;
  AlarmKind kind = AlarmKind::Physiological;
};

std::optional<Limit> below(double v) { return Limit{v, false}; }
std::optional<Limit> atOrBelow(double v) { return Limit{v, true}; }
std::optional<Limit> above(double v) { return Limit{v, false}; }
std::optional<Limit> atOrAbove(double v) { return Limit{v, true}; }
constexpr std::nullopt_t none = std::nullopt;

const std::vector<Row>& rules() {
  using M = Metric;
  using P = Priority;
  using A = AdviceAction;
  constexpr auto Abs = Reference::Absolute;
  constexpr auto Pct = Reference::BaselinePercent;
  constexpr auto Advisory = AlarmKind::Advisory;
  static const std::vector<Row> table{
      // id                           metrics                 ref  low            high           delay n  priority
      // advice
      {"spo2-below-90", {M::SpO2}, Abs, below(90), none, 15, 0, P::High, A::Pause},                           // 1
      {"spo2-at-or-below-85", {M::SpO2}, Abs, atOrBelow(85), none, 10, 0, P::High, A::StopAndCall},           // 2
      {"spo2-below-94", {M::SpO2}, Abs, below(94), none, 60, 0, P::Medium, A::Hold},                          // 3
      {"rr-below-10", {M::RespRate}, Abs, below(10), none, 30, 0, P::High, A::Pause},                         // 4
      {"no-breath", {M::RespRate}, Abs, atOrBelow(0), none, 20, 0, P::High, A::StopAndCall},                  // 5
      {"sbp-above-180", {M::Sbp}, Abs, none, above(180), 60, 2, P::High, A::Pause},                           // 6
      {"sbp-above-160", {M::Sbp}, Abs, none, above(160), 60, 2, P::Medium, A::Reduce},                        // 7
      {"sbp-below-90", {M::Sbp}, Abs, below(90), none, 60, 2, P::High, A::Pause},                             // 8
      {"bp-20pct-above-baseline", {M::Sbp, M::Map}, Pct, none, atOrAbove(20), 120, 2, P::Medium, A::Hold},    // 9
      {"bp-30pct-above-baseline", {M::Sbp, M::Map}, Pct, none, atOrAbove(30), 120, 2, P::Medium, A::Reduce},  // 10
      {"hr-out-of-range", {M::HeartRate, M::Pulse}, Abs, below(50), above(150), 30, 0, P::High, A::Pause},    // 11
      {"hr-above-120", {M::HeartRate, M::Pulse}, Abs, none, above(120), 60, 0, P::Medium, A::Hold},           // 12
      {"hr-30pct-above-baseline",
       {M::HeartRate, M::Pulse},
       Pct,
       none,
       atOrAbove(30),
       120,
       0,
       P::Medium,
       A::Hold},                                                                        // 13
      {"etco2-above-50", {M::EtCO2}, Abs, none, above(50), 60, 0, P::Medium, A::Hold},  // 14
      {"dose-rate-above-protocol-max",
       {M::DoseRateMgPerKgPerH},
       Abs,
       none,
       above(0.35),
       0,
       0,
       P::Medium,
       A::Hold,
       Advisory},  // 18
      {"dose-rate-above-25-mg-per-h",
       {M::DoseRateMgPerH},
       Abs,
       none,
       above(25),
       0,
       0,
       P::Medium,
       A::Hold,
       Advisory},  // 18
      {"dose-rate-above-ceiling",
       {M::DoseRateMgPerKgPerH},
       Abs,
       none,
       above(1.0),
       0,
       0,
       P::High,
       A::StopAndCall,
       Advisory},  // 19
  };
  return table;
}

// ---------------------------------------------------------------- the table against the file

const Protocol& shipped() {
  static const Protocol loaded = shippedProtocol();
  return loaded;
}

template <typename T>
void compare(std::vector<std::string>& out, const char* field, const T& table, const T& file) {
  if (table == file) return;
  std::ostringstream text;
  text << std::boolalpha << field << ": the table says " << table << ", the protocol file says " << file;
  out.push_back(text.str());
}

void compareLimit(std::vector<std::string>& out, const std::string& side, const std::optional<Limit>& table,
                  const std::optional<Limit>& file) {
  compare(out, (side + " present").c_str(), table.has_value(), file.has_value());
  if (!table || !file) return;
  compare(out, (side + ".value").c_str(), table->value, file->value);
  compare(out, (side + ".inclusive").c_str(), table->inclusive, file->inclusive);
}

std::string metricsText(const std::vector<Metric>& metrics) {
  std::string text;
  for (Metric m : metrics) text += (text.empty() ? "" : ",") + std::string(metricName(m));
  return text;
}

// Every field of the rule that differs from its row, named.
std::vector<std::string> differences(const Row& row, const Rule& rule) {
  std::vector<std::string> out;
  compare(out, "metrics", metricsText(row.metrics), metricsText(rule.metrics));
  compare(out, "reference (0 absolute, 1 baseline %)", static_cast<int>(row.reference),
          static_cast<int>(rule.reference));
  compareLimit(out, "low", row.low, rule.low);
  compareLimit(out, "high", row.high, rule.high);
  compare(out, "delay_s", row.delay_s, std::chrono::duration<double>(rule.delay).count());
  compare(out, "consecutive_readings", std::max(1u, row.readings), std::max(1u, rule.consecutive_readings));
  compare(out, "priority (1 low, 2 medium, 3 high)", static_cast<int>(row.priority), static_cast<int>(rule.priority));
  compare(out, "advice (1 hold, 2 reduce, 3 pause, 4 stop and call)", static_cast<int>(row.advice),
          static_cast<int>(rule.advice));
  compare(out, "kind (0 physiological, 2 advisory)", static_cast<int>(row.kind), static_cast<int>(rule.kind));
  return out;
}

void PrintTo(const Row& row, std::ostream* os) { *os << row.id; }

class RuleRow : public ::testing::TestWithParam<Row> {};

TEST_P(RuleRow, MatchesTheProtocolFile) {
  const Row& row = GetParam();
  const Rule* rule = findRule(shipped(), row.id);
  ASSERT_NE(rule, nullptr) << "rule " << row.id << " is in the table but not in the protocol file";
  for (const auto& difference : differences(row, *rule)) ADD_FAILURE() << "rule " << row.id << ", " << difference;
}

std::string testName(std::string text) {
  for (char& c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return text;
}

INSTANTIATE_TEST_SUITE_P(Shipped, RuleRow, ::testing::ValuesIn(rules()),
                         [](const ::testing::TestParamInfo<Row>& info) { return testName(info.param.id); });

TEST(RuleRowTable, EveryRuleOfTheProtocolFileHasARow) {
  for (const Rule& rule : shipped().rules) {
    const bool found = std::any_of(rules().begin(), rules().end(), [&](const Row& row) { return row.id == rule.id; });
    EXPECT_TRUE(found) << "rule " << rule.id << " is in the protocol file but has no row in rule_table_test.cc";
  }
}

TEST(RuleRowTable, TheDifferencesNameTheRuleAndTheField) {
  // The check itself: a rule one field off is reported, by field, with both values.
  const Row& row = rules().front();
  Rule rule;
  rule.id = row.id;
  rule.metrics = row.metrics;
  rule.reference = row.reference;
  rule.low = row.low;
  rule.high = row.high;
  rule.delay = Duration{static_cast<std::int64_t>(row.delay_s * 1000)};
  rule.consecutive_readings = row.readings;
  rule.priority = row.priority;
  rule.advice = row.advice;
  rule.kind = row.kind;
  EXPECT_TRUE(differences(row, rule).empty());
  rule.low->value += 1;
  rule.priority = Priority::Low;
  const auto found = differences(row, rule);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0], "low.value: the table says 90, the protocol file says 91");
  EXPECT_EQ(found[1], "priority (1 low, 2 medium, 3 high): the table says 3, the protocol file says 1");
}

// ---------------------------------------------------------------- inputs

// How a value reaches the engine, and so how its persistence is counted.
enum class Carrier {
  Continuous,  // a monitor frame every second; persistence in seconds
  Nibp,        // one NIBP reading (sys, dia, mean); persistence in readings
  Pump,        // a pump status; persistence in seconds (the dose rules are immediate)
};

struct Input {
  const char* name;
  Metric metric;
  std::uint32_t code;  // 0: the pump status
  Carrier carrier;
  double normal;      // the test patient's value, and so its baseline
  double step;        // "just" inside or outside: finer than the devices resolve
  bool cuff = false;  // NIBP sent under the CUFF alias codes instead of NONINV
};

// The test patient's weight and the pump's concentration: 80 kg, 2 mg/mL (test_support).
constexpr double kSteadyRate = 0.2;  // mg/kg/h
constexpr double kFirstRate = 0.1;

const std::vector<Input>& inputs() {
  static const std::vector<Input> list{
      {"EcgHr", Metric::HeartRate, mdc::kEcgHeartRate, Carrier::Continuous, 80, 0.1},
      {"OximeterPulse", Metric::Pulse, mdc::kPulseOximPulseRate, Carrier::Continuous, 80, 0.1},
      {"SpO2", Metric::SpO2, mdc::kSpO2, Carrier::Continuous, 98, 0.1},
      {"RR", Metric::RespRate, mdc::kRespRate, Carrier::Continuous, 14, 0.1},
      {"EtCO2", Metric::EtCO2, mdc::kEtCO2, Carrier::Continuous, 38, 0.1},
      {"NibpSys", Metric::Sbp, mdc::kNibpSys, Carrier::Nibp, 120, 0.1},
      {"NibpMean", Metric::Map, mdc::kNibpMean, Carrier::Nibp, 90, 0.1},
      {"CuffSys", Metric::Sbp, mdc::kCuffSys, Carrier::Nibp, 120, 0.1, true},
      {"CuffMean", Metric::Map, mdc::kCuffMean, Carrier::Nibp, 90, 0.1, true},
      {"ArterialSys", Metric::Sbp, mdc::kAbpSys, Carrier::Continuous, 120, 0.1},
      {"ArterialMean", Metric::Map, mdc::kAbpMean, Carrier::Continuous, 90, 0.1},
      {"PumpMgPerKgPerH", Metric::DoseRateMgPerKgPerH, 0, Carrier::Pump, kSteadyRate, 0.001},
      {"PumpMgPerH", Metric::DoseRateMgPerH, 0, Carrier::Pump, kSteadyRate * kWeightKg, 0.01},
  };
  return list;
}

// The vitals a bedside monitor streams all the time (arterial pressure only when probed).
const std::vector<std::uint32_t>& streamedCodes() {
  static const std::vector<std::uint32_t> codes{mdc::kEcgHeartRate, mdc::kPulseOximPulseRate, mdc::kSpO2,
                                                mdc::kRespRate, mdc::kEtCO2};
  return codes;
}

const Input& inputWithCode(std::uint32_t code) {
  for (const auto& input : inputs()) {
    if (input.code == code) return input;
  }
  throw std::logic_error("no input with code " + std::to_string(code));
}

// ---------------------------------------------------------------- cases

enum class Probe { OnLimit, JustInside, JustOutside, DelayShort, DelayExact, ResetByInside };

const char* probeName(Probe p) {
  switch (p) {
    case Probe::OnLimit: return "OnLimit";
    case Probe::JustInside: return "JustInside";
    case Probe::JustOutside: return "JustOutside";
    case Probe::DelayShort: return "DelayShort";
    case Probe::DelayExact: return "DelayExact";
    case Probe::ResetByInside: return "ResetByInside";
  }
  return "?";
}

struct Case {
  const Row* row = nullptr;
  const Input* input = nullptr;
  bool low_side = false;
  Probe probe = Probe::OnLimit;
  std::string name;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

unsigned readingsOf(const Row& row) { return std::max(1u, row.readings); }

// Whether a probe means anything for this row and input.
bool applies(const Row& row, const Input& input, bool low_side, Probe probe) {
  const double limit = low_side ? row.low->value : row.high->value;
  // No vital sign is below 0 (RR = 0 is "no breath" itself).
  if (probe == Probe::JustOutside && low_side && row.reference == Reference::Absolute && limit - input.step < 0) {
    return false;
  }
  // Nothing to be short of, or to reset: an immediate rule, or a single reading.
  if (probe == Probe::DelayShort || probe == Probe::ResetByInside) {
    return input.carrier == Carrier::Nibp ? readingsOf(row) >= 2 : row.delay_s >= 1;
  }
  return true;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const Row& row : rules()) {
    for (bool low_side : {true, false}) {
      if (!(low_side ? row.low : row.high)) continue;
      for (const Input& input : inputs()) {
        if (std::find(row.metrics.begin(), row.metrics.end(), input.metric) == row.metrics.end()) continue;
        for (Probe probe : {Probe::OnLimit, Probe::JustInside, Probe::JustOutside, Probe::DelayShort, Probe::DelayExact,
                            Probe::ResetByInside}) {
          if (!applies(row, input, low_side, probe)) continue;
          out.push_back({&row, &input, low_side, probe,
                         testName(row.id + "_" + input.name + (low_side ? "_Low_" : "_High_") + probeName(probe))});
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- the patient and the probes

TimePoint infusionStart() { return atSecond(300); }
TimePoint lastIncrease() { return infusionStart() + minutes(30); }
// Two hours after the last increase: outside the 40-min attribution window and with Ce
// steady, so every alarm keeps the advice its row gives (checked in SetUp).
TimePoint probeStart() { return lastIncrease() + hours(2); }

constexpr auto kNibpInterval = minutes(3);
constexpr auto kBackgroundStep = seconds(10);

class RuleProbe : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const Case& c = GetParam();
    row_ = c.row;
    input_ = c.input;
    threshold_ = thresholdFor(c.low_side);
    const double toward_outside = c.low_side ? -input_->step : input_->step;
    inside_ = threshold_ - toward_outside;
    outside_ = threshold_ + toward_outside;
    const Limit& limit = c.low_side ? *row_->low : *row_->high;
    inclusive_ = limit.inclusive;
    beyond_ = inclusive_ ? threshold_ : outside_;

    establishSteadyInfusion();
    ASSERT_TRUE(session_.events.empty()) << "the test patient alarmed before the probe: "
                                         << describe(session_.events[0]);
    for (const auto& input : inputs()) {
      if (input.carrier == Carrier::Pump || input.code == mdc::kAbpSys || input.code == mdc::kAbpMean) continue;
      const auto baseline = session_.engine.baseline(kPatient, input.metric);
      ASSERT_TRUE(baseline.has_value()) << input.name;
      ASSERT_DOUBLE_EQ(baseline->value, input.normal) << input.name;
      ASSERT_FALSE(baseline->provisional) << input.name;
    }
    const auto dose = session_.engine.doseContext(kPatient);
    ASSERT_TRUE(dose && dose->infusion_running);
    ASSERT_FALSE(dose->likely_dose_related) << dose->attribution;
    mark_ = session_.events.size();
  }

  // The row's limit as an absolute value for this input: baseline-relative rows from the
  // test patient's baseline, the way the protocol defines the percentage.
  double thresholdFor(bool low_side) const {
    const Limit& limit = low_side ? *row_->low : *row_->high;
    if (row_->reference == Reference::Absolute) return limit.value;
    return input_->normal * (low_side ? 1.0 - limit.value / 100.0 : 1.0 + limit.value / 100.0);
  }

  // ---- what reaches the engine

  std::vector<Measurement> monitorFrame(std::optional<std::uint32_t> probed, double value) const {
    std::vector<Measurement> ms;
    for (std::uint32_t code : streamedCodes()) ms.push_back(measurement(code, inputWithCode(code).normal));
    if (!probed) return ms;
    for (auto& m : ms) {
      if (m.code == *probed) m.value = value;
    }
    if (std::none_of(ms.begin(), ms.end(), [&](const Measurement& m) { return m.code == *probed; })) {
      ms.push_back(measurement(*probed, value));
    }
    return ms;
  }
  // NIBP comes from its own device, so its frames never share a sequence number with the
  // monitor's frame of the same second.
  void nibp(TimePoint t, double sys, double mean, bool cuff_codes = false) {
    append(session_.events,
           session_.engine.onVitals(frame(t, nibpReading(sys, 75, mean, cuff_codes), kPatient, "nibp-1")).alarms);
  }
  void pumpAt(TimePoint t, double mg_per_kg_per_h) { session_.infusion(pump(t, mg_per_kg_per_h)); }

  // The probed input at `value` at `t`.
  void send(TimePoint t, double value) {
    switch (input_->carrier) {
      case Carrier::Continuous: session_.vitals(t, monitorFrame(input_->code, value)); break;
      case Carrier::Nibp:
        if (input_->metric == Metric::Sbp) nibp(t, value, 90, input_->cuff);
        else nibp(t, 120, value, input_->cuff);
        break;
      case Carrier::Pump: pumpAt(t, input_->metric == Metric::DoseRateMgPerH ? value / kWeightKg : value); break;
    }
  }

  // Everything else normal, every 10 s over [from, to): the monitor, the pump, and NIBP
  // every 3 min unless NIBP is what is probed. No stream goes quiet, so no condition but
  // the probed one can start.
  void background(TimePoint from, TimePoint to, double rate = kSteadyRate, bool with_nibp = true) {
    for (TimePoint t = from; t < to; t += kBackgroundStep) {
      session_.vitals(t, monitorFrame(std::nullopt, 0));
      // A probed pump sends its own statuses from the probe on; before it, the pump keeps
      // reporting like any other stream (a silent pump is a technical alarm).
      if (input_->carrier != Carrier::Pump || t < probeStart()) pumpAt(t, rate);
      if (with_nibp && (t - infusionStart()) % kNibpInterval == Duration{0}) nibp(t, 120, 90);
    }
  }

  // 5 min of normal vitals every second with three NIBP readings (baselines: HR and pulse
  // 80, SBP 120, MAP 90, SpO2 98, RR 14, EtCO2 38), then ketamine 0.1 mg/kg/h, 0.2 mg/kg/h
  // 30 min later, and normal everything up to the probe.
  void establishSteadyInfusion() {
    for (TimePoint t = atSecond(0); t < infusionStart(); t += seconds(1)) {
      session_.vitals(t, monitorFrame(std::nullopt, 0));
    }
    nibp(atSecond(10), 118, 88);
    nibp(atSecond(150), 122, 92);
    nibp(atSecond(290), 120, 90);
    pumpAt(infusionStart(), kFirstRate);
    background(infusionStart(), lastIncrease(), kFirstRate);
    pumpAt(lastIncrease(), kSteadyRate);
    background(lastIncrease(), probeStart());
  }

  // ---- running a probe

  // The input at `value` from t0: every second for `duration` (timed inputs, ends
  // included), or `readings` NIBP readings 3 min apart with the monitor in between.
  // Returns the time of the last value sent.
  TimePoint hold(double value, Duration duration, unsigned readings) {
    const TimePoint t0 = probeStart();
    if (input_->carrier == Carrier::Nibp) {
      TimePoint last = t0;
      for (unsigned i = 0; i < readings; ++i) {
        last = t0 + i * kNibpInterval;
        send(last, value);
        if (i + 1 < readings) background(last + kBackgroundStep, last + kNibpInterval, kSteadyRate, false);
      }
      return last;
    }
    TimePoint last = t0;
    for (TimePoint t = t0; t <= t0 + duration; t += seconds(1)) {
      send(t, value);
      if (input_->carrier == Carrier::Pump) session_.vitals(t, monitorFrame(std::nullopt, 0));
      if (input_->carrier != Carrier::Pump && (t - t0) % kBackgroundStep == Duration{0}) pumpAt(t, kSteadyRate);
      last = t;
    }
    return last;
  }

  Duration delay() const { return Duration{static_cast<std::int64_t>(row_->delay_s * 1000)}; }
  unsigned readings() const { return readingsOf(*row_); }

  AlarmEvents starts() const {
    return select(AlarmEvents(session_.events.begin() + static_cast<std::ptrdiff_t>(mark_), session_.events.end()),
                  row_->id, Phase::Start);
  }

  // The alarm the row promises: one START at `when`, with the row's priority, kind and
  // advice, triggered by this input at `value` against the row's limit.
  void expectAlarmAt(TimePoint when, double value) const {
    const auto found = starts();
    ASSERT_EQ(found.size(), 1u) << "rule " << row_->id << ": expected one START";
    const AlarmEvent& e = found[0];
    EXPECT_EQ(e.start_time, when) << "rule " << row_->id << ": started after " << (e.start_time - probeStart()).count()
                                  << " ms";
    EXPECT_EQ(e.priority, row_->priority) << "rule " << row_->id << ": priority";
    EXPECT_EQ(e.kind, row_->kind) << "rule " << row_->id << ": kind";
    EXPECT_EQ(e.advice.action, row_->advice) << "rule " << row_->id << ": advice (" << e.advice.reason << ")";
    EXPECT_FALSE(e.dose.likely_dose_related) << e.dose.attribution;
    EXPECT_EQ(e.trigger.code, input_->code);
    EXPECT_EQ(e.trigger.metric, metricName(input_->metric));
    EXPECT_EQ(e.trigger.unit, metricUnit(input_->metric));
    EXPECT_NEAR(e.trigger.value, value, 1e-9);
    EXPECT_DOUBLE_EQ(e.trigger.limit_value, threshold_);
  }

  void expectNoAlarm() const {
    const auto found = starts();
    EXPECT_TRUE(found.empty()) << "rule " << row_->id << ": " << describe(found.front());
  }

  // Beyond for all but the end of the delay (or n - 1 readings), one value just inside,
  // then the delay runs in full again from the next value beyond.
  void resetByInside() {
    const TimePoint t0 = probeStart();
    if (input_->carrier == Carrier::Nibp) {
      const unsigned n = readings();
      TimePoint t = t0;
      const auto reading = [&](double value) {
        send(t, value);
        background(t + kBackgroundStep, t + kNibpInterval, kSteadyRate, false);
        t += kNibpInterval;
      };
      for (unsigned i = 0; i + 1 < n; ++i) reading(beyond_);
      reading(inside_);
      for (unsigned i = 0; i + 1 < n; ++i) reading(beyond_);
      expectNoAlarm();
      send(t, beyond_);
      return expectAlarmAt(t, beyond_);
    }
    sendEverySecond(t0, t0 + delay(), beyond_);
    send(t0 + delay() - milliseconds(500), inside_);
    const TimePoint t1 = t0 + delay();
    sendEverySecond(t1, t1 + delay(), beyond_);
    send(t1 + delay() - milliseconds(1), beyond_);
    expectNoAlarm();
    send(t1 + delay(), beyond_);
    expectAlarmAt(t1 + delay(), beyond_);
  }

  // The probed input at `value` every second over [from, to), with the pump reporting.
  void sendEverySecond(TimePoint from, TimePoint to, double value) {
    for (TimePoint t = from; t < to; t += seconds(1)) {
      send(t, value);
      if ((t - from) % kBackgroundStep == Duration{0}) pumpAt(t, kSteadyRate);
    }
  }

  // A value held past the delay (5 s more, or one reading more): alarms iff it should.
  void holdLong(double value, bool should_alarm) {
    hold(value, delay() + seconds(5), readings() + 1);
    if (!should_alarm) return expectNoAlarm();
    const TimePoint when =
        input_->carrier == Carrier::Nibp ? probeStart() + (readings() - 1) * kNibpInterval : probeStart() + delay();
    expectAlarmAt(when, value);
  }

  const Row* row_ = nullptr;
  const Input* input_ = nullptr;
  double threshold_ = 0;
  double inside_ = 0;
  double outside_ = 0;
  double beyond_ = 0;  // the nearest value that alarms: the limit itself when inclusive
  bool inclusive_ = false;
  Session session_{shipped()};
  std::size_t mark_ = 0;
};

TEST_P(RuleProbe, Case) {
  switch (GetParam().probe) {
    case Probe::OnLimit: return holdLong(threshold_, inclusive_);
    case Probe::JustInside: return holdLong(inside_, false);
    case Probe::JustOutside: return holdLong(outside_, true);
    case Probe::DelayShort: {
      const TimePoint last = hold(beyond_, delay() - seconds(1), readings() - 1);
      if (GetParam().input->carrier == Carrier::Nibp) {
        // NIBP: time alone completes nothing; only the n-th reading does.
        background(last + kBackgroundStep, last + delay() + kNibpInterval, kSteadyRate, false);
      } else {
        // One sample more, 1 ms before the delay is complete: still nothing.
        send(probeStart() + delay() - milliseconds(1), beyond_);
      }
      return expectNoAlarm();
    }
    case Probe::ResetByInside: return resetByInside();
    case Probe::DelayExact: {
      const TimePoint last = hold(beyond_, delay(), readings());
      return expectAlarmAt(last, beyond_);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shipped, RuleProbe, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

// Every row, side, metric and input got its probes (the case list cannot silently shrink).
TEST(RuleRowTable, EveryRowIsProbedOnEveryInputThatCarriesIt) {
  const auto all = cases();
  for (const Row& row : rules()) {
    for (Metric metric : row.metrics) {
      const auto probes = std::count_if(all.begin(), all.end(), [&](const Case& c) {
        return c.row->id == row.id && c.input->metric == metric && c.probe == Probe::DelayExact;
      });
      const auto carriers =
          std::count_if(inputs().begin(), inputs().end(), [&](const Input& input) { return input.metric == metric; });
      const int sides = (row.low ? 1 : 0) + (row.high ? 1 : 0);
      EXPECT_GE(carriers, 1) << "rule " << row.id << ": no input carries " << metricName(metric);
      EXPECT_EQ(probes, carriers * sides) << "rule " << row.id << " " << metricName(metric);
    }
  }
}

}  // namespace
}  // namespace vigil::core
