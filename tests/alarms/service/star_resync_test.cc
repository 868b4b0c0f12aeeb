// The Binary Star resync (star_resync.h): which held ingest a copied state covers, when the
// passive asks, adopts or asks again, and, with a real pipeline and engine, that a state
// restored at a cut plus the held ingest gives the same core as the engine that never
// stopped (the guard refusing exactly the frames at or below the cut).
#include "alarms/service/star_resync.h"

#include <gtest/gtest.h>

#include <cstdio>

#include <google/protobuf/util/message_differencer.h>

#include "../core/test_support.h"
#include "alarms/service/ingest_pipeline.h"
#include "alarms/snapshot/core_snapshot.h"
#include "streamer/topics.h"
#include "vitals.pb.h"

namespace vigil::service {
namespace {

namespace v1 = vigil::v1;
using core::test_support::atSecond;
using core::test_support::shippedProtocol;
using namespace std::chrono_literals;

const IngestSourceKey kMonitor{0, "bed-1", "monitor-1"};
const IngestSourceKey kPump{1, "bed-1", "pump-1"};
const IngestSourceKey kOtherMonitor{0, "bed-2", "monitor-2"};

// ---------------------------------------------------------------- the cut, plain values

TEST(UncoveredSources, AHeldStreamThatStartsAtOrBeforeTheCutsNextFrameIsCovered) {
  const IngestCut cut{{kMonitor, 10}, {kPump, 4}};
  EXPECT_TRUE(uncoveredSources(cut, {{kMonitor, 11}, {kPump, 2}}).empty());
  EXPECT_TRUE(uncoveredSources(cut, {{kMonitor, 3}}).empty()) << "frames the state holds are duplicates, not gaps";
}

TEST(UncoveredSources, AHeldStreamThatStartsBeyondTheCutLeavesFramesInNeither) {
  const IngestCut cut{{kMonitor, 10}, {kPump, 4}};
  const auto uncovered = uncoveredSources(cut, {{kMonitor, 12}, {kPump, 5}});
  ASSERT_EQ(uncovered.size(), 1u);
  EXPECT_EQ(uncovered[0], kMonitor);
}

TEST(UncoveredSources, SourcesTheStateNeverHeardAndRestartedOnesCannotBeJudged) {
  const IngestCut cut{{kMonitor, 10}};
  EXPECT_TRUE(uncoveredSources(cut, {{kOtherMonitor, 500}}).empty());
  EXPECT_TRUE(uncoveredSources(cut, {{kMonitor, 1}}).empty());  // the gateway counted again
  EXPECT_TRUE(uncoveredSources(cut, {{kMonitor, 0}}).empty());  // unnumbered
}

// ---------------------------------------------------------------- the passive's steps

HeldInput heldFrame(const IngestSourceKey& source, std::uint64_t sequence) {
  HeldInput held;
  held.envelope.topic = source.patient_id + "#" + std::to_string(sequence);  // only to tell them apart
  held.position = IngestPosition{source, sequence};
  return held;
}

class StarResyncTest : public ::testing::Test {
 protected:
  static ResyncConfig config() {
    ResyncConfig config;
    config.hold_capacity = 5;
    config.ask_retry = 1000ms;
    config.seam_retries = 2;
    return config;
  }

  StarResync resync_{config(), 100};
  StarResync::SteadyTime t0_{};
};

TEST_F(StarResyncTest, HoldsIngestOnlyWhileNeitherSynchronisedNorActive) {
  EXPECT_TRUE(resync_.holdsInputs(false));
  EXPECT_FALSE(resync_.holdsInputs(true));
  resync_.hold(heldFrame(kMonitor, 1));
  ASSERT_TRUE(resync_.ask(true, t0_));
  ASSERT_EQ(resync_.judge(100, {}), ResyncDecision::Adopt);
  (void)resync_.adopted();
  EXPECT_FALSE(resync_.holdsInputs(false));
  EXPECT_EQ(resync_.counters().synchronised, 1u);
}

TEST_F(StarResyncTest, AsksOnlyWhenPassiveAndAgainOnlyAfterTheRetryTime) {
  resync_.hold(heldFrame(kMonitor, 1));
  EXPECT_FALSE(resync_.ask(false, t0_)) << "a primary or backup still starting has nobody to ask";
  EXPECT_EQ(resync_.ask(true, t0_), 100u);
  EXPECT_FALSE(resync_.ask(true, t0_ + 999ms));
  EXPECT_EQ(resync_.ask(true, t0_ + 1000ms), 101u);
  resync_.askNotSent();
  EXPECT_EQ(resync_.ask(true, t0_ + 1001ms), 102u) << "an ask that was not sent is retried at the next poll";
}

TEST_F(StarResyncTest, TheFirstAskWaitsForIngestToArriveOrForAQuietRetryTime) {
  EXPECT_FALSE(resync_.ask(true, t0_)) << "a cut before this engine's subscription works would miss frames";
  EXPECT_FALSE(resync_.ask(true, t0_ + 500ms));
  EXPECT_EQ(resync_.ask(true, t0_ + 1000ms), 100u) << "a quiet ward: nothing to miss";

  StarResync flowing(config(), 1);
  EXPECT_FALSE(flowing.ask(true, t0_));
  flowing.hold(heldFrame(kMonitor, 1));
  EXPECT_EQ(flowing.ask(true, t0_ + 1ms), 1u) << "ingest arrives: the subscription works";
}

TEST_F(StarResyncTest, IgnoresAStateNobodyAskedForAndAnyOnceSynchronised) {
  EXPECT_EQ(resync_.judge(100, {}), ResyncDecision::Ignore) << "no ask yet";
  resync_.hold(heldFrame(kMonitor, 1));
  ASSERT_TRUE(resync_.ask(true, t0_));
  EXPECT_EQ(resync_.judge(99, {}), ResyncDecision::Ignore);
  EXPECT_EQ(resync_.judge(101, {}), ResyncDecision::Ignore);
  EXPECT_EQ(resync_.judge(100, {}), ResyncDecision::Adopt);
  (void)resync_.adopted();
  EXPECT_EQ(resync_.judge(100, {}), ResyncDecision::Ignore) << "a second state would undo what was applied since";
  EXPECT_EQ(resync_.counters().resync_pushes_ignored, 4u);
}

TEST_F(StarResyncTest, AStateBehindTheHeldIngestIsAskedForAgainThenAcceptedAsTheStreamsOwnGap) {
  resync_.hold(heldFrame(kMonitor, 13));
  resync_.hold(heldFrame(kMonitor, 14));
  (void)resync_.ask(true, t0_);
  const IngestCut behind{{kMonitor, 11}};  // frame 12 is in neither
  EXPECT_EQ(resync_.judge(100, behind), ResyncDecision::AskAgain);
  EXPECT_EQ(resync_.ask(true, t0_ + 1ms), 101u) << "asked again at once";
  EXPECT_EQ(resync_.judge(101, behind), ResyncDecision::AskAgain);
  (void)resync_.ask(true, t0_ + 2ms);
  EXPECT_EQ(resync_.judge(102, behind), ResyncDecision::Adopt) << "retries exhausted: the gateway lost frame 12";
  EXPECT_EQ(resync_.counters().resync_seam_gaps, 2u);
  EXPECT_EQ(resync_.counters().resync_gaps_accepted, 1u);
}

TEST_F(StarResyncTest, AdoptionHandsBackTheHeldIngestOldestFirstAndTheHoldDropsTheOldestBeyondItsCapacity) {
  for (std::uint64_t sequence = 1; sequence <= 7; ++sequence) resync_.hold(heldFrame(kMonitor, sequence));
  EXPECT_EQ(resync_.counters().resync_held_dropped, 2u);
  EXPECT_EQ(resync_.firstHeld().at(kMonitor), 3u);
  (void)resync_.ask(true, t0_);
  // A state at 1 does not cover the dropped frame 2: asked again, as for any seam gap.
  EXPECT_EQ(resync_.judge(100, {{kMonitor, 1}}), ResyncDecision::AskAgain);
  (void)resync_.ask(true, t0_);
  ASSERT_EQ(resync_.judge(101, {{kMonitor, 4}}), ResyncDecision::Adopt);
  const auto held = resync_.adopted();
  ASSERT_EQ(held.size(), 5u);
  EXPECT_EQ(held.front().position->sequence, 3u);
  EXPECT_EQ(held.back().position->sequence, 7u);
  EXPECT_EQ(resync_.heldCount(), 0u);
}

HeldInput heldForward(const std::string& alert_id) {
  HeldInput held;
  v1::ControlRequest request;
  request.mutable_acknowledge()->set_alert_id(alert_id);
  held.forward.emplace();
  held.forward->set_request(request.SerializeAsString());
  return held;
}

TEST_F(StarResyncTest, HeldForwardsAreInTheStateOnAdoptionButAppliedInOrderOnATakeover) {
  resync_.hold(heldFrame(kMonitor, 1));
  resync_.hold(heldForward("a"));
  resync_.hold(heldFrame(kMonitor, 2));
  EXPECT_EQ(resync_.counters().resync_forwards_held, 1u);
  EXPECT_EQ(resync_.counters().resync_held, 2u);
  StarResync other(config(), 1);
  for (const auto& input : {heldFrame(kMonitor, 1), heldForward("a"), heldFrame(kMonitor, 2)}) other.hold(input);

  ASSERT_TRUE(resync_.ask(true, t0_));
  ASSERT_EQ(resync_.judge(100, {}), ResyncDecision::Adopt);
  const auto adopted = resync_.adopted();
  ASSERT_EQ(adopted.size(), 2u) << "the forward came before the state on the same connection: it is in it";
  EXPECT_FALSE(adopted[0].forward);
  EXPECT_FALSE(adopted[1].forward);

  const auto takeover = other.tookOver();
  ASSERT_EQ(takeover.held.size(), 3u);
  EXPECT_TRUE(takeover.held[1].forward) << "as they arrived: what live processing would have done";
  EXPECT_EQ(takeover.held[2].position->sequence, 2u);
}

TEST_F(StarResyncTest, ATakeoverIsUnsynchronisedOnlyAfterTheEngineKnewItWasBehind) {
  StarResync fresh_primary(config(), 1);
  fresh_primary.hold(heldFrame(kMonitor, 1));
  const auto first_start = fresh_primary.tookOver();
  EXPECT_FALSE(first_start.unsynchronised) << "a primary that starts first has nobody to copy";
  EXPECT_EQ(first_start.held.size(), 1u);

  (void)resync_.ask(true, t0_);  // passive: the peer is active and ahead
  resync_.hold(heldFrame(kMonitor, 8));
  const auto stale = resync_.tookOver();
  EXPECT_TRUE(stale.unsynchronised);
  EXPECT_EQ(stale.held.size(), 1u);
  EXPECT_EQ(resync_.counters().takeovers_unsynchronised, 1u);
  EXPECT_TRUE(resync_.synchronised()) << "once active, its own core is the truth";
}

// ---------------------------------------------------------------- the cut, real engines

constexpr char kUnit[] = "pacu";

streamer::Envelope spo2(const std::string& patient, std::uint64_t sequence, double at_s, double value) {
  v1::VitalsFrame frame;
  frame.set_patient_id(patient);
  frame.set_unit(kUnit);
  frame.set_device_id("monitor-" + patient);
  frame.set_sequence(sequence);
  frame.set_source_time_ms(core::toMillis(atSecond(at_s)));
  auto* measurement = frame.add_measurements();
  measurement->set_code(core::mdc::kSpO2);
  measurement->set_value(value);
  measurement->set_unit("%");
  return {streamer::makeTopic(streamer::TopicKind::Vitals, kUnit, patient), frame.SerializeAsString(), 2};
}

struct Core {
  core::Engine engine{shippedProtocol()};
  IngestPipeline pipeline{engine, IngestPipelineConfig{{}, false}};

  std::string stateBytes() const {
    return snapshot::toProto(snapshot::capture(engine, pipeline.guard()), "digest").SerializeAsString();
  }
  // The engine's part only: the guard's counters differ by the duplicates it refused.
  vigil::snapshot::v1::CoreSnapshot comparable() const {
    auto message = snapshot::toProto(snapshot::capture(engine, pipeline.guard()), "digest");
    message.mutable_ingest_guard()->clear_counters();
    return message;
  }
};

TEST(ResyncCut, ARestoredStatePlusTheHeldIngestIsTheActivesCoreAndTheGuardRefusesWhatTheStateHolds) {
  // Two beds desaturate; the active takes its state after frame 40 of each, while the
  // passive has held everything from frame 31 on.
  std::vector<streamer::Envelope> stream;
  for (std::uint64_t s = 1; s <= 80; ++s) {
    stream.push_back(spo2("bed-1", s, static_cast<double>(s), s > 20 ? 86.0 : 97.0));
    stream.push_back(spo2("bed-2", s, s + 0.5, s > 35 ? 85.0 : 98.0));
  }
  Core active;
  Core passive;
  StarResync resync(ResyncConfig{}, 7);
  std::string state;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    (void)active.pipeline.accept(stream[i], atSecond(0));
    if (i == 2 * 40 - 1) state = active.stateBytes();
    if (i >= 2 * 30) resync.hold(HeldInput{stream[i], atSecond(0), {}, ingestPosition(stream[i]), std::nullopt});
  }
  vigil::snapshot::v1::CoreSnapshot message;
  ASSERT_TRUE(message.ParseFromString(state));
  const auto cut = ingestCut(message.ingest_guard());
  EXPECT_EQ(cut, (IngestCut{{{0, "bed-1", "monitor-bed-1"}, 40}, {{0, "bed-2", "monitor-bed-2"}, 40}}));
  (void)resync.ask(true, {});
  ASSERT_EQ(resync.judge(7, cut), ResyncDecision::Adopt);

  std::string error;
  const auto restored = snapshot::fromProto(message, error);
  ASSERT_TRUE(restored) << error;
  ASSERT_TRUE(passive.engine.restoreState(restored->engine, error)) << error;
  passive.pipeline.restoreGuard(restored->guard);
  std::size_t applied = 0;
  std::size_t refused_as_in_state = 0;
  for (const auto& held : resync.adopted()) {
    const auto result = passive.pipeline.accept(held.envelope, held.receive_time);
    if (result.accepted()) {
      ++applied;
    } else if (result.verdict.fault == core::FrameFault::Duplicate) {
      ++refused_as_in_state;
    }
  }
  EXPECT_EQ(refused_as_in_state, 2u * 10) << "frames 31-40 of each bed are in the state";
  EXPECT_EQ(applied, 2u * 40) << "frames 41-80 of each bed are not";
  EXPECT_EQ(passive.engine.alarms().size(), active.engine.alarms().size());
  ASSERT_FALSE(active.engine.alarms().empty());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(passive.comparable(), active.comparable()))
      << "the passive's core differs from the active's";
}

// The brief's large unit: 1,000 patients on infusions, ten minutes of vital signs each.
// What the active serialises and the passive parses and restores, timed (the figures go
// to the test's output; the bound is loose, for a loaded shared machine).
TEST(ResyncCut, AThousandPatientStateIsSerialisedAndRestoredWellWithinASecond) {
  constexpr int kPatients = 1000;
  Core active;
  for (int p = 0; p < kPatients; ++p) {
    const auto patient = "bed-" + std::to_string(p);
    v1::PumpStatus pump;
    pump.set_patient_id(patient);
    pump.set_unit(kUnit);
    pump.set_device_id("pump-" + patient);
    pump.set_sequence(1);
    pump.set_source_time_ms(core::toMillis(atSecond(0)));
    pump.set_drug("ketamine");
    pump.set_concentration_mg_per_ml(1.0);
    pump.set_patient_weight_kg(70.0);
    pump.set_dose_rate_mg_per_kg_per_h(0.2);
    pump.set_rate_ml_per_h(14.0);
    pump.set_state(v1::PUMP_RUNNING);
    (void)active.pipeline.accept(
        {streamer::makeTopic(streamer::TopicKind::Infusion, kUnit, patient), pump.SerializeAsString(), 2}, atSecond(0));
  }
  for (std::uint64_t s = 1; s <= 600; s += 10) {
    for (int p = 0; p < kPatients; ++p) {
      (void)active.pipeline.accept(spo2("bed-" + std::to_string(p), s, static_cast<double>(s), p % 7 ? 96.0 : 86.0),
                                   atSecond(0));
    }
  }
  ASSERT_EQ(active.engine.statuses().size(), static_cast<std::size_t>(kPatients));

  const auto started = std::chrono::steady_clock::now();
  const auto bytes = active.stateBytes();
  const auto serialised = std::chrono::steady_clock::now();
  vigil::snapshot::v1::CoreSnapshot message;
  ASSERT_TRUE(message.ParseFromString(bytes));
  std::string error;
  const auto state = snapshot::fromProto(message, error);
  ASSERT_TRUE(state) << error;
  Core passive;
  ASSERT_TRUE(passive.engine.restoreState(state->engine, error)) << error;
  passive.pipeline.restoreGuard(state->guard);
  const auto restored = std::chrono::steady_clock::now();
  const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf("core state of %d patients: %zu bytes, serialised in %.1f ms, parsed and restored in %.1f ms\n",
              kPatients, bytes.size(), ms(serialised - started), ms(restored - serialised));
  EXPECT_EQ(passive.engine.alarms().size(), active.engine.alarms().size());
  EXPECT_LT(restored - started, 1s);
}

TEST(IngestPosition, NamesTheGuardsSourceAndSequenceAndNothingForWhatDoesNotDecode) {
  const auto position = ingestPosition(spo2("bed-1", 17, 1, 97));
  ASSERT_TRUE(position);
  EXPECT_EQ(position->source, (IngestSourceKey{0, "bed-1", "monitor-bed-1"}));
  EXPECT_EQ(position->sequence, 17u);
  EXPECT_FALSE(ingestPosition(streamer::Envelope{"vitals/pacu/bed-1", "\xff\xff not protobuf", 2}));
  EXPECT_FALSE(ingestPosition(streamer::Envelope{"no topic", "", 2}));
}

}  // namespace
}  // namespace vigil::service
