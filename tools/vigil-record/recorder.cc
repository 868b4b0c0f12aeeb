#include "tools/vigil-record/recorder.h"

#include <cerrno>
#include <ostream>
#include <sstream>

#include <boost/program_options.hpp>

#include "streamer/recording/message_source.h"

namespace vigil::tools::record {
namespace po = boost::program_options;
namespace v1 = vigil::v1;
using streamer::recording::RecordingWriter;

namespace {

// Exit codes: 1 for a failure while running (the file cannot be written), 2 for usage.
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
// How long one wait for a message lasts before the loop looks at the stop flag and the
// flush timer again (engine choice: well under kFlushInterval).
constexpr std::chrono::milliseconds kReceiveSlice{50};

po::options_description describeOptions() {
  po::options_description options(
      "Usage: vigil-record --connect EP [--topic PREFIX] --out FILE\n"
      "       vigil-record --import SRC [--topic PREFIX] --out FILE\n"
      "Records every [topic][payload] message published at EP (a gateway's --bind, a replay's\n"
      "--bind, the engine's alerts endpoint) until SIGINT/SIGTERM, or converts an imported\n"
      "file into a recording. Prints the counts at the end.\n"
      "Options");
  // One option per line reads as the table it is.
  // clang-format off
  options.add_options()
      ("help", "show this help")
      ("connect", po::value<std::string>(), "PUB endpoint to subscribe to (SUB connects)")
      ("import", po::value<std::string>(), "file to convert instead (MIMIC numerics, VitalDB, ...)")
      ("topic", po::value<std::string>()->default_value(""), "topic prefix to record (default: everything)")
      ("out", po::value<std::string>(), "recording file to write (replaced if it exists)")
      ("key", po::value<std::string>()->default_value(""), streamer::kKeyOptionHelp)
      ("server-key", po::value<std::string>()->default_value(""), streamer::kServerKeyOptionHelp);
  // clang-format on
  return options;
}

core::TimePoint wallNow() { return std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now()); }

bool startsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

ParsedCommandLine parseCommandLine(int argc, const char* const* argv) {
  const auto described = describeOptions();
  ParsedCommandLine parsed;
  try {
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, described), values);
    po::notify(values);
    if (values.count("help")) {
      std::ostringstream help;
      help << described;
      parsed.help = help.str();
      return parsed;
    }
    RecordOptions options;
    if (values.count("connect")) options.connect = values["connect"].as<std::string>();
    if (values.count("import")) options.import = values["import"].as<std::string>();
    if (values.count("out")) options.out = values["out"].as<std::string>();
    options.topic = values["topic"].as<std::string>();
    if (options.connect.empty() == options.import.empty()) {
      throw po::error("give exactly one of --connect EP or --import SRC");
    }
    if (options.out.empty()) throw po::error("missing --out FILE");
    auto security =
        streamer::loadClientSecurity({values["key"].as<std::string>(), values["server-key"].as<std::string>()});
    if (!security.ok()) throw po::error(security.error);
    options.security = std::move(*security.value);
    parsed.value = std::move(options);
  } catch (const po::error& error) {
    parsed.error = error.what();
  }
  return parsed;
}

Recorder::Recorder(RecordingWriter& writer, std::chrono::steady_clock::time_point now)
    : writer_(writer), last_flush_(now) {}

bool Recorder::onEnvelope(const streamer::Envelope& envelope, core::TimePoint receive_time) {
  ++counts_.received;
  if (!envelope.wellFormed()) {
    ++counts_.malformed;
    return true;
  }
  v1::RecordedMessage message;
  message.set_receive_time_ms(core::toMillis(receive_time));
  message.set_topic(envelope.topic);
  message.set_payload(envelope.payload);
  if (!writer_.append(message)) return false;
  ++counts_.recorded;
  return true;
}

bool Recorder::maybeFlush(std::chrono::steady_clock::time_point now) {
  if (now - last_flush_ < kFlushInterval) return true;
  last_flush_ = now;
  return flush();
}

bool Recorder::flush() { return writer_.flush(); }

v1::RecordingHeader liveHeader(const RecordOptions& options, core::TimePoint start) {
  v1::RecordingHeader header;
  header.set_format_version(streamer::recording::kFormatVersion);
  header.set_start_time_ms(core::toMillis(start));
  header.set_source(options.connect);
  header.set_topic_prefix(options.topic);
  header.set_note("vigil-record");
  return header;
}

std::string describeCounts(const RecordCounts& counts, std::uint64_t bytes) {
  std::ostringstream text;
  text << "recorded " << counts.recorded << " messages (" << bytes << " bytes), received " << counts.received
       << ", malformed " << counts.malformed;
  if (counts.filtered > 0) text << ", outside the topic prefix " << counts.filtered;
  return text.str();
}

int recordLive(const RecordOptions& options, const std::atomic<bool>& stop, std::ostream& out, std::ostream& err) {
  RecordingWriter writer(options.out, liveHeader(options, wallNow()));
  if (!writer.ok()) {
    err << "vigil-record: " << writer.error() << "\n";
    return kExitFailure;
  }
  zmq::context_t context;
  streamer::Subscriber subscriber(context);
  try {
    subscriber.subscribe(options.topic);
    options.security.apply(subscriber.handle());
    subscriber.connect(options.connect);
  } catch (const zmq::error_t& error) {
    err << "vigil-record: --connect " << options.connect << ": " << error.what() << "\n";
    return kExitUsage;
  }
  out << "vigil-record: recording " << options.connect << " topics '" << options.topic << "' to " << options.out
      << std::endl;

  Recorder recorder(writer, std::chrono::steady_clock::now());
  bool writable = true;
  while (writable && !stop.load()) {
    std::optional<streamer::Envelope> envelope;
    try {
      envelope = subscriber.receive(kReceiveSlice);
    } catch (const zmq::error_t& error) {
      if (error.num() != EINTR) throw;  // a signal: the loop looks at the stop flag
    }
    if (envelope) writable = recorder.onEnvelope(*envelope, wallNow());
    writable = writable && recorder.maybeFlush(std::chrono::steady_clock::now());
  }
  // Drain what already arrived, then flush: a clean stop loses nothing received.
  while (writable) {
    const auto envelope = subscriber.tryReceive();
    if (!envelope) break;
    writable = recorder.onEnvelope(*envelope, wallNow());
  }
  writable = writable && recorder.flush();
  if (!writable) {
    err << "vigil-record: " << options.out << ": " << writer.error() << "\n";
  }
  out << "vigil-record: " << (writable ? "stopped, " : "failed, ")
      << describeCounts(recorder.counts(), writer.bytesWritten()) << std::endl;
  return writable ? 0 : kExitFailure;
}

int convertImport(const RecordOptions& options, std::ostream& out, std::ostream& err) {
  auto loaded = streamer::recording::importMessages(options.import);
  if (!loaded.ok()) {
    err << "vigil-record: " << loaded.error << "\n";
    return kExitFailure;
  }
  auto header = loaded.header;
  header.set_format_version(streamer::recording::kFormatVersion);
  if (header.source().empty()) header.set_source(options.import);
  header.set_topic_prefix(options.topic);
  if (header.start_time_ms() == 0 && !loaded.messages.empty()) {
    header.set_start_time_ms(loaded.messages.front().receive_time_ms());
  }
  RecordingWriter writer(options.out, header);
  RecordCounts counts;
  for (const auto& message : loaded.messages) {
    ++counts.received;
    if (!startsWith(message.topic(), options.topic)) {
      ++counts.filtered;
      continue;
    }
    if (!writer.append(message)) break;
    ++counts.recorded;
  }
  if (!writer.flush()) {
    err << "vigil-record: " << options.out << ": " << writer.error() << "\n";
    return kExitFailure;
  }
  out << "vigil-record: converted " << options.import << ", " << describeCounts(counts, writer.bytesWritten())
      << std::endl;
  return 0;
}

}  // namespace vigil::tools::record
