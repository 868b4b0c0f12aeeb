// vigil-record: subscribes to a publisher (a gateway, a replay, the engine's alert
// stream) and writes every message to a recording file (streamer/recording), or converts
// an imported file into one.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "alarms/core/domain.h"
#include "alarms/core/result.h"
#include "streamer/recording/recording.h"
#include "streamer/security.h"
#include "streamer/zmq_io.h"

namespace vigil::tools::record {

struct RecordOptions {
  std::string connect;  // SUB connects here (live recording)
  std::string import;   // or: a file to convert
  std::string topic;    // prefix subscribed to; empty records everything
  std::string out;
  // CURVE keys for an engine's alerts endpoint when it runs with --keys (this key in its
  // stations/); a gateway's --bind output is plain.
  streamer::ClientSecurity security;
};

// Parsed command line: options, or help text, or an error for the user.
struct [[nodiscard]] ParsedCommandLine : core::Result<RecordOptions> {
  std::string help;
};
ParsedCommandLine parseCommandLine(int argc, const char* const* argv);

struct RecordCounts {
  std::uint64_t received = 0;
  std::uint64_t recorded = 0;
  std::uint64_t malformed = 0;  // not [topic][payload]: counted, not recorded
  std::uint64_t filtered = 0;   // imports only: outside the topic prefix
};

// Flushes the file this often, so a recorder killed with SIGKILL loses at most the last
// moments (engine choice: a quarter second of a ward is a few dozen messages).
inline constexpr std::chrono::milliseconds kFlushInterval{250};

// Turns received envelopes into records; the socket loop and the clocks stay outside so
// tests can drive it.
class Recorder {
 public:
  Recorder(streamer::recording::RecordingWriter& writer, std::chrono::steady_clock::time_point now);

  // false only when the file can no longer be written (writer.error() says why).
  bool onEnvelope(const streamer::Envelope& envelope, core::TimePoint receive_time);
  // Flushes when kFlushInterval has passed since the last flush.
  bool maybeFlush(std::chrono::steady_clock::time_point now);
  bool flush();

  const RecordCounts& counts() const { return counts_; }

 private:
  streamer::recording::RecordingWriter& writer_;
  std::chrono::steady_clock::time_point last_flush_;
  RecordCounts counts_;
};

vigil::v1::RecordingHeader liveHeader(const RecordOptions& options, core::TimePoint start);

// Records until `stop` is set (the signal handler) or the file fails; the exit code.
int recordLive(const RecordOptions& options, const std::atomic<bool>& stop, std::ostream& out, std::ostream& err);
// Converts options.import into options.out; the exit code.
int convertImport(const RecordOptions& options, std::ostream& out, std::ostream& err);

std::string describeCounts(const RecordCounts& counts, std::uint64_t bytes);

}  // namespace vigil::tools::record
