#include "streamer/recording/message_source.h"

#include <system_error>

namespace vigil::streamer::recording {

LoadedMessages loadMessages(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return {{}, {}, path.string() + ": no such file", std::nullopt};
  }
  if (!looksLikeRecording(path)) return importMessages(path);
  auto contents = readRecording(path);
  LoadedMessages loaded;
  loaded.messages = std::move(contents.messages);
  if (contents.header) loaded.header = *contents.header;
  if (!contents.header) loaded.error = path.string() + ": " + contents.stop.describe();
  loaded.stop = contents.stop;
  return loaded;
}

LoadedMessages importMessages(const std::filesystem::path& path) {
  // MERGE: replace this body with
  //   auto imported = importers::importFile(path, importers::ImportOptions{});
  //   if (!imported.ok()) return {{}, {}, path.string() + ": " + imported.error, std::nullopt};
  //   header: format_version 1, start_time_ms = first message's receive_time_ms,
  //           source = path.string(), note = "imported"
  //   return {std::move(imported.messages), header, {}, std::nullopt};
  return {{}, {}, path.string() + ": not a vigil recording, and this build has no importers for other formats",
          std::nullopt};
}

}  // namespace vigil::streamer::recording
