#include "streamer/recording/recording.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace vigil::streamer::recording {
namespace v1 = vigil::v1;
namespace {

// A varint of a 64-bit value is at most 10 bytes.
constexpr int kMaxVarintBytes = 10;

void appendVarint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

}  // namespace

std::string encodeRecord(const v1::RecordingEntry& entry) {
  const std::string body = entry.SerializeAsString();
  std::string record;
  record.reserve(body.size() + kMaxVarintBytes);
  appendVarint(record, body.size());
  record += body;
  return record;
}

// ---- writer -------------------------------------------------------------------------

RecordingWriter::RecordingWriter(const std::filesystem::path& path, const v1::RecordingHeader& header)
    : file_(std::fopen(path.c_str(), "wb")) {
  if (!file_) {
    error_ = "cannot create " + path.string() + ": " + std::strerror(errno);
    return;
  }
  v1::RecordingEntry entry;
  *entry.mutable_header() = header;
  if (entry.header().format_version() == 0) entry.mutable_header()->set_format_version(kFormatVersion);
  if (writeRecord(entry)) flush();
}

bool RecordingWriter::append(const v1::RecordedMessage& message) {
  if (!ok()) return false;
  v1::RecordingEntry entry;
  *entry.mutable_message() = message;
  if (!writeRecord(entry)) return false;
  ++messages_;
  return true;
}

bool RecordingWriter::writeRecord(const v1::RecordingEntry& entry) {
  const std::string record = encodeRecord(entry);
  if (std::fwrite(record.data(), 1, record.size(), file_.get()) != record.size()) {
    error_ = std::string("write failed: ") + std::strerror(errno);
    return false;
  }
  bytes_ += record.size();
  return true;
}

bool RecordingWriter::flush() {
  if (!ok()) return false;
  if (std::fflush(file_.get()) != 0) {
    error_ = std::string("flush failed: ") + std::strerror(errno);
    return false;
  }
  return true;
}

// ---- reader -------------------------------------------------------------------------

std::string_view stopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::EndOfFile: return "end of file";
    case StopReason::CannotOpen: return "cannot open";
    case StopReason::NoHeader: return "no recording header";
    case StopReason::UnsupportedVersion: return "unsupported format version";
    case StopReason::CutInLength: return "cut off inside a record's length";
    case StopReason::CutInRecord: return "cut off inside a record";
    case StopReason::Corrupt: return "corrupt record";
  }
  return "unknown";
}

std::string StopPoint::describe() const {
  std::string text = std::string(stopReasonName(reason)) + " at byte " + std::to_string(byte_offset) + ", record " +
                     std::to_string(record_index);
  if (!detail.empty()) text += " (" + detail + ")";
  return text;
}

RecordingReader::RecordingReader(std::istream& in) : in_(in) {
  v1::RecordingEntry entry;
  if (readEntry(entry) == Frame::End) {
    if (stop_.reason == StopReason::EndOfFile) stopAt(StopReason::NoHeader, "the file is empty");
    return;
  }
  if (!entry.has_header() || entry.has_message() || entry.header().format_version() == 0) {
    stopAt(StopReason::NoHeader, "the first record is not a recording header");
    return;
  }
  if (entry.header().format_version() != kFormatVersion) {
    stopAt(StopReason::UnsupportedVersion, "version " + std::to_string(entry.header().format_version()) +
                                               ", this build reads " + std::to_string(kFormatVersion));
    return;
  }
  header_ = entry.header();
}

std::optional<v1::RecordedMessage> RecordingReader::next() {
  v1::RecordingEntry entry;
  while (!stopped_ && readEntry(entry) == Frame::Read) {
    if (entry.has_message()) return std::move(*entry.mutable_message());
    ++skipped_;
  }
  return std::nullopt;
}

void RecordingReader::stopAt(StopReason reason, std::string detail) {
  stopped_ = true;
  stop_ = {reason, offset_, records_, std::move(detail)};
}

RecordingReader::Frame RecordingReader::readEntry(v1::RecordingEntry& entry) {
  if (stopped_) return Frame::End;
  std::uint64_t length = 0;
  int length_bytes = 0;
  for (;;) {
    const int byte = in_.get();
    if (byte == std::char_traits<char>::eof()) {
      if (length_bytes == 0) {
        stopAt(StopReason::EndOfFile, "");
      } else {
        stopAt(StopReason::CutInLength, std::to_string(length_bytes) + " byte(s) of the length present");
      }
      return Frame::End;
    }
    length |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * length_bytes);
    ++length_bytes;
    if ((byte & 0x80) == 0) break;
    if (length_bytes == kMaxVarintBytes) {
      stopAt(StopReason::Corrupt, "the length is not a varint");
      return Frame::End;
    }
  }
  if (length > kMaxRecordBytes) {
    stopAt(StopReason::Corrupt, "a length of " + std::to_string(length) + " bytes");
    return Frame::End;
  }
  buffer_.resize(length);
  in_.read(buffer_.data(), static_cast<std::streamsize>(length));
  const auto present = static_cast<std::uint64_t>(in_.gcount());
  if (present < length) {
    stopAt(StopReason::CutInRecord,
           "needs " + std::to_string(length) + " bytes, " + std::to_string(present) + " present");
    return Frame::End;
  }
  if (!entry.ParseFromString(buffer_)) {
    stopAt(StopReason::Corrupt, "the bytes are not a RecordingEntry");
    return Frame::End;
  }
  offset_ += static_cast<std::uint64_t>(length_bytes) + length;
  ++records_;
  return Frame::Read;
}

RecordingContents readRecording(const std::filesystem::path& path) {
  RecordingContents contents;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    contents.stop = {StopReason::CannotOpen, 0, 0, path.string() + ": " + std::strerror(errno)};
    return contents;
  }
  RecordingReader reader(in);
  contents.header = reader.header();
  while (auto message = reader.next()) contents.messages.push_back(std::move(*message));
  contents.stop = reader.stop();
  contents.skipped_entries = reader.skippedEntries();
  return contents;
}

bool looksLikeRecording(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  RecordingReader reader(in);
  return reader.header().has_value() || reader.stop().reason == StopReason::UnsupportedVersion;
}

}  // namespace vigil::streamer::recording
