#include "streamer/simulator/ward.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "alarms/core/metrics.h"

namespace vigil::streamer::sim {
namespace {

namespace mdc = core::mdc;
using std::chrono::minutes;
using std::chrono::seconds;

const core::TimePoint kStart = core::fromMillis(1'700'000'000'000);

// Limits of the CLINICAL.md section 3 rule table that a quiet patient must never cross.
constexpr double kSpO2Low = 94.0;
constexpr double kHeartRateLow = 50.0;
constexpr double kHeartRateHigh = 120.0;
constexpr double kRespRateLow = 10.0;
constexpr double kSystolicLow = 90.0;
constexpr double kSystolicHigh = 160.0;
constexpr double kEtCO2High = 50.0;

WardConfig defaultConfig(std::uint64_t seed = 1) {
  WardConfig config;
  config.seed = seed;
  config.start = kStart;
  return config;
}

std::vector<Output> wholeSession(const WardConfig& config) {
  Ward ward(config);
  return ward.advanceTo(ward.endTime());
}

double simMinute(core::TimePoint time) { return core::minutesBetween(kStart, time); }

bool sameMeasurement(const core::Measurement& a, const core::Measurement& b) {
  return a.code == b.code && a.value == b.value && a.unit == b.unit && a.quality == b.quality;
}

bool sameFrame(const core::VitalsFrame& a, const core::VitalsFrame& b) {
  return a.patient_id == b.patient_id && a.unit == b.unit && a.device_id == b.device_id && a.sequence == b.sequence &&
         a.time == b.time &&
         std::equal(a.measurements.begin(), a.measurements.end(), b.measurements.begin(), b.measurements.end(),
                    sameMeasurement);
}

bool sameStatus(const core::PumpStatus& a, const core::PumpStatus& b) {
  return a.patient_id == b.patient_id && a.unit == b.unit && a.device_id == b.device_id && a.sequence == b.sequence &&
         a.time == b.time && a.drug == b.drug && a.concentration_mg_per_ml == b.concentration_mg_per_ml &&
         a.rate_ml_per_h == b.rate_ml_per_h && a.dose_rate_mg_per_kg_per_h == b.dose_rate_mg_per_kg_per_h &&
         a.patient_weight_kg == b.patient_weight_kg && a.state == b.state && a.volume_infused_ml == b.volume_infused_ml;
}

bool sameOutput(const Output& a, const Output& b) {
  if (a.index() != b.index()) return false;
  if (const auto* frame = std::get_if<core::VitalsFrame>(&a)) return sameFrame(*frame, std::get<core::VitalsFrame>(b));
  return sameStatus(std::get<core::PumpStatus>(a), std::get<core::PumpStatus>(b));
}

// Returns the index of the first differing output, or -1 when the sequences are equal.
long firstDifference(const std::vector<Output>& a, const std::vector<Output>& b) {
  const std::size_t common = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (!sameOutput(a[i], b[i])) return static_cast<long>(i);
  }
  return a.size() == b.size() ? -1 : static_cast<long>(common);
}

// One measurement of one patient, with the time of its frame.
struct Sample {
  core::TimePoint time;
  double value = 0.0;
  core::Quality quality = core::Quality::Valid;
  bool valid() const { return quality == core::Quality::Valid; }
};

std::vector<Sample> samplesOf(const std::vector<Output>& outputs, const std::string& patient, std::uint32_t code) {
  std::vector<Sample> samples;
  for (const auto& output : outputs) {
    const auto* frame = std::get_if<core::VitalsFrame>(&output);
    if (frame == nullptr || frame->patient_id != patient) continue;
    for (const auto& m : frame->measurements) {
      if (m.code == code) samples.push_back({frame->time, m.value, m.quality});
    }
  }
  return samples;
}

std::vector<core::PumpStatus> pumpStatusesOf(const std::vector<Output>& outputs, const std::string& patient) {
  std::vector<core::PumpStatus> statuses;
  for (const auto& output : outputs) {
    const auto* status = std::get_if<core::PumpStatus>(&output);
    if (status != nullptr && status->patient_id == patient) statuses.push_back(*status);
  }
  return statuses;
}

std::vector<Sample> validOnly(const std::vector<Sample>& samples) {
  std::vector<Sample> valid;
  std::copy_if(samples.begin(), samples.end(), std::back_inserter(valid), [](const Sample& s) { return s.valid(); });
  return valid;
}

// Walks the runs of valid samples meeting `condition` (artifacts, which a monitor's rules
// ignore, neither count nor break a run), calling visit(run_start, covered) for each sample
// in a run until it returns true; `covered` counts the sample's own second.
template <typename Condition, typename Visit>
void walkValidRuns(const std::vector<Sample>& samples, Condition condition, Visit visit) {
  std::optional<core::TimePoint> run_start;
  for (const auto& s : samples) {
    if (!s.valid()) continue;
    if (!condition(s.value)) {
      run_start.reset();
      continue;
    }
    if (!run_start) run_start = s.time;
    if (visit(*run_start, std::chrono::duration_cast<seconds>(s.time - *run_start) + seconds{1})) return;
  }
}

// The longest stretch of valid samples meeting `condition` with no valid sample against it.
template <typename Condition>
seconds longestValidRun(const std::vector<Sample>& samples, Condition condition) {
  seconds longest{0};
  walkValidRuns(samples, condition, [&](core::TimePoint, seconds covered) {
    longest = std::max(longest, covered);
    return false;
  });
  return longest;
}

// When `condition` first holds for `duration` of valid samples: the start of that run.
template <typename Condition>
std::optional<core::TimePoint> firstSustained(const std::vector<Sample>& samples, seconds duration,
                                              Condition condition) {
  std::optional<core::TimePoint> found;
  walkValidRuns(samples, condition, [&](core::TimePoint run_start, seconds covered) {
    if (covered >= duration) found = run_start;
    return found.has_value();
  });
  return found;
}

const PatientPlan& planOf(const std::vector<PatientPlan>& plans, ScenarioKind kind) {
  const auto found = std::find_if(plans.begin(), plans.end(), [&](const PatientPlan& p) { return p.scenario == kind; });
  if (found == plans.end()) throw std::logic_error("no patient with that scenario");
  return *found;
}

// The sim minute of the latest rate increase before `minute`, if any. A step at the very
// instant of a reading cannot have caused it.
std::optional<double> lastIncreaseBefore(const PatientPlan& plan, double minute) {
  std::optional<double> last;
  double previous_rate = 0.0;
  for (const auto& step : plan.titration) {
    if (step.minute >= minute) break;
    if (step.rate_mg_per_kg_per_h > previous_rate) last = step.minute;
    previous_rate = step.rate_mg_per_kg_per_h;
  }
  return last;
}

// The default ward, simulated once for the tests that only look at it.
class DefaultWardTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const WardConfig config = defaultConfig();
    plans_ = new std::vector<PatientPlan>(planWard(config));
    outputs_ = new std::vector<Output>(wholeSession(config));
  }
  static void TearDownTestSuite() {
    delete plans_;
    delete outputs_;
    plans_ = nullptr;
    outputs_ = nullptr;
  }
  static const std::vector<PatientPlan>& plans() { return *plans_; }
  static const std::vector<Output>& outputs() { return *outputs_; }
  static const PatientPlan& patient(ScenarioKind kind) { return planOf(plans(), kind); }

 private:
  static inline std::vector<PatientPlan>* plans_ = nullptr;
  static inline std::vector<Output>* outputs_ = nullptr;
};

TEST(ScenarioNamesTest, EveryScenarioRoundTripsThroughItsName) {
  ASSERT_EQ(allScenarios().size(), 5u);
  for (const auto kind : allScenarios()) {
    const auto parsed = parseScenario(scenarioName(kind));
    ASSERT_TRUE(parsed.has_value()) << scenarioName(kind);
    EXPECT_EQ(*parsed, kind);
  }
  EXPECT_EQ(scenarioName(ScenarioKind::BpClimb), "bp-climb");
  EXPECT_EQ(scenarioName(ScenarioKind::ProbeOff), "probe-off");
  EXPECT_FALSE(parseScenario("Quiet").has_value());
  EXPECT_FALSE(parseScenario("").has_value());
}

TEST(ScenarioNamesTest, ParsesAListAndNamesTheFirstUnknownEntry) {
  const auto list = parseScenarioList("desaturation,quiet,desaturation");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list.value, (std::vector{ScenarioKind::Desaturation, ScenarioKind::Quiet, ScenarioKind::Desaturation}));

  const auto bad = parseScenarioList("quiet,hypotension,tachy");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error, "hypotension");
  EXPECT_FALSE(bad.value.has_value());
  EXPECT_FALSE(parseScenarioList("quiet,").ok());
  EXPECT_FALSE(parseScenarioList("").ok());
}

TEST(WardPlanTest, FillsBedsRoundRobinWithStableNamesAndWeights) {
  WardConfig config = defaultConfig();
  config.patients = 7;
  const auto plans = planWard(config);
  ASSERT_EQ(plans.size(), 7u);
  EXPECT_EQ(plans[0].patient_id, "bed-01");
  EXPECT_EQ(plans[6].patient_id, "bed-07");
  EXPECT_EQ(plans[0].monitorId(), "bed-01-monitor");
  EXPECT_EQ(plans[0].pumpId(), "bed-01-pump");
  const auto order = allScenarios();
  for (std::size_t i = 0; i < plans.size(); ++i) EXPECT_EQ(plans[i].scenario, order[i % order.size()]);
  for (const auto& plan : plans) {
    EXPECT_GE(plan.weight_kg, 55.0);
    EXPECT_LE(plan.weight_kg, 95.0);
    EXPECT_EQ(plan.weight_kg, std::round(plan.weight_kg));
    EXPECT_EQ(plan.unit, "pacu");
  }

  config.scenarios = {ScenarioKind::Quiet, ScenarioKind::Tachycardia};
  const auto chosen = planWard(config);
  EXPECT_EQ(chosen[0].scenario, ScenarioKind::Quiet);
  EXPECT_EQ(chosen[1].scenario, ScenarioKind::Tachycardia);
  EXPECT_EQ(chosen[2].scenario, ScenarioKind::Quiet);
}

TEST(WardPlanTest, TitrationStartsAfterBaselineStepsUpAndStopsAtTheEnd) {
  for (const auto& plan : planWard(defaultConfig())) {
    const auto& steps = plan.titration;
    ASSERT_GE(steps.size(), 3u) << plan.patient_id;
    EXPECT_EQ(steps.front().minute, 5.0);
    EXPECT_DOUBLE_EQ(steps.front().rate_mg_per_kg_per_h, 0.1);
    EXPECT_EQ(steps.back().minute, 245.0);
    EXPECT_EQ(steps.back().rate_mg_per_kg_per_h, 0.0);
    for (std::size_t i = 1; i + 1 < steps.size(); ++i) {
      EXPECT_GE(steps[i].minute - steps[i - 1].minute, 30.0) << "rule 21: no increase within 30 min";
      EXPECT_GT(steps[i].rate_mg_per_kg_per_h, steps[i - 1].rate_mg_per_kg_per_h);
      EXPECT_LE(steps[i].rate_mg_per_kg_per_h, 0.35 + 1e-12);
      EXPECT_LE(steps[i].rate_mg_per_kg_per_h * plan.weight_kg, 25.0) << "Schwartzman: not over 25 mg/h";
    }
  }
}

TEST(WardPlanTest, ShorterSessionDropsLaterStepsAndStopsEarlier) {
  WardConfig config = defaultConfig();
  config.infusion = minutes{60};
  const auto plan = planWard(config).front();
  ASSERT_EQ(plan.titration.size(), 3u);
  EXPECT_EQ(plan.titration[1].minute, 45.0);
  EXPECT_EQ(plan.titration[2].minute, 65.0);
  EXPECT_EQ(plan.titration[2].rate_mg_per_kg_per_h, 0.0);
}

TEST(WardPlanTest, CapsTheRateAt25MgPerHourForAHeavyPatient) {
  const auto steps = defaultTitration(240.0, 95.0);
  for (const auto& step : steps) EXPECT_LE(step.rate_mg_per_kg_per_h * 95.0, 25.0);
  // 25 / 95 = 0.263, rounded down to the 0.005 pump resolution; no step repeats a rate.
  EXPECT_DOUBLE_EQ(steps[steps.size() - 2].rate_mg_per_kg_per_h, 0.26);
  for (std::size_t i = 1; i < steps.size(); ++i) {
    EXPECT_NE(steps[i].rate_mg_per_kg_per_h, steps[i - 1].rate_mg_per_kg_per_h);
  }
}

TEST(WardConfigTest, RefusesAnImpossibleConfig) {
  WardConfig config = defaultConfig();
  config.patients = 0;
  EXPECT_THROW(Ward{config}, std::invalid_argument);
  config = defaultConfig();
  config.nibp_interval = seconds{0};
  EXPECT_THROW(Ward{config}, std::invalid_argument);
  config = defaultConfig();
  config.baseline_nibp_interval = seconds{-1};
  EXPECT_THROW(Ward{config}, std::invalid_argument);
  config = defaultConfig();
  config.concentration_mg_per_ml = 0.0;
  EXPECT_THROW(Ward{config}, std::invalid_argument);
  config = defaultConfig();
  config.unit = "pacu/2";
  EXPECT_THROW(Ward{config}, std::invalid_argument);
}

TEST(WardConfigTest, RefusesAPlanItCannotRun) {
  const WardConfig config = defaultConfig();
  auto plans = planWard(config);
  std::swap(plans[0].titration[0], plans[0].titration[1]);
  EXPECT_THROW((Ward{config, plans}), std::invalid_argument);
  plans = planWard(config);
  plans[1].weight_kg = 0.0;
  EXPECT_THROW((Ward{config, plans}), std::invalid_argument);
  plans = planWard(config);
  plans[2].titration[1].rate_mg_per_kg_per_h = -0.1;
  EXPECT_THROW((Ward{config, plans}), std::invalid_argument);
}

TEST(WardCustomPlanTest, RunsAGivenTitration) {
  WardConfig config = defaultConfig();
  config.patients = 1;
  config.infusion = minutes{30};
  config.observation = minutes{0};
  auto plans = planWard(config);
  plans[0].titration = {{5.0, 0.2}, {20.25, 0.05}, {35.0, 0.0}};
  Ward ward(config, plans);
  const auto statuses = pumpStatusesOf(ward.advanceTo(ward.endTime()), "bed-01");
  // The rate the pump last reported at or before `minute`.
  const auto at = [&](double minute) {
    double rate = -1.0;
    for (const auto& s : statuses) {
      if (simMinute(s.time) <= minute) rate = s.dose_rate_mg_per_kg_per_h;
    }
    return rate;
  };
  EXPECT_EQ(at(4.99), 0.0);
  EXPECT_EQ(at(5.0), 0.2);
  EXPECT_EQ(at(20.24), 0.2);
  EXPECT_EQ(at(20.25), 0.05);  // 1215 s, off the 10 s grid: reported at the change itself
  EXPECT_EQ(at(34.99), 0.05);
  EXPECT_EQ(at(35.0), 0.0);
  EXPECT_EQ(statuses.back().state, core::PumpState::Stopped);
}

TEST(WardDeterminismTest, SameSeedAndConfigGiveIdenticalOutputs) {
  const auto first = wholeSession(defaultConfig(7));
  const auto second = wholeSession(defaultConfig(7));
  ASSERT_GT(first.size(), 100'000u);
  EXPECT_EQ(firstDifference(first, second), -1);
}

TEST(WardDeterminismTest, HowTimeIsAdvancedDoesNotChangeTheOutputs) {
  WardConfig config = defaultConfig();
  config.infusion = minutes{20};
  config.observation = minutes{5};
  Ward whole(config);
  const auto at_once = whole.advanceTo(whole.endTime());

  Ward stepped(config);
  std::vector<Output> in_steps;
  // Irregular steps, some shorter than a second and some repeating a time already reached.
  for (core::TimePoint t = kStart - seconds{3}; !stepped.finished(); t += std::chrono::milliseconds{1'730}) {
    stepped.advanceTo(t, in_steps);
    stepped.advanceTo(t - seconds{1}, in_steps);
  }
  EXPECT_EQ(firstDifference(at_once, in_steps), -1);
}

TEST(WardDeterminismTest, AMovedWardCarriesOnExactlyAsIfUnmoved) {
  WardConfig config = defaultConfig();
  config.infusion = minutes{20};
  Ward reference(config);
  const auto expected = reference.advanceTo(reference.endTime());

  Ward original(config);
  auto outputs = original.advanceTo(kStart + minutes{12});
  Ward moved = std::move(original);
  moved.advanceTo(moved.endTime(), outputs);
  EXPECT_EQ(firstDifference(expected, outputs), -1);
}

TEST(WardDeterminismTest, ADifferentSeedGivesDifferentValues) {
  WardConfig one = defaultConfig(1);
  WardConfig two = defaultConfig(2);
  one.infusion = two.infusion = minutes{10};
  const auto a = samplesOf(wholeSession(one), "bed-05", mdc::kEcgHeartRate);
  const auto b = samplesOf(wholeSession(two), "bed-05", mdc::kEcgHeartRate);
  ASSERT_EQ(a.size(), b.size());
  std::size_t differing = 0;
  for (std::size_t i = 0; i < a.size(); ++i) differing += a[i].value != b[i].value ? 1 : 0;
  EXPECT_GT(differing, a.size() / 2);
}

TEST_F(DefaultWardTest, OutputsAreInTimeOrderFromStartToEnd) {
  ASSERT_FALSE(outputs().empty());
  EXPECT_EQ(timeOf(outputs().front()), kStart);
  EXPECT_EQ(timeOf(outputs().back()), kStart + minutes{5 + 240 + 60});
  for (std::size_t i = 1; i < outputs().size(); ++i) {
    ASSERT_LE(timeOf(outputs()[i - 1]), timeOf(outputs()[i])) << "at output " << i;
  }
}

TEST_F(DefaultWardTest, SequenceNumbersCountUpByOnePerDevice) {
  std::map<std::string, std::uint64_t> last;
  for (const auto& output : outputs()) {
    const auto [device, sequence] = std::visit(
        [](const auto& message) {
          return std::pair{message.device_id, message.sequence};
        },
        output);
    EXPECT_EQ(sequence, last[device] + 1) << device;
    last[device] = sequence;
  }
  ASSERT_EQ(last.size(), 10u);  // five monitors, five pumps
  EXPECT_TRUE(last.count("bed-01-monitor"));
  EXPECT_TRUE(last.count("bed-05-pump"));
}

// NIBP of the default ward: baseline readings at 0, 2 and 4 min, then every 5 min from
// the infusion start at minute 5 to the end at minute 305.
std::vector<core::TimePoint> defaultNibpTimes() {
  std::vector<core::TimePoint> times{kStart, kStart + minutes{2}, kStart + minutes{4}};
  for (int minute = 5; minute <= 305; minute += 5) times.push_back(kStart + minutes{minute});
  return times;
}

TEST_F(DefaultWardTest, EveryPatientSendsVitalsEverySecondAndNibpEveryFiveMinutes) {
  constexpr std::int64_t kSessionSeconds = (5 + 240 + 60) * 60;
  for (const auto& plan : plans()) {
    const auto heart_rate = samplesOf(outputs(), plan.patient_id, mdc::kEcgHeartRate);
    ASSERT_EQ(heart_rate.size(), static_cast<std::size_t>(kSessionSeconds + 1)) << plan.patient_id;
    for (std::size_t k = 0; k < heart_rate.size(); ++k) {
      ASSERT_EQ(heart_rate[k].time, kStart + seconds{k}) << plan.patient_id;
    }
    for (std::uint32_t code : {mdc::kSpO2, mdc::kPulseOximPulseRate, mdc::kRespRate, mdc::kEtCO2, mdc::kTempBody}) {
      EXPECT_EQ(samplesOf(outputs(), plan.patient_id, code).size(), heart_rate.size()) << code;
    }
    const auto systolic = samplesOf(outputs(), plan.patient_id, mdc::kNibpSys);
    const auto expected_times = defaultNibpTimes();
    ASSERT_EQ(systolic.size(), expected_times.size());
    for (std::size_t k = 0; k < systolic.size(); ++k) EXPECT_EQ(systolic[k].time, expected_times[k]) << k;
    EXPECT_EQ(samplesOf(outputs(), plan.patient_id, mdc::kNibpDia).size(), systolic.size());
    EXPECT_EQ(samplesOf(outputs(), plan.patient_id, mdc::kNibpMean).size(), systolic.size());
  }
}

TEST_F(DefaultWardTest, NibpComesInItsOwnFrameWithUcumUnitsAndAConsistentMean) {
  std::size_t nibp_frames = 0;
  for (const auto& output : outputs()) {
    const auto* frame = std::get_if<core::VitalsFrame>(&output);
    if (frame == nullptr) continue;
    EXPECT_EQ(frame->device_id, frame->patient_id + "-monitor");
    EXPECT_EQ(frame->unit, "pacu");
    for (const auto& m : frame->measurements) {
      const auto expected_unit =
          m.code == mdc::kSpO2       ? "%"
          : m.code == mdc::kTempBody ? "Cel"
          : m.code == mdc::kEtCO2 || m.code == mdc::kNibpSys || m.code == mdc::kNibpDia || m.code == mdc::kNibpMean
              ? "mm[Hg]"
              : "/min";
      ASSERT_EQ(m.unit, expected_unit) << m.code;
    }
    if (frame->measurements.front().code != mdc::kNibpSys) {
      ASSERT_EQ(frame->measurements.size(), 6u);
      continue;
    }
    ++nibp_frames;
    ASSERT_EQ(frame->measurements.size(), 3u);
    const double sys = frame->measurements[0].value;
    const double dia = frame->measurements[1].value;
    EXPECT_GT(sys, dia);
    EXPECT_NEAR(frame->measurements[2].value, dia + (sys - dia) / 3.0, 0.5);
  }
  EXPECT_EQ(nibp_frames, 5u * defaultNibpTimes().size());
}

TEST(WardCadenceTest, NibpAndPumpIntervalsFollowTheConfig) {
  WardConfig config = defaultConfig();
  config.patients = 1;
  config.infusion = minutes{10};
  config.observation = minutes{0};
  config.nibp_interval = seconds{90};
  config.baseline_nibp_interval = seconds{100};
  config.pump_report_interval = seconds{30};
  const auto outputs = wholeSession(config);
  std::vector<core::TimePoint> times;
  for (const auto& s : samplesOf(outputs, "bed-01", mdc::kNibpSys)) times.push_back(s.time);
  // Baseline readings at 0, 100, 200 s; then from the infusion start at 300 s every 90 s
  // to the end of the 900 s session.
  std::vector<core::TimePoint> expected;
  for (int s : {0, 100, 200, 300, 390, 480, 570, 660, 750, 840}) expected.push_back(kStart + seconds{s});
  EXPECT_EQ(times, expected);
  const auto statuses = pumpStatusesOf(outputs, "bed-01");
  // Every 30 s (31 of them in 900 s) plus the start at 300 s and the stop at 900 s, both
  // on the 30 s grid already: no extra messages.
  EXPECT_EQ(statuses.size(), 31u);
}

TEST_F(DefaultWardTest, PumpReportsEveryTenSecondsAndOnEveryRateChange) {
  for (const auto& plan : plans()) {
    const auto statuses = pumpStatusesOf(outputs(), plan.patient_id);
    std::vector<core::TimePoint> change_times;
    double previous_rate = 0.0;
    for (const auto& status : statuses) {
      EXPECT_EQ(status.device_id, plan.pumpId());
      EXPECT_EQ(status.drug, "ketamine");
      EXPECT_EQ(status.concentration_mg_per_ml, 1.0);
      EXPECT_EQ(status.patient_weight_kg, plan.weight_kg);
      if (status.dose_rate_mg_per_kg_per_h != previous_rate) change_times.push_back(status.time);
      previous_rate = status.dose_rate_mg_per_kg_per_h;
      const auto since_start = std::chrono::duration_cast<seconds>(status.time - kStart);
      const bool on_grid = since_start.count() % 10 == 0;
      const bool is_change = !change_times.empty() && change_times.back() == status.time;
      EXPECT_TRUE(on_grid || is_change) << "unscheduled pump status at " << since_start.count() << " s";
    }
    ASSERT_EQ(change_times.size(), plan.titration.size()) << plan.patient_id;
    for (std::size_t i = 0; i < change_times.size(); ++i) {
      EXPECT_DOUBLE_EQ(simMinute(change_times[i]), plan.titration[i].minute);
    }
    EXPECT_EQ(statuses.size(), static_cast<std::size_t>((5 + 240 + 60) * 6 + 1));  // every step is on the grid
  }
}

TEST_F(DefaultWardTest, PumpRateInMlPerHourIsDoseTimesWeightOverConcentration) {
  for (const auto& plan : plans()) {
    double volume = 0.0;
    bool saw_running = false;
    for (const auto& status : pumpStatusesOf(outputs(), plan.patient_id)) {
      EXPECT_DOUBLE_EQ(status.rate_ml_per_h, status.dose_rate_mg_per_kg_per_h * plan.weight_kg / 1.0);
      EXPECT_EQ(status.state,
                status.dose_rate_mg_per_kg_per_h > 0.0 ? core::PumpState::Running : core::PumpState::Stopped);
      EXPECT_GE(status.volume_infused_ml, volume);
      volume = status.volume_infused_ml;
      saw_running = saw_running || status.state == core::PumpState::Running;
    }
    EXPECT_TRUE(saw_running);
    // The volume is the integral of the rate over the titration (1 mg/mL: mL = mg).
    double expected_mg = 0.0;
    for (std::size_t i = 0; i + 1 < plan.titration.size(); ++i) {
      const double hours = (plan.titration[i + 1].minute - plan.titration[i].minute) / 60.0;
      expected_mg += plan.titration[i].rate_mg_per_kg_per_h * plan.weight_kg * hours;
    }
    EXPECT_NEAR(volume, expected_mg, 1e-6) << plan.patient_id;
    EXPECT_LE(volume, 100.0) << "Schwartzman: 100 mg per 4 h";
  }
}

TEST(WardPumpTest, MlPerHourScalesWithTheConcentration) {
  WardConfig config = defaultConfig();
  config.patients = 1;
  config.infusion = minutes{10};
  config.concentration_mg_per_ml = 2.0;
  Ward ward(config);
  const auto outputs = ward.advanceTo(kStart + minutes{6});
  const auto statuses = pumpStatusesOf(outputs, "bed-01");
  const double weight = ward.plans().front().weight_kg;
  ASSERT_FALSE(statuses.empty());
  const auto& last = statuses.back();
  EXPECT_DOUBLE_EQ(last.dose_rate_mg_per_kg_per_h, 0.1);
  EXPECT_DOUBLE_EQ(last.rate_ml_per_h, 0.1 * weight / 2.0);
  EXPECT_EQ(last.concentration_mg_per_ml, 2.0);
}

TEST_F(DefaultWardTest, DesaturationPatientDropsBelow90ForOverAMinuteAndRecovers) {
  const auto& plan = patient(ScenarioKind::Desaturation);
  const auto spo2 = samplesOf(outputs(), plan.patient_id, mdc::kSpO2);
  std::vector<Sample> first_20_min;
  std::copy_if(spo2.begin(), spo2.end(), std::back_inserter(first_20_min),
               [](const Sample& s) { return simMinute(s.time) < 20.0; });

  EXPECT_GE(longestValidRun(first_20_min, [](double v) { return v < 90.0; }), seconds{60});
  const auto below = firstSustained(first_20_min, seconds{15}, [](double v) { return v < 90.0; });
  ASSERT_TRUE(below.has_value());
  const double onset = simMinute(*below);
  EXPECT_GT(onset, *lastIncreaseBefore(plan, onset)) << "a few minutes after a dose step";
  EXPECT_GE(onset, 10.0);
  EXPECT_LE(onset, 12.0);

  // The nadir: deep enough to alarm, not into the 85 % STOP_AND_CALL band.
  double nadir = 100.0;
  for (const auto& s : validOnly(first_20_min)) nadir = std::min(nadir, s.value);
  EXPECT_GE(nadir, 85.0);
  EXPECT_LE(nadir, 88.0);

  // Recovered: above 94 % for the last two minutes of the window and never below 90 after.
  const auto recovered = firstSustained(first_20_min, seconds{120}, [](double v) { return v > 94.0; });
  bool recovered_after_dip = false;
  for (const auto& s : validOnly(first_20_min)) {
    if (simMinute(s.time) >= 18.0) {
      EXPECT_GT(s.value, 94.0);
      recovered_after_dip = true;
    }
  }
  EXPECT_TRUE(recovered.has_value());
  EXPECT_TRUE(recovered_after_dip);
  EXPECT_EQ(longestValidRun(validOnly(spo2), [](double v) { return v < 90.0; }),
            longestValidRun(first_20_min, [](double v) { return v < 90.0; }))
      << "one desaturation only";
}

TEST_F(DefaultWardTest, ProbeOffPatientSendsSensorOffZerosWhileTheEcgCarriesOn) {
  const auto& plan = patient(ScenarioKind::ProbeOff);
  const auto spo2 = samplesOf(outputs(), plan.patient_id, mdc::kSpO2);
  const auto pulse = samplesOf(outputs(), plan.patient_id, mdc::kPulseOximPulseRate);
  const auto heart_rate = samplesOf(outputs(), plan.patient_id, mdc::kEcgHeartRate);
  ASSERT_EQ(spo2.size(), heart_rate.size());

  std::size_t sensor_off = 0;
  std::optional<double> first_off_minute;
  for (std::size_t i = 0; i < spo2.size(); ++i) {
    if (spo2[i].quality == core::Quality::SensorOff) {
      ++sensor_off;
      if (!first_off_minute) first_off_minute = simMinute(spo2[i].time);
      EXPECT_EQ(spo2[i].value, 0.0);
      EXPECT_EQ(pulse[i].quality, core::Quality::SensorOff);
      EXPECT_EQ(pulse[i].value, 0.0);
      EXPECT_NE(heart_rate[i].quality, core::Quality::SensorOff);
      EXPECT_GT(heart_rate[i].value, 50.0);
    }
    if (spo2[i].valid()) {
      EXPECT_GE(spo2[i].value, 90.0) << "at sim minute " << simMinute(spo2[i].time);
    }
  }
  EXPECT_EQ(sensor_off, 180u);  // 3 min
  ASSERT_TRUE(first_off_minute.has_value());
  EXPECT_DOUBLE_EQ(*first_off_minute, 8.0);

  // While re-acquiring, the oximeter flags its values as doubtful rather than valid.
  const auto after = std::find_if(spo2.begin(), spo2.end(), [](const Sample& s) { return simMinute(s.time) >= 11.0; });
  ASSERT_NE(after, spo2.end());
  EXPECT_EQ(after->quality, core::Quality::Questionable);
  EXPECT_GT(after->value, 90.0);
}

TEST_F(DefaultWardTest, BpClimbPatientPasses180InConsecutiveReadings20To40MinAfterAStep) {
  const auto& plan = patient(ScenarioKind::BpClimb);
  const auto systolic = validOnly(samplesOf(outputs(), plan.patient_id, mdc::kNibpSys));
  ASSERT_GT(systolic.size(), 50u);

  std::optional<double> first_high;
  int consecutive_high_pairs = 0;
  for (std::size_t i = 0; i < systolic.size(); ++i) {
    if (systolic[i].value <= 180.0) continue;
    if (!first_high) first_high = simMinute(systolic[i].time);
    if (i > 0 && systolic[i - 1].value > 180.0) ++consecutive_high_pairs;
  }
  ASSERT_TRUE(first_high.has_value());
  EXPECT_GE(consecutive_high_pairs, 1);
  // The climb follows a dose step by 20-40 min (later dips and returns are one episode).
  const auto step = lastIncreaseBefore(plan, *first_high);
  ASSERT_TRUE(step.has_value()) << "systolic over 180 before any dose, at minute " << *first_high;
  EXPECT_GE(*first_high - *step, 20.0) << "first over 180 at minute " << *first_high;
  EXPECT_LE(*first_high - *step, 40.0) << "first over 180 at minute " << *first_high;
  // Before the first dose it is a hypertensive patient, not an alarming one.
  for (const auto& s : systolic) {
    if (simMinute(s.time) <= plan.titration.front().minute) {
      EXPECT_LE(s.value, 180.0);
    }
  }
}

TEST_F(DefaultWardTest, TachycardiaPatientPasses120Then150SoonAfterAStep) {
  const auto& plan = patient(ScenarioKind::Tachycardia);
  const auto heart_rate = samplesOf(outputs(), plan.patient_id, mdc::kEcgHeartRate);
  const auto over_120 = firstSustained(heart_rate, seconds{60}, [](double v) { return v > 120.0; });
  const auto over_150 = firstSustained(heart_rate, seconds{30}, [](double v) { return v > 150.0; });
  ASSERT_TRUE(over_120.has_value());
  ASSERT_TRUE(over_150.has_value());
  EXPECT_LT(*over_120, *over_150);
  const double minute_120 = simMinute(*over_120);
  const double minute_150 = simMinute(*over_150);
  const double step = *lastIncreaseBefore(plan, minute_120);
  EXPECT_EQ(*lastIncreaseBefore(plan, minute_150), step) << "both after the same step";
  EXPECT_GE(minute_120 - step, 10.0);
  EXPECT_LE(minute_120 - step, 20.0);
  EXPECT_GE(minute_150 - step, 15.0);
  EXPECT_LE(minute_150 - step, 28.0);
  // Before the infusion, an ordinary heart rate.
  for (const auto& s : validOnly(heart_rate)) {
    if (simMinute(s.time) < plan.titration.front().minute) {
      EXPECT_LT(s.value, 105.0);
    }
  }
}

TEST_F(DefaultWardTest, QuietPatientNeverCrossesARuleTableLimitWithAValidValue) {
  const auto& plan = patient(ScenarioKind::Quiet);
  const auto check = [&](std::uint32_t code, double low, double high) {
    const auto samples = validOnly(samplesOf(outputs(), plan.patient_id, code));
    ASSERT_GT(samples.size(), 50u) << code;
    for (const auto& s : samples) {
      ASSERT_GE(s.value, low) << code << " at sim minute " << simMinute(s.time);
      ASSERT_LE(s.value, high) << code << " at sim minute " << simMinute(s.time);
    }
  };
  check(mdc::kSpO2, kSpO2Low, 100.0);
  check(mdc::kEcgHeartRate, kHeartRateLow, kHeartRateHigh);
  check(mdc::kPulseOximPulseRate, kHeartRateLow, kHeartRateHigh);
  check(mdc::kRespRate, kRespRateLow, 40.0);
  check(mdc::kNibpSys, kSystolicLow, kSystolicHigh);
  check(mdc::kEtCO2, 0.0, kEtCO2High);
  // The relative rules too (9 and 13): under 20 % above the baseline systolic and 30 % above
  // the baseline heart rate.
  check(mdc::kNibpSys, 0.0, 1.2 * plan.baseline.systolic_mmhg);
  check(mdc::kEcgHeartRate, 0.0, 1.3 * plan.baseline.heart_rate_per_min);
}

TEST_F(DefaultWardTest, OrdinaryPatientsShowAModestDoseRelatedRise) {
  // The probe-off patient is otherwise ordinary: pressure rises with Ce but stays in limits.
  const auto& plan = patient(ScenarioKind::ProbeOff);
  double sum = 0.0;
  int count = 0;
  for (const auto& s : validOnly(samplesOf(outputs(), plan.patient_id, mdc::kNibpSys))) {
    const double minute = simMinute(s.time);
    if (minute >= 180.0 && minute < 245.0) {
      sum += s.value;
      ++count;
    }
  }
  ASSERT_GT(count, 10);
  const double rise = sum / count - plan.baseline.systolic_mmhg;
  EXPECT_GT(rise, 3.0);
  EXPECT_LT(rise, 20.0);
}

TEST_F(DefaultWardTest, ArtifactsAreOccasionalSingleSamplesAndMarked) {
  for (const auto& plan : plans()) {
    const auto heart_rate = samplesOf(outputs(), plan.patient_id, mdc::kEcgHeartRate);
    const auto spo2 = samplesOf(outputs(), plan.patient_id, mdc::kSpO2);
    std::size_t artifacts = 0;
    for (const auto* channel : {&heart_rate, &spo2}) {
      for (std::size_t i = 1; i + 1 < channel->size(); ++i) {
        if ((*channel)[i].quality != core::Quality::Artifact) continue;
        ++artifacts;
        EXPECT_NE((*channel)[i - 1].quality, core::Quality::Artifact);
        EXPECT_NE((*channel)[i + 1].quality, core::Quality::Artifact);
      }
    }
    // About four per patient-hour over four channels: a few on these two in 5 h, not hundreds.
    EXPECT_GE(artifacts, 2u) << plan.patient_id;
    EXPECT_LE(artifacts, 30u) << plan.patient_id;
  }
}

TEST(WardTimeTest, NothingIsDueBeforeTheStartAndNothingAfterTheEnd) {
  WardConfig config = defaultConfig();
  config.infusion = minutes{1};
  config.observation = minutes{0};
  Ward ward(config);
  EXPECT_TRUE(ward.advanceTo(kStart - std::chrono::milliseconds{1}).empty());
  EXPECT_FALSE(ward.finished());
  const auto first = ward.advanceTo(kStart);
  EXPECT_EQ(first.size(), 5u * 3u);  // per patient: pump, vitals, NIBP at t = 0
  const auto rest = ward.advanceTo(kStart + std::chrono::hours{10});
  EXPECT_TRUE(ward.finished());
  EXPECT_EQ(timeOf(rest.back()), kStart + minutes{6});
  EXPECT_EQ(ward.endTime(), kStart + minutes{6});
  EXPECT_TRUE(ward.advanceTo(kStart + std::chrono::hours{11}).empty());
}

}  // namespace
}  // namespace vigil::streamer::sim
