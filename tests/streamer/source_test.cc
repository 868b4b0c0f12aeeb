// The Source seam (streamer/source): the simulator, a recording and an importer yield the
// same kind of wire messages, in time order, through the one encoder.
#include "streamer/source/source.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "streamer/codec.h"
#include "streamer/recording/recording.h"
#include "streamer/recording/simulated.h"
#include "streamer/topics.h"
#include "test_files.h"

namespace vigil::streamer::source {
namespace {

using streamer::testing::shortWard;
using streamer::testing::TempFile;

namespace v1 = vigil::v1;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(Encode, EachInputKindGetsItsTopicPayloadAndTime) {
  core::VitalsFrame frame{"bed-01", "pacu", "monitor", 7, core::fromMillis(5'000), {{150456, 97.0, "%", {}}}};
  const auto vitals = encode(frame);
  EXPECT_EQ(vitals.topic(), "vitals/pacu/bed-01");
  EXPECT_EQ(vitals.receive_time_ms(), 5'000);
  const auto back = decodeVitals(vitals.payload());
  ASSERT_TRUE(back.ok()) << back.error;
  EXPECT_EQ(back.value->sequence, 7u);
  EXPECT_EQ(back.value->measurements.at(0).value, 97.0);

  core::PumpStatus status;
  status.patient_id = "bed-02";
  status.unit = "icu";
  status.time = core::fromMillis(9'000);
  EXPECT_EQ(encode(status).topic(), "infusion/icu/bed-02");
  EXPECT_TRUE(decodePumpStatus(encode(status).payload()).ok());

  core::ClinicalEvent event;
  event.patient_id = "bed-03";
  event.unit = "pacu";
  event.kind = core::ClinicalEventKind::Nausea;
  EXPECT_EQ(encode(event).topic(), "event/pacu/bed-03");
  EXPECT_EQ(decodeClinicalEvent(encode(event).payload()).value->kind, core::ClinicalEventKind::Nausea);
}

TEST(SimulatorSource, YieldsOnlyWhatIsDueAndEverythingByTheEnd) {
  SimulatorSource source(shortWard());
  EXPECT_EQ(source.start(), shortWard().start);
  std::vector<v1::RecordedMessage> out;
  source.pull(source.start() + 30s, out);
  ASSERT_FALSE(out.empty());
  for (const auto& message : out) EXPECT_LE(message.receive_time_ms(), core::toMillis(source.start() + 30s));
  const auto first_half = out.size();
  EXPECT_FALSE(source.finished());
  source.pull(source.end(), out);
  EXPECT_TRUE(source.finished());
  EXPECT_GT(out.size(), first_half);
  for (std::size_t i = 1; i < out.size(); ++i) {
    EXPECT_LE(out[i - 1].receive_time_ms(), out[i].receive_time_ms()) << "out of order at " << i;
  }
  for (const auto& message : out) EXPECT_TRUE(parseTopic(message.topic()).has_value()) << message.topic();
}

TEST(SimulatorSource, PulledInStepsItGivesTheSameMessagesAsAtOnce) {
  const auto at_once = recording::simulatedMessages(shortWard());
  SimulatorSource source(shortWard());
  std::vector<v1::RecordedMessage> stepped;
  for (auto until = source.start(); !source.finished(); until += 7s) source.pull(until, stepped);
  ASSERT_EQ(stepped.size(), at_once.size());
  for (std::size_t i = 0; i < stepped.size(); ++i) {
    EXPECT_EQ(stepped[i].topic(), at_once[i].topic());
    EXPECT_EQ(stepped[i].payload(), at_once[i].payload()) << i;
  }
}

TEST(RecordedSource, YieldsByTimeAndKnowsItsSpan) {
  std::vector<v1::RecordedMessage> messages(3);
  for (int i = 0; i < 3; ++i) {
    messages[static_cast<std::size_t>(i)].set_receive_time_ms(1'000 * (i + 1));
    messages[static_cast<std::size_t>(i)].set_topic("vitals/pacu/bed-0" + std::to_string(i));
  }
  RecordedSource source(messages);
  EXPECT_EQ(source.start(), core::fromMillis(1'000));
  EXPECT_EQ(source.end(), core::fromMillis(3'000));
  std::vector<v1::RecordedMessage> out;
  source.pull(core::fromMillis(1'999), out);
  ASSERT_EQ(out.size(), 1u);
  source.pull(core::fromMillis(2'000), out);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_FALSE(source.finished());
  EXPECT_EQ(drain(source).size(), 1u);
  EXPECT_TRUE(source.finished());
  EXPECT_TRUE(drain(source).empty());
}

TEST(FileSource, OpensARecordingAndAnImportAlike) {
  TempFile recording("ward.vrec");
  {
    v1::RecordingHeader header;
    header.set_format_version(recording::kFormatVersion);
    recording::RecordingWriter writer(recording.path(), header);
    for (const auto& message : recording::simulatedMessages(shortWard())) ASSERT_TRUE(writer.append(message));
    ASSERT_TRUE(writer.flush()) << writer.error();
  }
  auto from_recording = openFileSource(recording.path());
  ASSERT_TRUE(from_recording.ok()) << from_recording.error;
  EXPECT_EQ(drain(**from_recording.value).size(), recording::simulatedMessages(shortWard()).size());

  TempFile csv("export.csv");
  std::ofstream(csv.path()) << "time,patient,code,value,unit\n"
                               "1714557600000,bed-01,HR,72,/min\n"
                               "1714557601000,bed-01,HR,73,/min\n";
  auto from_csv = openFileSource(csv.path());
  ASSERT_TRUE(from_csv.ok()) << from_csv.error;
  const auto imported = drain(**from_csv.value);
  ASSERT_EQ(imported.size(), 2u);
  EXPECT_EQ(imported[0].receive_time_ms(), 1714557600000);
  EXPECT_TRUE(decodeVitals(imported[1].payload()).ok());
}

TEST(FileSource, AMissingOrUnreadableFileSaysWhich) {
  const auto missing = openFileSource("/nonexistent/ward.vrec");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.error.find("/nonexistent/ward.vrec"), std::string::npos) << missing.error;
  TempFile garbage("garbage.bin");
  std::ofstream(garbage.path()) << "not a recording, not a format anyone imports\n";
  const auto unreadable = openFileSource(garbage.path());
  EXPECT_FALSE(unreadable.ok());
  EXPECT_NE(unreadable.error.find(garbage.path().string()), std::string::npos) << unreadable.error;
}

}  // namespace
}  // namespace vigil::streamer::source
