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
#include "streamer/control_client.h"
#include "streamer/topics.h"
#include "streamer/zmq_io.h"
#include "tools/vigil-console/board.h"
#include "tools/vigil-console/feed.h"
#include "tools/vigil-console/keys.h"
#include "tools/vigil-console/render.h"
#include "tools/vigil-console/terminal.h"

namespace vigil::console {
namespace v1 = vigil::v1;
using namespace std::chrono_literals;

namespace {

constexpr auto kRequestTimeout = 2000ms;
constexpr auto kSnapshotRetry = 5s;
constexpr auto kRedrawEvery = 1s;
// Messages taken from the socket per wake-up: a burst of alarms must not starve the keyboard.
constexpr int kBatch = 512;

core::TimePoint wallNow() {
  return std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now());
}

SteadyTime steadyNow() { return std::chrono::steady_clock::now(); }

std::string describe(const core::AlarmEvent& alarm) {
  return std::string(streamer::priorityName(alarm.priority)) + " " + alarm.patient_id + " " + alarm.title;
}

// How the console shows what happens: the full screen, or JSON lines for scripts.
class Output {
 public:
  virtual ~Output() = default;
  virtual void snapshotApplied(const v1::Snapshot& snapshot, const AlarmBoard& board) = 0;
  virtual void eventApplied(const v1::AlarmEvent& event) = 0;
  virtual void status(StatusLine line) = 0;
  // Called after every wake-up; `changed` when the board or the status changed.
  virtual void refresh(const AlarmBoard& board, bool changed) = 0;
};

class ScreenOutput final : public Output {
 public:
  ScreenOutput(const Options& options, std::string station, bool keyboard)
      : terminal_(keyboard), options_(options), station_(std::move(station)) {}

  bool keyboard() const { return terminal_.rawKeyboard(); }
  void snapshotApplied(const v1::Snapshot&, const AlarmBoard&) override {}
  void eventApplied(const v1::AlarmEvent&) override {}
  void status(StatusLine line) override { status_ = std::move(line); }

  void refresh(const AlarmBoard& board, bool changed) override {
    const auto now = steadyNow();
    if (!changed && now - last_draw_ < kRedrawEvery) return;
    const auto size = terminalSize();
    const auto wall = wallNow();
    ScreenContext context{size.width, size.height, wall, board.engineTime().value_or(wall), now, options_.unit,
                          station_, status_, keyboard()};
    writeAll(STDOUT_FILENO, renderScreen(board, context));
    last_draw_ = now;
  }

  SteadyTime nextDraw() const { return last_draw_ + kRedrawEvery; }

 private:
  TerminalScreen terminal_;
  const Options& options_;
  std::string station_;
  StatusLine status_;
  SteadyTime last_draw_{};
};

// One JSON object per line, flushed per line. Snapshot alarms come first, as the board
// took them; heartbeats are not printed; status goes to stderr.
class JsonOutput final : public Output {
 public:
  void snapshotApplied(const v1::Snapshot& snapshot, const AlarmBoard& board) override {
    for (const auto& alarm : snapshot.alarms()) {
      if (board.find(alarm.alert_id())) print(alarm);
    }
  }

  void eventApplied(const v1::AlarmEvent& event) override { print(event); }

  // Once per change: a retry every 5 s must not flood a script's log.
  void status(StatusLine line) override {
    if (line.text == last_status_) return;
    last_status_ = line.text;
    std::fprintf(stderr, "vigil-console: %s\n", line.text.c_str());
  }

  void refresh(const AlarmBoard& board, bool) override {
    reportLink(board.link(steadyNow()));
    reportDrops(board.drops());
  }

 private:
  void print(const v1::AlarmEvent& event) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = false;  // the default, stated: one object per line
    const auto result = google::protobuf::util::MessageToJsonString(event, &json, options);
    if (!result.ok()) {
      std::fprintf(stderr, "vigil-console: alarm %s not printable as JSON: %s\n", event.alert_id().c_str(),
                   result.ToString().c_str());
      return;
    }
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
      std::fprintf(stderr, "vigil-console: ENGINE SILENT: no heartbeat for %.1f s\n", static_cast<double>(link.quiet_for.count()) / 1000.0);
    }
  }

  void reportDrops(const DropCounters& drops) {
    if (drops.faults() == reported_faults_) return;
    reported_faults_ = drops.faults();
    std::fprintf(stderr, "vigil-console: %llu message(s) dropped so far (undecodable %llu, malformed %llu, unknown topic %llu, invalid %llu)\n",
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
        subscriber_(context_),
        control_(context_, options.control_endpoint, options.security),
        board_(options.unit, steadyNow()) {}

  int run() {
    subscribeFirst();
    output_.status({"requesting a snapshot from " + options_.control_endpoint + " ...", Tone::Info});
    output_.refresh(board_, true);
    requestSnapshot();
    while (!stop_) {
      const bool changed = waitAndHandle();
      if (needsSnapshot() && steadyNow() >= next_snapshot_try_) requestSnapshot();
      output_.refresh(board_, changed || changed_);
      changed_ = false;
    }
    return 0;
  }

 private:
  // At start, after a failed request, and after an engine restart (a new epoch).
  bool needsSnapshot() const { return !board_.hasSnapshot() || board_.resyncNeeded(); }

  // Clone pattern: the subscription is in place before the snapshot is asked for, so
  // nothing published in between is lost; what the snapshot already holds is skipped by
  // sequence number.
  void subscribeFirst() {
    options_.security.apply(subscriber_.handle());
    subscriber_.connect(options_.alerts_endpoint);
    subscriber_.subscribe(streamer::topicPrefix(streamer::TopicKind::Alert, options_.unit));
    subscriber_.subscribe(streamer::topicPrefix(streamer::TopicKind::Heartbeat));
  }

  // ControlClient waits in zmq::poll, which reports a signal as EINTR: that is "no reply",
  // and the main loop then finds the signal on its pipe.
  std::optional<v1::ControlReply> ask(v1::ControlRequest request) {
    try {
      return control_.request(std::move(request), kRequestTimeout);
    } catch (const zmq::error_t& error) {
      if (error.num() != EINTR) throw;
      return std::nullopt;
    }
  }

  void requestSnapshot() {
    const bool restarted = board_.resyncNeeded();
    if (restarted) output_.status({"engine restarted (new epoch): requesting a new snapshot ...", Tone::Warning});
    output_.refresh(board_, true);  // the request may take the whole timeout: say so first
    v1::ControlRequest request;
    request.mutable_snapshot()->set_unit_prefix(options_.unit);
    const auto reply = ask(std::move(request));
    if (!reply || !reply->ok()) {
      next_snapshot_try_ = steadyNow() + kSnapshotRetry;
      const std::string why = !reply ? "no snapshot from " + options_.control_endpoint + " within 2 s"
                                     : "engine refused the snapshot: " + reply->error();
      output_.status({why + "; showing live events only, retrying every 5 s", Tone::Error});
      changed_ = true;
      return;
    }
    board_.applySnapshot(reply->snapshot());
    output_.snapshotApplied(reply->snapshot(), board_);
    output_.status({"snapshot: " + std::to_string(board_.rows().size()) + " active alarm(s) at sequence " +
                        std::to_string(reply->snapshot().sequence()),
                    Tone::Good});
    changed_ = true;
  }

  // Waits for a message, a key, a signal or the next redraw; true when the board changed.
  bool waitAndHandle() {
    std::vector<zmq::pollitem_t> items{
        {subscriber_.handle().handle(), 0, ZMQ_POLLIN, 0},
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
    if (items[0].revents & ZMQ_POLLIN) changed |= drainAlerts();
    if (keyboard_ && items[2].revents) changed |= handleKeyboard(items[2].revents);
    return changed;
  }

  std::chrono::milliseconds pollTimeout() const {
    auto until = steadyNow() + kRedrawEvery;
    if (needsSnapshot()) until = std::min(until, next_snapshot_try_);
    if (screen_) until = std::min(until, screen_->nextDraw());
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - steadyNow());
    return std::clamp(left, 10ms, std::chrono::milliseconds(kRedrawEvery));
  }

  bool handleSignals() {
    const auto received = signals_.drain();
    if (received.stop) stop_ = true;
    return received.resized;
  }

  bool drainAlerts() {
    bool changed = false;
    for (int i = 0; i < kBatch; ++i) {
      const auto envelope = subscriber_.tryReceive();
      if (!envelope) break;
      const auto delivery = deliver(*envelope, board_, steadyNow());
      if (delivery.event) output_.eventApplied(*delivery.event);
      changed |= delivery.changed || delivery.heartbeat;
    }
    return changed;
  }

  bool handleKeyboard(short revents) {
    char buffer[64];
    const auto count = (revents & ZMQ_POLLIN) ? ::read(STDIN_FILENO, buffer, sizeof buffer) : 0;
    if (count <= 0) {
      // The terminal hung up: keep showing alarms, stop reading keys (no busy loop).
      keyboard_ = false;
      output_.status({"keyboard closed: display only", Tone::Warning});
      return true;
    }
    for (const auto key : keys_.feed(std::string_view(buffer, static_cast<std::size_t>(count)))) handleKey(key);
    return true;
  }

  void handleKey(Key key) {
    switch (key) {
      case Key::Up: board_.moveSelection(-1); break;
      case Key::Down: board_.moveSelection(+1); break;
      case Key::Acknowledge: acknowledgeSelected(); break;
      case Key::Quit: stop_ = true; break;
      case Key::Redraw: break;
    }
  }

  void acknowledgeSelected() {
    const Row* row = board_.selected();
    if (!row) {
      output_.status({"nothing selected to acknowledge", Tone::Warning});
      return;
    }
    // A request queued to an engine that is not there would be delivered whenever it comes
    // back, long after the nurse looked: do not send one into silence.
    if (!board_.link(steadyNow()).live) {
      output_.status({"no heartbeat from the engine: acknowledgement not sent", Tone::Error});
      return;
    }
    const auto what = describe(row->alarm);
    v1::ControlRequest request;
    request.mutable_acknowledge()->set_alert_id(row->alarm.alert_id);
    request.mutable_acknowledge()->set_station(station_);
    output_.status({"acknowledging " + what + " ...", Tone::Info});
    output_.refresh(board_, true);
    const auto reply = ask(std::move(request));
    if (!reply) {
      output_.status({"no reply from the engine within 2 s: " + what + " NOT confirmed acknowledged", Tone::Error});
    } else if (!reply->ok()) {
      output_.status({"engine refused to acknowledge " + what + ": " + reply->error(), Tone::Error});
    } else {
      for (const auto& event : reply->events()) board_.apply(event);
      output_.status({"acknowledged " + what, Tone::Good});
    }
  }

  const Options& options_;
  std::string station_;
  Output& output_;
  ScreenOutput* screen_;
  zmq::context_t context_;
  streamer::Subscriber subscriber_;
  streamer::ControlClient control_;
  AlarmBoard board_;
  SignalPipe signals_;
  KeyDecoder keys_;
  bool keyboard_ = screen_ && screen_->keyboard();
  bool stop_ = false;
  bool changed_ = false;
  SteadyTime next_snapshot_try_{};
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
