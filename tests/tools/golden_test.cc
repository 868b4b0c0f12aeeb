// Golden alarm logs: a fixed input replayed through the default protocol with the
// --engine-inline logic must give exactly the committed alarm events (tests/golden/*.jsonl).
// A change to the engine, the protocol or the simulator that changes an alarm fails here;
// if the change is intended, regenerate and commit the file (see kHowToAccept).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "alarms/service/protocol_file.h"
#include "streamer/codec.h"
#include "streamer/recording/message_source.h"
#include "streamer/recording/recording.h"
#include "streamer/recording/simulated.h"
#include "streamer/simulator/ward.h"
#include "streamer/topics.h"
#include "tools/vigil-replay/inline_engine.h"

namespace vigil::tools::replay {
namespace {

namespace fs = std::filesystem;
namespace v1 = vigil::v1;
namespace sim = vigil::streamer::sim;

constexpr char kHowToAccept[] =
    "If the change is intended, regenerate the golden files and commit them:\n"
    "  VIGIL_UPDATE_GOLDEN=1 build/tests/tools_tests --gtest_filter='Golden.*'\n"
    "  git add tests/golden/*.jsonl   (and say in the commit why the alarms changed)";

fs::path goldenPath(const std::string& name) { return fs::path(VIGIL_SOURCE_DIR) / "tests" / "golden" / name; }

bool updating() {
  const char* flag = std::getenv("VIGIL_UPDATE_GOLDEN");
  return flag != nullptr && std::string(flag) == "1";
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Where two lines part, with some context: JSON lines are too long to spot it by eye.
std::string whereTheyPart(const std::string& golden, const std::string& now) {
  std::size_t column = 0;
  while (column < golden.size() && column < now.size() && golden[column] == now[column]) ++column;
  const std::size_t from = column > 40 ? column - 40 : 0;
  return "column " + std::to_string(column + 1) + ":\n  golden: ..." + golden.substr(from, 100) + "\n  now:    ..." +
         now.substr(from, 100) + "\n";
}

// Compares `actual` with the golden file, or rewrites the file when updating.
void expectGolden(const std::string& name, const std::string& actual) {
  const auto path = goldenPath(name);
  if (updating()) {
    std::ofstream(path, std::ios::binary) << actual;
    std::cout << "updated " << path << " (" << lines(actual).size() << " alarm events)\n";
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path << " is missing.\n" << kHowToAccept;
  const std::string golden((std::istreambuf_iterator<char>(in)), {});
  if (golden == actual) return;
  const auto want = lines(golden);
  const auto got = lines(actual);
  std::size_t first = 0;
  while (first < want.size() && first < got.size() && want[first] == got[first]) ++first;
  ADD_FAILURE() << "the alarm events differ from " << path << " (golden " << want.size() << " lines, now " << got.size()
                << ").\nFirst difference at line " << first + 1
                << ":\n  golden: " << (first < want.size() ? want[first] : "(no more lines)")
                << "\n  now:    " << (first < got.size() ? got[first] : "(no more lines)") << "\n"
                << (first < want.size() && first < got.size() ? "They part at " + whereTheyPart(want[first], got[first])
                                                              : "")
                << kHowToAccept;
}

// Through a recording file and loadMessages, the way vigil-replay reads it.
std::vector<v1::RecordedMessage> throughAFile(const std::vector<v1::RecordedMessage>& messages) {
  const auto file = fs::temp_directory_path() / ("vigil-golden-" + std::to_string(::getpid()) + ".vrec");
  {
    streamer::recording::RecordingWriter writer(file, {});
    for (const auto& message : messages) writer.append(message);
    EXPECT_TRUE(writer.flush()) << writer.error();
  }
  auto loaded = streamer::recording::loadMessages(file);
  fs::remove(file);
  EXPECT_TRUE(loaded.ok()) << loaded.error;
  return std::move(loaded.messages);
}

std::string inlineAlarmLog(const std::vector<v1::RecordedMessage>& messages, InlineCounts* counts = nullptr) {
  auto protocol = service::loadProtocolFile(VIGIL_DEFAULT_PROTOCOL);
  EXPECT_TRUE(protocol.protocol);
  core::Engine engine(std::move(*protocol.protocol));
  std::ostringstream jsonl;
  const auto result = runInline(messages, engine, jsonl);
  if (counts) *counts = result;
  EXPECT_EQ(engine.stalledDeadlines(), 0u) << "a part ran a deadline and did not move it on";
  return jsonl.str();
}

// A 4 h ketamine session (5 min baseline, 4 h infusion, 1 h observation) of two beds:
// one desaturates, one's blood pressure climbs with the dose.
sim::WardConfig ketamineSession() {
  sim::WardConfig config;
  config.patients = 2;
  config.unit = "pacu";
  config.seed = 20240611;
  config.start = core::fromMillis(1'718'092'800'000);  // 2024-06-11 08:00 UTC
  config.scenarios = {sim::ScenarioKind::Desaturation, sim::ScenarioKind::BpClimb};
  config.infusion = std::chrono::hours(4);
  config.observation = std::chrono::hours(1);
  return config;
}

TEST(Golden, Ketamine4hSessionDefaultProtocol) {
  const auto messages = throughAFile(streamer::recording::simulatedMessages(ketamineSession()));
  ASSERT_GT(messages.size(), 30'000u) << "not a 4 h session of two beds";
  InlineCounts counts;
  const auto log = inlineAlarmLog(messages, &counts);
  EXPECT_EQ(counts.ingest.accepted, counts.ingest.messages) << describeInlineCounts(counts);
  expectGolden("ketamine-4h-desaturation-bp-climb.jsonl", log);
}

// The inline run itself must be deterministic, or the golden file would be noise.
TEST(Golden, TheSameInputGivesTheSameLogTwice) {
  sim::WardConfig config = ketamineSession();
  config.infusion = std::chrono::minutes(20);
  config.observation = std::chrono::seconds(0);
  const auto messages = streamer::recording::simulatedMessages(config);
  const auto first = inlineAlarmLog(messages);
  EXPECT_FALSE(first.empty()) << "a 20 min desaturation session should alarm";
  EXPECT_EQ(first, inlineAlarmLog(messages));
}

// A real ICU record (32 h of MIMIC numerics, no infusion) through the importer and the
// default protocol. Checked by eye when accepted: its long stretches of zeros are
// sensor-off technical alarms (LOW), never desaturations or hypotension; NEWS2 triggers on
// the real values.
TEST(Golden, MimicNumericsImportDefaultProtocol) {
  const char* data_dir = std::getenv("VIGIL_DATA_DIR");
  const fs::path kMimicNumerics =
      fs::path(data_dir ? data_dir : "/work/shared/data") / "mimic-numerics" / "s00001_numerics_decoded.csv";
  if (!fs::exists(kMimicNumerics)) GTEST_SKIP() << "no data at " << kMimicNumerics << " (set VIGIL_DATA_DIR)";
  const auto loaded = streamer::recording::loadMessages(kMimicNumerics);
  ASSERT_TRUE(loaded.ok()) << loaded.error;
  ASSERT_FALSE(loaded.messages.empty());
  expectGolden("mimic-numerics-s00001.jsonl", inlineAlarmLog(loaded.messages));
}

}  // namespace
}  // namespace vigil::tools::replay
