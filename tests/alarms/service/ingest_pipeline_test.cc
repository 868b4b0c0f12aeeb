// The ingest pipeline with plain envelopes, no sockets: framing, topic, decoding,
// addressing and the guard in front of a real engine with the shipped protocol.
#include "alarms/service/ingest_pipeline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>

#include "../core/test_support.h"
#include "streamer/codec.h"
#include "streamer/topics.h"
#include "vitals.pb.h"

namespace vigil::service {
namespace {

namespace v1 = vigil::v1;
using core::test_support::atSecond;
using core::test_support::shippedProtocol;
using std::chrono::hours;
using std::chrono::seconds;

constexpr char kUnit[] = "pacu";
constexpr char kPatient[] = "bed-3";

streamer::Envelope envelope(std::string topic, std::string payload, std::size_t parts = 2) {
  return streamer::Envelope{std::move(topic), std::move(payload), parts};
}

std::string vitalsTopic(std::string_view patient = kPatient) {
  return streamer::makeTopic(streamer::TopicKind::Vitals, kUnit, patient);
}

v1::VitalsFrame spo2Frame(std::uint64_t sequence, double at_s, double spo2, std::string unit = "%") {
  v1::VitalsFrame frame;
  frame.set_patient_id(kPatient);
  frame.set_unit(kUnit);
  frame.set_device_id("monitor-3");
  frame.set_sequence(sequence);
  frame.set_source_time_ms(core::toMillis(atSecond(at_s)));
  auto* m = frame.add_measurements();
  m->set_code(core::mdc::kSpO2);
  m->set_value(spo2);
  m->set_unit(std::move(unit));
  return frame;
}

streamer::Envelope vitals(const v1::VitalsFrame& frame) { return envelope(vitalsTopic(), frame.SerializeAsString()); }

v1::PumpStatus pumpStatus(std::uint64_t sequence, double at_s, double mg_per_kg_per_h) {
  v1::PumpStatus status;
  status.set_patient_id(kPatient);
  status.set_unit(kUnit);
  status.set_device_id("pump-3");
  status.set_sequence(sequence);
  status.set_source_time_ms(core::toMillis(atSecond(at_s)));
  status.set_drug("ketamine");
  status.set_concentration_mg_per_ml(1.0);
  status.set_patient_weight_kg(70.0);
  status.set_dose_rate_mg_per_kg_per_h(mg_per_kg_per_h);
  status.set_rate_ml_per_h(mg_per_kg_per_h * 70.0);
  status.set_state(v1::PUMP_RUNNING);
  return status;
}

bool startsDesaturation(const core::Outputs& output) {
  for (const auto& event : output.alarms) {
    if (event.condition == "spo2-below-90" && event.phase == core::Phase::Start) return true;
  }
  return false;
}

class IngestPipelineTest : public ::testing::Test {
 protected:
  explicit IngestPipelineTest(bool wall_clock = false)
      : engine_(shippedProtocol()), pipeline_(engine_, IngestPipelineConfig{{}, wall_clock}) {}

  IngestResult accept(const streamer::Envelope& e, core::TimePoint receive = atSecond(0)) {
    return pipeline_.accept(e, receive);
  }

  void expectCountersAddUp() {
    const auto& c = pipeline_.counters();
    EXPECT_EQ(c.messages, c.accepted + c.notAccepted());
  }

  core::Engine engine_;
  IngestPipeline pipeline_;
};

class LiveIngestPipelineTest : public IngestPipelineTest {
 protected:
  LiveIngestPipelineTest() : IngestPipelineTest(true) {}
};

TEST_F(IngestPipelineTest, AValidFrameReachesTheEngine) {
  const auto result = accept(vitals(spo2Frame(1, 0, 97)));
  EXPECT_EQ(result.outcome, IngestOutcome::Accepted) << result.error;
  EXPECT_TRUE(result.verdict.new_source);
  EXPECT_EQ(engine_.counters().vitals_frames, 1u);
  EXPECT_EQ(engine_.counters().measurements_evaluated, 1u);
  EXPECT_EQ(pipeline_.counters().accepted, 1u);
}

TEST_F(IngestPipelineTest, EachKindOfGarbageStopsWhereItShouldAndIsCounted) {
  const auto payload = spo2Frame(1, 0, 97).SerializeAsString();
  EXPECT_EQ(accept(envelope(vitalsTopic(), payload, 1)).outcome, IngestOutcome::MalformedMultipart);
  EXPECT_EQ(accept(envelope(vitalsTopic(), payload, 3)).outcome, IngestOutcome::MalformedMultipart);
  EXPECT_EQ(accept(envelope("vitals/pacu", payload)).outcome, IngestOutcome::UnknownTopic);
  EXPECT_EQ(accept(envelope("vitals/pacu/bed-3/x", payload)).outcome, IngestOutcome::UnknownTopic);
  EXPECT_EQ(accept(envelope(streamer::makeTopic(streamer::TopicKind::Alert, kUnit, kPatient), payload)).outcome,
            IngestOutcome::UnknownTopic);
  EXPECT_EQ(accept(envelope(vitalsTopic(), "\xff\xff\xff\xff not protobuf")).outcome, IngestOutcome::Undecodable);
  EXPECT_EQ(accept(envelope(vitalsTopic(), "")).outcome, IngestOutcome::Undecodable) << "no patient id";
  const auto mismatch = accept(envelope(vitalsTopic("bed-4"), payload));
  EXPECT_EQ(mismatch.outcome, IngestOutcome::AddressMismatch);
  EXPECT_NE(mismatch.error.find("bed-4"), std::string::npos);

  const auto& c = pipeline_.counters();
  EXPECT_EQ(c.malformed_multipart, 2u);
  EXPECT_EQ(c.unknown_topic, 3u);
  EXPECT_EQ(c.undecodable, 2u);
  EXPECT_EQ(c.address_mismatch, 1u);
  EXPECT_EQ(c.accepted, 0u);
  EXPECT_EQ(engine_.counters().vitals_frames, 0u) << "garbage reached the engine";
  expectCountersAddUp();
}

TEST_F(IngestPipelineTest, NonFiniteMeasurementsAreDroppedAndTheFrameGoesOn) {
  auto frame = spo2Frame(1, 0, std::numeric_limits<double>::quiet_NaN());
  auto* hr = frame.add_measurements();
  hr->set_code(core::mdc::kEcgHeartRate);
  hr->set_value(72);
  const auto result = accept(vitals(frame));
  EXPECT_EQ(result.outcome, IngestOutcome::Accepted);
  EXPECT_EQ(pipeline_.counters().non_finite_measurements, 1u);
  EXPECT_EQ(engine_.counters().measurements_evaluated, 1u);
}

TEST_F(IngestPipelineTest, TheGuardRefusesDuplicatesAndTheyNeverReachTheEngine) {
  ASSERT_TRUE(accept(vitals(spo2Frame(1, 0, 97))).accepted());
  const auto duplicate = accept(vitals(spo2Frame(1, 0, 97)));
  EXPECT_EQ(duplicate.outcome, IngestOutcome::Refused);
  EXPECT_EQ(duplicate.verdict.fault, core::FrameFault::Duplicate);
  EXPECT_FALSE(duplicate.error.empty());
  EXPECT_EQ(engine_.counters().vitals_frames, 1u);
  EXPECT_EQ(pipeline_.counters().refused_by_guard, 1u);
  EXPECT_EQ(pipeline_.guard().counters().duplicates, 1u);
  expectCountersAddUp();
}

TEST_F(IngestPipelineTest, AGapIsReportedWithItsSourceAndSize) {
  for (int s = 0; s < 4; ++s) ASSERT_TRUE(accept(vitals(spo2Frame(s + 1, s, 97))).accepted());
  const auto after_gap = accept(vitals(spo2Frame(8, 7, 97)));
  ASSERT_TRUE(after_gap.accepted());
  ASSERT_TRUE(after_gap.gap);
  EXPECT_EQ(after_gap.gap->patient_id, kPatient);
  EXPECT_EQ(after_gap.gap->unit, kUnit);
  EXPECT_EQ(after_gap.gap->source_id, "monitor-3");
  EXPECT_EQ(after_gap.gap->missing, 3u);
  EXPECT_EQ(after_gap.gap->time, atSecond(7));
  EXPECT_FALSE(accept(vitals(spo2Frame(9, 8, 97))).gap);
}

TEST_F(IngestPipelineTest, ImpossibleValuesAreDroppedPerMeasurement) {
  auto frame = spo2Frame(1, 0, 140);
  auto* hr = frame.add_measurements();
  hr->set_code(core::mdc::kEcgHeartRate);
  hr->set_value(80);
  hr->set_unit("/min");
  const auto result = accept(vitals(frame));
  ASSERT_TRUE(result.accepted());
  EXPECT_EQ(result.verdict.measurements_out_of_range, 1);
  EXPECT_EQ(engine_.counters().measurements_evaluated, 1u);
}

TEST_F(IngestPipelineTest, SpO2SentAsAFractionStillAlarms) {
  ASSERT_TRUE(accept(envelope(streamer::makeTopic(streamer::TopicKind::Infusion, kUnit, kPatient),
                              pumpStatus(1, 0, 0.2).SerializeAsString()))
                  .accepted());
  bool alarmed = false;
  for (int s = 0; s < 20; ++s) alarmed |= startsDesaturation(accept(vitals(spo2Frame(s + 1, s, 0.87, "1"))).output);
  EXPECT_TRUE(alarmed) << "0.87 as a fraction is 87 %";
  EXPECT_EQ(pipeline_.guard().counters().measurements_converted, 20u);
}

TEST_F(IngestPipelineTest, ADesaturationStillAlarmsThroughInterleavedGarbage) {
  ASSERT_TRUE(accept(envelope(streamer::makeTopic(streamer::TopicKind::Infusion, kUnit, kPatient),
                              pumpStatus(1, 0, 0.2).SerializeAsString()))
                  .accepted());
  std::optional<core::AlarmEvent> alarm;
  for (int s = 0; s < 20; ++s) {
    const auto frame = spo2Frame(s + 1, s, 87);
    for (const auto& event : accept(vitals(frame)).output.alarms) {
      if (event.condition == "spo2-below-90" && event.phase == core::Phase::Start) alarm = event;
    }
    // A replayed copy with a normal value, a far-future one, an impossible value: none may
    // reset the desaturation's delay.
    auto normal_copy = spo2Frame(s + 1, s, 98);
    EXPECT_EQ(accept(vitals(normal_copy)).verdict.fault, core::FrameFault::Duplicate);
    auto future = spo2Frame(s + 2, s + 36000, 98);
    EXPECT_EQ(accept(vitals(future)).verdict.fault, core::FrameFault::FutureTime);
    auto backwards = spo2Frame(s + 2, s - 30, 98);
    if (s > 0) {
      EXPECT_EQ(accept(vitals(backwards)).verdict.fault, core::FrameFault::BackwardsTime);
    }
  }
  ASSERT_TRUE(alarm) << "no spo2-below-90 alarm";
  EXPECT_EQ(alarm->start_time, atSecond(15));
  EXPECT_EQ(alarm->priority, core::Priority::High);
  expectCountersAddUp();
}

TEST_F(IngestPipelineTest, ClinicalEventsAreGuardedThenReachTheEngine) {
  v1::ClinicalEvent event;
  event.set_patient_id(kPatient);
  event.set_unit(kUnit);
  event.set_source_id("station-1");
  event.set_sequence(1);
  event.set_source_time_ms(core::toMillis(atSecond(0)));
  event.set_kind(v1::SEDATION_SCORE);
  event.set_rass_score(-1);
  const auto topic = streamer::makeTopic(streamer::TopicKind::Event, kUnit, kPatient);
  EXPECT_EQ(accept(envelope(topic, event.SerializeAsString())).outcome, IngestOutcome::Accepted);
  event.set_sequence(2);
  event.set_rass_score(12);
  EXPECT_EQ(accept(envelope(topic, event.SerializeAsString())).verdict.fault, core::FrameFault::ImpossibleValue);
  // RASS -3 a minute later is rule 15's HIGH row: the engine took the entry. (The refused
  // entry used sequence 2, so the next one is 2 again: a refused frame is not consumed.)
  event.set_source_time_ms(core::toMillis(atSecond(60)));
  event.set_rass_score(-3);
  const auto sedated = accept(envelope(topic, event.SerializeAsString()));
  ASSERT_EQ(sedated.outcome, IngestOutcome::Accepted);
  ASSERT_FALSE(sedated.output.alarms.empty());
  EXPECT_EQ(sedated.output.alarms.back().priority, core::Priority::High);
  EXPECT_EQ(pipeline_.counters().accepted, 2u);
  EXPECT_EQ(pipeline_.counters().refused_by_guard, 1u);
  expectCountersAddUp();
}

TEST_F(IngestPipelineTest, StreamModeHasNoWallClockReference) {
  // A replay of last year's recording and one a day ahead of the receive time: both are data.
  EXPECT_TRUE(accept(vitals(spo2Frame(1, 0, 97)), atSecond(0) - hours(24 * 365)).accepted());
  EXPECT_TRUE(accept(vitals(spo2Frame(2, 1, 97)), atSecond(0) - hours(24)).accepted());
}

TEST_F(LiveIngestPipelineTest, LiveModeRefusesFramesFarAheadOfTheReceiveTime) {
  EXPECT_TRUE(accept(vitals(spo2Frame(1, 60, 97)), atSecond(0)).accepted()) << "a minute ahead is tolerated";
  const auto future = accept(vitals(spo2Frame(2, 3600, 97)), atSecond(0));
  EXPECT_EQ(future.verdict.fault, core::FrameFault::FutureTime);
  EXPECT_EQ(engine_.counters().vitals_frames, 1u);
}

TEST_F(IngestPipelineTest, AnUnknownEnumValueIsRefusedBeforeTheEngineAndCounted) {
  auto frame = spo2Frame(1, 0, 97);
  frame.mutable_measurements(0)->set_quality(static_cast<v1::MeasurementQuality>(12));
  const auto refused = accept(vitals(frame));
  EXPECT_EQ(refused.outcome, IngestOutcome::Undecodable);
  EXPECT_NE(refused.error.find("unknown measurement quality 12"), std::string::npos) << refused.error;
  auto status = pumpStatus(1, 0, 0.1);
  status.set_state(static_cast<v1::PumpState>(5));
  const auto pump =
      accept(envelope(streamer::makeTopic(streamer::TopicKind::Infusion, kUnit, kPatient), status.SerializeAsString()));
  EXPECT_EQ(pump.outcome, IngestOutcome::Undecodable);
  EXPECT_NE(pump.error.find("unknown pump state 5"), std::string::npos) << pump.error;
  EXPECT_EQ(accept(envelope(vitalsTopic(), "\xff\xff not protobuf")).outcome, IngestOutcome::Undecodable);

  const auto& c = pipeline_.counters();
  EXPECT_EQ(c.undecodable, 3u);
  EXPECT_EQ(c.unknown_enum_values, 2u) << "garbage bytes are not an unknown enum";
  EXPECT_EQ(engine_.counters().vitals_frames, 0u);
  EXPECT_EQ(engine_.counters().pump_statuses, 0u);
  std::map<std::string, std::uint64_t> named;
  pipeline_.visitCounters([&](std::string_view name, std::uint64_t value) { named[std::string(name)] = value; });
  EXPECT_EQ(named.at("ingest.unknown_enum_values"), 2u);
  expectCountersAddUp();
}

TEST_F(IngestPipelineTest, EveryCounterIsVisitedByName) {
  accept(vitals(spo2Frame(1, 0, 97)));
  accept(envelope("vitals/pacu", ""));
  std::map<std::string, std::uint64_t> named;
  pipeline_.visitCounters([&](std::string_view name, std::uint64_t value) { named[std::string(name)] = value; });
  EXPECT_EQ(named.at("ingest.messages"), 2u);
  EXPECT_EQ(named.at("ingest.accepted"), 1u);
  EXPECT_EQ(named.at("ingest.unknown_topic"), 1u);
  EXPECT_EQ(named.at("guard.accepted"), 1u);
  EXPECT_EQ(named.at("guard.duplicates"), 0u);
}

}  // namespace
}  // namespace vigil::service
