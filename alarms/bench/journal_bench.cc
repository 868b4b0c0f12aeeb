// The recovery benchmark (issue 15): journals equal to N days of a ward, and the time the
// real vigil-engine takes from its start to its first heartbeat on each. Not in the plain
// suite (30 days take minutes to make); tools/journal-bench.sh runs it for 1, 7 and 30 days.
//
//   vigil-journal-bench --make DAYS --before FILE --after FILE [--beds N]
//       runs a simulated ward through a real EngineService inline and writes two journals
//       of the same inputs: BEFORE as schema 1 behaved (every input, no snapshot: a restart
//       replays them all) and AFTER as the engine now keeps it (a snapshot every 5 minutes of
//       ward time, older inputs pruned, logs within retention).
//   vigil-journal-bench --restart ENGINE --journal FILE
//       starts ENGINE on a copy of FILE and prints the milliseconds to its first heartbeat.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "alarms/core/metrics.h"
#include "alarms/service/engine_service.h"
#include "alarms/service/journal.h"
#include "alarms/service/protocol_file.h"
#include "streamer/codec.h"
#include "streamer/topics.h"

extern char** environ;

namespace vigil::bench {
namespace {

using namespace std::chrono_literals;
using core::fromMillis;
namespace mdc = core::mdc;

constexpr std::int64_t kStartMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kFrameEveryMs = 4'000;         // about 4 s of replay per ward day before (issue 15)
constexpr std::int64_t kPumpEveryMs = 60'000;
constexpr std::int64_t kSnapshotEveryMs = 5 * 60'000;

class FixedClock final : public service::Clock {
 public:
  core::TimePoint now() const override { return now_; }
  core::TimePoint now_ = fromMillis(kStartMs);
};

// One bed: vitals that wander, now and then a desaturation, an infusion stepped every few hours.
struct Bed {
  std::string id;
  double spo2 = 97, hr = 78, rr = 14, rate = 0.1;
  std::uint64_t vitals_seq = 0, pump_seq = 0;
};

std::string vitalsPayload(Bed& bed, std::int64_t at, std::mt19937& random) {
  std::uniform_real_distribution<double> step(-1, 1);
  const bool desaturating = (at / 3'600'000 + bed.id.size()) % 11 == 0 && (at / 60'000) % 60 < 4;
  bed.spo2 = std::clamp(bed.spo2 + step(random) * 0.5 + (97 - bed.spo2) * 0.1 - (desaturating ? 3 : 0), 80.0, 100.0);
  bed.hr = std::clamp(bed.hr + step(random) * 2 + (78 - bed.hr) * 0.05, 45.0, 140.0);
  bed.rr = std::clamp(bed.rr + step(random) + (14 - bed.rr) * 0.1, 8.0, 28.0);
  core::VitalsFrame frame;
  frame.patient_id = bed.id;
  frame.unit = "ward";
  frame.device_id = "monitor-" + bed.id;
  frame.sequence = ++bed.vitals_seq;
  frame.time = fromMillis(at);
  frame.measurements = {{mdc::kEcgHeartRate, bed.hr, "/min", core::Quality::Valid},
                        {mdc::kSpO2, bed.spo2, "%", core::Quality::Valid},
                        {mdc::kRespRate, bed.rr, "/min", core::Quality::Valid}};
  if (at % (15 * 60'000) < kFrameEveryMs) {
    frame.measurements.push_back({mdc::kNibpSys, 118 + step(random) * 15, "mm[Hg]", core::Quality::Valid});
    frame.measurements.push_back({mdc::kNibpDia, 72 + step(random) * 8, "mm[Hg]", core::Quality::Valid});
  }
  return streamer::toProto(frame).SerializeAsString();
}

std::string pumpPayload(Bed& bed, std::int64_t at) {
  if (at % (3 * 3'600'000) < kPumpEveryMs) bed.rate = bed.rate >= 0.3 ? 0.1 : bed.rate + 0.05;
  core::PumpStatus status;
  status.patient_id = bed.id;
  status.unit = "ward";
  status.device_id = "pump-" + bed.id;
  status.sequence = ++bed.pump_seq;
  status.time = fromMillis(at);
  status.drug = "ketamine";
  status.concentration_mg_per_ml = 1.0;
  status.patient_weight_kg = 70;
  status.dose_rate_mg_per_kg_per_h = bed.rate;
  status.rate_ml_per_h = bed.rate * 70;
  status.state = core::PumpState::Running;
  return streamer::toProto(status).SerializeAsString();
}

int make(int days, int beds, const std::string& before_path, const std::string& after_path) {
  for (const auto& path : {before_path, after_path}) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  auto load = service::loadProtocolFile(VIGIL_DEFAULT_PROTOCOL);
  if (!load.protocol) throw std::runtime_error("the default protocol did not load");
  boost::asio::io_context io;
  zmq::context_t zmq;
  FixedClock clock;
  service::ServiceConfig config;
  config.ingest_endpoint = "inproc://bench-ingest";
  config.alerts_endpoint = "inproc://bench-alerts";
  config.control_endpoint = "inproc://bench-control";
  config.clock_mode = service::ClockMode::Stream;
  service::EngineService engine(io, zmq, core::Engine(std::move(*load.protocol)), config, clock);
  std::string error;
  auto before = service::Journal::open(before_path, {}, error);
  auto after = before ? service::Journal::open(after_path, {}, error) : nullptr;
  if (!after) throw std::runtime_error(error);
  engine.attachJournal(after.get());  // the alarm and advice logs, as live

  std::vector<Bed> ward(beds);
  for (int b = 0; b < beds; ++b) ward[b].id = "bed-" + std::to_string(b + 1);
  std::mt19937 random(15);
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t inputs = 0;
  const std::int64_t end = kStartMs + days * 86'400'000LL;
  for (std::int64_t at = kStartMs; at < end; at += kFrameEveryMs) {
    for (auto& bed : ward) {
      const auto stamp = at + (&bed - ward.data()) * 50;
      auto record = [&](streamer::TopicKind kind, std::string payload) {
        service::JournalInput input{0,
                                    service::InputKind::Ingest,
                                    engine.engine().now(),
                                    fromMillis(stamp),
                                    1,
                                    streamer::makeTopic(kind, "ward", bed.id),
                                    std::move(payload),
                                    {}};
        engine.applyJournaled(input);
        before->recordIngest(input.topic, input.payload, input.engine_time, input.receive_time, 1);
        after->recordIngest(input.topic, input.payload, input.engine_time, input.receive_time, 1);
        ++inputs;
      };
      record(streamer::TopicKind::Vitals, vitalsPayload(bed, stamp, random));
      if (at % kPumpEveryMs < kFrameEveryMs) record(streamer::TopicKind::Infusion, pumpPayload(bed, stamp));
    }
    if (at % kSnapshotEveryMs < kFrameEveryMs) engine.writeSnapshot();
    io.poll();  // the journal's commit marks release what the service holds back
  }
  before->close();
  after->close();
  io.poll();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "made " << days << " days of " << beds << " beds: " << inputs << " inputs in " << seconds << " s; "
            << engine.engine().activeAlarmCount() << " active alarms at the end; before "
            << std::filesystem::file_size(before_path) << " bytes, after " << std::filesystem::file_size(after_path)
            << " bytes" << std::endl;
  return 0;
}

// Milliseconds from spawning the engine to its first heartbeat (a SUB connected before it
// binds: ZeroMQ connects as soon as the endpoint exists).
int restart(const std::string& engine_path, const std::string& journal) {
  const auto dir = std::filesystem::path(journal).parent_path();
  const auto copy = (dir / "restart-copy.db").string();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(copy + suffix);
  std::filesystem::copy_file(journal, copy);
  const auto base = "ipc://" + (dir / ("bench-" + std::to_string(::getpid()))).string();
  zmq::context_t zmq;
  zmq::socket_t heartbeats(zmq, zmq::socket_type::sub);
  heartbeats.set(zmq::sockopt::subscribe, "heartbeat");
  heartbeats.connect(base + "-alerts");
  std::vector<std::string> args{engine_path,
                                "--journal",
                                copy,
                                "--clock",
                                "stream",
                                "--heartbeat-ms",
                                "100",
                                "--ingest",
                                base + "-ingest",
                                "--alerts",
                                base + "-alerts",
                                "--control",
                                base + "-control",
                                "--stats-interval-ms",
                                "0"};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const auto started = std::chrono::steady_clock::now();
  posix_spawn_file_actions_t quiet;  // the engine's "listening" line is not a figure
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &quiet, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&quiet);
  if (spawned != 0) throw std::runtime_error("spawn");
  heartbeats.set(zmq::sockopt::rcvtimeo, 1'800'000);  // a month's full replay on a busy machine took minutes
  zmq::message_t topic;
  const bool heard = heartbeats.recv(topic).has_value();
  const auto took = std::chrono::steady_clock::now() - started;
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(copy + suffix);
  for (const char* socket : {"-ingest", "-alerts", "-control"}) std::filesystem::remove(base.substr(6) + socket);
  if (!heard) {
    std::cerr << "no heartbeat within 30 min" << std::endl;
    return 1;
  }
  std::cout << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << std::endl;
  return 0;
}

}  // namespace
}  // namespace vigil::bench

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto value = [&](const std::string& name) -> std::string {
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == name) return args[i + 1];
    }
    return {};
  };
  try {
    if (!value("--make").empty() && !value("--before").empty() && !value("--after").empty()) {
      const auto beds = value("--beds").empty() ? 20 : std::stoi(value("--beds"));
      return vigil::bench::make(std::stoi(value("--make")), beds, value("--before"), value("--after"));
    }
    if (!value("--restart").empty() && !value("--journal").empty()) {
      return vigil::bench::restart(value("--restart"), value("--journal"));
    }
  } catch (const std::exception& error) {
    std::cerr << "vigil-journal-bench: " << error.what() << std::endl;
    return 2;
  }
  std::cerr << "usage: vigil-journal-bench --make DAYS --before FILE --after FILE [--beds N]\n"
               "       vigil-journal-bench --restart ENGINE --journal FILE\n";
  return 2;
}
