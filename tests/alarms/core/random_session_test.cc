// Long random sessions (seeded, so every run is the same): three patients, vitals that wander
// across the limits with artifacts and gaps, pump steps and pauses, nurse entries, sequence
// gaps, acknowledgements and audio pauses at random moments. Whatever happens, the engine
// must stay consistent: a station following the event stream sees exactly the engine's
// alarms, event times never run backwards, ticking the clock in between changes nothing,
// and every alarm and advice event is well formed.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "random_session.h"
#include "test_support.h"

namespace vigil::core {
namespace {

using namespace test_support;
using namespace random_session;

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
