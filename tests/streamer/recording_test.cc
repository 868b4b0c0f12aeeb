#include "streamer/recording/recording.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "streamer/recording/message_source.h"
#include "test_files.h"

namespace vigil::streamer::recording {
namespace {

using streamer::testing::TempFile;

namespace v1 = vigil::v1;
namespace fs = std::filesystem;

v1::RecordingHeader header() {
  v1::RecordingHeader h;
  h.set_format_version(kFormatVersion);
  h.set_start_time_ms(1'700'000'000'000);
  h.set_source("tcp://127.0.0.1:5555");
  h.set_topic_prefix("vitals/");
  return h;
}

v1::RecordedMessage message(int i) {
  v1::RecordedMessage m;
  m.set_receive_time_ms(1'700'000'000'000 + i * 1000);
  m.set_topic("vitals/pacu/bed-0" + std::to_string(i % 3));
  m.set_payload(std::string(static_cast<std::size_t>(10 + i), static_cast<char>('a' + i % 26)));
  return m;
}

std::vector<v1::RecordedMessage> writeSample(const fs::path& path, int count) {
  RecordingWriter writer(path, header());
  EXPECT_TRUE(writer.ok()) << writer.error();
  std::vector<v1::RecordedMessage> written;
  for (int i = 0; i < count; ++i) {
    written.push_back(message(i));
    EXPECT_TRUE(writer.append(written.back()));
  }
  EXPECT_TRUE(writer.flush());
  EXPECT_EQ(writer.messagesWritten(), static_cast<std::uint64_t>(count));
  return written;
}

void expectSameMessages(const std::vector<v1::RecordedMessage>& actual,
                        const std::vector<v1::RecordedMessage>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i].SerializeAsString(), expected[i].SerializeAsString()) << "message " << i;
  }
}

TEST(RecordingTest, RoundTripsHeaderAndEveryMessage) {
  TempFile file("roundtrip");
  const auto written = writeSample(file.path(), 50);
  const auto contents = readRecording(file.path());
  ASSERT_TRUE(contents.header);
  EXPECT_EQ(contents.header->source(), "tcp://127.0.0.1:5555");
  EXPECT_EQ(contents.header->topic_prefix(), "vitals/");
  EXPECT_EQ(contents.header->format_version(), kFormatVersion);
  EXPECT_TRUE(contents.stop.complete()) << contents.stop.describe();
  EXPECT_EQ(contents.stop.record_index, 51u);  // header + 50
  EXPECT_EQ(contents.stop.byte_offset, fs::file_size(file.path()));
  expectSameMessages(contents.messages, written);
}

TEST(RecordingTest, WriterFillsInTheFormatVersion) {
  TempFile file("version");
  v1::RecordingHeader h = header();
  h.clear_format_version();
  { RecordingWriter writer(file.path(), h); }
  const auto contents = readRecording(file.path());
  ASSERT_TRUE(contents.header);
  EXPECT_EQ(contents.header->format_version(), kFormatVersion);
}

TEST(RecordingTest, FileCutInsideARecordIsReadUpToTheLastWholeRecord) {
  TempFile file("cut");
  const auto written = writeSample(file.path(), 20);
  const auto full_size = fs::file_size(file.path());
  const auto last_record = encodeRecord([&] {
    v1::RecordingEntry e;
    *e.mutable_message() = written.back();
    return e;
  }());
  fs::resize_file(file.path(), full_size - 3);

  const auto contents = readRecording(file.path());
  ASSERT_TRUE(contents.header);
  EXPECT_EQ(contents.stop.reason, StopReason::CutInRecord);
  EXPECT_EQ(contents.stop.byte_offset, full_size - last_record.size());
  EXPECT_EQ(contents.stop.record_index, 20u);  // header is 0, the last message 20
  EXPECT_NE(contents.stop.describe().find("present"), std::string::npos) << contents.stop.describe();
  expectSameMessages(contents.messages, {written.begin(), written.end() - 1});
}

TEST(RecordingTest, FileCutInsideALengthPrefixIsReported) {
  // A record longer than 127 bytes has a two-byte length: keep only its first byte.
  TempFile file("cut-length");
  v1::RecordedMessage big = message(1);
  big.set_payload(std::string(300, 'x'));
  std::uint64_t before_big = 0;
  {
    RecordingWriter writer(file.path(), header());
    writer.append(message(0));
    writer.flush();
    before_big = writer.bytesWritten();
    writer.append(big);
  }
  fs::resize_file(file.path(), before_big + 1);
  const auto contents = readRecording(file.path());
  EXPECT_EQ(contents.stop.reason, StopReason::CutInLength);
  EXPECT_EQ(contents.stop.byte_offset, before_big);
  EXPECT_EQ(contents.stop.record_index, 2u);
  ASSERT_EQ(contents.messages.size(), 1u);
}

TEST(RecordingTest, EveryCutPointKeepsExactlyTheWholeRecordsBeforeIt) {
  TempFile file("every-cut");
  const auto written = writeSample(file.path(), 5);
  std::ifstream in(file.path(), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  // Record boundaries, from the records themselves.
  std::vector<std::size_t> ends;
  v1::RecordingEntry h;
  *h.mutable_header() = header();
  ends.push_back(encodeRecord(h).size());
  for (const auto& m : written) {
    v1::RecordingEntry e;
    *e.mutable_message() = m;
    ends.push_back(ends.back() + encodeRecord(e).size());
  }
  ASSERT_EQ(ends.back(), bytes.size());
  for (std::size_t cut = ends.front(); cut <= bytes.size(); ++cut) {
    std::istringstream stream(bytes.substr(0, cut));
    RecordingReader reader(stream);
    std::size_t read = 0;
    while (reader.next()) ++read;
    std::size_t whole = 0;
    while (whole + 1 < ends.size() && ends[whole + 1] <= cut) ++whole;
    EXPECT_EQ(read, whole) << "cut at " << cut;
    EXPECT_EQ(reader.stop().byte_offset, ends[whole]) << "cut at " << cut;
    EXPECT_EQ(reader.stop().complete(), cut == ends[whole]) << "cut at " << cut;
  }
}

TEST(RecordingTest, EmptyOrForeignFilesHaveNoHeader) {
  std::istringstream empty("");
  RecordingReader empty_reader(empty);
  EXPECT_FALSE(empty_reader.header());
  EXPECT_EQ(empty_reader.stop().reason, StopReason::NoHeader);
  EXPECT_FALSE(empty_reader.next());

  std::istringstream csv("time,HR,SpO2\n0,72,98\n");
  RecordingReader csv_reader(csv);
  EXPECT_FALSE(csv_reader.header());
  EXPECT_NE(csv_reader.stop().reason, StopReason::EndOfFile);
}

TEST(RecordingTest, ANewerFormatVersionIsRefusedWithItsNumber) {
  v1::RecordingEntry entry;
  entry.mutable_header()->set_format_version(7);
  std::istringstream in(encodeRecord(entry));
  RecordingReader reader(in);
  EXPECT_FALSE(reader.header());
  EXPECT_EQ(reader.stop().reason, StopReason::UnsupportedVersion);
  EXPECT_NE(reader.stop().detail.find("version 7"), std::string::npos);
}

TEST(RecordingTest, AnImpossibleLengthStopsAsCorruptWithoutAllocatingIt) {
  v1::RecordingEntry entry;
  *entry.mutable_header() = header();
  std::string bytes = encodeRecord(entry);
  const auto header_size = bytes.size();
  bytes += std::string("\xff\xff\xff\xff\x7f", 5);  // ~34 GB
  std::istringstream in(bytes);
  RecordingReader reader(in);
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(reader.stop().reason, StopReason::Corrupt);
  EXPECT_EQ(reader.stop().byte_offset, header_size);
  EXPECT_EQ(reader.stop().record_index, 1u);
}

TEST(RecordingTest, EntriesWithoutAMessageAreCountedAndPassedOver) {
  v1::RecordingEntry h;
  *h.mutable_header() = header();
  v1::RecordingEntry blank;
  v1::RecordingEntry m;
  *m.mutable_message() = message(3);
  std::istringstream in(encodeRecord(h) + encodeRecord(blank) + encodeRecord(m));
  RecordingReader reader(in);
  const auto first = reader.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->topic(), message(3).topic());
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(reader.skippedEntries(), 1u);
  EXPECT_TRUE(reader.stop().complete());
}

TEST(RecordingTest, WriterReportsAFileItCannotCreate) {
  RecordingWriter writer("/nonexistent-dir/x.vrec", header());
  EXPECT_FALSE(writer.ok());
  EXPECT_NE(writer.error().find("/nonexistent-dir/x.vrec"), std::string::npos);
  EXPECT_FALSE(writer.append(message(0)));
}

TEST(MessageSourceTest, LoadsARecordingAndSaysWhereACutOneStopped) {
  TempFile file("source");
  const auto written = writeSample(file.path(), 4);
  fs::resize_file(file.path(), fs::file_size(file.path()) - 1);
  const auto loaded = loadMessages(file.path());
  ASSERT_TRUE(loaded.ok()) << loaded.error;
  EXPECT_EQ(loaded.messages.size(), 3u);
  ASSERT_TRUE(loaded.stop);
  EXPECT_EQ(loaded.stop->reason, StopReason::CutInRecord);
  EXPECT_EQ(loaded.header.source(), "tcp://127.0.0.1:5555");
}

TEST(MessageSourceTest, OtherFilesGoToTheImportersAndMissingOnesAreNamed) {
  TempFile file("foreign.csv");
  std::ofstream(file.path()) << "time,HR\n0,72\n";
  const auto foreign = loadMessages(file.path());
  EXPECT_FALSE(foreign.ok());
  EXPECT_NE(foreign.error.find(file.path().string()), std::string::npos);

  const auto missing = loadMessages("/nonexistent/file.vrec");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.error.find("no such file"), std::string::npos);
}

}  // namespace
}  // namespace vigil::streamer::recording
