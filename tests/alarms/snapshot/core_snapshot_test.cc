// Core snapshots (alarms/snapshot/core_snapshot.h). The property: over seeded random
// multi-hour sessions (tests/alarms/core/random_session.h), an engine and ingest guard that
// are snapshotted, serialised, parsed and restored into fresh ones at random moments give
// the same output stream, byte for byte on the wire, as the pair that never stopped.
//
// To add a case: a new seed in kSessionSeeds gives a new session with its own cut points.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "../core/random_session.h"
#include "alarms/snapshot/core_snapshot.h"
#include "streamer/codec.h"

namespace vigil::snapshot {
namespace {

using namespace core::test_support;
using namespace core::random_session;
using core::Engine;
using core::TimePoint;
namespace mdc = core::mdc;
using core::IngestGuard;

// What a station and the journal would see of one step: every output as the bytes the
// alert stream carries, and the guard's verdict on the step's message.
void record(const core::Outputs& out, std::vector<std::string>& stream) {
  for (const auto& e : out.alarms) stream.push_back("alarm " + streamer::toProto(e).SerializeAsString());
  for (const auto& a : out.advice) stream.push_back("advice " + streamer::toProto(a).SerializeAsString());
  for (const auto& s : out.statuses) stream.push_back("status " + streamer::toProto(s).SerializeAsString());
}

std::string verdictText(const core::IngestVerdict& v) {
  return "verdict " + std::string(core::frameFaultName(v.fault)) + " " + v.reason + " " + std::to_string(v.new_source) +
         std::to_string(v.missing) + std::to_string(v.unestablished_gap) + std::to_string(v.restarted);
}

// The guard sees each source numbered 1, 2, 3... with a skip now and then, so that its
// runs, gaps and restarts have something to remember across a snapshot.
class Numbering {
 public:
  std::uint64_t next(const std::string& source, std::size_t step_index) {
    auto& n = counts_[source];
    n += step_index % 97 == 0 ? 3 : 1;
    if (step_index % 1013 == 0) n = 1;  // a device restart
    return n;
  }

 private:
  std::map<std::string, std::uint64_t> counts_;
};

void guard(IngestGuard& guard, const Step& step, std::size_t index, Numbering& numbering,
           std::vector<std::string>& stream) {
  if (const auto* f = std::get_if<core::VitalsFrame>(&step)) {
    auto copy = *f;
    copy.sequence = numbering.next("v" + f->patient_id, index);
    stream.push_back(verdictText(guard.check(copy, std::nullopt)));
  } else if (const auto* s = std::get_if<core::PumpStatus>(&step)) {
    auto copy = *s;
    copy.sequence = numbering.next("p" + s->patient_id, index);
    stream.push_back(verdictText(guard.check(copy, std::nullopt)));
  }
}

struct Core {
  Engine engine{shippedProtocol()};
  IngestGuard guard;
};

// Through the bytes, as the journal keeps it: capture, serialise, parse, restore.
std::unique_ptr<Core> roundTrip(const Core& from) {
  const auto message = toProto(capture(from.engine, from.guard), "digest");
  v1::CoreSnapshot parsed;
  EXPECT_TRUE(parsed.ParseFromString(message.SerializeAsString()));
  std::string error;
  const auto state = fromProto(parsed, error);
  EXPECT_TRUE(state) << error;
  auto to = std::make_unique<Core>();
  EXPECT_TRUE(restore(*state, to->engine, to->guard, error)) << error;
  // The restored core holds exactly the state that was saved.
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(message, toProto(capture(to->engine, to->guard), "digest")));
  return to;
}

// The session with a tick every second between inputs, so cuts fall between deadlines too.
std::vector<Step> withTicks(const std::vector<Step>& steps) {
  std::vector<Step> ticked;
  TimePoint last = atSecond(0);
  for (const auto& step : steps) {
    const TimePoint t = timeOf(step);
    if (t > last) {
      for (TimePoint tick = last + std::chrono::milliseconds(1000); tick < t; tick += std::chrono::milliseconds(1000)) {
        ticked.push_back(Tick{tick});
      }
      last = t;
    }
    ticked.push_back(step);
  }
  return ticked;
}

std::vector<std::string> run(const std::vector<Step>& steps, const std::set<std::size_t>& cuts) {
  auto core = std::make_unique<Core>();
  Numbering numbering;
  std::vector<std::string> stream;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (cuts.count(i)) core = roundTrip(*core);
    guard(core->guard, steps[i], i, numbering, stream);
    record(apply(core->engine, steps[i]), stream);
  }
  return stream;
}

constexpr unsigned kSessionSeeds[] = {11, 12, 13, 14, 15, 16, 17, 18};
constexpr std::size_t kCutsPerSession = 40;

class SnapshotProperty : public ::testing::TestWithParam<unsigned> {};

TEST_P(SnapshotProperty, RestoringAnywhereGivesTheSameOutputStream) {
  const auto steps = withTicks(randomSession(GetParam()));
  std::mt19937 random(GetParam() * 7919u);
  std::set<std::size_t> cuts{1, steps.size() - 1};  // right after the start, just before the end
  while (cuts.size() < kCutsPerSession)
    cuts.insert(std::uniform_int_distribution<std::size_t>(0, steps.size() - 1)(random));

  const auto never_stopped = run(steps, {});
  const auto restored = run(steps, cuts);
  ASSERT_EQ(never_stopped.size(), restored.size());
  for (std::size_t i = 0; i < never_stopped.size(); ++i) {
    ASSERT_EQ(never_stopped[i], restored[i]) << "output " << i << " differs";
  }
  // The session exercised what a snapshot must carry.
  std::size_t alarms = 0;
  for (const auto& line : never_stopped) alarms += line.rfind("alarm ", 0) == 0;
  EXPECT_GT(alarms, 50u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, SnapshotProperty, ::testing::ValuesIn(kSessionSeeds));

TEST(CoreSnapshot, ANewerVersionIsRefusedWithTheReason) {
  Core core;
  auto message = toProto(capture(core.engine, core.guard), "digest");
  message.set_version(kCoreSnapshotVersion + 1);
  std::string error;
  EXPECT_FALSE(fromProto(message, error));
  EXPECT_NE(error.find("version " + std::to_string(kCoreSnapshotVersion + 1)), std::string::npos) << error;
}

TEST(CoreSnapshot, AStateOfAnotherProtocolIsRefusedAndTheEngineKeepsItsOwn) {
  Core core;
  core.engine.onVitals(frame(atSecond(1), continuousVitals(mdc::kSpO2, 85)));
  auto state = capture(core.engine, core.guard);
  ASSERT_FALSE(state.engine.patients.empty());
  state.engine.patients[0].rules.rules.pop_back();
  Core other;
  other.engine.onVitals(frame(atSecond(0), continuousVitals(mdc::kSpO2, 97), "bed-9"));
  std::string error;
  EXPECT_FALSE(restore(state, other.engine, other.guard, error));
  EXPECT_NE(error.find("limit rules"), std::string::npos) << error;
  EXPECT_EQ(other.engine.statuses().size(), 1u);
  EXPECT_EQ(other.engine.statuses()[0].patient_id, "bed-9");
}

TEST(CoreSnapshot, BadValuesAreRefusedNotTrusted) {
  Core core;
  core.engine.onVitals(frame(atSecond(1), continuousVitals(mdc::kSpO2, 85)));
  auto message = toProto(capture(core.engine, core.guard), "digest");
  message.mutable_patients(0)->mutable_dose()->clear_pk_plasma();
  std::string error;
  EXPECT_FALSE(fromProto(message, error));
  EXPECT_NE(error.find("PK model"), std::string::npos) << error;
}

}  // namespace
}  // namespace vigil::snapshot
