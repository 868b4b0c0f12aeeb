// Long random sessions (seeded, so every run is the same): three patients, vitals that wander
// across the limits with artifacts and gaps, pump steps and pauses, nurse entries, sequence
// gaps, acknowledgements and audio pauses at random moments. Whatever happens, the engine
// must stay consistent: a station following the event stream sees exactly the engine's
// alarms, event times never run backwards, ticking the clock in between changes nothing,
// and every alarm and advice event is well formed.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <variant>

#include "test_support.h"

namespace vigil::core {
namespace {

using namespace test_support;

struct Ack {
  std::string patient;
  std::size_t pick;
};
struct Pause {
  std::string patient;
};
struct Tick {
  TimePoint time;
};
using Step = std::variant<VitalsFrame, PumpStatus, ClinicalEvent, SequenceGap, Ack, Pause, Tick>;

std::vector<Step> randomSession(unsigned seed) {
  std::mt19937 random(seed);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(random); };
  auto chance = [&](double p) { return uniform(0, 1) < p; };
  const std::vector<std::string> patients{"bed-1", "bed-2", "bed-3"};
  std::map<std::string, double> rate{{"bed-1", 0.0}, {"bed-2", 0.0}, {"bed-3", 0.0}};
  std::map<std::string, double> spo2{{"bed-1", 97}, {"bed-2", 97}, {"bed-3", 97}};
  std::map<std::string, double> hr{{"bed-1", 80}, {"bed-2", 80}, {"bed-3", 80}};
  std::vector<Step> steps;
  for (int second = 0; second < 3 * 3600; ++second) {
    const TimePoint t = atSecond(second);
    for (const auto& patient : patients) {
      // Random walks that cross the SpO2 and HR limits now and then.
      spo2[patient] = std::clamp(spo2[patient] + uniform(-0.8, 0.8) + (97 - spo2[patient]) * 0.01, 80.0, 100.0);
      hr[patient] = std::clamp(hr[patient] + uniform(-2, 2) + (80 - hr[patient]) * 0.01, 40.0, 170.0);
      const bool monitor_off = (second / 600) % 7 == 3 && patient == "bed-2";  // a 10-min gap
      if (!monitor_off && !chance(0.02)) {
        auto ms = continuousVitals(mdc::kSpO2, spo2[patient]);
        ms[0].value = hr[patient];
        if (chance(0.05)) ms[1].quality = chance(0.5) ? Quality::Artifact : Quality::SensorOff;
        if (second % 180 == 0) {
          for (auto& m : nibpReading(uniform(85, 190), 80, uniform(70, 130))) ms.push_back(m);
        }
        steps.push_back(frame(t, std::move(ms), patient));
      }
      if (second % 10 == 0 || chance(0.002)) {
        if (chance(0.01)) rate[patient] = std::max(0.0, rate[patient] + (chance(0.7) ? 0.05 : -0.1));
        if (second == 300) rate[patient] = 0.1;
        const bool paused = chance(0.002);
        steps.push_back(pump(t, rate[patient], paused ? PumpState::Paused : PumpState::Running, kWeightKg,
                             kConcentrationMgPerMl, kDrug, patient));
      }
      if (chance(0.0005)) {
        auto e = clinicalEvent(t, chance(0.5) ? ClinicalEventKind::SedationScore : ClinicalEventKind::Nausea, patient);
        e.rass_score = static_cast<int>(uniform(-4, 1));
        steps.push_back(e);
      }
      if (chance(0.0003)) steps.push_back(SequenceGap{patient, kWard, "monitor-1", 2, t});
      if (chance(0.003)) steps.push_back(Ack{patient, static_cast<std::size_t>(uniform(0, 5))});
      if (chance(0.0005)) steps.push_back(Pause{patient});
    }
  }
  return steps;
}

Outputs apply(Engine& engine, const Step& step) {
  if (const auto* f = std::get_if<VitalsFrame>(&step)) return engine.onVitals(*f);
  if (const auto* s = std::get_if<PumpStatus>(&step)) return engine.onInfusion(*s);
  if (const auto* e = std::get_if<ClinicalEvent>(&step)) return engine.onClinicalEvent(*e);
  if (const auto* g = std::get_if<SequenceGap>(&step)) return engine.onSequenceGap(*g);
  if (const auto* tick = std::get_if<Tick>(&step)) return engine.advanceTo(tick->time);
  if (const auto* pause = std::get_if<Pause>(&step)) return engine.audioPause(pause->patient, "station").outputs;
  const auto& ack = std::get<Ack>(step);
  AlarmEvents mine;
  for (const auto& alarm : engine.alarms()) {
    if (alarm.patient_id == ack.patient) mine.push_back(alarm);
  }
  if (mine.empty()) return {};
  return engine.acknowledge(mine[ack.pick % mine.size()].alert_id, "nurse").outputs;
}

TimePoint timeOf(const Step& step) {
  if (const auto* f = std::get_if<VitalsFrame>(&step)) return f->time;
  if (const auto* s = std::get_if<PumpStatus>(&step)) return s->time;
  if (const auto* e = std::get_if<ClinicalEvent>(&step)) return e->time;
  if (const auto* g = std::get_if<SequenceGap>(&step)) return g->time;
  if (const auto* tick = std::get_if<Tick>(&step)) return tick->time;
  return TimePoint{};
}

class RandomSession : public ::testing::TestWithParam<unsigned> {};

TEST_P(RandomSession, StaysConsistentAndDeterministic) {
  const auto steps = randomSession(GetParam());
  std::vector<Step> ticked;
  TimePoint last = atSecond(0);
  for (const auto& step : steps) {
    const TimePoint t = timeOf(step);
    if (t > last) {
      for (TimePoint tick = last + milliseconds(250); tick < t; tick += milliseconds(250)) ticked.push_back(Tick{tick});
      last = t;
    }
    ticked.push_back(step);
  }

  Engine plain(shippedProtocol());
  Engine ticking(shippedProtocol());
  Outputs a;
  Outputs b;
  std::map<std::string, AlarmEvent> station;
  TimePoint latest{};
  std::map<Phase, int> phases;
  for (const auto& step : steps) {
    auto out = apply(plain, step);
    for (const auto& e : out.alarms) {
      EXPECT_GE(e.event_time, latest) << describe(e);
      latest = std::max(latest, e.event_time);
      ++phases[e.phase];
      EXPECT_EQ(e.state == AlarmState::Inactive, e.phase == Phase::End) << describe(e);
      EXPECT_LE(e.start_time, e.event_time) << describe(e);
      EXPECT_EQ(e.alert_id, e.patient_id + "/" + e.condition + "/" + std::to_string(toMillis(e.start_time)));
      if (e.phase == Phase::Start) {
        EXPECT_EQ(station.count(e.alert_id), 0u) << "started twice: " << describe(e);
      } else {
        EXPECT_EQ(station.count(e.alert_id), 1u) << "an event for an alarm the station never saw: " << describe(e);
      }
      if (e.phase == Phase::End) {
        station.erase(e.alert_id);
      } else {
        station[e.alert_id] = e;
      }
    }
    for (const auto& advice : out.advice) {
      EXPECT_EQ(advice.advice_id.rfind(advice.patient_id + "/advice/", 0), 0u);
      if (advice.advice.action == AdviceAction::ResumePossible) {
        EXPECT_GT(advice.advice.target_rate_mg_per_kg_per_h, 0.0);
      }
    }
    a.append(std::move(out));
  }
  for (const auto& step : ticked) b.append(apply(ticking, step));

  std::vector<std::string> shown;
  for (const auto& [id, e] : station) shown.push_back(describe(e));
  EXPECT_EQ(shown, describeAll(plain.alarms()));
  EXPECT_EQ(plain.activeAlarmCount(), station.size());
  EXPECT_EQ(describeAll(a), describeAll(b));
  // Every deadline a part scheduled was run and moved on (deadlines.h).
  EXPECT_EQ(plain.stalledDeadlines(), 0u);
  EXPECT_EQ(ticking.stalledDeadlines(), 0u);
  // The session exercised the lifecycle.
  EXPECT_GT(phases[Phase::Start], 20);
  EXPECT_GT(phases[Phase::Update], 10);
  EXPECT_GT(phases[Phase::Escalate], 0);
  EXPECT_GT(phases[Phase::End], 10);
  EXPECT_GT(a.advice.size(), 10u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomSession, ::testing::Values(1u, 2u, 3u));

}  // namespace
}  // namespace vigil::core
