// Where vigil-replay and vigil-record --import get their messages: one function each, so
// that the importers (streamer/importers) plug in at a single place.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "recording.pb.h"
#include "streamer/recording/recording.h"

namespace vigil::streamer::recording {

struct LoadedMessages {
  std::vector<vigil::v1::RecordedMessage> messages;
  // The recording's own header; for an import, one describing the imported file.
  vigil::v1::RecordingHeader header;
  // Empty when the messages can be used. A recording cut off mid-record is usable: its
  // whole records are returned and `stop` says where reading ended.
  std::string error;
  std::optional<StopPoint> stop;

  bool ok() const { return error.empty(); }
};

// A vigil recording (readRecording), or any other file through importMessages().
LoadedMessages loadMessages(const std::filesystem::path& path);

// The messages of a file in a foreign format (MIMIC numerics, VitalDB, ...).
// The one call site of streamer::importers::importFile: the error names the file and
// says why it could not be read.
LoadedMessages importMessages(const std::filesystem::path& path);

}  // namespace vigil::streamer::recording
