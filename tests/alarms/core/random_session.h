// The random sessions of random_session_test.cc, shared with the snapshot tests
// (tests/alarms/snapshot): seeded, so every run is the same. Three patients over three
// hours: vitals that wander across the limits with artifacts and gaps, pump steps and
// pauses, nurse entries, sequence gaps, acknowledgements and audio pauses at random moments.
#pragma once

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "test_support.h"

namespace vigil::core::random_session {

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

inline std::vector<Step> randomSession(unsigned seed) {
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

inline Outputs apply(Engine& engine, const Step& step) {
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

inline TimePoint timeOf(const Step& step) {
  if (const auto* f = std::get_if<VitalsFrame>(&step)) return f->time;
  if (const auto* s = std::get_if<PumpStatus>(&step)) return s->time;
  if (const auto* e = std::get_if<ClinicalEvent>(&step)) return e->time;
  if (const auto* g = std::get_if<SequenceGap>(&step)) return g->time;
  if (const auto* tick = std::get_if<Tick>(&step)) return tick->time;
  return TimePoint{};
}

}  // namespace vigil::core::random_session
