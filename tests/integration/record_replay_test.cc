// Record and replay with the real programs: vigil-gateway simulates a short session,
// vigil-record records it, vigil-replay plays it into a real vigil-engine on the stream
// clock at different speeds, and every run must give the alarm events --engine-inline
// gives, field by field (only engine_epoch and sequence differ between engines).
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "../file_watch.h"
#include "recording.pb.h"
#include "streamer/codec.h"
#include "streamer/recording/recording.h"
#include "streamer/recording/simulated.h"
#include "streamer/simulator/ward.h"
#include "streamer/topics.h"
#include "support.h"

namespace vigil::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace v1 = vigil::v1;
namespace rec = vigil::streamer::recording;
namespace sim = vigil::streamer::sim;

// The session the gateway simulates: two beds, one desaturating (alarms), one whose probe
// falls off (must not alarm); 5 min baseline + 11 min infusion, no observation. At 1000x
// it takes about a second.
constexpr std::int64_t kStartMs = 1'800'000'000'000;
const std::vector<std::string> kGatewaySession{
    "--simulate",        "2", "--scenarios", "desaturation,probe-off", "--seed", "7", "--session-min", "11",
    "--observation-min", "0", "--start-ms",  std::to_string(kStartMs)};

// What the gateway must have published: the simulator library with the same settings.
std::vector<v1::RecordedMessage> simulatedSession() {
  sim::WardConfig config;
  config.patients = 2;
  config.unit = "pacu";
  config.seed = 7;
  config.start = core::fromMillis(kStartMs);
  config.scenarios = {sim::ScenarioKind::Desaturation, sim::ScenarioKind::ProbeOff};
  config.infusion = std::chrono::minutes(11);
  config.observation = std::chrono::seconds(0);
  config.nibp_interval = std::chrono::seconds(300);
  // The gateway stamps its own receive time, so the comparison ignores it.
  auto messages = rec::simulatedMessages(config);
  for (auto& message : messages) message.clear_receive_time_ms();
  return messages;
}

// A shorter session for a paced replay, written with the recording writer: 1 min baseline,
// 7 min infusion, one desaturating bed, whose alarm starts about 7 minutes in. Receive
// time is the frame's own time, so 50x replays 8 minutes in about 10 s.
fs::path writeShortSession(const fs::path& file) {
  sim::WardConfig config;
  config.patients = 1;
  config.seed = 3;
  config.start = core::fromMillis(kStartMs);
  config.scenarios = {sim::ScenarioKind::Desaturation};
  config.baseline = std::chrono::minutes(1);
  config.baseline_nibp_interval = std::chrono::seconds(30);
  config.infusion = std::chrono::minutes(7);
  config.observation = std::chrono::seconds(0);
  v1::RecordingHeader header;
  header.set_source("simulator: 1 bed, desaturation, seed 3");
  rec::RecordingWriter writer(file, header);
  for (const auto& message : rec::simulatedMessages(config)) writer.append(message);
  EXPECT_TRUE(writer.flush()) << writer.error();
  return file;
}

// Waits until a file a recorder is writing holds `count` messages; what it holds then.
std::size_t awaitRecorded(const fs::path& file, std::size_t count, Clock::time_point deadline) {
  std::size_t recorded = 0;
  awaitFileCondition(
      file, [&] { return (recorded = rec::readRecording(file).messages.size()) >= count; }, deadline);
  return recorded;
}

// A process the test must be able to kill -9 (ChildProcess only stops politely).
class KillableProcess {
 public:
  explicit KillableProcess(std::vector<std::string> argv) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    const int error = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) throw std::runtime_error("cannot start " + argv[0]);
  }
  KillableProcess(const KillableProcess&) = delete;
  KillableProcess& operator=(const KillableProcess&) = delete;
  ~KillableProcess() { kill9(); }
  // Returns the signal that ended it.
  int kill9() {
    if (pid_ <= 0) return 0;
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }

 private:
  pid_t pid_ = -1;
};

class RecordReplay : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vigil-record-replay-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path path(const std::string& name) const { return dir_ / name; }

  // A gateway publishing on a bound endpoint; the endpoint it reports.
  static std::string startGateway(ChildProcess& gateway) {
    const auto bound = gateway.waitForLine(std::regex(R"(vigil-gateway bound (\S+))"), Clock::now() + 10s);
    if (!bound) throw std::runtime_error("the gateway did not report its endpoint");
    return (*bound)[1];
  }

  static std::vector<std::string> gatewayArgs(const std::string& speed) {
    std::vector<std::string> argv{binary("streamer/vigil-gateway"), "--bind", "tcp://127.0.0.1:*", "--speed", speed};
    argv.insert(argv.end(), kGatewaySession.begin(), kGatewaySession.end());
    return argv;
  }

  // Runs the real gateway at 1000x and records it with the real vigil-record.
  fs::path recordSession() {
    const auto file = path("session.vrec");
    ChildProcess gateway(gatewayArgs("1000"));
    const auto endpoint = startGateway(gateway);
    ChildProcess recorder({binary("tools/vigil-record"), "--connect", endpoint, "--out", file.string()});
    EXPECT_TRUE(recorder.waitForLine(std::regex("vigil-record: recording"), Clock::now() + 10s));
    EXPECT_EQ(gateway.waitForExit(20s), 0) << "the gateway did not finish its session";
    const auto expected = simulatedSession().size();
    EXPECT_EQ(awaitRecorded(file, expected, Clock::now() + 10s), expected);
    EXPECT_EQ(recorder.stop(), 0);
    return file;
  }

  // vigil-replay --engine-inline over `file`: its alarm events, parsed back from JSON.
  std::vector<v1::AlarmEvent> inlineAlarms(const fs::path& file) {
    const auto out = path("inline.jsonl");
    ChildProcess replay({binary("tools/vigil-replay"), file.string(), "--engine-inline", "--protocol",
                         VIGIL_DEFAULT_PROTOCOL, "--out", out.string()});
    EXPECT_EQ(replay.waitForExit(20s), 0);
    std::vector<v1::AlarmEvent> events;
    std::ifstream in(out);
    for (std::string line; std::getline(in, line);) {
      v1::AlarmEvent event;
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &event).ok()) << line;
      events.push_back(event);
    }
    return events;
  }

  // Replays `file` into a fresh engine on the stream clock with `replay_flags`; the alarm
  // events a station saw, once as many as `expected_count` arrived (or the deadline).
  std::vector<v1::AlarmEvent> replayIntoEngine(const fs::path& file, const std::vector<std::string>& replay_flags,
                                               std::size_t expected_count, std::chrono::seconds budget) {
    auto engine = startEngine({"--clock", "stream"});
    zmq::context_t context;
    AlertListener station(context, engine.alerts);
    EXPECT_TRUE(station.awaitHeartbeat(Clock::now() + 10s));
    std::vector<std::string> argv{binary("tools/vigil-replay"), file.string(), "--connect", engine.ingest};
    argv.insert(argv.end(), replay_flags.begin(), replay_flags.end());
    ChildProcess replay(argv);
    EXPECT_EQ(replay.waitForExit(budget), 0) << "the replay did not finish in time";
    station.awaitAlarm([&](const v1::AlarmEvent&) { return station.seen().size() >= expected_count; },
                       Clock::now() + 10s);
    // One more heartbeat: an extra event the engine sent would be in by then.
    station.awaitHeartbeat(Clock::now() + 3s);
    return station.seen();
  }

  static void expectSameAlarms(const std::vector<v1::AlarmEvent>& expected, std::vector<v1::AlarmEvent> actual,
                               const std::string& run) {
    ASSERT_EQ(actual.size(), expected.size()) << run << ": a different number of alarm events";
    for (std::size_t i = 0; i < expected.size(); ++i) {
      auto& event = actual[i];
      EXPECT_NE(event.engine_epoch(), 0u) << run << ": the engine stamps its epoch";
      event.clear_engine_epoch();
      event.clear_sequence();
      event.clear_unit_sequence();  // stream bookkeeping like the sequence (issue 16), not the alarm
      // The live stream's wall-clock stamp (field 20): set, and no part of the alarm.
      EXPECT_GT(event.published_wall_time_ms(), 0) << run << ": the engine stamps its publication time";
      event.clear_published_wall_time_ms();
      google::protobuf::util::MessageDifferencer differ;
      std::string differences;
      differ.ReportDifferencesToString(&differences);
      EXPECT_TRUE(differ.Compare(expected[i], event)) << run << ": event " << i << " differs:\n" << differences;
    }
  }

  // The reference: what the engine core makes of the recording, with a sanity check that
  // the comparison has something to compare.
  std::vector<v1::AlarmEvent> referenceAlarms(const fs::path& file) {
    auto expected = inlineAlarms(file);
    const bool has_desaturation = std::any_of(expected.begin(), expected.end(), [](const v1::AlarmEvent& e) {
      return e.patient_id() == "bed-01" && e.condition() == "spo2-below-90" && e.phase() == v1::PHASE_START;
    });
    EXPECT_TRUE(has_desaturation) << "the session should raise SpO2 < 90 for the desaturating bed";
    return expected;
  }

  fs::path dir_;
};

TEST_F(RecordReplay, TheRecordingHoldsExactlyWhatTheGatewayPublished) {
  const auto file = recordSession();
  const auto contents = rec::readRecording(file);
  ASSERT_TRUE(contents.header);
  EXPECT_EQ(contents.header->topic_prefix(), "");
  EXPECT_NE(contents.header->source().find("tcp://127.0.0.1:"), std::string::npos);
  EXPECT_TRUE(contents.stop.complete()) << contents.stop.describe();
  const auto expected = simulatedSession();
  ASSERT_EQ(contents.messages.size(), expected.size());
  std::int64_t previous_receive = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(contents.messages[i].topic(), expected[i].topic()) << "message " << i;
    ASSERT_EQ(contents.messages[i].payload(), expected[i].payload()) << "message " << i;
    EXPECT_GE(contents.messages[i].receive_time_ms(), previous_receive);
    previous_receive = contents.messages[i].receive_time_ms();
  }
}

// "Real time" of this recording is the gateway's own 1000x pace: the replay sends as the
// gateway did.
TEST_F(RecordReplay, RealTimeReplayGivesTheInlineAlarms) {
  const auto file = recordSession();
  const auto expected = referenceAlarms(file);
  expectSameAlarms(expected, replayIntoEngine(file, {}, expected.size(), 20s), "--speed 1");
}

TEST_F(RecordReplay, FiftyTimesRealTimeGivesTheInlineAlarms) {
  const auto file = writeShortSession(path("short.vrec"));
  const auto expected = referenceAlarms(file);
  expectSameAlarms(expected, replayIntoEngine(file, {"--speed", "50"}, expected.size(), 20s), "--speed 50");
}

TEST_F(RecordReplay, MaxSpeedReplayGivesTheInlineAlarms) {
  const auto file = recordSession();
  const auto expected = referenceAlarms(file);
  expectSameAlarms(expected, replayIntoEngine(file, {"--max"}, expected.size(), 20s), "--max");
}

TEST_F(RecordReplay, ATruncatedRecordingIsReadToItsLastWholeRecord) {
  const auto file = recordSession();
  const auto whole = rec::readRecording(file);
  const auto size = fs::file_size(file);
  fs::resize_file(file, size - 5);
  const auto cut = rec::readRecording(file);
  EXPECT_EQ(cut.stop.reason, rec::StopReason::CutInRecord) << cut.stop.describe();
  ASSERT_EQ(cut.messages.size(), whole.messages.size() - 1);
  EXPECT_EQ(cut.stop.record_index, whole.messages.size()) << "the header is record 0";
  v1::RecordingEntry last;
  *last.mutable_message() = whole.messages.back();
  EXPECT_EQ(cut.stop.byte_offset, size - rec::encodeRecord(last).size());
  for (std::size_t i = 0; i < cut.messages.size(); ++i) {
    ASSERT_EQ(cut.messages[i].SerializeAsString(), whole.messages[i].SerializeAsString());
  }
  // The replay takes what is whole.
  ChildProcess replay(
      {binary("tools/vigil-replay"), file.string(), "--engine-inline", "--protocol", VIGIL_DEFAULT_PROTOCOL});
  EXPECT_EQ(replay.waitForExit(20s), 0);
}

TEST_F(RecordReplay, ARecorderKilledMidSessionLeavesItsWholeRecordsReadable) {
  const auto file = path("killed.vrec");
  // 60x: the 16-minute session would take 16 s, so the kill lands mid-stream.
  ChildProcess gateway(gatewayArgs("60"));
  const auto endpoint = startGateway(gateway);
  KillableProcess recorder({binary("tools/vigil-record"), "--connect", endpoint, "--out", file.string()});
  constexpr std::size_t kAtLeast = 300;
  ASSERT_GE(awaitRecorded(file, kAtLeast, Clock::now() + 15s), kAtLeast);
  EXPECT_EQ(recorder.kill9(), SIGKILL);

  const auto contents = rec::readRecording(file);
  ASSERT_TRUE(contents.header);
  ASSERT_GE(contents.messages.size(), kAtLeast);
  // Cut at a record boundary or inside one; either way the reader says where.
  EXPECT_TRUE(contents.stop.complete() || contents.stop.reason == rec::StopReason::CutInRecord ||
              contents.stop.reason == rec::StopReason::CutInLength)
      << contents.stop.describe();
  EXPECT_LE(contents.stop.byte_offset, fs::file_size(file));
  EXPECT_EQ(contents.stop.record_index, contents.messages.size() + 1);
  const auto expected = simulatedSession();
  ASSERT_LT(contents.messages.size(), expected.size()) << "the kill came after the session ended";
  for (std::size_t i = 0; i < contents.messages.size(); ++i) {
    ASSERT_EQ(contents.messages[i].payload(), expected[i].payload()) << "message " << i;
  }
}

}  // namespace
}  // namespace vigil::testing
