// vigil-bench: the engine against raw ZeroMQ moving the same bytes through the same hops on
// the same machine, in the same run (issue 13). Pipelines, each started fresh per round:
//   direct   gateway -> station                                (one hop)
//   relay    gateway -> SUB/PUB forwarder process -> station    (the messaging limit)
//   engine   gateway -> vigil-engine -> station                 (--no-journal)
//   journal  gateway -> vigil-engine with its journal -> station
// Gateway and station are threads of this process (one clock for send and receipt); the
// relay and the engine are processes of their own. Every pipeline gets the same frames
// (workload.h), socket options (no high-water mark anywhere we own: lossless), transport
// and security, and the station checks that every frame's output arrives, once, in order.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vigil::bench {

// Before*: the same with another vigil-engine build (--before-engine), to measure a change
// against the build before it in one run.
enum class Pipeline { Direct, Relay, Engine, Journal, BeforeEngine, BeforeJournal };
std::string_view pipelineName(Pipeline pipeline);

struct BenchOptions {
  std::size_t patients = 1000;
  std::uint64_t frames = 100'000;  // of the saturation run, rounded up to whole rounds of patients
  int rounds = 5;
  std::string transport = "tcp";  // tcp (loopback) or ipc
  bool curve = false;
  std::vector<double> loads{0.01, 0.10, 0.50};  // offered, as fractions of the round's relay throughput
  double load_seconds = 1.0;                    // of schedule per offered load
  std::chrono::milliseconds drain{5000};        // how long outputs may trail the last send
  std::vector<Pipeline> pipelines{Pipeline::Relay, Pipeline::Direct, Pipeline::Engine, Pipeline::Journal};
  std::string engine_path;         // vigil-engine
  std::string before_engine_path;  // the Before* pipelines' vigil-engine
  std::string self_path;           // this executable, started again as the relay
  std::string work_dir;            // journals, ipc sockets and keys; made and removed by the bench
  std::string label;               // names the set in the JSON lines and the table
};

struct LatencyResult {
  double offered_per_s = 0;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  // Microseconds from the frame's scheduled send time; nullopt when that percentile fell on
  // a frame whose output never came within the drain time (the pipeline was overloaded).
  std::optional<double> p50_us, p99_us, p999_us;
};

struct RoundResult {
  std::string label;
  int round = 0;
  Pipeline pipeline = Pipeline::Relay;
  std::size_t patients = 0;
  std::string transport;
  bool curve = false;
  std::uint64_t frames = 0;
  std::uint64_t received = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t stream_gaps = 0;  // engine: alert-stream sequence numbers skipped
  double seconds = 0;
  double frames_per_s = 0;
  bool lossless = false;
  std::vector<LatencyResult> latency;
  // The middle process (relay or engine); zero for direct.
  double cpu_us_per_frame = 0;
  std::uint64_t rss_start = 0, rss_loaded = 0, peak_rss = 0;
  double bytes_per_patient = 0;
  // Engine: its own counters after the saturation run.
  std::uint64_t engine_accepted = 0, engine_not_accepted = 0, engine_not_queued = 0;
  std::string error;
};

std::string toJson(const RoundResult& result);
// One table over all rounds: medians per pipeline and the ratios to the relay.
std::string summaryTable(const std::vector<RoundResult>& results);

// Runs the options' rounds, calling `report` after each pipeline of each round.
std::vector<RoundResult> runBench(const BenchOptions& options, const std::function<void(const RoundResult&)>& report);

// `vigil-bench --relay`: the raw forwarder, SUB (bound on `ingest`) to PUB (bound on
// `alerts`), no high-water marks; prints "vigil-bench relay ingest=... alerts=...".
int runRelay(const std::string& ingest, const std::string& alerts, const std::string& curve_secret);

}  // namespace vigil::bench
