#include "tools/vigil-console/console.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <unistd.h>
#include <zmq.hpp>

#include "streamer/codec.h"
#include "streamer/station/station_client.h"
#include "tools/vigil-console/keys.h"
#include "tools/vigil-console/prompt.h"
#include "tools/vigil-console/render.h"
#include "tools/vigil-console/requests.h"
#include "tools/vigil-console/station_view.h"
#include "tools/vigil-console/terminal.h"

namespace vigil::console {
namespace v1 = vigil::v1;
using namespace std::chrono_literals;
using streamer::station::Delivery;
using streamer::station::SnapshotAttempt;

namespace {

constexpr auto kRedrawEvery = 1s;
// How long "resynchronised (gap of N)" stays on the status line.
constexpr auto kNoticeFor = 10s;
// Messages taken from the socket per wake-up: a burst of alarms must not starve the keyboard.
constexpr int kBatch = 512;

core::TimePoint wallNow() { return std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now()); }

SteadyTime steadyNow() { return std::chrono::steady_clock::now(); }

std::string describe(const core::AlarmEvent& alarm) {
  return std::string(streamer::nameOf(alarm.priority)) + " " + alarm.patient_id + " " + alarm.title;
}

streamer::station::StationOptions stationOptions(const Options& options) {
  streamer::station::StationOptions station;
  station.alerts_endpoint = options.alerts_endpoint;
  station.control_endpoint = options.control_endpoint;
  station.unit = options.unit;
  station.security = options.security;
  return station;
}

// How the console shows what happens: the full screen, or JSON lines for scripts.
class Output {
 public:
  virtual ~Output() = default;
  // After every snapshot (the first and each resync): the whole picture.
  virtual void snapshotApplied(const StationView& board) = 0;
  virtual void delivered(const Delivery& delivery) = 0;
  virtual void status(StatusLine line) = 0;
  virtual void notice(const std::string& text) = 0;
  // Called after every wake-up; `changed` when the board or the status changed.
  virtual void refresh(const StationView& board, bool changed, std::vector<std::string> prompt) = 0;
};

class ScreenOutput final : public Output {
 public:
  ScreenOutput(const Options& options, std::string station, bool keyboard)
      : terminal_(keyboard), options_(options), station_(std::move(station)) {}

  bool keyboard() const { return terminal_.rawKeyboard(); }
  void snapshotApplied(const StationView&) override {}
  void delivered(const Delivery&) override {}
  void status(StatusLine line) override { status_ = std::move(line); }
  void notice(const std::string& text) override {
    notice_ = text;
    notice_until_ = steadyNow() + kNoticeFor;
  }

  void refresh(const StationView& board, bool changed, std::vector<std::string> prompt) override {
    const auto now = steadyNow();
    if (!changed && now - last_draw_ < kRedrawEvery) return;
    const auto size = terminalSize();
    const auto wall = wallNow();
    ScreenContext context{size.width,       size.height, wall,    board.engineTime().value_or(wall),  now,
                          options_.unit,    station_,    status_, now < notice_until_ ? notice_ : "", keyboard(),
                          std::move(prompt)};
    writeAll(STDOUT_FILENO, renderScreen(board, context));
    last_draw_ = now;
  }

  SteadyTime nextDraw() const { return last_draw_ + kRedrawEvery; }

 private:
  TerminalScreen terminal_;
  const Options& options_;
  std::string station_;
  StatusLine status_;
  std::string notice_;
  SteadyTime notice_until_{};
  SteadyTime last_draw_{};
};

// One JSON object per line, flushed per line: alarm events as themselves (as before),
// advice as {"advice": AdviceEvent}, statuses as {"status": PatientStatus}. After every
// snapshot the whole picture is printed again; heartbeats are not printed; status and
// notices go to stderr.
class JsonOutput final : public Output {
 public:
  void snapshotApplied(const StationView& board) override {
    const auto& state = board.state();
    for (const auto& row : board.rows()) print(streamer::toProto(row.alarm), "");
    for (const auto& [patient, entry] : state.advice()) print(streamer::toProto(entry.advice), "advice");
    for (const auto& [patient, entry] : state.statuses()) print(streamer::toProto(entry.status), "status");
  }

  void delivered(const Delivery& delivery) override {
    if (delivery.alarm) print(*delivery.alarm, "");
    if (delivery.advice) print(*delivery.advice, "advice");
    if (delivery.status) print(*delivery.status, "status");
  }

  // Once per change: a retry every 5 s must not flood a script's log.
  void status(StatusLine line) override {
    if (line.text == last_status_) return;
    last_status_ = line.text;
    std::fprintf(stderr, "vigil-console: %s\n", line.text.c_str());
  }

  void notice(const std::string& text) override { std::fprintf(stderr, "vigil-console: %s\n", text.c_str()); }

  void refresh(const StationView& board, bool, std::vector<std::string>) override {
    reportLink(board.link(steadyNow()));
    reportDrops(board.counters());
  }

 private:
  void print(const google::protobuf::Message& message, const char* wrapper) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = false;  // the default, stated: one object per line
    const auto result = google::protobuf::util::MessageToJsonString(message, &json, options);
    if (!result.ok()) {
      std::fprintf(stderr, "vigil-console: a %s not printable as JSON: %s\n", message.GetTypeName().c_str(),
                   result.ToString().c_str());
      return;
    }
    if (*wrapper) json = std::string("{\"") + wrapper + "\":" + json + "}";
    json += '\n';
    std::fwrite(json.data(), 1, json.size(), stdout);
    std::fflush(stdout);
  }

  // A silent link is itself an alarm: scripts hear of it on stderr, once per change.
  void reportLink(const LinkStatus& link) {
    if (!link.live && !link.silent) return;  // just started: waiting for the first heartbeat
    if (link.live == reported_live_) return;
    reported_live_ = link.live;
    if (link.live) {
      std::fprintf(stderr, "vigil-console: engine live\n");
    } else {
      std::fprintf(stderr, "vigil-console: ENGINE SILENT: no heartbeat for %.1f s\n",
                   static_cast<double>(link.quiet_for.count()) / 1000.0);
    }
  }

  void reportDrops(const StationCounters& drops) {
    if (drops.faults() == reported_faults_) return;
    reported_faults_ = drops.faults();
    std::fprintf(stderr,
                 "vigil-console: %llu message(s) dropped so far (undecodable %llu, malformed %llu, unknown topic %llu, "
                 "invalid %llu)\n",
                 static_cast<unsigned long long>(drops.faults()), static_cast<unsigned long long>(drops.undecodable),
                 static_cast<unsigned long long>(drops.malformed), static_cast<unsigned long long>(drops.unknown_topic),
                 static_cast<unsigned long long>(drops.invalid));
  }

  std::string last_status_;
  std::uint64_t reported_faults_ = 0;
  std::optional<bool> reported_live_;
};

class Console {
 public:
  Console(const Options& options, std::string station, Output& output, ScreenOutput* screen)
      : options_(options),
        station_(std::move(station)),
        output_(output),
        screen_(screen),
        client_(context_, stationOptions(options), steadyNow()),
        board_(client_.state()),
        // A restarted console must not reuse the sequence numbers of its earlier run.
        event_sequence_(static_cast<std::uint64_t>(core::toMillis(wallNow()))) {}

  int run() {
    output_.status(
        {"subscribed to " + options_.alerts_endpoint + "; waiting for the engine, then a snapshot ...", Tone::Info});
    output_.refresh(board_, true, promptLines());
    while (!stop_) {
      bool changed = waitAndHandle();
      changed |= pumpStation();
      output_.refresh(board_, changed, promptLines());
    }
    return 0;
  }

 private:
  std::vector<std::string> promptLines() const { return prompt_ ? prompt_->lines() : std::vector<std::string>{}; }

  // Reads the stream; the client asks for a snapshot by itself at start and after a gap or
  // an engine restart. The request may take its whole timeout: say so first.
  bool pumpStation() {
    const auto now = steadyNow();
    const auto due = client_.nextDeadline();
    if (due && *due <= now) {
      output_.status({"requesting a snapshot from " + options_.control_endpoint + " ...", Tone::Info});
      output_.refresh(board_, true, promptLines());
    }
    const auto result = client_.pump(now, kBatch);
    bool heard = false;
    for (const auto& delivery : result.deliveries) {
      output_.delivered(delivery);
      heard |= delivery.heartbeat();
    }
    if (result.snapshot) handleSnapshot(*result.snapshot);
    if (result.changed() || heard) board_.refresh();
    return result.changed() || heard || result.snapshot.has_value();
  }

  void handleSnapshot(const SnapshotAttempt& attempt) {
    if (!attempt.ok) {
      output_.status({attempt.error + "; updates are kept, retrying every 5 s", Tone::Error});
      return;
    }
    board_.refresh();
    output_.snapshotApplied(board_);
    if (attempt.resync) output_.notice(streamer::station::describeResync(client_.state().lastResync()));
    output_.status({"snapshot: " + std::to_string(attempt.alarms) + " active alarm(s) at sequence " +
                        std::to_string(attempt.sequence),
                    Tone::Good});
  }

  // Waits for a message, a key, a signal or the next deadline; true when the board changed.
  bool waitAndHandle() {
    std::vector<zmq::pollitem_t> items{
        {client_.alertsSocket().handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, signals_.fd(), ZMQ_POLLIN, 0},
    };
    if (keyboard_) items.push_back({nullptr, STDIN_FILENO, ZMQ_POLLIN, 0});
    try {
      zmq::poll(items.data(), items.size(), pollTimeout());
    } catch (const zmq::error_t& error) {
      if (error.num() != EINTR) throw;
    }
    bool changed = false;
    if (items[1].revents & ZMQ_POLLIN) changed |= handleSignals();
    if (keyboard_ && items[2].revents) changed |= handleKeyboard(items[2].revents);
    return changed;
  }

  std::chrono::milliseconds pollTimeout() const {
    auto until = steadyNow() + kRedrawEvery;
    if (const auto due = client_.nextDeadline()) until = std::min(until, *due);
    if (screen_) until = std::min(until, screen_->nextDraw());
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - steadyNow());
    return std::clamp(left, 10ms, std::chrono::milliseconds(kRedrawEvery));
  }

  bool handleSignals() {
    const auto received = signals_.drain();
    if (received.stop) stop_ = true;
    return received.resized;
  }

  bool handleKeyboard(short revents) {
    char buffer[64];
    const auto count = (revents & ZMQ_POLLIN) ? ::read(STDIN_FILENO, buffer, sizeof buffer) : 0;
    if (count <= 0) {
      // The terminal hung up: keep showing alarms, stop reading keys (no busy loop).
      keyboard_ = false;
      prompt_.reset();
      output_.status({"keyboard closed: display only", Tone::Warning});
      return true;
    }
    for (const auto& press : keys_.feed(std::string_view(buffer, static_cast<std::size_t>(count)))) handleKey(press);
    return true;
  }

  void handleKey(const KeyPress& press) {
    if (prompt_) return feedPrompt(press);
    switch (commandFor(press)) {
      case Command::Up: board_.moveSelection(-1); break;
      case Command::Down: board_.moveSelection(+1); break;
      case Command::PreviousPatient: board_.movePatient(-1); break;
      case Command::NextPatient: board_.movePatient(+1); break;
      case Command::Acknowledge: acknowledgeSelected(); break;
      case Command::AudioPause: audioPauseSelected(); break;
      case Command::ClinicalEvent: openPrompt(); break;
      case Command::Quit: stop_ = true; break;
      case Command::Redraw:
      case Command::None: break;
    }
  }

  // A request queued to an engine that is not there would be delivered whenever it comes
  // back, long after the nurse looked: do not send one into silence.
  bool engineLive(const std::string& what) {
    if (board_.link(steadyNow()).live) return true;
    output_.status({"no heartbeat from the engine: " + what + " not sent", Tone::Error});
    return false;
  }

  // Sends a request and reports the outcome; the reply's alarm events show at once.
  void send(v1::ControlRequest request, const std::string& what, const std::string& done) {
    output_.status({what + " ...", Tone::Info});
    output_.refresh(board_, true, promptLines());
    const auto reply = client_.request(std::move(request));
    if (!reply) {
      output_.status({"no reply from the engine within 2 s: " + what + " NOT confirmed", Tone::Error});
    } else if (!reply->ok()) {
      output_.status({"engine refused: " + what + ": " + reply->error(), Tone::Error});
    } else {
      for (const auto& event : reply->events()) client_.state().applyReply(event);
      board_.refresh();
      output_.status({done, Tone::Good});
    }
  }

  void acknowledgeSelected() {
    const Row* row = board_.selected();
    if (!row) return output_.status({"nothing selected to acknowledge", Tone::Warning});
    if (!engineLive("acknowledgement")) return;
    const auto what = describe(row->alarm);
    send(acknowledgeRequest(*row, station_), "acknowledging " + what, "acknowledged " + what);
  }

  void audioPauseSelected() {
    const PatientRow* patient = board_.selectedPatient();
    if (!patient) return output_.status({"no patient selected for audio pause", Tone::Warning});
    if (!engineLive("audio pause")) return;
    send(audioPauseRequest(*patient, station_), "pausing the audio of " + patient->patient_id + "'s alarms",
         "audio paused for " + patient->patient_id);
  }

  void openPrompt() {
    const PatientRow* patient = board_.selectedPatient();
    if (!patient) return output_.status({"no patient selected for a clinical event", Tone::Warning});
    prompt_.emplace(patient->patient_id, patient->unit.empty() ? options_.unit : patient->unit);
  }

  void feedPrompt(const KeyPress& press) {
    const auto status = prompt_->feed(press);
    if (status == EventPrompt::Status::Open) return;
    const auto entered = prompt_->event();
    prompt_.reset();
    if (status == EventPrompt::Status::Cancelled || !entered) {
      return output_.status({"clinical event cancelled", Tone::Info});
    }
    const auto what = describeClinicalEvent(*entered) + " for " + entered->patient_id();
    if (!engineLive("clinical event " + what)) return;
    send(clinicalEventRequest(*entered, station_, options_.nurse, wallNow(), ++event_sequence_), "sending " + what,
         "recorded " + what);
  }

  const Options& options_;
  std::string station_;
  Output& output_;
  ScreenOutput* screen_;
  zmq::context_t context_;
  streamer::station::StationClient client_;
  StationView board_;
  SignalPipe signals_;
  KeyDecoder keys_;
  std::optional<EventPrompt> prompt_;
  bool keyboard_ = screen_ && screen_->keyboard();
  bool stop_ = false;
  std::uint64_t event_sequence_;
};

}  // namespace

std::string defaultStationName() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "console@unknown-host";
  return std::string("console@") + host;
}

int runConsole(const Options& options) {
  const auto station = options.station.empty() ? defaultStationName() : options.station;
  try {
    if (options.json) {
      JsonOutput output;
      return Console(options, station, output, nullptr).run();
    }
    ScreenOutput output(options, station, ::isatty(STDIN_FILENO) == 1);
    return Console(options, station, output, &output).run();
  } catch (const zmq::error_t& error) {
    // Reported after the screen was restored, with the endpoints that were asked for.
    throw std::runtime_error(std::string("ZeroMQ: ") + error.what() + " (alerts " + options.alerts_endpoint +
                             ", control " + options.control_endpoint + ")");
  }
}

}  // namespace vigil::console
