#include "streamer/recording/message_source.h"

#include <system_error>

#include "streamer/importers/importer.h"

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
  auto imported = importers::importFile(path, importers::ImportOptions{});
  if (!imported.ok()) return {{}, {}, path.string() + ": " + imported.error, std::nullopt};
  // An import has no recording header of its own: describe where it came from, so a
  // recording converted from it (vigil-record --import) says so.
  v1::RecordingHeader header;
  header.set_format_version(kFormatVersion);
  if (!imported.messages.empty()) header.set_start_time_ms(imported.messages.front().receive_time_ms());
  header.set_source(path.string());
  header.set_note("imported (" + imported.format + ")");
  return {std::move(imported.messages), std::move(header), {}, std::nullopt};
}

}  // namespace vigil::streamer::recording
