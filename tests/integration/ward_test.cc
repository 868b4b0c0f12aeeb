// The first working ward, end to end: the real vigil-gateway simulating patients publishes
// over ZeroMQ to the real vigil-engine, and a station listening to the alert stream sees
// the alarms a nurse must see, and none that a fallen-off probe would fake.
#include <gtest/gtest.h>

#include "support.h"

namespace vigil::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;

// The simulator runs the session this many times faster than real time; the engine takes
// its time from the data, so the alarms are those of a real-time session.
constexpr char kSpeed[] = "120";

bool isSpO2Condition(const v1::AlarmEvent& e) { return e.trigger().metric() == "SPO2"; }

TEST(Ward, DesaturationAlarmsWithPauseAndAFallenOffProbeDoesNot) {
  auto engine = startEngine({"--clock", "stream"});
  zmq::context_t context;
  AlertListener station(context, engine.alerts);
  ASSERT_TRUE(station.awaitHeartbeat(Clock::now() + 10s));

  ChildProcess gateway({binary("streamer/vigil-gateway"), "--simulate", "2", "--scenarios", "desaturation,probe-off",
                        "--connect", engine.ingest, "--speed", kSpeed});
  const auto desaturating = gateway.waitForLine(std::regex(R"((\S+) desaturation)"), Clock::now() + 10s);
  const auto probe_off = gateway.waitForLine(std::regex(R"((\S+) probe-off)"), Clock::now() + 10s);
  ASSERT_TRUE(desaturating && probe_off) << "the gateway did not list its patients";
  const std::string desaturating_patient = (*desaturating)[1];
  const std::string probe_off_patient = (*probe_off)[1];

  // A 15-minute simulated stretch at 120x takes under 10 s; the deadline leaves room for a
  // loaded machine.
  const auto deadline = Clock::now() + 60s;
  const auto alarm = station.awaitAlarm(
      [&](const v1::AlarmEvent& e) {
        return e.patient_id() == desaturating_patient && e.condition() == "spo2-below-90" &&
               e.phase() == v1::PHASE_START;
      },
      deadline);
  ASSERT_TRUE(alarm) << "no SpO2 < 90 alarm for the desaturating patient";
  EXPECT_EQ(alarm->priority(), v1::PRIORITY_HIGH);
  EXPECT_EQ(alarm->advice().action(), v1::ADVICE_PAUSE);
  EXPECT_EQ(alarm->kind(), v1::KIND_PHYSIOLOGICAL);
  EXPECT_LT(alarm->trigger().value(), 90.0);
  EXPECT_TRUE(alarm->dose().infusion_running());
  EXPECT_GT(alarm->dose().ce_ug_per_ml(), 0.0);

  // Wait for the desaturation to be over (a HIGH alarm latches until acknowledged): by then
  // the engine has taken every frame of the probe-off episode (one publisher keeps its
  // order), so its absence of alarms is real.
  const auto over = station.awaitAlarm(
      [&](const v1::AlarmEvent& e) {
        return e.alert_id() == alarm->alert_id() && (e.phase() == v1::PHASE_END || e.state() == v1::STATE_LATCHED);
      },
      deadline);
  ASSERT_TRUE(over) << "the desaturation never ended";
  bool sensor_off_reported = false;
  for (const auto& event : station.seen()) {
    if (event.patient_id() != probe_off_patient || !isSpO2Condition(event)) continue;
    // The fallen-off probe is a technical condition ("sensor off"), never a desaturation.
    EXPECT_EQ(event.kind(), v1::KIND_TECHNICAL) << "a sensor-off probe raised " << event.condition();
    sensor_off_reported = true;
  }
  EXPECT_TRUE(sensor_off_reported) << "the fallen-off probe was not reported as sensor off";
}

}  // namespace
}  // namespace vigil::testing
