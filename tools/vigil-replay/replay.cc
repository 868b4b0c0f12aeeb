#include "tools/vigil-replay/replay.h"
#include "alarms/service/protocol_file.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <boost/program_options.hpp>

#include "streamer/recording/message_source.h"
#include "streamer/zmq_io.h"
#include "tools/vigil-replay/inline_engine.h"

namespace vigil::tools::replay {
namespace po = boost::program_options;
namespace v1 = vigil::v1;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
// Send queue depth with xpub_nodrop: when the engine falls this far behind the replay
// waits instead of dropping (engine choice: the gateway's depth, seconds of a ward).
constexpr int kSendQueueMessages = 10'000;
// How long the last queued messages may take to leave after the replay has sent them
// all (engine choice: a full queue drains in well under a second into a live engine).
constexpr std::chrono::milliseconds kFinalDrain{10'000};
// After a signal the queue gets a short moment only: the user wants the replay to stop
// (engine choice: long enough for a live engine to take a full queue).
constexpr std::chrono::milliseconds kStopDrain{1'000};

// tools/CMakeLists.txt gives every tool the shipped protocol's path, as the engine has it.
constexpr char kDefaultProtocol[] = VIGIL_DEFAULT_PROTOCOL;

constexpr char kLoopWithoutShift[] =
    "--loop without --shift-to-now re-sends the recorded timestamps and sequence numbers on every pass. An "
    "engine on the stream clock never moves back in time, so from the second pass on it gets frames older than "
    "its clock, from devices whose sequence numbers repeat: alarms from them are not those of a real session. "
    "Use --shift-to-now to have each pass continue after the last, or restart the receiver per pass.";

po::options_description describeOptions() {
  po::options_description options(
      "Usage: vigil-replay FILE (--connect EP | --bind EP) [--speed X | --max] [--loop] [--patient ID]\n"
      "                         [--shift-to-now] [--timing receive|source]\n"
      "       vigil-replay FILE --engine-inline [--protocol P] [--out alarms.jsonl] [--patient ID]\n"
      "Publishes a recording (or a file an importer reads) like the gateways that made it, waiting for the\n"
      "subscription first, keeping topics and payloads; or runs the engine core over it in-process and\n"
      "writes every alarm event as one JSON line.\n"
      "Options");
  // One option per line reads as the table it is.
  // clang-format off
  options.add_options()
      ("help", "show this help")
      ("file", po::value<std::string>(), "recording to replay (also positional)")
      ("connect", po::value<std::string>(), "PUB connects here: the engine's ingest endpoint")
      ("bind", po::value<std::string>(), "PUB binds here instead (prints the endpoint; port * picks one)")
      ("speed", po::value<double>(), "X times real time (default 1)")
      ("max", "as fast as the receiver takes it (waits, never drops, when its queue is full)")
      ("loop", "repeat until stopped")
      ("patient", po::value<std::string>(), "only the messages of this patient (by topic)")
      ("timing", po::value<std::string>()->default_value("receive"),
       "what paces the replay: receive (the recorder's clock, like the original gateways) or source (the "
       "devices' time stamps: for recordings of a sped-up simulator)")
      ("shift-to-now", "move every time stamp so the first message is now (for an engine on the wall clock)")
      ("wait-s", po::value<double>()->default_value(10.0), "how long to wait for a subscriber")
      ("engine-inline", "run the engine core in this process instead of publishing")
      ("protocol", po::value<std::string>(), "alarm protocol for --engine-inline (default: the shipped one)")
      ("out", po::value<std::string>(), "--engine-inline: JSON lines file (default stdout)")
      ("key", po::value<std::string>()->default_value(""), streamer::kKeyOptionHelp)
      ("server-key", po::value<std::string>()->default_value(""), streamer::kServerKeyOptionHelp);
  // clang-format on
  return options;
}

void requireOnlyWith(const po::variables_map& values, std::initializer_list<const char*> names, bool allowed,
                     const char* context) {
  for (const char* name : names) {
    if (values.count(name) && !values[name].defaulted() && !allowed)
      throw po::error(std::string("--") + name + " " + context);
  }
}

ReplayOptions readOptions(const po::variables_map& values) {
  ReplayOptions options;
  if (!values.count("file")) throw po::error("missing the recording FILE");
  options.file = values["file"].as<std::string>();
  if (values.count("connect")) options.connect = values["connect"].as<std::string>();
  if (values.count("bind")) options.bind = values["bind"].as<std::string>();
  options.engine_inline = values.count("engine-inline") > 0;
  const int destinations = !options.connect.empty() + !options.bind.empty() + options.engine_inline;
  if (destinations != 1) throw po::error("give exactly one of --connect EP, --bind EP or --engine-inline");
  requireOnlyWith(values, {"speed", "max", "loop", "shift-to-now", "timing"}, !options.engine_inline,
                  "has no meaning with --engine-inline (the engine takes its time from the data)");
  requireOnlyWith(values, {"protocol", "out"}, options.engine_inline, "needs --engine-inline");
  if (values.count("speed") && values.count("max")) throw po::error("give --speed X or --max, not both");
  if (values.count("speed")) {
    const double speed = values["speed"].as<double>();
    if (!std::isfinite(speed) || speed <= 0) throw po::error("--speed must be a number > 0");
    options.speed = speed;
  }
  if (values.count("max")) options.speed.reset();
  options.loop = values.count("loop") > 0;
  options.shift_to_now = values.count("shift-to-now") > 0;
  const auto timing = values["timing"].as<std::string>();
  if (timing != "receive" && timing != "source")
    throw po::error("--timing must be receive or source, not '" + timing + "'");
  options.timing = timing == "receive" ? Timing::Receive : Timing::Source;
  if (values.count("patient")) options.patient = values["patient"].as<std::string>();
  const double wait_s = values["wait-s"].as<double>();
  if (!std::isfinite(wait_s) || wait_s < 0) throw po::error("--wait-s must be a number >= 0");
  options.subscriber_wait = std::chrono::milliseconds(std::llround(wait_s * 1000));
  options.protocol = values.count("protocol") ? values["protocol"].as<std::string>() : kDefaultProtocol;
  if (values.count("out")) options.out = values["out"].as<std::string>();
  auto security =
      streamer::loadClientSecurity({values["key"].as<std::string>(), values["server-key"].as<std::string>()});
  if (!security.ok()) throw po::error(security.error);
  options.security = std::move(*security.value);
  return options;
}

std::int64_t wallNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string formatUtc(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &utc);
  return text;
}

// Waits until `due`, in slices, so that a stop request is seen; false when stopped.
bool waitUntil(ReplayClock& clock, WallClock::time_point due, const std::atomic<bool>& stop) {
  for (auto now = clock.now(); now < due; now = clock.now()) {
    if (stop.load()) return false;
    clock.sleepUntil(std::min(due, now + kSleepSlice));
  }
  return !stop.load();
}

// Loads, reports a cut-off file, filters by patient; the messages or nullopt (said on err).
std::optional<std::vector<v1::RecordedMessage>> loadForReplay(const ReplayOptions& options, std::ostream& err) {
  auto loaded = streamer::recording::loadMessages(options.file);
  if (!loaded.ok()) {
    err << "vigil-replay: " << loaded.error << "\n";
    return std::nullopt;
  }
  if (loaded.stop && !loaded.stop->complete()) {
    err << "vigil-replay: " << options.file << ": read " << loaded.messages.size() << " whole messages; "
        << loaded.stop->describe() << "\n";
  }
  auto messages = std::move(loaded.messages);
  if (options.patient) messages = keepPatient(std::move(messages), *options.patient);
  if (messages.empty()) {
    err << "vigil-replay: " << options.file << ": no messages"
        << (options.patient ? " for patient " + *options.patient : std::string()) << "\n";
    return std::nullopt;
  }
  return messages;
}

int runInlineEngine(const ReplayOptions& options, const std::vector<v1::RecordedMessage>& messages, std::ostream& out,
                    std::ostream& err) {
  auto protocol = service::loadProtocolFile(options.protocol);
  if (!protocol.protocol) {
    for (const auto& error : protocol.errors) {
      // A file that cannot be opened names itself as the field; any other error names one.
      err << "vigil-replay: --protocol " << options.protocol << ": "
          << (error.field == options.protocol ? error.message : error.text()) << "\n";
    }
    return kExitUsage;
  }
  std::ofstream file;
  if (!options.out.empty()) {
    file.open(options.out);
    if (!file) {
      err << "vigil-replay: cannot create " << options.out << "\n";
      return kExitFailure;
    }
  }
  std::ostream& jsonl = options.out.empty() ? out : file;
  core::Engine engine(std::move(*protocol.protocol));
  const auto wall_start = WallClock::now();
  const auto counts = runInline(messages, engine, jsonl);
  const auto wall = WallClock::now() - wall_start;
  const auto span = messages.back().receive_time_ms() - messages.front().receive_time_ms();
  const double seconds = std::chrono::duration<double>(wall).count();
  // Messages per second of the engine's own work (decode, guard, core, alarm lines): the
  // file was read before the clock started. `make bench` quotes it (issue 13's target).
  err << "vigil-replay: engine inline: " << describeInlineCounts(counts) << "; data span " << formatSpan(span) << " in "
      << seconds << " s wall, " << static_cast<std::uint64_t>(static_cast<double>(counts.ingest.messages) / seconds)
      << " messages/s\n";
  return jsonl ? 0 : kExitFailure;
}

// Deep queue + no drop: a full queue makes the send wait (see publishRawWaiting).
void configureNoDrop(streamer::Publisher& publisher) {
  publisher.handle().set(zmq::sockopt::sndhwm, kSendQueueMessages);
  publisher.handle().set(zmq::sockopt::xpub_nodrop, true);
}

bool awaitSubscriber(streamer::Publisher& publisher, const ReplayOptions& options, const std::atomic<bool>& stop,
                     std::ostream& err) {
  const auto deadline = WallClock::now() + options.subscriber_wait;
  while (!stop.load()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - WallClock::now());
    try {
      const auto slice = std::clamp(left, std::chrono::milliseconds{0}, std::chrono::milliseconds{kSleepSlice});
      if (publisher.awaitSubscriber(slice)) return true;
    } catch (const zmq::error_t& error) {
      if (error.num() != EINTR) throw;
    }
    if (left <= std::chrono::milliseconds{0}) break;
  }
  if (!stop.load()) {
    err << "vigil-replay: nobody subscribed within " << options.subscriber_wait.count()
        << " ms (is the engine running at " << (options.connect.empty() ? options.bind : options.connect) << "?)\n";
  }
  return false;
}

int runPublisher(const ReplayOptions& options, std::vector<v1::RecordedMessage> messages, const std::atomic<bool>& stop,
                 std::ostream& out, std::ostream& err, bool progress_to_terminal) {
  zmq::context_t context;
  streamer::Publisher publisher(context);
  configureNoDrop(publisher);
  try {
    if (!options.connect.empty()) {
      options.security.apply(publisher.handle());
      publisher.connect(options.connect);
    } else {
      out << "vigil-replay bound " << publisher.bind(options.bind) << std::endl;
    }
  } catch (const zmq::error_t& error) {
    err << "vigil-replay: " << (options.connect.empty() ? "--bind " + options.bind : "--connect " + options.connect)
        << ": " << error.what() << "\n";
    return kExitUsage;
  }
  if (options.loop && !options.shift_to_now) err << "vigil-replay: note: " << kLoopWithoutShift << "\n";
  if (!awaitSubscriber(publisher, options, stop, err)) return stop.load() ? 0 : kExitFailure;

  const Playlist playlist(std::move(messages), options.shift_to_now ? std::optional(wallNowMs()) : std::nullopt,
                          options.timing);
  Pacer pacer(options.speed);
  SteadyReplayClock clock;
  const SendFunction send = [&](const v1::RecordedMessage& message) {
    while (!stop.load()) {
      try {
        if (publisher.publishRawWaiting(message.topic(), message.payload(), kSleepSlice)) return true;
      } catch (const zmq::error_t& error) {
        if (error.num() != EINTR) throw;
      }
    }
    return false;
  };
  const ProgressFunction progress = [&](const Progress& p) {
    if (progress_to_terminal) err << "\r" << formatProgress(p) << "\x1b[K" << std::flush;
  };
  const auto summary = replayPlaylist(playlist, options.loop, pacer, clock, stop, send, progress);
  if (progress_to_terminal) err << "\n";
  // What is still queued may leave for a bounded time: "sent" counts what ZeroMQ took.
  publisher.handle().set(zmq::sockopt::linger, static_cast<int>((summary.stopped ? kStopDrain : kFinalDrain).count()));
  err << "vigil-replay: " << formatSummary(summary) << std::endl;
  return 0;
}

}  // namespace

void SteadyReplayClock::sleepUntil(WallClock::time_point until) { std::this_thread::sleep_until(until); }

ParsedCommandLine parseCommandLine(int argc, const char* const* argv) {
  const auto described = describeOptions();
  po::positional_options_description positional;
  positional.add("file", 1);
  ParsedCommandLine parsed;
  try {
    po::variables_map values;
    po::store(po::command_line_parser(argc, argv).options(described).positional(positional).run(), values);
    po::notify(values);
    if (values.count("help")) {
      std::ostringstream help;
      help << described << "\n" << kLoopWithoutShift << "\n";
      parsed.help = help.str();
      return parsed;
    }
    parsed.value = readOptions(values);
  } catch (const po::error& error) {
    parsed.error = error.what();
  }
  return parsed;
}

ReplaySummary replayPlaylist(const Playlist& playlist, bool repeat, Pacer& pacer, ReplayClock& clock,
                             const std::atomic<bool>& stop, const SendFunction& send,
                             const ProgressFunction& progress) {
  ReplaySummary summary;
  if (playlist.empty()) return summary;
  const auto wall_start = clock.now();
  auto last_progress = wall_start;
  const std::int64_t first_ms = playlist.playbackTimeMs(0, 0);
  Progress current;
  current.per_loop = playlist.size();
  for (std::uint64_t loop = 0; !summary.stopped; ++loop) {
    ++summary.loops_started;
    current.loop = loop;
    for (std::size_t i = 0; i < playlist.size(); ++i) {
      const std::int64_t playback_ms = playlist.playbackTimeMs(loop, i);
      const auto shifted = playlist.emitted(loop, i);
      if (!waitUntil(clock, pacer.dueAt(playback_ms, clock.now()), stop) || !send(shifted.message)) {
        summary.stopped = true;
        break;
      }
      ++summary.sent;
      if (playlist.shifting() && !shifted.payload_shifted) ++summary.payloads_not_shifted;
      summary.data_span_ms = playback_ms - first_ms;
      current.sent_in_loop = i + 1;
      current.data_elapsed_ms = summary.data_span_ms;
      current.data_time_ms = playlist.dataTimeMs(loop, i);
      if (const auto now = clock.now(); now - last_progress >= kProgressInterval) {
        current.speed = achievedSpeed(summary.data_span_ms, now - wall_start);
        progress(current);
        last_progress = now;
      }
    }
    if (!repeat) break;
  }
  summary.wall = clock.now() - wall_start;
  current.speed = achievedSpeed(summary.data_span_ms, summary.wall);
  progress(current);
  return summary;
}

std::string formatSpan(std::int64_t ms) {
  const std::int64_t seconds = ms / 1000;
  char text[32];
  std::snprintf(text, sizeof text, "%02lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
  return text;
}

std::string formatProgress(const Progress& p) {
  std::ostringstream text;
  text << "sent " << p.sent_in_loop << "/" << p.per_loop;
  if (p.loop > 0) text << " (loop " << p.loop + 1 << ")";
  char speed[32];
  std::snprintf(speed, sizeof speed, "%.1fx", p.speed);
  text << "  data " << formatUtc(p.data_time_ms) << " UTC +" << formatSpan(p.data_elapsed_ms) << "  speed " << speed;
  return text.str();
}

std::string formatSummary(const ReplaySummary& s) {
  std::ostringstream text;
  char numbers[96];
  std::snprintf(numbers, sizeof numbers, "wall time %.3f s, effective speed %.1fx",
                std::chrono::duration<double>(s.wall).count(), achievedSpeed(s.data_span_ms, s.wall));
  text << (s.stopped ? "stopped, " : "done, ") << "sent " << s.sent << " messages";
  if (s.loops_started > 1) text << " in " << s.loops_started << " loops";
  text << ", data span " << formatSpan(s.data_span_ms) << ", " << numbers;
  if (s.payloads_not_shifted > 0) text << ", payloads sent unshifted " << s.payloads_not_shifted;
  return text.str();
}

int runReplay(const ReplayOptions& options, const std::atomic<bool>& stop, std::ostream& out, std::ostream& err,
              bool progress_to_terminal) {
  auto messages = loadForReplay(options, err);
  if (!messages) return kExitFailure;
  if (options.engine_inline) return runInlineEngine(options, *messages, out, err);
  return runPublisher(options, std::move(*messages), stop, out, err, progress_to_terminal);
}

}  // namespace vigil::tools::replay
