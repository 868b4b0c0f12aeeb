// The ingest guard's rules, one by one: sequence numbers, source time, values and units.
#include "alarms/core/ingest_guard.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "alarms/core/metrics.h"

namespace vigil::core {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TimePoint origin() { return fromMillis(1'790'000'000'000); }
TimePoint at(Duration offset) { return origin() + offset; }

VitalsFrame frame(std::uint64_t sequence, TimePoint time, std::vector<Measurement> measurements = {},
                  std::string device = "monitor-1", std::string patient = "bed-1") {
  if (measurements.empty()) measurements.push_back({mdc::kSpO2, 97.0, "%", Quality::Valid});
  return VitalsFrame{std::move(patient), "pacu", std::move(device), sequence, time, std::move(measurements)};
}

PumpStatus pump(std::uint64_t sequence, TimePoint time) {
  PumpStatus status;
  status.patient_id = "bed-1";
  status.unit = "pacu";
  status.device_id = "pump-1";
  status.sequence = sequence;
  status.time = time;
  status.drug = "ketamine";
  status.concentration_mg_per_ml = 1.0;
  status.rate_ml_per_h = 14.0;
  status.dose_rate_mg_per_kg_per_h = 0.2;
  status.patient_weight_kg = 70.0;
  status.state = PumpState::Running;
  return status;
}

ClinicalEvent event(std::uint64_t sequence, TimePoint time) {
  ClinicalEvent e;
  e.patient_id = "bed-1";
  e.unit = "pacu";
  e.source_id = "station-1";
  e.sequence = sequence;
  e.time = time;
  e.kind = ClinicalEventKind::SedationScore;
  e.rass_score = -2;
  return e;
}

const std::optional<TimePoint> kReplay = std::nullopt;

class IngestGuardTest : public ::testing::Test {
 protected:
  IngestVerdict send(VitalsFrame f, std::optional<TimePoint> wall = kReplay) { return guard_.check(f, wall); }
  IngestGuard guard_;
};

// ---------------------------------------------------------------- sequence numbers

TEST_F(IngestGuardTest, ConsecutiveSequencesAreAccepted) {
  const auto first = send(frame(7, at(seconds(0))));
  EXPECT_TRUE(first.accepted());
  EXPECT_TRUE(first.new_source);
  const auto second = send(frame(8, at(seconds(1))));
  EXPECT_TRUE(second.accepted());
  EXPECT_FALSE(second.new_source);
  EXPECT_EQ(second.missing, 0u);
  EXPECT_EQ(guard_.counters().accepted, 2u);
  EXPECT_EQ(guard_.counters().new_sources, 1u);
}

TEST_F(IngestGuardTest, RepeatedOrOlderSequenceIsADuplicate) {
  ASSERT_TRUE(send(frame(5, at(seconds(0)))).accepted());
  ASSERT_TRUE(send(frame(6, at(seconds(1)))).accepted());
  const auto repeated = send(frame(6, at(seconds(1))));
  EXPECT_EQ(repeated.fault, FrameFault::Duplicate);
  EXPECT_FALSE(repeated.reason.empty());
  // Older, even with a later time: a proxy that doubled or delayed a frame.
  EXPECT_EQ(send(frame(4, at(seconds(2)))).fault, FrameFault::Duplicate);
  EXPECT_EQ(guard_.counters().duplicates, 2u);
  // The duplicates changed nothing: the next one is still expected.
  EXPECT_EQ(send(frame(7, at(seconds(2)))).missing, 0u);
}

TEST_F(IngestGuardTest, AJumpIsAcceptedAndReportedAsAGap) {
  for (std::uint64_t s = 7; s <= 10; ++s) ASSERT_TRUE(send(frame(s, at(seconds(s - 10)))).accepted());
  const auto jumped = send(frame(14, at(seconds(4))));
  EXPECT_TRUE(jumped.accepted());
  EXPECT_EQ(jumped.missing, 3u);
  EXPECT_EQ(guard_.counters().sequence_gaps, 1u);
  EXPECT_EQ(guard_.counters().frames_missing, 3u);
  // The lost frames arriving late are duplicates now, not a second gap.
  EXPECT_EQ(send(frame(12, at(seconds(2)))).fault, FrameFault::Duplicate);
  // A source that has earned its reports keeps them through a flaky stretch.
  EXPECT_EQ(send(frame(16, at(seconds(6)))).missing, 1u);
}

TEST_F(IngestGuardTest, AJumpBeforeTheSourceHasCountedSteadilyIsNotReported) {
  ASSERT_TRUE(send(frame(10, at(seconds(0)))).accepted());
  const auto early = send(frame(40, at(seconds(30))));
  EXPECT_TRUE(early.accepted());
  EXPECT_EQ(early.missing, 0u);
  EXPECT_TRUE(early.unestablished_gap);
  for (std::uint64_t s = 41; s <= 43; ++s) ASSERT_TRUE(send(frame(s, at(seconds(s - 10)))).accepted());
  EXPECT_EQ(send(frame(50, at(seconds(40)))).missing, 6u) << "three in a row: now the source is trusted";
  EXPECT_EQ(guard_.counters().unestablished_gaps, 1u);
  EXPECT_EQ(guard_.counters().sequence_gaps, 1u);
}

TEST_F(IngestGuardTest, ALeapWhileTheClockStandsStillIsCorruption) {
  ASSERT_TRUE(send(frame(10, at(seconds(5)))).accepted());
  const auto leap = send(frame(74, at(seconds(5))));
  EXPECT_EQ(leap.fault, FrameFault::SequenceLeapInPlace);
  EXPECT_EQ(guard_.counters().sequence_leaps_in_place, 1u);
  EXPECT_TRUE(send(frame(11, at(seconds(6)))).accepted()) << "the corrupt frame must not move the count";
}

TEST_F(IngestGuardTest, ARebootedGatewayCountingFromOneIsARestartNotDuplicatesForever) {
  for (std::uint64_t s = 1; s <= 50; ++s) ASSERT_TRUE(send(frame(s, at(seconds(s)))).accepted());
  const auto restart = send(frame(1, at(seconds(120))));
  EXPECT_TRUE(restart.accepted());
  EXPECT_TRUE(restart.restarted);
  EXPECT_EQ(restart.missing, 0u);
  for (std::uint64_t s = 2; s <= 5; ++s) {
    const auto next = send(frame(s, at(seconds(120 + s))));
    EXPECT_TRUE(next.accepted()) << "frame " << s << " after the restart: " << next.reason;
    EXPECT_EQ(next.missing, 0u);
  }
  EXPECT_EQ(guard_.counters().restarts, 1u);
  EXPECT_EQ(guard_.counters().duplicates, 0u);
}

TEST_F(IngestGuardTest, RestartFromZeroAlsoCounts) {
  ASSERT_TRUE(send(frame(30, at(seconds(0)))).accepted());
  EXPECT_TRUE(send(frame(0, at(seconds(60)))).restarted);
  EXPECT_EQ(send(frame(1, at(seconds(61)))).missing, 0u);
}

TEST_F(IngestGuardTest, ASequenceOfOneReplayedAtTheSameTimeIsADuplicateNotARestart) {
  ASSERT_TRUE(send(frame(1, at(seconds(0)))).accepted());
  ASSERT_TRUE(send(frame(2, at(seconds(1)))).accepted());
  EXPECT_EQ(send(frame(1, at(seconds(0)))).fault, FrameFault::Duplicate);
  EXPECT_EQ(send(frame(1, at(seconds(1)))).fault, FrameFault::Duplicate);
  EXPECT_EQ(guard_.counters().restarts, 0u);
}

TEST_F(IngestGuardTest, TheFirstSequenceRepeatedLaterIsADuplicate) {
  ASSERT_TRUE(send(frame(1, at(seconds(0)))).accepted());
  EXPECT_EQ(send(frame(1, at(seconds(5)))).fault, FrameFault::Duplicate);
  EXPECT_EQ(guard_.counters().restarts, 0u);
}

TEST_F(IngestGuardTest, ASourceThatDoesNotNumberItsFramesIsCheckedOnTimeOnly) {
  EXPECT_TRUE(send(frame(0, at(seconds(0)))).accepted());
  EXPECT_TRUE(send(frame(0, at(seconds(1)))).accepted());
  EXPECT_TRUE(send(frame(0, at(seconds(2)))).accepted());
  EXPECT_EQ(guard_.counters().unnumbered, 3u);
  EXPECT_EQ(send(frame(0, at(seconds(-30)))).fault, FrameFault::BackwardsTime);
}

TEST_F(IngestGuardTest, SourcesAreCountedApartPerDeviceAndPatientAndKind) {
  ASSERT_TRUE(send(frame(5, at(seconds(0)), {}, "monitor-1", "bed-1")).accepted());
  EXPECT_TRUE(send(frame(5, at(seconds(0)), {}, "monitor-2", "bed-1")).new_source);
  EXPECT_TRUE(send(frame(5, at(seconds(0)), {}, "monitor-1", "bed-2")).new_source);
  auto status = pump(5, at(seconds(0)));
  EXPECT_TRUE(guard_.check(status, kReplay).new_source);
  EXPECT_EQ(guard_.sourceCount(), 4u);
}

// ---------------------------------------------------------------- how many sources

// Issue 9: a burst of invented device ids made the guard forget a real device, whose
// repeated frame then passed as new and raised its alarms again.
TEST_F(IngestGuardTest, ABurstOfInventedIdsCannotMakeTheGuardForgetARealDevice) {
  IngestGuard guard(IngestGuardConfig{.max_sources = 3});
  for (std::uint64_t n = 1; n <= 5; ++n) {
    auto real = frame(n, at(seconds(n)), {}, "real-monitor");
    ASSERT_TRUE(guard.check(real, kReplay).accepted());
  }
  int refused = 0;
  for (int i = 0; i < 1000; ++i) {
    auto invented = frame(1, at(seconds(6)), {}, "invented-" + std::to_string(i));
    const auto verdict = guard.check(invented, kReplay);
    if (verdict.fault == FrameFault::TooManySources) {
      ++refused;
      EXPECT_TRUE(verdict.gateway_full);
    }
  }
  EXPECT_EQ(refused, 998) << "two invented ids fit in the three sources";
  EXPECT_EQ(guard.counters().sources_refused, 998u);
  EXPECT_EQ(guard.counters().sources_forgotten, 0u);
  auto repeated = frame(5, at(seconds(5)), {}, "real-monitor");
  EXPECT_EQ(guard.check(repeated, kReplay).fault, FrameFault::Duplicate) << "the real device was forgotten";
  EXPECT_EQ(guard.sourceCount(), 3u);
}

TEST_F(IngestGuardTest, ASourceIsForgottenOnlyAfterBeingSilentLongerThanTheStaleTolerance) {
  IngestGuard guard(IngestGuardConfig{.max_sources = 2});
  const TimePoint t0 = at(hours(1));
  for (const char* device : {"a", "b"}) {
    auto f = frame(7, t0, {}, device);
    ASSERT_TRUE(guard.check(f, t0).accepted());
  }
  auto early = frame(1, t0 + minutes(2), {}, "c");
  EXPECT_EQ(guard.check(early, t0 + minutes(2)).fault, FrameFault::TooManySources)
      << "a and b are not silent long enough";
  auto late = frame(1, t0 + minutes(2) + milliseconds(1), {}, "c");
  const auto admitted = guard.check(late, t0 + minutes(2) + milliseconds(1));
  EXPECT_TRUE(admitted.accepted()) << admitted.reason;
  EXPECT_FALSE(admitted.gateway_full) << "a and b were forgotten: one of two sources used";
  EXPECT_EQ(guard.counters().sources_forgotten, 2u);
  // A copy of a forgotten source's frame is stale, never a new frame.
  auto copy = frame(7, t0, {}, "a");
  EXPECT_EQ(guard.check(copy, t0 + minutes(2) + milliseconds(1)).fault, FrameFault::StaleTime);
}

// Sources are looked up by one key built of kind, patient and device (issue 13): a key
// that only concatenated them would make patient "ab" device "c" the source of patient "a"
// device "bc", and its next frame a duplicate.
TEST_F(IngestGuardTest, SourcesThatConcatenateAlikeAreDistinct) {
  EXPECT_TRUE(send(frame(5, at(seconds(1)), {}, "c", "ab")).accepted());
  const auto other = send(frame(5, at(seconds(1)), {}, "bc", "a"));
  EXPECT_TRUE(other.accepted()) << other.reason;
  EXPECT_TRUE(other.new_source);
  auto status = pump(5, at(seconds(1)));
  status.device_id = "monitor-1";  // the same names as a monitor's frame: another kind of source
  const auto first_pump = guard_.check(status, kReplay);
  EXPECT_TRUE(first_pump.new_source);
  EXPECT_TRUE(send(frame(5, at(seconds(1)))).new_source);
  EXPECT_EQ(guard_.sourceCount(), 4u);
}

// A source heard again is moved on lazily (deadline_queue.h): its earlier time coming up
// must not forget it, while a source really silent that long is forgotten.
TEST_F(IngestGuardTest, ASourceHeardAgainIsNotForgottenAtItsOldTime) {
  const TimePoint t0 = at(hours(1));
  for (const char* device : {"quiet", "busy"}) {
    auto f = frame(1, t0, {}, device);
    ASSERT_TRUE(guard_.check(f, t0).accepted());
  }
  auto again = frame(2, t0 + seconds(90), {}, "busy");
  ASSERT_TRUE(guard_.check(again, t0 + seconds(90)).accepted());
  auto newcomer = frame(1, t0 + minutes(2) + seconds(1), {}, "new");
  ASSERT_TRUE(guard_.check(newcomer, t0 + minutes(2) + seconds(1)).accepted());
  EXPECT_EQ(guard_.counters().sources_forgotten, 1u);
  EXPECT_EQ(guard_.sourceCount(), 2u);
  auto copy = frame(2, t0 + seconds(90), {}, "busy");
  EXPECT_EQ(guard_.check(copy, t0 + minutes(2) + seconds(1)).fault, FrameFault::Duplicate)
      << "busy was forgotten at the time it was first heard";
}

// Snapshots list the sources oldest heard first, and sources heard at the same time in the
// order they were heard, so a restored guard forgets them in the same order.
TEST_F(IngestGuardTest, SavedSourcesAreInTheOrderTheyWereLastHeard) {
  for (const char* device : {"m", "z", "a"}) ASSERT_TRUE(send(frame(1, at(seconds(5)), {}, device)).accepted());
  ASSERT_TRUE(send(frame(1, at(seconds(3)), {}, "early")).accepted());
  ASSERT_TRUE(send(frame(2, at(seconds(7)), {}, "z")).accepted());
  const auto saved = guard_.saved();
  std::vector<std::string> order;
  for (const auto& source : saved.sources) order.push_back(source.source_id);
  const std::vector<std::string> expected{"early", "m", "a", "z"};
  EXPECT_EQ(order, expected);
  IngestGuard restored;
  restored.restore(saved);
  std::vector<std::string> again;
  for (const auto& source : restored.saved().sources) again.push_back(source.source_id);
  EXPECT_EQ(again, expected);
  auto duplicate = frame(2, at(seconds(7)), {}, "z");
  EXPECT_EQ(restored.check(duplicate, kReplay).fault, FrameFault::Duplicate);
}

TEST_F(IngestGuardTest, EachGatewayHasItsOwnSourceLimit) {
  IngestGuard guard(IngestGuardConfig{.max_sources = 2});
  auto send_from = [&guard](const std::string& gateway, const std::string& device) {
    auto f = frame(1, at(seconds(0)), {}, device);
    return guard.check(f, kReplay, gateway).fault;
  };
  EXPECT_EQ(send_from("gw-rogue", "x1"), FrameFault::None);
  EXPECT_EQ(send_from("gw-rogue", "x2"), FrameFault::None);
  EXPECT_EQ(send_from("gw-rogue", "x3"), FrameFault::TooManySources);
  EXPECT_EQ(send_from("gw-icu", "monitor-1"), FrameFault::None) << "one gateway's flood starved another";
  EXPECT_EQ(send_from("gw-icu", "monitor-2"), FrameFault::None);
  EXPECT_EQ(guard.sourceCount("gw-rogue"), 2u);
  EXPECT_EQ(guard.sourceCount("gw-icu"), 2u);
}

TEST_F(IngestGuardTest, AStrangersRefusedFrameUsesNoSource) {
  IngestGuard guard(IngestGuardConfig{.max_sources = 1});
  auto known = frame(1, at(hours(1)), {}, "a");
  ASSERT_TRUE(guard.check(known, kReplay).accepted());
  EXPECT_EQ(guard.sourceCount(), 1u);
  IngestGuard empty(IngestGuardConfig{.max_sources = 1});
  auto stranger = frame(1, fromMillis(0), {}, "junk");
  EXPECT_EQ(empty.check(stranger, kReplay).fault, FrameFault::MissingTime);
  EXPECT_EQ(empty.sourceCount(), 0u);
  auto real = frame(1, at(seconds(0)), {}, "real");
  EXPECT_TRUE(empty.check(real, kReplay).accepted()) << "the junk took the only source";
}

// ---------------------------------------------------------------- time

TEST_F(IngestGuardTest, AFrameWithoutTimeIsRefused) {
  EXPECT_EQ(send(frame(1, fromMillis(0))).fault, FrameFault::MissingTime);
  EXPECT_EQ(send(frame(1, fromMillis(-5))).fault, FrameFault::MissingTime);
  EXPECT_EQ(guard_.counters().missing_time, 2u);
}

TEST_F(IngestGuardTest, StampsBeyondAnyDeviceClockAreRefusedEvenAsTheFirstFrame) {
  EXPECT_EQ(send(frame(1, fromMillis(std::numeric_limits<std::int64_t>::max()))).fault, FrameFault::FutureTime);
  ASSERT_TRUE(send(frame(1, at(seconds(0)))).accepted());
  EXPECT_EQ(send(frame(2, fromMillis(std::numeric_limits<std::int64_t>::max() - 5))).fault, FrameFault::FutureTime);
}

TEST_F(IngestGuardTest, ToleranceOfForeverDoesNotOverflow) {
  IngestGuard lenient(IngestGuardConfig{.future_tolerance = Duration::max(),
                                        .stream_jump_tolerance = Duration::max(),
                                        .backwards_tolerance = Duration::max(),
                                        .stale_tolerance = Duration::max()});
  auto first = frame(1, at(seconds(10)));
  ASSERT_TRUE(lenient.check(first, at(seconds(0))).accepted());
  auto back = frame(2, fromMillis(1));
  EXPECT_TRUE(lenient.check(back, at(seconds(0))).accepted());
  auto far = frame(3, at(hours(24 * 365)));
  EXPECT_TRUE(lenient.check(far, kReplay).accepted());
}

TEST_F(IngestGuardTest, LiveModeRefusesFramesTooFarAheadOfTheWallClock) {
  const TimePoint wall = at(hours(1));
  EXPECT_TRUE(send(frame(1, wall + minutes(2)), wall).accepted()) << "within the tolerance";
  const auto future = send(frame(2, wall + minutes(2) + milliseconds(1)), wall);
  EXPECT_EQ(future.fault, FrameFault::FutureTime);
  EXPECT_NE(future.reason.find("ahead of the wall clock"), std::string::npos);
  // A device whose clock is a day ahead stays refused however consistently it counts.
  EXPECT_EQ(send(frame(3, wall + hours(24)), wall).fault, FrameFault::FutureTime);
  EXPECT_EQ(send(frame(4, wall + hours(24) + seconds(1)), wall).fault, FrameFault::FutureTime);
  EXPECT_EQ(guard_.counters().future_time, 3u);
}

TEST_F(IngestGuardTest, FutureToleranceIsConfigurable) {
  IngestGuard strict(IngestGuardConfig{.future_tolerance = seconds(5)});
  auto f = frame(1, at(seconds(6)));
  EXPECT_EQ(strict.check(f, at(seconds(0))).fault, FrameFault::FutureTime);
}

TEST_F(IngestGuardTest, TimeGoingBackwardsBeyondTheToleranceIsRefused) {
  ASSERT_TRUE(send(frame(1, at(seconds(10)))).accepted());
  EXPECT_TRUE(send(frame(2, at(seconds(10) - milliseconds(800)))).accepted()) << "jitter within 1 s";
  const auto back = send(frame(3, at(seconds(5))));
  EXPECT_EQ(back.fault, FrameFault::BackwardsTime);
  EXPECT_EQ(guard_.counters().backwards_time, 1u);
  EXPECT_EQ(send(frame(3, at(seconds(11)))).missing, 0u) << "the refused frame did not take sequence 3";
}

// Issue 9: the first frame of an unknown device could carry any past time.
TEST_F(IngestGuardTest, LiveModeRefusesAStrangersFrameFarBehindTheWallClock) {
  const TimePoint wall = at(hours(24 * 365));
  const auto year_old = send(frame(1, at(seconds(0)), {}, "stranger"), wall);
  EXPECT_EQ(year_old.fault, FrameFault::StaleTime);
  EXPECT_NE(year_old.reason.find("behind the engine's now"), std::string::npos);
  EXPECT_TRUE(send(frame(1, wall - minutes(2), {}, "late-1"), wall).accepted()) << "within the tolerance";
  EXPECT_EQ(send(frame(1, wall - minutes(2) - milliseconds(1), {}, "late-2"), wall).fault, FrameFault::StaleTime);
  EXPECT_EQ(guard_.counters().stale_time, 2u);
}

TEST_F(IngestGuardTest, ReplayRefusesAStrangersFrameFarBehindTheStream) {
  ASSERT_TRUE(send(frame(1, at(hours(2)))).accepted());
  EXPECT_EQ(send(frame(1, at(hours(2) - hours(24 * 365)), {}, "stranger")).fault, FrameFault::StaleTime);
  EXPECT_TRUE(send(frame(1, at(hours(2) - seconds(90)), {}, "slow-device")).accepted()) << "within the tolerance";
  // A known device falls behind the stream too: the rule is not only for strangers.
  ASSERT_TRUE(send(frame(1, at(hours(2) + minutes(5)), {}, "fast-device")).accepted());
  EXPECT_EQ(send(frame(2, at(hours(2) + seconds(1)))).fault, FrameFault::StaleTime);
  EXPECT_EQ(guard_.counters().stale_time, 2u);
}

TEST_F(IngestGuardTest, StaleToleranceIsConfigurable) {
  IngestGuard strict(IngestGuardConfig{.stale_tolerance = seconds(5)});
  auto f = frame(1, at(seconds(0)));
  EXPECT_EQ(strict.check(f, at(seconds(6))).fault, FrameFault::StaleTime);
}

TEST_F(IngestGuardTest, ReplayRefusesAnUnconfirmedJumpAheadOfTheStream) {
  ASSERT_TRUE(send(frame(1, at(seconds(0)))).accepted());
  ASSERT_TRUE(send(frame(1, at(seconds(1)), {}, "monitor-2")).accepted());
  // One corrupt time far ahead, then the source goes on normally.
  EXPECT_EQ(send(frame(2, at(hours(30)))).fault, FrameFault::FutureTime);
  EXPECT_TRUE(send(frame(2, at(seconds(2)))).accepted());
  EXPECT_TRUE(send(frame(3, at(seconds(3)))).accepted());
  EXPECT_EQ(guard_.counters().stream_jumps_confirmed, 0u);
}

TEST_F(IngestGuardTest, ReplayBelievesAJumpTheSourcesNextFrameConfirms) {
  ASSERT_TRUE(send(frame(1, at(seconds(0)))).accepted());
  // A recording with an hour's hole: the first frame after it waits for its successor.
  EXPECT_EQ(send(frame(2, at(hours(1)))).fault, FrameFault::FutureTime);
  const auto confirmed = send(frame(3, at(hours(1) + seconds(1))));
  EXPECT_TRUE(confirmed.accepted()) << confirmed.reason;
  EXPECT_EQ(guard_.counters().stream_jumps_confirmed, 1u);
  // Other sources follow without any confirmation: the stream's time has moved.
  EXPECT_TRUE(send(frame(1, at(hours(1) + seconds(2)), {}, "monitor-2")).accepted());
}

TEST_F(IngestGuardTest, AFirstFrameFromANewSourceFarAheadOfTheStreamIsRefused) {
  ASSERT_TRUE(send(frame(1, at(seconds(0)))).accepted());
  EXPECT_EQ(send(frame(1, at(hours(48)), {}, "rogue")).fault, FrameFault::FutureTime);
  // The same rogue frame again does not confirm itself; its successor would.
  EXPECT_EQ(send(frame(1, at(hours(48) + seconds(1)), {}, "rogue")).fault, FrameFault::FutureTime);
  EXPECT_TRUE(send(frame(2, at(hours(48) + seconds(2)), {}, "rogue")).accepted());
}

// ---------------------------------------------------------------- values

TEST_F(IngestGuardTest, ImpossibleValuesAreDroppedWithoutLosingTheValidRest) {
  auto f = frame(1, at(seconds(0)),
                 {{mdc::kSpO2, 104.0, "%", Quality::Valid},
                  {mdc::kEcgHeartRate, 72.0, "/min", Quality::Valid},
                  {mdc::kEcgHeartRate, 351.0, "/min", Quality::Valid},
                  {mdc::kRespRate, -1.0, "/min", Quality::Valid},
                  {mdc::kNibpSys, -20.0, "mm[Hg]", Quality::Valid},
                  {mdc::kTempBody, 9.9, "Cel", Quality::Valid},
                  {mdc::kTempBody, 36.8, "Cel", Quality::Valid}});
  const auto verdict = guard_.check(f, kReplay);
  ASSERT_TRUE(verdict.accepted());
  EXPECT_EQ(verdict.measurements_out_of_range, 5);
  ASSERT_EQ(f.measurements.size(), 2u);
  EXPECT_EQ(f.measurements[0].value, 72.0);
  EXPECT_EQ(f.measurements[1].value, 36.8);
  EXPECT_EQ(guard_.counters().measurements_out_of_range, 5u);
}

TEST_F(IngestGuardTest, RangeEdgesAreMeasurable) {
  auto f = frame(1, at(seconds(0)),
                 {{mdc::kSpO2, 0.0, "%", Quality::Valid},
                  {mdc::kSpO2, 100.0, "%", Quality::Valid},
                  {mdc::kEcgHeartRate, 350.0, "/min", Quality::Valid},
                  {mdc::kRespRate, 200.0, "/min", Quality::Valid},
                  {mdc::kTempBody, 10.0, "Cel", Quality::Valid},
                  {mdc::kTempBody, 50.0, "Cel", Quality::Valid},
                  {mdc::kRespRate, 200.5, "/min", Quality::Valid}});
  EXPECT_EQ(guard_.check(f, kReplay).measurements_out_of_range, 1);
  EXPECT_EQ(f.measurements.size(), 6u);
}

TEST_F(IngestGuardTest, NonFiniteValuesThatReachTheGuardAreDropped) {
  auto f = frame(1, at(seconds(0)),
                 {{mdc::kSpO2, std::numeric_limits<double>::quiet_NaN(), "%", Quality::Valid},
                  {mdc::kSpO2, std::numeric_limits<double>::infinity(), "%", Quality::Valid}});
  EXPECT_EQ(guard_.check(f, kReplay).measurements_out_of_range, 2);
  EXPECT_TRUE(f.measurements.empty());
}

TEST_F(IngestGuardTest, ArtifactSensorOffAndUnknownCodesAreLeftToTheEngine) {
  auto f = frame(1, at(seconds(0)),
                 {{mdc::kSpO2, -1.0, "%", Quality::SensorOff},
                  {mdc::kSpO2, 180.0, "%", Quality::Artifact},
                  {4242, -9.0, "?", Quality::Valid}});
  EXPECT_EQ(guard_.check(f, kReplay).measurementsDropped(), 0);
  EXPECT_EQ(f.measurements.size(), 3u);
}

TEST_F(IngestGuardTest, SpO2AsAFractionIsConvertedToPercent) {
  auto f = frame(1, at(seconds(0)),
                 {{mdc::kSpO2, 0.93, "1", Quality::Valid}, {mdc::kSpO2, 0.91, "{ratio}", Quality::Valid}});
  const auto verdict = guard_.check(f, kReplay);
  EXPECT_EQ(verdict.measurements_converted, 2);
  ASSERT_EQ(f.measurements.size(), 2u);
  EXPECT_DOUBLE_EQ(f.measurements[0].value, 93.0);
  EXPECT_EQ(f.measurements[0].unit, "%");
  EXPECT_DOUBLE_EQ(f.measurements[1].value, 91.0);
}

TEST_F(IngestGuardTest, AFractionThatIsReallyAPercentageFailsTheRangeAfterConversion) {
  auto f = frame(1, at(seconds(0)), {{mdc::kSpO2, 93.0, "1", Quality::Valid}});
  const auto verdict = guard_.check(f, kReplay);
  EXPECT_EQ(verdict.measurements_converted, 1);
  EXPECT_EQ(verdict.measurements_out_of_range, 1);
  EXPECT_TRUE(f.measurements.empty());
}

TEST_F(IngestGuardTest, UnambiguousUnitsAreConverted) {
  auto f = frame(1, at(seconds(0)),
                 {{mdc::kTempBody, 98.6, "[degF]", Quality::Valid},
                  {mdc::kTempBody, 310.15, "K", Quality::Valid},
                  {mdc::kNibpSys, 16.0, "kPa", Quality::Valid},
                  {mdc::kNibpDia, 80.0, "mmHg", Quality::Valid},
                  {mdc::kEcgHeartRate, 72.0, "{beat}/min", Quality::Valid},
                  {mdc::kRespRate, 0.25, "/s", Quality::Valid},
                  {mdc::kEcgHeartRate, 70.0, "", Quality::Valid}});
  const auto verdict = guard_.check(f, kReplay);
  EXPECT_EQ(verdict.measurementsDropped(), 0);
  EXPECT_EQ(verdict.measurements_converted, 5);  // {beat}/min and "" are the expected unit
  ASSERT_EQ(f.measurements.size(), 7u);
  EXPECT_NEAR(f.measurements[0].value, 37.0, 1e-9);
  EXPECT_NEAR(f.measurements[1].value, 37.0, 1e-9);
  EXPECT_NEAR(f.measurements[2].value, 120.0, 0.01);
  EXPECT_EQ(f.measurements[3].unit, "mm[Hg]");
  EXPECT_EQ(f.measurements[4].value, 72.0);
  EXPECT_NEAR(f.measurements[5].value, 15.0, 1e-9);
}

TEST_F(IngestGuardTest, AnAmbiguousOrForeignUnitIsDropped) {
  auto f = frame(1, at(seconds(0)),
                 {{mdc::kSpO2, 97.0, "mm[Hg]", Quality::Valid},
                  {mdc::kTempBody, 37.0, "degrees", Quality::Valid},
                  {mdc::kEcgHeartRate, 72.0, "/min", Quality::Valid}});
  const auto verdict = guard_.check(f, kReplay);
  EXPECT_EQ(verdict.measurements_unit_mismatch, 2);
  ASSERT_EQ(f.measurements.size(), 1u);
  EXPECT_EQ(guard_.counters().measurements_unit_mismatch, 2u);
}

TEST_F(IngestGuardTest, AFrameWhoseValuesAllFailIsStillAcceptedForItsSequence) {
  ASSERT_TRUE(send(frame(1, at(seconds(0)))).accepted());
  auto f = frame(2, at(seconds(1)), {{mdc::kSpO2, 250.0, "%", Quality::Valid}});
  EXPECT_TRUE(guard_.check(f, kReplay).accepted());
  EXPECT_TRUE(f.measurements.empty());
  EXPECT_EQ(send(frame(3, at(seconds(2)))).missing, 0u);
}

TEST_F(IngestGuardTest, AnImpossiblePumpStatusIsRefusedWhole) {
  auto good = pump(1, at(seconds(0)));
  ASSERT_TRUE(guard_.check(good, kReplay).accepted());
  auto heavy = pump(2, at(seconds(1)));
  heavy.patient_weight_kg = 7000.0;
  EXPECT_EQ(guard_.check(heavy, kReplay).fault, FrameFault::ImpossibleValue);
  auto fast = pump(2, at(seconds(1)));
  fast.rate_ml_per_h = 1e6;
  EXPECT_EQ(guard_.check(fast, kReplay).fault, FrameFault::ImpossibleValue);
  // An unknown pump state never gets here: the codec refuses it (codec_test.cc).
  auto negative = pump(2, at(seconds(1)));
  negative.concentration_mg_per_ml = -1.0;
  EXPECT_EQ(guard_.check(negative, kReplay).fault, FrameFault::ImpossibleValue);
  EXPECT_EQ(guard_.counters().impossible_pump_status, 3u);
  auto next = pump(2, at(seconds(1)));
  EXPECT_EQ(guard_.check(next, kReplay).missing, 0u) << "refused statuses did not take sequence 2";
}

TEST_F(IngestGuardTest, AnImpossibleClinicalEventIsRefusedWhole) {
  auto good = event(1, at(seconds(0)));
  ASSERT_TRUE(guard_.check(good, kReplay).accepted());
  auto rass = event(2, at(seconds(1)));
  rass.rass_score = 9;
  EXPECT_EQ(guard_.check(rass, kReplay).fault, FrameFault::ImpossibleValue);
  auto oxygen = event(2, at(seconds(1)));
  oxygen.oxygen_l_per_min = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(guard_.check(oxygen, kReplay).fault, FrameFault::ImpossibleValue);
  // An unknown kind, ACVPU level or severity never gets here: the codec refuses it (codec_test.cc).
  EXPECT_EQ(guard_.counters().impossible_clinical_event, 2u);
}

TEST_F(IngestGuardTest, CountersAddUpAndAreVisitedByName) {
  send(frame(1, at(seconds(0))));
  send(frame(1, at(seconds(0))));
  send(frame(2, fromMillis(0)));
  EXPECT_EQ(guard_.counters().refused(), 2u);
  std::map<std::string, std::uint64_t> named;
  guard_.visitCounters([&](std::string_view name, std::uint64_t value) { named[std::string(name)] = value; });
  EXPECT_EQ(named.at("accepted"), 1u);
  EXPECT_EQ(named.at("duplicates"), 1u);
  EXPECT_EQ(named.at("missing_time"), 1u);
  EXPECT_GE(named.size(), 18u);
}

TEST(MeasuringRange, EveryVitalMetricHasARangeAroundItsNormalValues) {
  for (Metric metric : {Metric::HeartRate, Metric::Pulse, Metric::SpO2, Metric::RespRate, Metric::Sbp, Metric::Dbp,
                        Metric::Map, Metric::EtCO2, Metric::Temperature}) {
    const auto range = measuringRange(metric);
    EXPECT_LT(range.low, range.high) << metricName(metric);
  }
  EXPECT_TRUE(measuringRange(Metric::SpO2).contains(97.0));
  EXPECT_FALSE(measuringRange(Metric::SpO2).contains(100.5));
  EXPECT_TRUE(measuringRange(Metric::Temperature).contains(37.0));
}

}  // namespace
}  // namespace vigil::core
