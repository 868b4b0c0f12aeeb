#include "streamer/codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "alarms/core/metrics.h"

namespace vigil::streamer {
namespace {

namespace mdc = core::mdc;

core::VitalsFrame sampleFrame() {
  core::VitalsFrame frame;
  frame.patient_id = "bed-01";
  frame.unit = "pacu";
  frame.device_id = "bed-01-monitor";
  frame.sequence = 4242;
  frame.time = core::fromMillis(1'700'000'123'456);
  frame.measurements = {
      {mdc::kEcgHeartRate, 88.0, "/min", core::Quality::Valid},
      {mdc::kSpO2, 0.0, "%", core::Quality::SensorOff},
      {mdc::kPulseOximPulseRate, 61.5, "/min", core::Quality::Questionable},
      {mdc::kRespRate, 31.0, "/min", core::Quality::Artifact},
      {mdc::kTempBody, 36.8, "Cel", core::Quality::Valid},
  };
  return frame;
}

core::PumpStatus sampleStatus() {
  core::PumpStatus status;
  status.patient_id = "bed-02";
  status.unit = "pacu";
  status.device_id = "bed-02-pump";
  status.sequence = 17;
  status.time = core::fromMillis(1'700'000'000'010);
  status.drug = "ketamine";
  status.concentration_mg_per_ml = 1.0;
  status.rate_ml_per_h = 14.6;
  status.dose_rate_mg_per_kg_per_h = 0.2;
  status.patient_weight_kg = 73.0;
  status.state = core::PumpState::Paused;
  status.volume_infused_ml = 12.25;
  return status;
}

core::ClinicalEvent sampleEvent() {
  core::ClinicalEvent event;
  event.patient_id = "bed-03";
  event.unit = "pacu";
  event.source_id = "station-1";
  event.sequence = 3;
  event.time = core::fromMillis(1'700'000'600'000);
  event.kind = core::ClinicalEventKind::SedationScore;
  event.rass_score = -3;
  event.severity = core::Severity::Severe;
  event.entered_by = "nurse.k";
  event.note = "hard to rouse";
  return event;
}

core::AlarmEvent sampleAlarm() {
  core::AlarmEvent alarm;
  alarm.alert_id = "bed-04/spo2-low/1";
  alarm.patient_id = "bed-04";
  alarm.unit = "pacu";
  alarm.condition = "spo2-low";
  alarm.title = "SpO2 < 90 %";
  alarm.kind = core::AlarmKind::Technical;
  alarm.priority = core::Priority::High;
  alarm.phase = core::Phase::DeEscalate;
  alarm.state = core::AlarmState::Latched;
  alarm.inactivation = core::Inactivation::AudioPaused;
  alarm.event_time = core::fromMillis(1'700'000'700'000);
  alarm.start_time = core::fromMillis(1'700'000'650'000);
  alarm.trigger = core::Trigger{mdc::kSpO2, "SPO2", 87.0, "%", "< 90", 90.0, 97.0, true};
  alarm.advice = core::Advice{core::AdviceAction::Reduce, 0.15, 10.95, "back to the previous rate"};
  alarm.dose.infusion_running = true;
  alarm.dose.rate_mg_per_kg_per_h = 0.2;
  alarm.dose.previous_rate_mg_per_kg_per_h = 0.15;
  alarm.dose.last_increase = core::fromMillis(1'700'000'100'000);
  alarm.dose.minutes_since_last_increase = 10.0;
  alarm.dose.cp_ug_per_ml = 0.05;
  alarm.dose.ce_ug_per_ml = 0.04;
  alarm.dose.cp_at_increase_ug_per_ml = 0.03;
  alarm.dose.ce_at_increase_ug_per_ml = 0.028;
  alarm.dose.likely_dose_related = true;
  alarm.dose.attribution = "10 min after 0.15 -> 0.2 mg/kg/h";
  alarm.acknowledged_by = "station-2";
  alarm.acknowledged_time = core::fromMillis(1'700'000'710'000);
  return alarm;
}

core::AdviceEvent sampleAdvice() {
  core::AdviceEvent event;
  event.advice_id = "bed-05/advice/1700000800000";
  event.patient_id = "bed-05";
  event.unit = "pacu";
  event.event_time = core::fromMillis(1'700'000'800'000);
  event.advice = core::Advice{core::AdviceAction::Reduce, 0.15, 10.95, "SpO2 < 94 % 12 min after an increase"};
  event.previous_action = core::AdviceAction::Hold;
  event.condition = "spo2-below-94";
  event.alert_id = "bed-05/spo2-below-94/1";
  event.trigger = core::Trigger{mdc::kSpO2, "SPO2", 92.0, "%", "< 94", 94.0, 0.0, false};
  event.dose.infusion_running = true;
  event.dose.rate_mg_per_kg_per_h = 0.2;
  event.dose.previous_rate_mg_per_kg_per_h = 0.15;
  event.dose.last_increase = core::fromMillis(1'700'000'080'000);
  event.dose.minutes_since_last_increase = 12.0;
  event.dose.ce_ug_per_ml = 0.06;
  event.dose.likely_dose_related = true;
  event.dose.attribution = "12 min after 0.15 -> 0.2 mg/kg/h";
  return event;
}

core::PatientStatus samplePatientStatus() {
  core::PatientStatus status;
  status.patient_id = "bed-06";
  status.unit = "pacu";
  status.event_time = core::fromMillis(1'700'000'900'000);
  status.latest = {{mdc::kSpO2, "SPO2", 93.0, "%", core::fromMillis(1'700'000'899'000)},
                   {mdc::kRespRate, "RR", 22.0, "/min", core::fromMillis(1'700'000'898'000)}};
  status.news2.total = 5;
  status.news2.band = core::News2Band::Medium;
  status.news2.any_single_three = true;
  status.news2.spo2_scale = 2;
  status.news2.sub_scores = {{"RR", true, 22.0, 2}, {"SPO2", true, 93.0, 0}, {"TEMP", false, 0.0, 0}};
  status.baselines = {{"SBP", 118.0, false}, {"HR", 71.5, true}};
  status.dose.infusion_running = true;
  status.dose.rate_mg_per_kg_per_h = 0.25;
  status.dose.ce_ug_per_ml = 0.08;
  status.dose.drug = "ketamine";
  status.dose.pump_state = core::PumpState::Running;
  status.dose.rate_ml_per_h = 18.25;
  status.dose.last_change = core::fromMillis(1'700'000'420'000);
  status.dose.minutes_since_last_change = 8.0;
  status.advice = core::Advice{core::AdviceAction::Hold, 0.0, 0.0, "NEWS2 5"};
  status.active_alarms = 3;
  return status;
}

void expectSameFrame(const core::VitalsFrame& actual, const core::VitalsFrame& expected) {
  EXPECT_EQ(actual.patient_id, expected.patient_id);
  EXPECT_EQ(actual.unit, expected.unit);
  EXPECT_EQ(actual.device_id, expected.device_id);
  EXPECT_EQ(actual.sequence, expected.sequence);
  EXPECT_EQ(actual.time, expected.time);
  ASSERT_EQ(actual.measurements.size(), expected.measurements.size());
  for (std::size_t i = 0; i < expected.measurements.size(); ++i) {
    EXPECT_EQ(actual.measurements[i].code, expected.measurements[i].code) << i;
    EXPECT_EQ(actual.measurements[i].value, expected.measurements[i].value) << i;
    EXPECT_EQ(actual.measurements[i].unit, expected.measurements[i].unit) << i;
    EXPECT_EQ(actual.measurements[i].quality, expected.measurements[i].quality) << i;
  }
}

void expectSameStatus(const core::PumpStatus& actual, const core::PumpStatus& expected) {
  EXPECT_EQ(actual.patient_id, expected.patient_id);
  EXPECT_EQ(actual.unit, expected.unit);
  EXPECT_EQ(actual.device_id, expected.device_id);
  EXPECT_EQ(actual.sequence, expected.sequence);
  EXPECT_EQ(actual.time, expected.time);
  EXPECT_EQ(actual.drug, expected.drug);
  EXPECT_EQ(actual.concentration_mg_per_ml, expected.concentration_mg_per_ml);
  EXPECT_EQ(actual.rate_ml_per_h, expected.rate_ml_per_h);
  EXPECT_EQ(actual.dose_rate_mg_per_kg_per_h, expected.dose_rate_mg_per_kg_per_h);
  EXPECT_EQ(actual.patient_weight_kg, expected.patient_weight_kg);
  EXPECT_EQ(actual.state, expected.state);
  EXPECT_EQ(actual.volume_infused_ml, expected.volume_infused_ml);
}

void expectSameEvent(const core::ClinicalEvent& actual, const core::ClinicalEvent& expected) {
  EXPECT_EQ(actual.patient_id, expected.patient_id);
  EXPECT_EQ(actual.unit, expected.unit);
  EXPECT_EQ(actual.source_id, expected.source_id);
  EXPECT_EQ(actual.sequence, expected.sequence);
  EXPECT_EQ(actual.time, expected.time);
  EXPECT_EQ(actual.kind, expected.kind);
  EXPECT_EQ(actual.rass_score, expected.rass_score);
  EXPECT_EQ(actual.severity, expected.severity);
  EXPECT_EQ(actual.entered_by, expected.entered_by);
  EXPECT_EQ(actual.note, expected.note);
}

TEST(CodecTest, VitalsFrameRoundTripsThroughProto) {
  const auto frame = sampleFrame();
  const auto message = toProto(frame);
  EXPECT_EQ(message.source_time_ms(), 1'700'000'123'456);
  EXPECT_EQ(message.measurements(1).quality(), vigil::v1::QUALITY_SENSOR_OFF);
  EXPECT_EQ(message.measurements(2).quality(), vigil::v1::QUALITY_QUESTIONABLE);
  EXPECT_EQ(message.measurements(3).quality(), vigil::v1::QUALITY_ARTIFACT);
  expectSameFrame(*checkedFromProto(message).value, frame);
}

TEST(CodecTest, VitalsFrameRoundTripsThroughBytes) {
  const auto frame = sampleFrame();
  const auto decoded = decodeVitals(toProto(frame).SerializeAsString());
  ASSERT_TRUE(decoded.ok()) << decoded.error;
  EXPECT_EQ(decoded.dropped, 0);
  EXPECT_TRUE(decoded.error.empty());
  expectSameFrame(*decoded.value, frame);
}

TEST(CodecTest, PumpStatusRoundTripsThroughProtoAndBytes) {
  const auto status = sampleStatus();
  const auto message = toProto(status);
  EXPECT_EQ(message.state(), vigil::v1::PUMP_PAUSED);
  expectSameStatus(*checkedFromProto(message).value, status);

  const auto decoded = decodePumpStatus(message.SerializeAsString());
  ASSERT_TRUE(decoded.ok()) << decoded.error;
  expectSameStatus(*decoded.value, status);
}

TEST(CodecTest, EveryPumpStateSurvivesTheWire) {
  for (const auto state : {core::PumpState::Unspecified, core::PumpState::Running, core::PumpState::Paused,
                           core::PumpState::Stopped, core::PumpState::Alarm}) {
    auto status = sampleStatus();
    status.state = state;
    const auto decoded = decodePumpStatus(toProto(status).SerializeAsString());
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded.value->state, state);
  }
}

TEST(CodecTest, ClinicalEventRoundTripsThroughProtoAndBytes) {
  const auto event = sampleEvent();
  const auto message = toProto(event);
  EXPECT_EQ(message.kind(), vigil::v1::SEDATION_SCORE);
  EXPECT_EQ(message.severity(), vigil::v1::SEVERE);
  expectSameEvent(*checkedFromProto(message).value, event);

  const auto decoded = decodeClinicalEvent(message.SerializeAsString());
  ASSERT_TRUE(decoded.ok()) << decoded.error;
  expectSameEvent(*decoded.value, event);
}

TEST(CodecTest, AlarmEventRoundTripsThroughProtoAndBytes) {
  const auto alarm = sampleAlarm();
  const auto message = toProto(alarm);
  // The wire enums reserve 0 for "unspecified" where the domain does not.
  EXPECT_EQ(message.kind(), vigil::v1::KIND_TECHNICAL);
  EXPECT_EQ(message.phase(), vigil::v1::PHASE_DE_ESCALATE);
  EXPECT_EQ(message.priority(), vigil::v1::PRIORITY_HIGH);
  EXPECT_EQ(message.state(), vigil::v1::STATE_LATCHED);
  EXPECT_EQ(message.inactivation(), vigil::v1::INACTIVATION_AUDIO_PAUSED);
  EXPECT_EQ(message.advice().action(), vigil::v1::ADVICE_REDUCE);

  vigil::v1::AlarmEvent parsed;
  ASSERT_TRUE(parsed.ParseFromString(message.SerializeAsString()));
  const auto back = fromProto(parsed);
  EXPECT_EQ(back.alert_id, alarm.alert_id);
  EXPECT_EQ(back.patient_id, alarm.patient_id);
  EXPECT_EQ(back.unit, alarm.unit);
  EXPECT_EQ(back.condition, alarm.condition);
  EXPECT_EQ(back.title, alarm.title);
  EXPECT_EQ(back.kind, alarm.kind);
  EXPECT_EQ(back.priority, alarm.priority);
  EXPECT_EQ(back.phase, alarm.phase);
  EXPECT_EQ(back.state, alarm.state);
  EXPECT_EQ(back.inactivation, alarm.inactivation);
  EXPECT_EQ(back.event_time, alarm.event_time);
  EXPECT_EQ(back.start_time, alarm.start_time);
  EXPECT_EQ(back.trigger.code, alarm.trigger.code);
  EXPECT_EQ(back.trigger.metric, alarm.trigger.metric);
  EXPECT_EQ(back.trigger.value, alarm.trigger.value);
  EXPECT_EQ(back.trigger.unit, alarm.trigger.unit);
  EXPECT_EQ(back.trigger.limit, alarm.trigger.limit);
  EXPECT_EQ(back.trigger.limit_value, alarm.trigger.limit_value);
  EXPECT_EQ(back.trigger.baseline, alarm.trigger.baseline);
  EXPECT_EQ(back.trigger.provisional_baseline, alarm.trigger.provisional_baseline);
  EXPECT_EQ(back.advice.action, alarm.advice.action);
  EXPECT_EQ(back.advice.target_rate_mg_per_kg_per_h, alarm.advice.target_rate_mg_per_kg_per_h);
  EXPECT_EQ(back.advice.target_rate_ml_per_h, alarm.advice.target_rate_ml_per_h);
  EXPECT_EQ(back.advice.reason, alarm.advice.reason);
  EXPECT_EQ(back.dose.infusion_running, alarm.dose.infusion_running);
  EXPECT_EQ(back.dose.rate_mg_per_kg_per_h, alarm.dose.rate_mg_per_kg_per_h);
  EXPECT_EQ(back.dose.previous_rate_mg_per_kg_per_h, alarm.dose.previous_rate_mg_per_kg_per_h);
  EXPECT_EQ(back.dose.last_increase, alarm.dose.last_increase);
  EXPECT_EQ(back.dose.minutes_since_last_increase, alarm.dose.minutes_since_last_increase);
  EXPECT_EQ(back.dose.cp_ug_per_ml, alarm.dose.cp_ug_per_ml);
  EXPECT_EQ(back.dose.ce_ug_per_ml, alarm.dose.ce_ug_per_ml);
  EXPECT_EQ(back.dose.cp_at_increase_ug_per_ml, alarm.dose.cp_at_increase_ug_per_ml);
  EXPECT_EQ(back.dose.ce_at_increase_ug_per_ml, alarm.dose.ce_at_increase_ug_per_ml);
  EXPECT_EQ(back.dose.likely_dose_related, alarm.dose.likely_dose_related);
  EXPECT_EQ(back.dose.attribution, alarm.dose.attribution);
  EXPECT_EQ(back.acknowledged_by, alarm.acknowledged_by);
  EXPECT_EQ(back.acknowledged_time, alarm.acknowledged_time);
}

TEST(CodecTest, AlarmWithoutIncreaseOrAcknowledgementKeepsThemEmpty) {
  auto alarm = sampleAlarm();
  alarm.dose.last_increase.reset();
  alarm.acknowledged_time.reset();
  const auto back = fromProto(toProto(alarm));
  EXPECT_FALSE(back.dose.last_increase.has_value());
  EXPECT_FALSE(back.acknowledged_time.has_value());
}

TEST(CodecTest, AnUndecodablePayloadIsAnError) {
  // Four bytes with the continuation bit set: a field tag that never ends.
  const std::string garbage("\xff\xff\xff\xff", 4);
  const auto vitals = decodeVitals(garbage);
  EXPECT_FALSE(vitals.ok());
  EXPECT_NE(vitals.error.find("undecodable"), std::string::npos) << vitals.error;
  const auto pump = decodePumpStatus(garbage);
  EXPECT_FALSE(pump.ok());
  EXPECT_NE(pump.error.find("undecodable"), std::string::npos) << pump.error;
  EXPECT_FALSE(decodeClinicalEvent(garbage).ok());
  // A payload cut short inside a measurement does not parse either.
  const auto truncated = toProto(sampleFrame()).SerializeAsString();
  EXPECT_FALSE(decodeVitals(std::string_view(truncated).substr(0, truncated.size() - 3)).ok());
}

TEST(CodecTest, AFrameWithoutPatientIsRefused) {
  auto frame = sampleFrame();
  frame.patient_id.clear();
  const auto decoded = decodeVitals(toProto(frame).SerializeAsString());
  EXPECT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error.find("patient_id"), std::string::npos) << decoded.error;

  auto status = sampleStatus();
  status.patient_id.clear();
  EXPECT_FALSE(decodePumpStatus(toProto(status).SerializeAsString()).ok());
  auto event = sampleEvent();
  event.patient_id.clear();
  EXPECT_FALSE(decodeClinicalEvent(toProto(event).SerializeAsString()).ok());
}

TEST(CodecTest, NonFiniteMeasurementsAreDroppedAndCounted) {
  auto frame = sampleFrame();
  frame.measurements[0].value = std::numeric_limits<double>::quiet_NaN();
  frame.measurements[3].value = std::numeric_limits<double>::infinity();
  frame.measurements[4].value = -std::numeric_limits<double>::infinity();
  const auto decoded = decodeVitals(toProto(frame).SerializeAsString());
  ASSERT_TRUE(decoded.ok()) << "the rest of the frame is still good";
  EXPECT_EQ(decoded.dropped, 3);
  EXPECT_FALSE(decoded.error.empty());
  ASSERT_EQ(decoded.value->measurements.size(), 2u);
  EXPECT_EQ(decoded.value->measurements[0].code, mdc::kSpO2);
  EXPECT_EQ(decoded.value->measurements[1].code, mdc::kPulseOximPulseRate);
  EXPECT_EQ(decoded.value->measurements[1].value, 61.5);
}

TEST(CodecTest, ANegativeOrNonFinitePumpNumberIsRefused) {
  auto status = sampleStatus();
  status.rate_ml_per_h = -1.0;
  const auto negative = decodePumpStatus(toProto(status).SerializeAsString());
  EXPECT_FALSE(negative.ok());
  EXPECT_FALSE(negative.error.empty());

  status = sampleStatus();
  status.dose_rate_mg_per_kg_per_h = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(decodePumpStatus(toProto(status).SerializeAsString()).ok());

  status = sampleStatus();
  status.patient_weight_kg = -70.0;
  EXPECT_FALSE(decodePumpStatus(toProto(status).SerializeAsString()).ok());

  status = sampleStatus();
  status.rate_ml_per_h = 0.0;  // a stopped pump is fine
  EXPECT_TRUE(decodePumpStatus(toProto(status).SerializeAsString()).ok());
}

TEST(CodecTest, AdviceEventRoundTripsThroughProtoAndBytes) {
  const auto advice = sampleAdvice();
  const auto message = toProto(advice);
  EXPECT_EQ(message.advice().action(), vigil::v1::ADVICE_REDUCE);
  EXPECT_EQ(message.previous_action(), vigil::v1::ADVICE_HOLD);
  vigil::v1::AdviceEvent parsed;
  ASSERT_TRUE(parsed.ParseFromString(message.SerializeAsString()));
  const auto back = fromProto(parsed);
  EXPECT_EQ(back.advice_id, advice.advice_id);
  EXPECT_EQ(back.patient_id, advice.patient_id);
  EXPECT_EQ(back.unit, advice.unit);
  EXPECT_EQ(back.event_time, advice.event_time);
  EXPECT_EQ(back.advice.action, advice.advice.action);
  EXPECT_EQ(back.advice.target_rate_mg_per_kg_per_h, advice.advice.target_rate_mg_per_kg_per_h);
  EXPECT_EQ(back.advice.target_rate_ml_per_h, advice.advice.target_rate_ml_per_h);
  EXPECT_EQ(back.advice.reason, advice.advice.reason);
  EXPECT_EQ(back.previous_action, advice.previous_action);
  EXPECT_EQ(back.condition, advice.condition);
  EXPECT_EQ(back.alert_id, advice.alert_id);
  EXPECT_EQ(back.trigger.metric, advice.trigger.metric);
  EXPECT_EQ(back.trigger.value, advice.trigger.value);
  EXPECT_EQ(back.trigger.limit, advice.trigger.limit);
  EXPECT_EQ(back.dose.last_increase, advice.dose.last_increase);
  EXPECT_EQ(back.dose.previous_rate_mg_per_kg_per_h, advice.dose.previous_rate_mg_per_kg_per_h);
  EXPECT_EQ(back.dose.ce_ug_per_ml, advice.dose.ce_ug_per_ml);
  EXPECT_EQ(back.dose.attribution, advice.dose.attribution);
}

// vigil-engine reuses one message for every status it publishes: what it sends must be
// byte for byte what a fresh message would be, whatever the previous status held (longer
// lists, longer strings, an advice or a dose that is now gone).
TEST(CodecTest, AReusedStatusMessageSerialisesAsAFreshOne) {
  auto large = samplePatientStatus();
  large.latest.push_back({mdc::kEcgHeartRate, "HR", 71.0, "/min", core::fromMillis(1'700'000'897'000)});
  large.dose.attribution = "a long attribution that a later status no longer carries";
  core::PatientStatus small;
  small.patient_id = "b1";
  small.unit = "u";
  small.event_time = core::fromMillis(1'700'000'000'000);
  small.latest = {{mdc::kSpO2, "SPO2", 97.0, "%", core::fromMillis(1'700'000'000'000)}};
  vigil::v1::PatientStatus reused;
  for (const auto* status : {&large, &small, &large, &small}) {
    toProto(*status, reused);
    EXPECT_EQ(reused.SerializeAsString(), toProto(*status).SerializeAsString()) << status->patient_id;
  }
  EXPECT_EQ(reused.latest_size(), 1);
  EXPECT_TRUE(reused.dose().attribution().empty());
}

TEST(CodecTest, PatientStatusRoundTripsThroughProtoAndBytes) {
  const auto status = samplePatientStatus();
  const auto message = toProto(status);
  EXPECT_EQ(message.news2().band(), vigil::v1::NEWS2_MEDIUM);
  vigil::v1::PatientStatus parsed;
  ASSERT_TRUE(parsed.ParseFromString(message.SerializeAsString()));
  const auto back = fromProto(parsed);
  EXPECT_EQ(back.patient_id, status.patient_id);
  EXPECT_EQ(back.unit, status.unit);
  EXPECT_EQ(back.event_time, status.event_time);
  ASSERT_EQ(back.latest.size(), status.latest.size());
  for (std::size_t i = 0; i < status.latest.size(); ++i) {
    EXPECT_EQ(back.latest[i].code, status.latest[i].code) << i;
    EXPECT_EQ(back.latest[i].metric, status.latest[i].metric) << i;
    EXPECT_EQ(back.latest[i].value, status.latest[i].value) << i;
    EXPECT_EQ(back.latest[i].unit, status.latest[i].unit) << i;
    EXPECT_EQ(back.latest[i].time, status.latest[i].time) << i;
  }
  EXPECT_EQ(back.news2.total, status.news2.total);
  EXPECT_EQ(back.news2.band, status.news2.band);
  EXPECT_EQ(back.news2.any_single_three, status.news2.any_single_three);
  EXPECT_EQ(back.news2.spo2_scale, status.news2.spo2_scale);
  ASSERT_EQ(back.news2.sub_scores.size(), status.news2.sub_scores.size());
  for (std::size_t i = 0; i < status.news2.sub_scores.size(); ++i) {
    EXPECT_EQ(back.news2.sub_scores[i].parameter, status.news2.sub_scores[i].parameter) << i;
    EXPECT_EQ(back.news2.sub_scores[i].known, status.news2.sub_scores[i].known) << i;
    EXPECT_EQ(back.news2.sub_scores[i].value, status.news2.sub_scores[i].value) << i;
    EXPECT_EQ(back.news2.sub_scores[i].score, status.news2.sub_scores[i].score) << i;
  }
  ASSERT_EQ(back.baselines.size(), status.baselines.size());
  for (std::size_t i = 0; i < status.baselines.size(); ++i) {
    EXPECT_EQ(back.baselines[i].metric, status.baselines[i].metric) << i;
    EXPECT_EQ(back.baselines[i].value, status.baselines[i].value) << i;
    EXPECT_EQ(back.baselines[i].provisional, status.baselines[i].provisional) << i;
  }
  EXPECT_EQ(back.dose.rate_mg_per_kg_per_h, status.dose.rate_mg_per_kg_per_h);
  EXPECT_EQ(back.dose.ce_ug_per_ml, status.dose.ce_ug_per_ml);
  EXPECT_EQ(back.dose.drug, status.dose.drug);
  EXPECT_EQ(back.dose.pump_state, status.dose.pump_state);
  EXPECT_EQ(back.dose.rate_ml_per_h, status.dose.rate_ml_per_h);
  EXPECT_EQ(back.dose.last_change, status.dose.last_change);
  EXPECT_EQ(back.dose.minutes_since_last_change, status.dose.minutes_since_last_change);
  EXPECT_EQ(back.advice.action, status.advice.action);
  EXPECT_EQ(back.advice.reason, status.advice.reason);
  EXPECT_EQ(back.active_alarms, status.active_alarms);
}

TEST(CodecTest, EveryNews2BandSurvivesTheWireAndHasAName) {
  for (const auto band : {core::News2Band::Unknown, core::News2Band::Zero, core::News2Band::Low,
                          core::News2Band::LowMedium, core::News2Band::Medium, core::News2Band::High}) {
    core::News2 news2;
    news2.band = band;
    EXPECT_EQ(fromProto(toProto(news2)).band, band) << nameOf(band);
  }
  EXPECT_EQ(toProto(core::News2{0, core::News2Band::LowMedium, true, 1, {}}).band(), vigil::v1::NEWS2_LOW_MEDIUM);
  EXPECT_EQ(nameOf(core::News2Band::LowMedium), "LOW_MEDIUM");
  EXPECT_EQ(nameOf(core::News2Band::Unknown), "UNKNOWN");
  EXPECT_EQ(nameOf(core::News2Band::High), "HIGH");
}

TEST(CodecTest, AStatusWithoutNews2ReadsAsScaleOneUnknown) {
  const auto back = fromProto(vigil::v1::PatientStatus{});
  EXPECT_EQ(back.news2.band, core::News2Band::Unknown);
  EXPECT_EQ(back.news2.spo2_scale, 1);
  EXPECT_TRUE(back.news2.sub_scores.empty());
}

// Each enum of the engine's inputs, set to a value no row knows, refuses the whole
// message and says which field held what.
struct UnknownInputEnum {
  std::string name;
  std::function<Decoded<int>()> decode;
};

template <typename T>
Decoded<int> shape(const Decoded<T>& decoded) {
  Decoded<int> out;
  if (decoded.ok()) out.value = 0;
  out.error = decoded.error;
  out.unknown_enum = decoded.unknown_enum;
  return out;
}

std::vector<UnknownInputEnum> unknownInputEnums() {
  return {
      {"quality 9",
       [] {
         auto message = toProto(sampleFrame());
         message.mutable_measurements(2)->set_quality(static_cast<vigil::v1::MeasurementQuality>(9));
         return shape(decodeVitals(message.SerializeAsString()));
       }},
      {"state 9",
       [] {
         auto message = toProto(sampleStatus());
         message.set_state(static_cast<vigil::v1::PumpState>(9));
         return shape(decodePumpStatus(message.SerializeAsString()));
       }},
      {"kind 99",
       [] {
         auto message = toProto(sampleEvent());
         message.set_kind(static_cast<vigil::v1::ClinicalEventKind>(99));
         return shape(decodeClinicalEvent(message.SerializeAsString()));
       }},
      {"acvpu 42",
       [] {
         auto message = toProto(sampleEvent());
         message.set_acvpu(static_cast<vigil::v1::Acvpu>(42));
         return shape(decodeClinicalEvent(message.SerializeAsString()));
       }},
      {"severity -3",
       [] {
         auto message = toProto(sampleEvent());
         message.set_severity(static_cast<vigil::v1::Severity>(-3));
         return shape(decodeClinicalEvent(message.SerializeAsString()));
       }},
      {"severity 7",
       [] {
         auto message = toProto(sampleEvent());
         message.set_severity(static_cast<vigil::v1::Severity>(7));
         return shape(checkedFromProto(message));
       }},
  };
}

TEST(CodecTest, EveryUnknownInputEnumIsRefusedWithTheFieldAndValue) {
  for (const auto& unknown : unknownInputEnums()) {
    const auto decoded = unknown.decode();
    EXPECT_FALSE(decoded.ok()) << unknown.name;
    EXPECT_TRUE(decoded.unknown_enum) << unknown.name;
    const auto field = unknown.name.substr(0, unknown.name.find(' '));
    const auto value = unknown.name.substr(unknown.name.find(' ') + 1);
    EXPECT_NE(decoded.error.find("(field " + field + ")"), std::string::npos) << decoded.error;
    EXPECT_NE(decoded.error.find("unknown"), std::string::npos) << decoded.error;
    EXPECT_NE(decoded.error.find(" " + value + " "), std::string::npos) << decoded.error;
  }
}

TEST(CodecTest, AKnownInputEnumIsNotAnUnknownEnum) {
  const auto decoded = decodeClinicalEvent(toProto(sampleEvent()).SerializeAsString());
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(decoded.unknown_enum);
  auto garbage = decodeVitals("\xff\xff");
  EXPECT_FALSE(garbage.ok());
  EXPECT_FALSE(garbage.unknown_enum) << "undecodable bytes are not an unknown enum";
}

TEST(CodecTest, TheAlertStreamShowsUnknownValuesSafelyInsteadOfHidingThem) {
  auto message = toProto(sampleAlarm());
  message.set_priority(static_cast<vigil::v1::Priority>(42));
  message.set_state(static_cast<vigil::v1::AlarmState>(9));
  message.set_inactivation(static_cast<vigil::v1::InactivationState>(9));
  message.set_kind(vigil::v1::KIND_UNSPECIFIED);
  message.mutable_advice()->set_action(static_cast<vigil::v1::AdviceAction>(12));
  message.mutable_advice()->set_reason("new ladder step");
  const auto alarm = fromProto(message);
  EXPECT_EQ(alarm.priority, core::Priority::High);
  EXPECT_EQ(alarm.state, core::AlarmState::Active);
  EXPECT_EQ(alarm.inactivation, core::Inactivation::Enabled);
  EXPECT_EQ(alarm.kind, core::AlarmKind::Physiological);
  EXPECT_EQ(alarm.advice.action, core::AdviceAction::None);
  EXPECT_EQ(alarm.advice.reason, "(unknown advice 12) new ladder step");

  vigil::v1::PatientStatus status;
  status.mutable_news2()->set_band(static_cast<vigil::v1::News2Band>(31));
  EXPECT_EQ(fromProto(status).news2.band, core::News2Band::Unknown);
}

}  // namespace
}  // namespace vigil::streamer
