#include "tools/vigil-bench/bench.h"

#include <sys/prctl.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include <zmq.hpp>

#include "alerts.pb.h"
#include "streamer/control_client.h"
#include "streamer/security.h"
#include "tools/vigil-bench/child.h"
#include "tools/vigil-bench/workload.h"

namespace vigil::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kStartTimeout = milliseconds(15'000);
constexpr auto kReceiveTimeoutMs = 50;
constexpr std::int64_t kNotReceived = -1;

std::int64_t nanosSince(Clock::time_point origin) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - origin).count();
}

// ---------------------------------------------------------------- security

struct Keys {
  streamer::KeyPair server, gateway, station;
};

// The engine's key directory (zap.h) for the CURVE rounds; the relay and the direct
// gateway use the same server key without a ZAP handler.
std::string writeEngineKeys(const Keys& keys, const std::string& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir + "/gateways");
  fs::create_directories(dir + "/stations");
  using streamer::Overwrite;
  for (const auto& error :
       {streamer::writeKeyFile(dir + "/engine.key", keys.server.secret_z85, 0600, Overwrite::Replace),
        streamer::writeKeyFile(dir + "/gateways/bench-gateway.pub", keys.gateway.public_z85, 0644, Overwrite::Replace),
        streamer::writeKeyFile(dir + "/stations/bench-station.pub", keys.station.public_z85, 0644,
                               Overwrite::Replace)}) {
    if (!error.empty()) return error;
  }
  return {};
}

void applyClient(zmq::socket_ref socket, const std::optional<Keys>& keys, const streamer::KeyPair& own) {
  if (!keys) return;
  socket.set(zmq::sockopt::curve_serverkey, keys->server.public_z85);
  socket.set(zmq::sockopt::curve_publickey, own.public_z85);
  socket.set(zmq::sockopt::curve_secretkey, own.secret_z85);
}

void applyServer(zmq::socket_ref socket, const std::string& secret) {
  if (secret.empty()) return;
  socket.set(zmq::sockopt::curve_server, true);
  socket.set(zmq::sockopt::curve_secretkey, secret);
}

// Every socket the bench owns: no high-water mark (lossless: nothing is dropped for want
// of room), no linger. The engine sets its own, as it would in service.
void applyCommon(zmq::socket_ref socket) {
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::sndhwm, 0);
  socket.set(zmq::sockopt::rcvhwm, 0);
}

// ---------------------------------------------------------------- gateway and station

class Gateway {
 public:
  Gateway(zmq::context_t& zmq, const std::optional<Keys>& keys) : socket_(zmq, zmq::socket_type::xpub) {
    applyCommon(socket_);
    keys_ = keys;
  }
  std::string bind(const std::string& endpoint) {
    if (keys_) applyServer(socket_, keys_->server.secret_z85);
    socket_.bind(endpoint);
    return socket_.get(zmq::sockopt::last_endpoint);
  }
  void connect(const std::string& endpoint) {
    if (keys_) applyClient(socket_, keys_, keys_->gateway);
    socket_.connect(endpoint);
  }
  // The subscriber's subscription has reached this socket: nothing sent from now is lost
  // to the slow joiner.
  bool awaitSubscriber(milliseconds timeout) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, timeout) <= 0) return false;
    zmq::message_t subscription;
    return socket_.recv(subscription, zmq::recv_flags::dontwait).has_value();
  }
  void send(const Frame& frame) {
    socket_.send(zmq::buffer(frame.topic), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(frame.payload), zmq::send_flags::none);
  }

 private:
  zmq::socket_t socket_;
  std::optional<Keys> keys_;
};

// What the station expects in one phase: the outputs of frames [first, first + count).
struct Expectation {
  std::uint64_t first = 0;
  std::uint64_t count = 0;
  Clock::time_point origin;
  std::vector<std::int64_t> receipt_ns;  // per frame, kNotReceived until its output came
  std::uint64_t received = 0;
  std::uint64_t duplicates = 0;
  std::int64_t last_ns = 0;
};

class Station {
 public:
  Station(zmq::context_t& zmq, const Workload& workload, bool engine, const std::optional<Keys>& keys)
      : socket_(zmq, zmq::socket_type::sub),
        workload_(workload),
        engine_(engine),
        last_round_(workload.patients(), -1) {
    applyCommon(socket_);
    applyClient(socket_, keys, keys ? keys->station : streamer::KeyPair{});
    socket_.set(zmq::sockopt::rcvtimeo, kReceiveTimeoutMs);
    static const std::vector<std::string> kEngineTopics{"status/", "alert/", "advice/", "heartbeat"};
    static const std::vector<std::string> kRawTopics{"vitals/", "probe"};
    for (const auto& prefix : engine ? kEngineTopics : kRawTopics) socket_.set(zmq::sockopt::subscribe, prefix);
  }
  void connect(const std::string& endpoint) { socket_.connect(endpoint); }

  // True once a probe (raw) or a heartbeat (engine) arrived: the path to here is open.
  bool awaitReady(Clock::time_point deadline, const std::function<void()>& probe) {
    while (Clock::now() < deadline) {
      probe();
      zmq::message_t topic, payload;
      if (!socket_.recv(topic)) continue;
      if (topic.more()) (void)socket_.recv(payload);
      const auto name = topic.to_string_view();
      if (name == "probe" || name == "heartbeat") return true;
    }
    return false;
  }

  // Receives until every expected output came or the deadline passed.
  void collect(Expectation& expect, Clock::time_point deadline) {
    zmq::message_t topic, payload;
    while (expect.received < expect.count && Clock::now() < deadline) {
      if (!socket_.recv(topic)) continue;
      if (!topic.more()) continue;
      if (!socket_.recv(payload)) continue;
      const auto now_ns = nanosSince(expect.origin);
      const auto index = frameOf(topic.to_string_view(), payload);
      if (!index || *index < expect.first || *index >= expect.first + expect.count) continue;
      auto& receipt = expect.receipt_ns[*index - expect.first];
      if (receipt != kNotReceived) {
        ++expect.duplicates;
        continue;
      }
      receipt = now_ns;
      expect.last_ns = now_ns;
      ++expect.received;
      noteOrder(*index);
    }
  }

  std::uint64_t outOfOrder() const { return out_of_order_; }
  std::uint64_t streamGaps() const { return stream_gaps_; }

 private:
  std::optional<std::uint64_t> frameOf(std::string_view topic, const zmq::message_t& payload) {
    if (!engine_) return workload_.frameOfVitals(topic, payload.to_string_view());
    if (topic.rfind("status/", 0) == 0) {
      if (!status_.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return std::nullopt;
      noteSequence(status_.sequence());
      return workload_.frameAt(topic, status_.event_time_ms());
    }
    // Alarms and advice: only their place in the alert stream's one sequence matters here.
    if (topic.rfind("alert/", 0) == 0 && alarm_.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      noteSequence(alarm_.sequence());
    } else if (topic.rfind("advice/", 0) == 0 &&
               advice_.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      noteSequence(advice_.sequence());
    }
    return std::nullopt;
  }
  void noteSequence(std::uint64_t sequence) {
    if (last_sequence_ != 0 && sequence != last_sequence_ + 1) ++stream_gaps_;
    last_sequence_ = sequence;
  }
  // Per patient, outputs must come in the order of the frames that caused them.
  void noteOrder(std::uint64_t index) {
    const auto patient = index % workload_.patients();
    const auto round = static_cast<std::int64_t>(index / workload_.patients());
    if (round <= last_round_[patient]) ++out_of_order_;
    last_round_[patient] = std::max(last_round_[patient], round);
  }

  zmq::socket_t socket_;
  const Workload& workload_;
  bool engine_;
  std::vector<std::int64_t> last_round_;
  std::uint64_t out_of_order_ = 0;
  std::uint64_t last_sequence_ = 0;
  std::uint64_t stream_gaps_ = 0;
  vigil::v1::PatientStatus status_;
  vigil::v1::AlarmEvent alarm_;
  vigil::v1::AdviceEvent advice_;
};

// ---------------------------------------------------------------- the middle process

struct Middle {
  std::unique_ptr<Child> child;
  std::string ingest, alerts, control;
};

std::string endpointFor(const BenchOptions& options, const std::string& name) {
  if (options.transport == "ipc") return "ipc://" + options.work_dir + "/" + name;
  return "tcp://127.0.0.1:*";
}

std::optional<Middle> startMiddle(Pipeline pipeline, const BenchOptions& options, int round,
                                  const std::optional<Keys>& keys, std::string& error) {
  Middle middle;
  const auto tag = std::string(pipelineName(pipeline)) + "-" + std::to_string(round);
  std::vector<std::string> argv;
  std::string marker;
  if (pipeline == Pipeline::Relay) {
    argv = {options.self_path, "--relay",
            "--ingest",        endpointFor(options, tag + "-in"),
            "--alerts",        endpointFor(options, tag + "-out")};
    if (keys) argv.insert(argv.end(), {"--relay-secret", keys->server.secret_z85});
    marker = "vigil-bench relay";
  } else {
    const bool before = pipeline == Pipeline::BeforeEngine || pipeline == Pipeline::BeforeJournal;
    argv = {before ? options.before_engine_path : options.engine_path,
            "--ingest",
            endpointFor(options, tag + "-in"),
            "--alerts",
            endpointFor(options, tag + "-out"),
            "--control",
            endpointFor(options, tag + "-ctl"),
            "--clock",
            "stream",
            "--stats-interval-ms",
            "0",
            "--heartbeat-ms",
            "50",
            "--max-sources",
            "100000000"};
    // Lossless: a station that pauses must not lose what ZeroMQ's default queue of 1000
    // would drop for it. A before build gets it too (every build since 3 December 2026 has
    // the option): without it, it lost outputs silently and its figures were not comparable.
    argv.insert(argv.end(), {"--alerts-queue-messages", "1000000"});
    if (pipeline == Pipeline::Journal || pipeline == Pipeline::BeforeJournal) {
      argv.insert(argv.end(), {"--journal", options.work_dir + "/" + tag + ".db"});
    } else {
      argv.push_back("--no-journal");
    }
    if (keys) argv.insert(argv.end(), {"--keys", options.work_dir + "/keys"});
    marker = "vigil-engine listening";
  }
  middle.child = std::make_unique<Child>(argv, options.work_dir + "/" + tag + ".log");
  const auto line = middle.child->waitForLine(marker, kStartTimeout);
  if (!line) {
    error = "no '" + marker + "' line from " + argv[0];
    return std::nullopt;
  }
  middle.ingest = fieldOf(*line, "ingest");
  middle.alerts = fieldOf(*line, "alerts");
  middle.control = fieldOf(*line, "control");
  return middle;
}

struct EngineCounts {
  std::uint64_t accepted = 0, not_accepted = 0, not_queued = 0;
};

std::optional<EngineCounts> engineCounts(zmq::context_t& zmq, const std::string& control,
                                         const std::optional<Keys>& keys) {
  streamer::ClientSecurity security;
  if (keys)
    security.curve = streamer::ClientCurve{keys->station.public_z85, keys->station.secret_z85, keys->server.public_z85};
  streamer::ControlClient client(zmq, control, security);
  vigil::v1::ControlRequest request;
  request.mutable_stats();
  const auto reply = client.request(request, milliseconds(10'000));
  if (!reply || !reply->ok()) return std::nullopt;
  const auto& counters = reply->stats().counters();
  const auto value = [&counters](const char* name) {
    const auto found = counters.find(name);
    return found == counters.end() ? std::uint64_t{0} : found->second;
  };
  EngineCounts counts;
  counts.accepted = value("ingest.accepted");
  counts.not_accepted = value("ingest.messages") - counts.accepted;
  counts.not_queued = value("service.alert_events_not_queued");
  return counts;
}

// ---------------------------------------------------------------- phases

// Sleeps most of the way to `when`, then spins the last microseconds: a schedule kept to
// a few microseconds without burning a core at low rates.
void waitUntil(Clock::time_point when) {
  constexpr auto kSpin = std::chrono::microseconds(30);
  const auto now = Clock::now();
  if (when - now > kSpin) {
    const auto wake = when - kSpin;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wake.time_since_epoch()).count();
    timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
  }
  while (Clock::now() < when) {
  }
}

Expectation expect(std::uint64_t first, std::uint64_t count) {
  Expectation expectation;
  expectation.first = first;
  expectation.count = count;
  expectation.receipt_ns.assign(count, kNotReceived);
  return expectation;
}

// Saturation: every frame as fast as the gateway can hand it over; done when the last
// output arrived. Throughput is frames over first send to last receipt.
void saturate(Gateway& gateway, Station& station, const std::vector<Frame>& frames, std::uint64_t first,
              const BenchOptions& options, RoundResult& result) {
  auto expectation = expect(first, frames.size());
  expectation.origin = Clock::now();
  std::thread receiver([&] {
    // Generous: a slow engine must still be measured, not cut off.
    station.collect(expectation, Clock::now() + options.drain + std::chrono::seconds(60));
  });
  for (const auto& frame : frames) gateway.send(frame);
  receiver.join();
  result.frames = frames.size();
  result.received = expectation.received;
  result.duplicates = expectation.duplicates;
  result.seconds = static_cast<double>(expectation.last_ns) / 1e9;
  result.frames_per_s = result.seconds > 0 ? static_cast<double>(expectation.received) / result.seconds : 0;
}

std::optional<double> percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return std::nullopt;
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  const double value = sorted[std::min(sorted.size(), std::max<std::size_t>(rank, 1)) - 1];
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

// Offered load on a fixed schedule; each latency is measured from the frame's scheduled
// send time, so a stall delays every frame behind it in the figures too (no coordinated
// omission).
LatencyResult offer(Gateway& gateway, Station& station, const std::vector<Frame>& frames, std::uint64_t first,
                    double rate, const BenchOptions& options) {
  auto expectation = expect(first, frames.size());
  expectation.origin = Clock::now() + milliseconds(2);
  const auto interval_ns = 1e9 / rate;
  const auto schedule_end =
      expectation.origin + std::chrono::nanoseconds(static_cast<std::int64_t>(interval_ns * frames.size()));
  std::thread receiver([&] { station.collect(expectation, schedule_end + options.drain); });
  for (std::size_t i = 0; i < frames.size(); ++i) {
    waitUntil(expectation.origin + std::chrono::nanoseconds(static_cast<std::int64_t>(interval_ns * i)));
    gateway.send(frames[i]);
  }
  receiver.join();
  std::vector<double> latencies;
  latencies.reserve(frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto receipt = expectation.receipt_ns[i];
    latencies.push_back(receipt == kNotReceived ? INFINITY : (static_cast<double>(receipt) - interval_ns * i) / 1000.0);
  }
  std::sort(latencies.begin(), latencies.end());
  LatencyResult result;
  result.offered_per_s = rate;
  result.sent = frames.size();
  result.received = expectation.received;
  result.p50_us = percentile(latencies, 50);
  result.p99_us = percentile(latencies, 99);
  result.p999_us = percentile(latencies, 99.9);
  return result;
}

std::uint64_t wholeRounds(std::uint64_t frames, std::size_t patients) {
  const auto rounds = std::max<std::uint64_t>(1, (frames + patients - 1) / patients);
  return rounds * patients;
}

RoundResult runPipeline(Pipeline pipeline, int round, const BenchOptions& options, const Workload& workload,
                        const std::vector<Frame>& saturation_frames, double relay_per_s,
                        const std::optional<Keys>& keys) {
  RoundResult result;
  result.label = options.label;
  result.round = round;
  result.pipeline = pipeline;
  result.patients = options.patients;
  result.transport = options.transport;
  result.curve = keys.has_value();
  zmq::context_t zmq(1);
  std::optional<Middle> middle;
  const bool engine = pipeline != Pipeline::Direct && pipeline != Pipeline::Relay;
  Gateway gateway(zmq, keys);
  Station station(zmq, workload, engine, keys);
  if (pipeline == Pipeline::Direct) {
    station.connect(gateway.bind(endpointFor(options, "direct-" + std::to_string(round))));
  } else {
    middle = startMiddle(pipeline, options, round, keys, result.error);
    if (!middle) return result;
    gateway.connect(middle->ingest);
    station.connect(middle->alerts);
  }
  const auto ready_by = Clock::now() + kStartTimeout;
  if (!gateway.awaitSubscriber(kStartTimeout) || !station.awaitReady(ready_by, [&] {
        if (!engine) gateway.send(Frame{"probe", "probe"});
      })) {
    result.error = "the path gateway -> station did not open";
    return result;
  }
  const auto before = middle ? middle->child->usage() : Usage{};
  saturate(gateway, station, saturation_frames, 0, options, result);
  const auto after = middle ? middle->child->usage() : Usage{};
  result.lossless = result.received == result.frames && result.duplicates == 0;
  if (middle) {
    result.cpu_us_per_frame = (after.cpu_seconds - before.cpu_seconds) * 1e6 / static_cast<double>(result.frames);
    result.rss_start = before.rss_bytes;
    result.rss_loaded = after.rss_bytes;
    result.bytes_per_patient = (static_cast<double>(after.rss_bytes) - static_cast<double>(before.rss_bytes)) /
                               static_cast<double>(options.patients);
  }
  if (engine) {
    if (const auto counts = engineCounts(zmq, middle->control, keys)) {
      result.engine_accepted = counts->accepted;
      result.engine_not_accepted = counts->not_accepted;
      result.engine_not_queued = counts->not_queued;
      result.lossless = result.lossless && counts->accepted == result.frames && counts->not_queued == 0;
    }
  }
  // Offered loads continue the same patients' data where the saturation run left it.
  auto next = static_cast<std::uint64_t>(saturation_frames.size());
  const double reference = relay_per_s > 0 ? relay_per_s : result.frames_per_s;
  for (const double load : options.loads) {
    const double rate = std::max(1.0, load * reference);
    const auto count = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(rate * options.load_seconds));
    const auto frames = workload.frames(next, count);
    result.latency.push_back(offer(gateway, station, frames, next, rate, options));
    next += count;
    // An overloaded pipeline is still working off this load: the next, higher, one would
    // only measure that backlog.
    if (result.latency.back().received < count) break;
  }
  result.out_of_order = station.outOfOrder();
  result.stream_gaps = station.streamGaps();
  result.lossless = result.lossless && result.out_of_order == 0 && result.stream_gaps == 0;
  if (middle) result.peak_rss = middle->child->usage().peak_rss_bytes;
  return result;
}

// ---------------------------------------------------------------- reporting

std::string number(std::optional<double> value, int precision = 1) {
  if (!value) return "null";
  std::ostringstream out;
  out << std::fixed << std::setprecision(precision) << *value;
  return out.str();
}

double median(std::vector<double> values) {
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  const auto n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::optional<double> medianOf(std::vector<std::optional<double>> values) {
  // A missing percentile (overload) counts as worse than any measured one.
  std::vector<double> finite;
  for (const auto& value : values) finite.push_back(value.value_or(INFINITY));
  if (finite.empty()) return std::nullopt;
  const double m = median(finite);
  if (!std::isfinite(m)) return std::nullopt;
  return m;
}

}  // namespace

std::string_view pipelineName(Pipeline pipeline) {
  switch (pipeline) {
    case Pipeline::Direct: return "direct";
    case Pipeline::Relay: return "relay";
    case Pipeline::Engine: return "engine";
    case Pipeline::Journal: return "engine+journal";
    case Pipeline::BeforeEngine: return "before:engine";
    case Pipeline::BeforeJournal: return "before:engine+journal";
  }
  return "?";
}

std::string toJson(const RoundResult& r) {
  std::ostringstream out;
  out << "{\"set\":\"" << r.label << "\",\"round\":" << r.round << ",\"pipeline\":\"" << pipelineName(r.pipeline)
      << "\",\"patients\":" << r.patients << ",\"transport\":\"" << r.transport
      << "\",\"curve\":" << (r.curve ? "true" : "false") << ",\"frames\":" << r.frames << ",\"received\":" << r.received
      << ",\"duplicates\":" << r.duplicates << ",\"out_of_order\":" << r.out_of_order
      << ",\"stream_gaps\":" << r.stream_gaps << ",\"lossless\":" << (r.lossless ? "true" : "false")
      << ",\"seconds\":" << number(r.seconds, 4) << ",\"frames_per_s\":" << number(r.frames_per_s, 0)
      << ",\"cpu_us_per_frame\":" << number(r.cpu_us_per_frame, 2) << ",\"rss_start\":" << r.rss_start
      << ",\"rss_loaded\":" << r.rss_loaded << ",\"peak_rss\":" << r.peak_rss
      << ",\"bytes_per_patient\":" << number(r.bytes_per_patient, 0) << ",\"engine_accepted\":" << r.engine_accepted
      << ",\"engine_not_accepted\":" << r.engine_not_accepted << ",\"engine_not_queued\":" << r.engine_not_queued
      << ",\"latency\":[";
  for (std::size_t i = 0; i < r.latency.size(); ++i) {
    const auto& l = r.latency[i];
    out << (i ? "," : "") << "{\"offered_per_s\":" << number(l.offered_per_s, 0) << ",\"sent\":" << l.sent
        << ",\"received\":" << l.received << ",\"p50_us\":" << number(l.p50_us) << ",\"p99_us\":" << number(l.p99_us)
        << ",\"p999_us\":" << number(l.p999_us) << "}";
  }
  out << "]";
  if (!r.error.empty()) out << ",\"error\":\"" << r.error << "\"";
  out << "}";
  return out.str();
}

std::string summaryTable(const std::vector<RoundResult>& results) {
  std::map<std::pair<std::string, Pipeline>, std::vector<const RoundResult*>> groups;
  std::map<std::pair<std::string, int>, double> relay_of_round;
  for (const auto& r : results) {
    groups[{r.label, r.pipeline}].push_back(&r);
    if (r.pipeline == Pipeline::Relay) relay_of_round[{r.label, r.round}] = r.frames_per_s;
  }
  std::ostringstream out;
  out << std::left << std::setw(22) << "set" << std::setw(16) << "pipeline" << std::right << std::setw(7) << "rounds"
      << std::setw(9) << "lossless" << std::setw(12) << "frames/s" << std::setw(8) << "x relay" << std::setw(9)
      << "us/frame" << std::setw(10) << "B/patient" << std::setw(9) << "peak MB";
  out << "   latency p50/p99/p99.9 us at each offered load\n";
  for (const auto& [key, rounds] : groups) {
    std::vector<double> rates, ratios, cpu, bytes, peak;
    int lossless = 0;
    for (const auto* r : rounds) {
      rates.push_back(r->frames_per_s);
      if (const auto relay = relay_of_round.find({r->label, r->round});
          relay != relay_of_round.end() && relay->second > 0)
        ratios.push_back(r->frames_per_s / relay->second);
      cpu.push_back(r->cpu_us_per_frame);
      bytes.push_back(r->bytes_per_patient);
      peak.push_back(static_cast<double>(r->peak_rss) / 1e6);
      lossless += r->lossless ? 1 : 0;
    }
    out << std::left << std::setw(22) << key.first << std::setw(16) << pipelineName(key.second) << std::right
        << std::setw(7) << rounds.size() << std::setw(9)
        << (std::to_string(lossless) + "/" + std::to_string(rounds.size())) << std::setw(12) << number(median(rates), 0)
        << std::setw(8) << number(median(ratios), 3) << std::setw(9) << number(median(cpu), 2) << std::setw(10)
        << number(median(bytes), 0) << std::setw(9) << number(median(peak), 0) << "  ";
    const auto loads = rounds.front()->latency.size();
    for (std::size_t l = 0; l < loads; ++l) {
      std::vector<std::optional<double>> p50, p99, p999;
      std::vector<double> offered;
      for (const auto* r : rounds) {
        if (r->latency.size() <= l) {
          p50.push_back(std::nullopt), p99.push_back(std::nullopt), p999.push_back(std::nullopt);
          continue;
        }
        offered.push_back(r->latency[l].offered_per_s);
        p50.push_back(r->latency[l].p50_us), p99.push_back(r->latency[l].p99_us), p999.push_back(r->latency[l].p999_us);
      }
      const auto show = [](std::optional<double> v) { return v ? number(v, 0) : std::string("lost"); };
      out << " @" << number(median(offered), 0) << "/s " << show(medianOf(p50)) << "/" << show(medianOf(p99)) << "/"
          << show(medianOf(p999));
    }
    out << "\n";
  }
  return out.str();
}

std::vector<RoundResult> runBench(const BenchOptions& options, const std::function<void(const RoundResult&)>& report) {
  prctl(PR_SET_TIMERSLACK, 1UL);  // the pacing sleeps wake when asked, not 50 us later
  std::filesystem::create_directories(options.work_dir);
  std::optional<Keys> keys;
  if (options.curve) {
    keys = Keys{streamer::generateKeyPair(), streamer::generateKeyPair(), streamer::generateKeyPair()};
    if (const auto error = writeEngineKeys(*keys, options.work_dir + "/keys"); !error.empty()) {
      throw std::runtime_error("writing the engine's keys: " + error);
    }
  }
  const Workload workload(options.patients);
  const auto frames = workload.frames(0, wholeRounds(options.frames, options.patients));
  std::vector<RoundResult> results;
  for (int round = 1; round <= options.rounds; ++round) {
    double relay_per_s = 0;
    for (const auto pipeline : options.pipelines) {
      auto result = runPipeline(pipeline, round, options, workload, frames, relay_per_s, keys);
      if (pipeline == Pipeline::Relay) relay_per_s = result.frames_per_s;
      report(result);
      results.push_back(std::move(result));
    }
  }
  std::filesystem::remove_all(options.work_dir);
  return results;
}

int runRelay(const std::string& ingest, const std::string& alerts, const std::string& curve_secret) {
  zmq::context_t zmq(1);
  zmq::socket_t in(zmq, zmq::socket_type::sub);
  zmq::socket_t out(zmq, zmq::socket_type::pub);  // PUB: zmq_proxy cannot pass subscriptions back to a SUB
  for (auto* socket : {&in, &out}) {
    applyCommon(*socket);
    applyServer(*socket, curve_secret);
  }
  in.set(zmq::sockopt::subscribe, "");
  in.bind(ingest);
  out.bind(alerts);
  std::cout << "vigil-bench relay ingest=" << in.get(zmq::sockopt::last_endpoint)
            << " alerts=" << out.get(zmq::sockopt::last_endpoint) << std::endl;
  // The forwarder a deployment would put between gateways and engines (DESIGN.md section 1):
  // zmq_proxy, ZeroMQ's own loop. It returns when the context ends (SIGTERM's default
  // action ends the process first).
  try {
    zmq::proxy(in, out);
  } catch (const zmq::error_t&) {
  }
  return 0;
}

}  // namespace vigil::bench
