// The wording every station shares (streamer/station/alert_wording.h), checked without
// any display around it: what a web station or an HL7 exporter would write.
#include "streamer/station/alert_wording.h"

#include <gtest/gtest.h>

namespace vigil::streamer::station {
namespace {

using namespace std::chrono_literals;

TEST(AlertWording, AdviceNamesTheActionAndTheTargetRate) {
  EXPECT_EQ(formatAdvice({core::AdviceAction::Reduce, 0.150, 10.5, "SpO2"}), "REDUCE to 0.15 mg/kg/h (10.5 mL/h)");
  EXPECT_EQ(formatAdvice({core::AdviceAction::ResumePossible, 0.2, 0.0, ""}), "RESUME_POSSIBLE at 0.2 mg/kg/h");
  EXPECT_EQ(formatAdvice({core::AdviceAction::StopAndCall, 0.0, 0.0, ""}), "STOP_AND_CALL");
  EXPECT_EQ(formatAdvice({}), "");
}

TEST(AlertWording, TriggerShowsValueAndLimitOrADashForTechnicalAlarms) {
  EXPECT_EQ(formatTrigger({150456, "SPO2", 86.0, "%", "< 90 %", 90.0, 0.0, false}), "SPO2 86 % (< 90 %)");
  EXPECT_EQ(formatTrigger({150456, "SPO2", 86.04, "%", "", 90.0, 0.0, false}), "SPO2 86 % (limit 90 %)");
  EXPECT_EQ(formatTrigger({}), "-");
}

TEST(AlertWording, StateTellsLatchedAcknowledgedAndPaused) {
  core::AlarmEvent alarm;
  EXPECT_EQ(formatState(alarm), "active");
  alarm.inactivation = core::Inactivation::AudioPaused;
  EXPECT_EQ(formatState(alarm), "audio paused");
  alarm.inactivation = core::Inactivation::Acknowledged;
  alarm.acknowledged_by = "console@ward3";
  EXPECT_EQ(formatState(alarm), "acknowledged by console@ward3");
  alarm.state = core::AlarmState::Latched;
  EXPECT_EQ(formatState(alarm), "latched, acknowledged by console@ward3");
  alarm.inactivation = core::Inactivation::Enabled;
  EXPECT_EQ(formatState(alarm), "latched");
}

TEST(AlertWording, DoseRelationNews2AgeAndLink) {
  core::DoseContext dose;
  EXPECT_EQ(formatDoseRelation(dose), "");
  dose.likely_dose_related = true;
  dose.minutes_since_last_increase = 12.0;
  dose.ce_ug_per_ml = 0.35;
  EXPECT_EQ(formatDoseRelation(dose), "likely dose-related (12 min since dose increase, Ce 0.35 ug/mL)");
  EXPECT_EQ(formatNews2({5, core::News2Band::Medium, false, 1, {}}), "NEWS2 5 MEDIUM");
  EXPECT_EQ(formatNews2({}), "NEWS2 incomplete");
  EXPECT_EQ(formatAge(core::fromMillis(0), core::fromMillis(125'000)), "02:05");
  EXPECT_EQ(formatAge(core::fromMillis(5'000), core::fromMillis(0)), "00:00");
  LinkStatus link;
  link.live = true;
  link.quiet_for = 300ms;
  EXPECT_EQ(formatLink(link), "engine live, heartbeat 0.3 s ago");
  EXPECT_EQ(formatSeconds(4000ms), "4.0 s");
}

}  // namespace
}  // namespace vigil::streamer::station
