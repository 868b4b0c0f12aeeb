#include "alarms/service/protocol_file.h"
#include "tools/vigil-replay/replay.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "alerts.pb.h"
#include "streamer/codec.h"
#include "streamer/recording/recording.h"
#include "streamer/zmq_io.h"
#include "tools/vigil-replay/inline_engine.h"
#include "tools/vigil-replay/pacer.h"
#include "tools/vigil-replay/playlist.h"
#include "vitals.pb.h"

namespace vigil::tools::replay {
namespace {

namespace v1 = vigil::v1;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// ---- pacing ------------------------------------------------------------------------

const WallClock::time_point kT0 = WallClock::time_point{} + 1h;

TEST(PacerTest, RealTimeKeepsTheRecordedGapsFromTheFirstMessage) {
  Pacer pacer(1.0);
  EXPECT_EQ(pacer.dueAt(10'000, kT0), kT0);
  EXPECT_EQ(pacer.dueAt(11'000, kT0), kT0 + 1s);
  EXPECT_EQ(pacer.dueAt(13'500, kT0 + 5s), kT0 + 3500ms) << "the anchor stays: no drift after a late call";
}

TEST(PacerTest, SpeedDividesTheGaps) {
  Pacer pacer(50.0);
  pacer.dueAt(0, kT0);
  EXPECT_EQ(pacer.dueAt(50'000, kT0), kT0 + 1s);
  EXPECT_EQ(pacer.dueAt(1'000, kT0), kT0 + 20ms);
}

TEST(PacerTest, AsFastAsPossibleIsAlwaysDueNow) {
  Pacer pacer(std::nullopt);
  EXPECT_TRUE(pacer.asFastAsPossible());
  EXPECT_EQ(pacer.dueAt(0, kT0), kT0);
  EXPECT_EQ(pacer.dueAt(3'600'000, kT0 + 1ms), kT0 + 1ms);
}

TEST(PacerTest, TimeGoingBackIsDueAtOnce) {
  Pacer pacer(1.0);
  pacer.dueAt(10'000, kT0);
  EXPECT_LT(pacer.dueAt(9'000, kT0), kT0);
}

TEST(PacerTest, AchievedSpeedIsDataOverWall) {
  EXPECT_DOUBLE_EQ(achievedSpeed(60'000, 1s), 60.0);
  EXPECT_EQ(achievedSpeed(60'000, WallClock::duration{0}), 0.0);
}

// A clock that jumps to whatever it is asked to sleep until.
class FakeClock final : public ReplayClock {
 public:
  WallClock::time_point now() const override { return now_; }
  void sleepUntil(WallClock::time_point until) override {
    ++sleeps_;
    now_ = std::max(now_, until);
  }
  int sleeps() const { return sleeps_; }
  void advance(WallClock::duration by) { now_ += by; }

 private:
  WallClock::time_point now_ = kT0;
  int sleeps_ = 0;
};

v1::RecordedMessage recorded(std::int64_t time_ms, const std::string& topic, const std::string& payload = "p") {
  v1::RecordedMessage message;
  message.set_receive_time_ms(time_ms);
  message.set_topic(topic);
  message.set_payload(payload);
  return message;
}

std::string vitalsPayload(const std::string& patient, std::int64_t time_ms, std::uint64_t sequence) {
  v1::VitalsFrame frame;
  frame.set_patient_id(patient);
  frame.set_unit("pacu");
  frame.set_device_id(patient + "-monitor");
  frame.set_sequence(sequence);
  frame.set_source_time_ms(time_ms);
  return frame.SerializeAsString();
}

struct Sent {
  WallClock::time_point at;
  v1::RecordedMessage message;
};

TEST(ReplayLoopTest, SendsEachMessageAtItsTimeDividedBySpeed) {
  const Playlist playlist({recorded(1000, "a"), recorded(1500, "b"), recorded(4000, "c")}, std::nullopt);
  Pacer pacer(2.0);
  FakeClock clock;
  std::atomic<bool> stop{false};
  std::vector<Sent> sent;
  const auto summary = replayPlaylist(
      playlist, false, pacer, clock, stop,
      [&](const v1::RecordedMessage& m) {
        sent.push_back({clock.now(), m});
        return true;
      },
      [](const Progress&) {});
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].at, kT0);
  EXPECT_EQ(sent[1].at, kT0 + 250ms);
  EXPECT_EQ(sent[2].at, kT0 + 1500ms);
  EXPECT_EQ(sent[2].message.topic(), "c");
  EXPECT_EQ(summary.sent, 3u);
  EXPECT_EQ(summary.data_span_ms, 3000);
  EXPECT_EQ(summary.wall, 1500ms);
  EXPECT_FALSE(summary.stopped);
  EXPECT_NE(formatSummary(summary).find("effective speed 2.0x"), std::string::npos) << formatSummary(summary);
}

TEST(ReplayLoopTest, LongWaitsAreSlicedSoAStopIsSeenPromptly) {
  const Playlist playlist({recorded(0, "a"), recorded(3'600'000, "b")}, std::nullopt);
  Pacer pacer(1.0);
  FakeClock clock;
  std::atomic<bool> stop{false};
  int sends = 0;
  class StoppingClock final : public ReplayClock {
   public:
    StoppingClock(FakeClock& inner, std::atomic<bool>& stop) : inner_(inner), stop_(stop) {}
    WallClock::time_point now() const override { return inner_.now(); }
    void sleepUntil(WallClock::time_point until) override {
      EXPECT_LE(until - inner_.now(), kSleepSlice);
      inner_.sleepUntil(until);
      if (inner_.sleeps() == 3) stop_ = true;  // a signal arrives during the third slice
    }
    FakeClock& inner_;
    std::atomic<bool>& stop_;
  } stopping(clock, stop);
  const auto summary = replayPlaylist(
      playlist, false, pacer, stopping, stop,
      [&](const v1::RecordedMessage&) {
        ++sends;
        return true;
      },
      [](const Progress&) {});
  EXPECT_EQ(sends, 1);
  EXPECT_TRUE(summary.stopped);
  EXPECT_EQ(clock.sleeps(), 3);
}

TEST(ReplayLoopTest, MaxSpeedNeverSleeps) {
  const Playlist playlist({recorded(0, "a"), recorded(60'000, "b"), recorded(120'000, "c")}, std::nullopt);
  Pacer pacer(std::nullopt);
  FakeClock clock;
  std::atomic<bool> stop{false};
  std::size_t sends = 0;
  replayPlaylist(
      playlist, false, pacer, clock, stop, [&](const v1::RecordedMessage&) { return ++sends > 0; },
      [](const Progress&) {});
  EXPECT_EQ(sends, 3u);
  EXPECT_EQ(clock.sleeps(), 0);
}

TEST(ReplayLoopTest, ProgressIsThrottledAndAlwaysGivenAtTheEnd) {
  std::vector<v1::RecordedMessage> messages;
  for (int i = 0; i < 100; ++i) messages.push_back(recorded(i * 10, "t"));  // 1 s of data at 1x
  const Playlist playlist(std::move(messages), std::nullopt);
  Pacer pacer(1.0);
  FakeClock clock;
  std::atomic<bool> stop{false};
  std::vector<Progress> reports;
  replayPlaylist(
      playlist, false, pacer, clock, stop, [](const v1::RecordedMessage&) { return true; },
      [&](const Progress& p) { reports.push_back(p); });
  // 990 ms of wall time: every 200 ms (4 times) plus the final one.
  EXPECT_EQ(reports.size(), 5u);
  EXPECT_EQ(reports.back().sent_in_loop, 100u);
  EXPECT_EQ(reports.back().per_loop, 100u);
  EXPECT_NEAR(reports.back().speed, 1.0, 1e-9);
  EXPECT_NE(formatProgress(reports.back()).find("sent 100/100"), std::string::npos);
}

TEST(ReplayLoopTest, LoopingKeepsThePaceAcrossPassesUntilStopped) {
  const Playlist playlist({recorded(0, "a"), recorded(2000, "b")}, std::nullopt);
  Pacer pacer(1.0);
  FakeClock clock;
  std::atomic<bool> stop{false};
  std::vector<Sent> sent;
  const auto summary = replayPlaylist(
      playlist, true, pacer, clock, stop,
      [&](const v1::RecordedMessage& m) {
        sent.push_back({clock.now(), m});
        if (sent.size() == 5) stop = true;
        return true;
      },
      [](const Progress&) {});
  ASSERT_EQ(sent.size(), 5u);
  // Period: span 2 s + the loop gap.
  const auto period = std::chrono::milliseconds(2000 + kLoopGapMs);
  EXPECT_EQ(sent[2].at, kT0 + period);
  EXPECT_EQ(sent[4].at, kT0 + 2 * period);
  // Without a shift every pass sends the recorded message unchanged.
  EXPECT_EQ(sent[2].message.SerializeAsString(), recorded(0, "a").SerializeAsString());
  EXPECT_EQ(summary.loops_started, 3u);
  EXPECT_TRUE(summary.stopped);
}

// ---- playlist ----------------------------------------------------------------------

TEST(PlaylistTest, ShiftToNowMovesReceiveTimeAndPayloadTimeTogether) {
  const std::int64_t now = 1'800'000'000'000;
  const Playlist playlist({recorded(1000, "vitals/pacu/bed-01", vitalsPayload("bed-01", 990, 7)),
                           recorded(2000, "vitals/pacu/bed-01", vitalsPayload("bed-01", 1990, 8))},
                          now);
  const auto first = playlist.emitted(0, 0);
  EXPECT_TRUE(first.payload_shifted);
  EXPECT_EQ(first.message.receive_time_ms(), now);
  v1::VitalsFrame frame;
  ASSERT_TRUE(frame.ParseFromString(first.message.payload()));
  EXPECT_EQ(frame.source_time_ms(), now - 10) << "the device-to-receipt latency is kept";
  EXPECT_EQ(frame.sequence(), 7u);
  EXPECT_EQ(frame.patient_id(), "bed-01");

  // The second pass continues after the first, in time and in sequence.
  const auto again = playlist.emitted(1, 0);
  ASSERT_TRUE(frame.ParseFromString(again.message.payload()));
  EXPECT_EQ(again.message.receive_time_ms(), now + playlist.loopPeriodMs());
  EXPECT_EQ(frame.source_time_ms(), now - 10 + 1000 + kLoopGapMs);
  EXPECT_EQ(frame.sequence(), 9u);
  EXPECT_EQ(playlist.dataTimeMs(1, 0), again.message.receive_time_ms()) << "the progress line shows the sent time";
}

TEST(PlaylistTest, SourceTimingPacesByTheDevicesTimeStamps) {
  // A simulator at 600x: ten seconds of device time arrived within 17 ms.
  const Playlist playlist({recorded(5000, "vitals/pacu/bed-01", vitalsPayload("bed-01", 100'000, 1)),
                           recorded(5001, "alert/pacu/bed-01", ""),
                           recorded(5017, "vitals/pacu/bed-01", vitalsPayload("bed-01", 110'000, 2))},
                          std::nullopt, Timing::Source);
  EXPECT_EQ(playlist.playbackTimeMs(0, 0), 100'000);
  EXPECT_EQ(playlist.playbackTimeMs(0, 1), 100'000) << "a message without a source time keeps the pace";
  EXPECT_EQ(playlist.playbackTimeMs(0, 2), 110'000);
  EXPECT_EQ(playlist.spanMs(), 10'000);
  EXPECT_EQ(playlist.dataTimeMs(0, 2), 110'000);
  const Playlist by_receipt({recorded(5000, "vitals/pacu/bed-01", vitalsPayload("bed-01", 100'000, 1)),
                             recorded(5017, "vitals/pacu/bed-01", vitalsPayload("bed-01", 110'000, 2))},
                            std::nullopt);
  EXPECT_EQ(by_receipt.spanMs(), 17);
}

TEST(PlaylistTest, PayloadsThatAreNotSourceFramesGoUnshifted) {
  const auto alert = recorded(1000, "alert/pacu/bed-01", v1::AlarmEvent().SerializeAsString());
  const auto shifted = shiftMessage(alert, 500, 0);
  EXPECT_FALSE(shifted.payload_shifted);
  EXPECT_EQ(shifted.message.receive_time_ms(), 1500);
  EXPECT_EQ(shifted.message.payload(), alert.payload());
  const auto garbage = shiftMessage(recorded(1000, "vitals/pacu/bed-01", "\xff\xff"), 500, 0);
  EXPECT_FALSE(garbage.payload_shifted);
  EXPECT_EQ(garbage.message.payload(), "\xff\xff");
}

TEST(PlaylistTest, KeepPatientFiltersByTheTopicsPatient) {
  const auto kept = keepPatient({recorded(1, "vitals/pacu/bed-01"), recorded(2, "vitals/pacu/bed-02"),
                                 recorded(3, "infusion/pacu/bed-01"), recorded(4, "nonsense")},
                                "bed-01");
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].receive_time_ms(), 1);
  EXPECT_EQ(kept[1].receive_time_ms(), 3);
}

// ---- command line ------------------------------------------------------------------

ParsedCommandLine parse(std::vector<const char*> args) {
  args.insert(args.begin(), "vigil-replay");
  return parseCommandLine(static_cast<int>(args.size()), args.data());
}

TEST(ReplayCommandLineTest, ReadsTheReplayFlags) {
  const auto parsed = parse({"ward.vrec", "--connect", "tcp://127.0.0.1:7401", "--speed", "60", "--patient", "bed-02",
                             "--loop", "--shift-to-now"});
  ASSERT_TRUE(parsed.value) << parsed.error;
  EXPECT_EQ(parsed.value->file, "ward.vrec");
  EXPECT_EQ(parsed.value->speed, 60.0);
  EXPECT_EQ(parsed.value->patient, "bed-02");
  EXPECT_TRUE(parsed.value->loop);
  EXPECT_TRUE(parsed.value->shift_to_now);
  const auto max = parse({"ward.vrec", "--bind", "tcp://127.0.0.1:*", "--max"});
  ASSERT_TRUE(max.value) << max.error;
  EXPECT_FALSE(max.value->speed);
}

TEST(ReplayCommandLineTest, RefusesContradictions) {
  EXPECT_NE(parse({"f", "--connect", "a", "--speed", "2", "--max"}).error.find("not both"), std::string::npos);
  EXPECT_NE(parse({"f", "--connect", "a", "--speed", "0"}).error.find("> 0"), std::string::npos);
  EXPECT_NE(parse({"f"}).error.find("exactly one"), std::string::npos);
  EXPECT_NE(parse({"f", "--connect", "a", "--engine-inline"}).error.find("exactly one"), std::string::npos);
  EXPECT_NE(parse({"f", "--engine-inline", "--speed", "3"}).error.find("--engine-inline"), std::string::npos);
  EXPECT_NE(parse({"f", "--engine-inline", "--timing", "source"}).error.find("--engine-inline"), std::string::npos);
  EXPECT_NE(parse({"f", "--connect", "a", "--timing", "wall"}).error.find("receive or source"), std::string::npos);
  EXPECT_TRUE(parse({"f", "--engine-inline"}).value);
  EXPECT_NE(parse({"f", "--connect", "a", "--out", "x"}).error.find("needs --engine-inline"), std::string::npos);
  EXPECT_NE(parse({"--connect", "a"}).error.find("FILE"), std::string::npos);
  EXPECT_NE(parse({"--help"}).help.find("--shift-to-now"), std::string::npos);
}

// ---- engine inline -----------------------------------------------------------------

core::Engine defaultEngine() {
  auto load = service::loadProtocolFile(VIGIL_DEFAULT_PROTOCOL);
  EXPECT_TRUE(load.protocol) << (load.errors.empty() ? "" : load.errors.front().text());
  return core::Engine(std::move(*load.protocol));
}

// The inline run goes through the engine service's own ingest pipeline (stream mode).
TEST(ReplayPipelineTest, RefusesWhatTheServiceRefuses) {
  using service::IngestOutcome;
  auto engine = defaultEngine();
  auto pipeline = replayPipeline(engine);
  const auto accept = [&](const v1::RecordedMessage& m) {
    return pipeline.accept(streamer::Envelope{m.topic(), m.payload(), 2}, core::fromMillis(m.receive_time_ms()))
        .outcome;
  };
  constexpr std::int64_t kTime = 1'790'000'000'000;
  EXPECT_EQ(accept(recorded(kTime, "vitals/pacu/bed-01", vitalsPayload("bed-01", kTime, 1))), IngestOutcome::Accepted);
  EXPECT_EQ(engine.counters().vitals_frames, 1u);
  EXPECT_EQ(accept(recorded(kTime, "vitals/pacu/bed-02", vitalsPayload("bed-01", kTime, 2))),
            IngestOutcome::AddressMismatch);
  EXPECT_EQ(accept(recorded(0, "vitals/pacu/bed-01", "\xff")), IngestOutcome::Undecodable);
  EXPECT_EQ(accept(recorded(0, "nonsense")), IngestOutcome::UnknownTopic);
  EXPECT_EQ(accept(recorded(0, "alert/pacu/bed-01")), IngestOutcome::UnknownTopic);
  EXPECT_EQ(accept(recorded(0, "event/pacu/bed-01", "")), IngestOutcome::Undecodable) << "an event of no kind";
  EXPECT_EQ(engine.counters().vitals_frames, 1u) << "refused messages reached the engine";
  EXPECT_EQ(pipeline.counters().notAccepted(), 5u);
}

TEST(AlarmJsonTest, IsOneLineWithProtoFieldNamesAndNoServiceNoise) {
  core::AlarmEvent event;
  event.alert_id = "bed-01/spo2-below-90/1000";
  event.patient_id = "bed-01";
  event.condition = "spo2-below-90";
  event.priority = core::Priority::High;
  event.event_time = core::fromMillis(1000);
  const auto json = alarmJson(event);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_NE(json.find(R"("alert_id":"bed-01/spo2-below-90/1000")"), std::string::npos) << json;
  EXPECT_NE(json.find("PRIORITY_HIGH"), std::string::npos) << json;
  EXPECT_EQ(json.find("engine_epoch"), std::string::npos) << json;
  EXPECT_EQ(json.find("\"sequence\""), std::string::npos) << json;
  EXPECT_EQ(json, alarmJson(event)) << "not deterministic";
}

// ---- over a socket -----------------------------------------------------------------

fs::path tempPath(const std::string& name) {
  return fs::temp_directory_path() / ("vigil-replay-test-" + std::to_string(::getpid()) + "-" + name);
}

TEST(ReplaySocketTest, MaxSpeedDeliversEveryMessageInOrderToASubscriber) {
  const fs::path file = tempPath("socket.vrec");
  // More than the send queue holds (10 000), so the replay has to wait for the subscriber.
  constexpr int kMessages = 30000;
  {
    streamer::recording::RecordingWriter writer(file, {});
    for (int i = 0; i < kMessages; ++i) {
      writer.append(
          recorded(i * 1000, "vitals/pacu/bed-0" + std::to_string(i % 2 + 1),
                   vitalsPayload("bed-0" + std::to_string(i % 2 + 1), i * 1000, static_cast<std::uint64_t>(i))));
    }
  }
  zmq::context_t context;
  streamer::Subscriber subscriber(context);
  subscriber.subscribe("vitals/pacu/bed-02");
  const auto endpoint = subscriber.bind("tcp://127.0.0.1:*");
  ReplayOptions options;
  options.file = file;
  options.connect = endpoint;
  options.speed.reset();
  std::atomic<bool> stop{false};
  std::ostringstream out, err;
  int exit_code = -1;
  std::thread replay([&] { exit_code = runReplay(options, stop, out, err, false); });
  std::vector<std::uint64_t> sequences;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (sequences.size() < kMessages / 2 && std::chrono::steady_clock::now() < deadline) {
    if (auto envelope = subscriber.receive(100ms)) {
      v1::VitalsFrame frame;
      ASSERT_TRUE(frame.ParseFromString(envelope->payload));
      sequences.push_back(frame.sequence());
    }
  }
  replay.join();
  fs::remove(file);
  EXPECT_EQ(exit_code, 0) << err.str();
  ASSERT_EQ(sequences.size(), static_cast<std::size_t>(kMessages / 2)) << err.str();
  for (std::size_t i = 0; i < sequences.size(); ++i) ASSERT_EQ(sequences[i], 2 * i + 1);
  EXPECT_NE(err.str().find("sent 30000 messages"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace vigil::tools::replay
