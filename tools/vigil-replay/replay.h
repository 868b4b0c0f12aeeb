// vigil-replay: publishes a recording like the gateways that made it (real time, N times
// faster, or as fast as the receiver takes it), or runs the engine core over it in-process.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "alarms/core/result.h"
#include "recording.pb.h"
#include "streamer/security.h"
#include "tools/vigil-replay/pacer.h"
#include "tools/vigil-replay/playlist.h"

namespace vigil::tools::replay {

struct ReplayOptions {
  std::string file;
  std::string connect;  // PUB connects here (an engine's ingest)
  std::string bind;     // or binds here (for vigil-record or any SUB to connect)
  bool engine_inline = false;
  std::optional<double> speed = 1.0;  // nullopt: --max
  bool loop = false;
  std::optional<std::string> patient;
  bool shift_to_now = false;
  Timing timing = Timing::Receive;
  std::string protocol;
  std::string out;  // --engine-inline: JSON lines file; empty for stdout
  std::chrono::milliseconds subscriber_wait{10'000};
  // CURVE keys for --connect to an engine started with --keys (this key in its gateways/).
  streamer::ClientSecurity security;
};

struct [[nodiscard]] ParsedCommandLine : core::Result<ReplayOptions> {
  std::string help;
};
ParsedCommandLine parseCommandLine(int argc, const char* const* argv);

// Wall time for the send loop, behind an interface so tests move it instead of sleeping.
class ReplayClock {
 public:
  virtual ~ReplayClock() = default;
  virtual WallClock::time_point now() const = 0;
  virtual void sleepUntil(WallClock::time_point until) = 0;
};

class SteadyReplayClock final : public ReplayClock {
 public:
  WallClock::time_point now() const override { return WallClock::now(); }
  void sleepUntil(WallClock::time_point until) override;
};

struct Progress {
  std::uint64_t loop = 0;
  std::size_t sent_in_loop = 0;
  std::size_t per_loop = 0;
  std::int64_t data_time_ms = 0;     // playback time of the last message sent
  std::int64_t data_elapsed_ms = 0;  // since the first
  double speed = 0.0;                // achieved so far
};

struct ReplaySummary {
  std::uint64_t sent = 0;
  std::uint64_t loops_started = 0;
  std::uint64_t payloads_not_shifted = 0;  // --shift-to-now left these unchanged
  std::int64_t data_span_ms = 0;           // playback time covered
  WallClock::duration wall{};
  bool stopped = false;  // by a signal (or a send that gave up)
};

// Sends one message; false when it could not be (the replay is being stopped).
using SendFunction = std::function<bool(const vigil::v1::RecordedMessage&)>;
using ProgressFunction = std::function<void(const Progress&)>;

// How often the progress line is redrawn, and the longest single sleep, so a signal is
// seen promptly (engine choices).
inline constexpr std::chrono::milliseconds kProgressInterval{200};
inline constexpr std::chrono::milliseconds kSleepSlice{100};

// The send loop: every message of the playlist at its due time, once or (loop) until
// `stop`. `progress` is called at most every kProgressInterval, and once at the end.
ReplaySummary replayPlaylist(const Playlist& playlist, bool loop, Pacer& pacer, ReplayClock& clock,
                             const std::atomic<bool>& stop, const SendFunction& send, const ProgressFunction& progress);

std::string formatProgress(const Progress& progress);
std::string formatSummary(const ReplaySummary& summary);
// "01:02:03" for a span in ms.
std::string formatSpan(std::int64_t ms);

// The whole program after parsing: the exit code.
int runReplay(const ReplayOptions& options, const std::atomic<bool>& stop, std::ostream& out, std::ostream& err,
              bool progress_to_terminal);

}  // namespace vigil::tools::replay
