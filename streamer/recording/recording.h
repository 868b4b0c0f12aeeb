// The recording file of proto/recording.proto (vigil-record, vigil-replay): a header
// record, then one record per message; each record is a varint length and that many
// bytes of a serialised RecordingEntry. A file cut off mid-record (a killed recorder, a
// full disk) is readable up to its last whole record, and the reader says where and why
// it stopped.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "recording.pb.h"

namespace vigil::streamer::recording {

inline constexpr std::uint32_t kFormatVersion = 1;
// No message comes near this; a length above it means the bytes are not a record (a
// corrupt or foreign file) and reading stops instead of allocating it (engine choice).
inline constexpr std::uint64_t kMaxRecordBytes = 64u << 20;

// One record as it lies in the file: varint length, then the entry.
std::string encodeRecord(const vigil::v1::RecordingEntry& entry);

// Writes a recording. Records go through a user-space buffer; flush() hands them to the
// kernel, after which a killed process loses nothing of them.
class RecordingWriter {
 public:
  // Creates (or truncates) `path` and writes the header; check ok() / error().
  RecordingWriter(const std::filesystem::path& path, const vigil::v1::RecordingHeader& header);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // false once a write has failed (disk full...): error() says why, later appends fail too.
  bool append(const vigil::v1::RecordedMessage& message);
  bool flush();

  std::uint64_t messagesWritten() const { return messages_; }
  std::uint64_t bytesWritten() const { return bytes_; }

 private:
  bool writeRecord(const vigil::v1::RecordingEntry& entry);

  struct CloseFile {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  std::unique_ptr<std::FILE, CloseFile> file_;
  std::string error_;
  std::uint64_t messages_ = 0;
  std::uint64_t bytes_ = 0;
};

// Why reading ended. Only EndOfFile means the file was read whole.
enum class StopReason {
  EndOfFile,   // after a whole record: nothing missing
  CannotOpen,  // the file could not be opened
  NoHeader,    // empty, or the first record is not a recording header
  UnsupportedVersion,
  CutInLength,  // the file ends inside a record's length prefix
  CutInRecord,  // the file ends inside a record's bytes
  Corrupt,      // a length that cannot be, or bytes that are not a RecordingEntry
};

std::string_view stopReasonName(StopReason reason);

struct StopPoint {
  StopReason reason = StopReason::EndOfFile;
  std::uint64_t byte_offset = 0;   // where the record that could not be read begins
  std::uint64_t record_index = 0;  // its index; the header is record 0
  std::string detail;              // e.g. "needs 120 bytes, 37 present"

  bool complete() const { return reason == StopReason::EndOfFile; }
  // One line for a person: "cut off at byte 1234 in record 57: ...".
  std::string describe() const;
};

// Reads records one at a time from a stream positioned at the start of a recording.
class RecordingReader {
 public:
  explicit RecordingReader(std::istream& in);

  // The header, read at construction; nullopt with stop() saying why.
  const std::optional<vigil::v1::RecordingHeader>& header() const { return header_; }
  // The next message, or nullopt at the end (stop() says where and why).
  std::optional<vigil::v1::RecordedMessage> next();
  const StopPoint& stop() const { return stop_; }
  // Entries that framed correctly but carried no message (counted and passed over).
  std::uint64_t skippedEntries() const { return skipped_; }

 private:
  enum class Frame { Read, End };
  Frame readEntry(vigil::v1::RecordingEntry& entry);
  void stopAt(StopReason reason, std::string detail);

  std::istream& in_;
  std::optional<vigil::v1::RecordingHeader> header_;
  StopPoint stop_;
  bool stopped_ = false;
  std::uint64_t offset_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t skipped_ = 0;
  std::string buffer_;
};

// A whole file read into memory.
struct RecordingContents {
  std::optional<vigil::v1::RecordingHeader> header;
  std::vector<vigil::v1::RecordedMessage> messages;
  StopPoint stop;
  std::uint64_t skipped_entries = 0;

  bool hasHeader() const { return header.has_value(); }
};

RecordingContents readRecording(const std::filesystem::path& path);

// True when the file starts with a version-1 recording header (how vigil-replay tells a
// recording from a file to import).
bool looksLikeRecording(const std::filesystem::path& path);

}  // namespace vigil::streamer::recording
