#include "tools/vigil-record/recorder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "../file_watch.h"
#include "streamer/recording/recording.h"

namespace vigil::tools::record {
namespace {

namespace fs = std::filesystem;
namespace v1 = vigil::v1;
using namespace std::chrono_literals;
using streamer::recording::readRecording;
using streamer::recording::RecordingWriter;

fs::path tempPath(const std::string& name) {
  return fs::temp_directory_path() / ("vigil-record-test-" + std::to_string(::getpid()) + "-" + name);
}

struct RemoveAtEnd {
  fs::path path;
  ~RemoveAtEnd() { fs::remove(path); }
};

streamer::Envelope envelope(std::string topic, std::string payload, std::size_t parts = 2) {
  return {std::move(topic), std::move(payload), parts};
}

TEST(RecorderTest, RecordsReceiveTimeTopicAndPayloadAndCountsMalformedMultiparts) {
  const RemoveAtEnd file{tempPath("recorder")};
  const auto t0 = std::chrono::steady_clock::time_point{};
  {
    RecordingWriter writer(file.path, liveHeader({"tcp://x:1", "", "vitals/", file.path, {}}, core::fromMillis(5)));
    Recorder recorder(writer, t0);
    EXPECT_TRUE(recorder.onEnvelope(envelope("vitals/pacu/bed-01", "\x08\x01"), core::fromMillis(1000)));
    EXPECT_TRUE(recorder.onEnvelope(envelope("vitals/pacu/bed-01", "", 3), core::fromMillis(1001)));
    EXPECT_TRUE(recorder.onEnvelope(envelope("only-a-topic", "", 1), core::fromMillis(1002)));
    EXPECT_TRUE(recorder.onEnvelope(envelope("infusion/pacu/bed-02", "abc"), core::fromMillis(1003)));
    EXPECT_EQ(recorder.counts().received, 4u);
    EXPECT_EQ(recorder.counts().recorded, 2u);
    EXPECT_EQ(recorder.counts().malformed, 2u);
    EXPECT_TRUE(recorder.flush());
  }
  const auto contents = readRecording(file.path);
  ASSERT_TRUE(contents.header);
  EXPECT_EQ(contents.header->source(), "tcp://x:1");
  EXPECT_EQ(contents.header->topic_prefix(), "vitals/");
  EXPECT_EQ(contents.header->start_time_ms(), 5);
  ASSERT_EQ(contents.messages.size(), 2u);
  EXPECT_EQ(contents.messages[0].receive_time_ms(), 1000);
  EXPECT_EQ(contents.messages[0].topic(), "vitals/pacu/bed-01");
  EXPECT_EQ(contents.messages[0].payload(), std::string("\x08\x01"));
  EXPECT_EQ(contents.messages[1].topic(), "infusion/pacu/bed-02");
  EXPECT_EQ(contents.messages[1].payload(), "abc");
}

TEST(RecorderTest, FlushesOnlyOnceTheIntervalHasPassed) {
  const RemoveAtEnd file{tempPath("flush")};
  RecordingWriter writer(file.path, liveHeader({}, core::fromMillis(0)));
  const auto t0 = std::chrono::steady_clock::time_point{};
  Recorder recorder(writer, t0);
  recorder.onEnvelope(envelope("vitals/pacu/bed-01", "x"), core::fromMillis(1));
  recorder.maybeFlush(t0 + kFlushInterval / 2);
  EXPECT_EQ(readRecording(file.path).messages.size(), 0u) << "flushed before the interval";
  recorder.maybeFlush(t0 + kFlushInterval);
  EXPECT_EQ(readRecording(file.path).messages.size(), 1u) << "not flushed after the interval";
}

TEST(RecordCommandLineTest, NeedsOneSourceAndAnOutput) {
  const char* neither[] = {"vigil-record", "--out", "f"};
  EXPECT_NE(parseCommandLine(3, neither).error.find("exactly one"), std::string::npos);
  const char* both[] = {"vigil-record", "--connect", "tcp://a:1", "--import", "x.csv", "--out", "f"};
  EXPECT_FALSE(parseCommandLine(7, both).value);
  const char* no_out[] = {"vigil-record", "--connect", "tcp://a:1"};
  EXPECT_NE(parseCommandLine(3, no_out).error.find("--out"), std::string::npos);
  const char* good[] = {"vigil-record", "--connect", "tcp://a:1", "--topic", "alert/", "--out", "f"};
  const auto parsed = parseCommandLine(7, good);
  ASSERT_TRUE(parsed.value) << parsed.error;
  EXPECT_EQ(parsed.value->connect, "tcp://a:1");
  EXPECT_EQ(parsed.value->topic, "alert/");
  EXPECT_EQ(parsed.value->out, "f");
}

// The shared recordings nobody on the team made (CLINICAL.md section 8).
fs::path dataDir() {
  if (const char* dir = std::getenv("VIGIL_DATA_DIR")) return dir;
  return "/work/shared/data";
}

TEST(RecordImportTest, ConvertsAForeignRecordingIntoARecordingFile) {
  const auto source = dataDir() / "mimic-numerics" / "s25047_numerics_decoded.csv";
  if (!fs::exists(source)) GTEST_SKIP() << "no data at " << source << " (set VIGIL_DATA_DIR)";
  const RemoveAtEnd out{tempPath("import-out")};
  std::ostringstream stdout_text, stderr_text;
  ASSERT_EQ(convertImport({"", source.string(), "", out.path, {}}, stdout_text, stderr_text), 0) << stderr_text.str();
  const auto converted = readRecording(out.path);
  ASSERT_TRUE(converted.header);
  EXPECT_EQ(converted.header->source(), source.string());
  EXPECT_NE(converted.header->note().find("mimic-csv"), std::string::npos) << converted.header->note();
  // The importer's own count for this record (tests/streamer/importers_test.cc).
  EXPECT_EQ(converted.messages.size(), 72u);
  ASSERT_FALSE(converted.messages.empty());
  EXPECT_EQ(converted.header->start_time_ms(), converted.messages.front().receive_time_ms());
}

TEST(RecordImportTest, AnUnreadableFileIsNamedInTheError) {
  const RemoveAtEnd bad{tempPath("not-a-recording.hl7")};
  { std::ofstream(bad.path) << "this is not HL7"; }
  const RemoveAtEnd out{tempPath("import-out")};
  std::ostringstream stdout_text, stderr_text;
  EXPECT_EQ(convertImport({"", bad.path, "", out.path, {}}, stdout_text, stderr_text), 1);
  EXPECT_NE(stderr_text.str().find(fs::path(bad.path).filename().string()), std::string::npos) << stderr_text.str();
}

// The socket loop end to end: a publisher on loopback, the recorder on its own thread,
// the stop flag as the signal handler would set it.
TEST(RecordLiveTest, RecordsWhatIsPublishedUntilStopped) {
  const RemoveAtEnd file{tempPath("live")};
  zmq::context_t context;
  streamer::Publisher publisher(context);
  const auto endpoint = publisher.bind("tcp://127.0.0.1:*");
  std::atomic<bool> stop{false};
  std::ostringstream out, err;
  int exit_code = -1;
  std::thread recorder([&] { exit_code = recordLive({endpoint, "", "vitals/", file.path, {}}, stop, out, err); });
  ASSERT_TRUE(publisher.awaitSubscriber(10s));
  ASSERT_TRUE(publisher.publishRaw("vitals/pacu/bed-01", "one"));
  ASSERT_TRUE(publisher.publishRaw("alert/pacu/bed-01", "not subscribed"));
  ASSERT_TRUE(publisher.publishRaw("vitals/pacu/bed-02", "two"));
  // Wait (with a deadline) until the periodic flush has put both on disk.
  vigil::testing::awaitFileCondition(
      file.path, [&] { return readRecording(file.path).messages.size() >= 2; }, std::chrono::steady_clock::now() + 10s);
  stop = true;
  recorder.join();
  EXPECT_EQ(exit_code, 0) << err.str();
  const auto contents = readRecording(file.path);
  ASSERT_EQ(contents.messages.size(), 2u);
  EXPECT_EQ(contents.messages[0].payload(), "one");
  EXPECT_EQ(contents.messages[1].payload(), "two");
  EXPECT_TRUE(contents.stop.complete());
  EXPECT_NE(out.str().find("recorded 2 messages"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace vigil::tools::record
