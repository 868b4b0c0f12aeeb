// Google Benchmark of the engine core alone (issue 13, item 3): no sockets, no service. Each
// benchmark names what it feeds per iteration; items/s is frames (or calls) per second on
// one core. Built by `make bench` only (EXCLUDE_FROM_ALL): the plain test build stays as it was.
#include <benchmark/benchmark.h>

#include <malloc.h>

#include <memory>
#include <string>
#include <vector>

#include "alarms/core/engine.h"
#include "alarms/core/engine_parts.h"
#include "alarms/core/ingest_guard.h"
#include "alarms/core/metrics.h"
#include "alarms/core/news2.h"
#include "alarms/core/pk.h"
#include "alarms/service/protocol_file.h"
#include "streamer/codec.h"

namespace {
using namespace vigil::core;
using namespace vigil::core::mdc;

constexpr std::int64_t kStartMs = 1'700'000'000'000;

const Protocol& defaultProtocol() {
  static const Protocol protocol = [] {
    auto load = vigil::service::loadProtocolFile(VIGIL_DEFAULT_PROTOCOL);
    if (!load.protocol) std::abort();
    return *load.protocol;
  }();
  return protocol;
}

std::string patientName(std::size_t i) { return "p" + std::to_string(i); }

// A quiet adult's monitor frame, as vigil-bench sends it.
VitalsFrame frameFor(std::size_t patient, std::uint64_t round, std::int64_t step_ms) {
  VitalsFrame frame;
  frame.patient_id = patientName(patient);
  frame.unit = "bench";
  frame.device_id = "monitor-" + frame.patient_id;
  frame.sequence = round + 1;
  frame.time = fromMillis(kStartMs + static_cast<std::int64_t>(round) * step_ms);
  const double wobble = static_cast<double>(round % 3);
  frame.measurements = {{kEcgHeartRate, 72 + wobble, "/min", Quality::Valid},
                        {kSpO2, 97 + wobble, "%", Quality::Valid},
                        {kRespRate, 14 + wobble, "/min", Quality::Valid},
                        {kEtCO2, 38 + wobble, "mm[Hg]", Quality::Valid},
                        {kTempBody, 36.8, "Cel", Quality::Valid},
                        {kNibpSys, 121 + wobble, "mm[Hg]", Quality::Valid},
                        {kNibpDia, 76, "mm[Hg]", Quality::Valid},
                        {kNibpMean, 91, "mm[Hg]", Quality::Valid}};
  return frame;
}

// Frames through Engine::onVitals, round robin over range(0) patients. range(1) is the
// time step between a patient's frames: 1000 ms (a monitor at 1 Hz: a status every 15th
// frame) or 15000 ms (every frame makes a status, as in vigil-bench).
void BM_EngineFrames(benchmark::State& state) {
  const auto patients = static_cast<std::size_t>(state.range(0));
  const auto step = state.range(1);
  Engine engine(defaultProtocol());
  // One pre-built round per patient, re-stamped each round: building frames is not the engine's cost.
  std::vector<VitalsFrame> frames;
  for (std::size_t p = 0; p < patients; ++p) frames.push_back(frameFor(p, 0, step));
  // Two rounds first: the measured frames are of patients the engine already knows.
  std::uint64_t round = 0;
  for (; round < 2; ++round) {
    for (auto& frame : frames) {
      frame.sequence = round + 1;
      frame.time = fromMillis(kStartMs + static_cast<std::int64_t>(round) * step);
      (void)engine.onVitals(frame);
    }
  }
  std::size_t next = 0;
  for (auto _ : state) {
    auto& frame = frames[next];
    frame.sequence = round + 1;
    frame.time = fromMillis(kStartMs + static_cast<std::int64_t>(round) * step);
    benchmark::DoNotOptimize(engine.onVitals(frame));
    if (++next == patients) next = 0, ++round;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineFrames)->Args({100, 1000})->Args({100, 15000})->Args({10000, 1000})->Args({100000, 1000});

void BM_PkAdvance(benchmark::State& state) {
  const PkCoefficients coefficients(defaultProtocol().pharmacokinetics);
  PkState pk(coefficients);
  for (auto _ : state) {
    pk.advance(1.0 / 60.0, 0.3);
    benchmark::DoNotOptimize(pk.concentrations());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PkAdvance);

void BM_News2(benchmark::State& state) {
  News2Inputs inputs;
  inputs.rr = 14, inputs.spo2 = 97, inputs.sbp = 121, inputs.pulse = 72, inputs.temperature_c = 36.8;
  inputs.consciousness = Acvpu::Alert;
  const auto& chart = defaultProtocol().news2_chart;
  double wobble = 0;
  for (auto _ : state) {
    inputs.pulse = 72 + wobble;
    wobble = wobble > 40 ? 0 : wobble + 1;
    benchmark::DoNotOptimize(computeNews2(inputs, chart));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_News2);

// Rule evaluation: one patient, one valid SpO2 sample per frame, alternating between normal
// and below the low limit, so the limit rules' delay timers start and stop on every frame.
void BM_RuleEvaluation(benchmark::State& state) {
  Engine engine(defaultProtocol());
  VitalsFrame frame = frameFor(0, 0, 1000);
  frame.measurements = {{kSpO2, 97, "%", Quality::Valid}};
  std::uint64_t round = 0;
  for (auto _ : state) {
    frame.sequence = ++round;
    frame.time = fromMillis(kStartMs + static_cast<std::int64_t>(round) * 1000);
    frame.measurements[0].value = round % 2 ? 97 : 86;
    benchmark::DoNotOptimize(engine.onVitals(frame));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RuleEvaluation);

// Status building: what the service does with each status the core publishes (to protobuf
// and serialised), from a status the engine built for a patient with every vital known.
// range(0) 0: a fresh message and string per status (before issue 13); 1: one message and
// payload reused, as vigil-engine now does.
void BM_StatusBuild(benchmark::State& state) {
  Engine engine(defaultProtocol());
  for (std::uint64_t round = 0; round < 3; ++round) (void)engine.onVitals(frameFor(0, round, 15000));
  const auto status = engine.statuses().at(0);
  const bool reuse = state.range(0) == 1;
  vigil::v1::PatientStatus message;
  std::string payload;
  for (auto _ : state) {
    if (reuse) {
      vigil::streamer::toProto(status, message);
      message.SerializeToString(&payload);
      benchmark::DoNotOptimize(payload.data());
    } else {
      benchmark::DoNotOptimize(vigil::streamer::toProto(status).SerializeAsString());
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StatusBuild)->Arg(0)->Arg(1);

// The ingest guard over range(0) sources, each frame the next of its source.
void BM_IngestGuard(benchmark::State& state) {
  const auto sources = static_cast<std::size_t>(state.range(0));
  IngestGuardConfig config;
  config.max_sources = sources + 1;
  IngestGuard guard(config);
  std::vector<VitalsFrame> frames;
  for (std::size_t p = 0; p < sources; ++p) frames.push_back(frameFor(p, 0, 1000));
  std::uint64_t round = 0;
  std::size_t next = 0;
  for (auto _ : state) {
    auto frame = frames[next];  // the guard may drop measurements in place
    frame.sequence = round + 1;
    frame.time = fromMillis(kStartMs + static_cast<std::int64_t>(round) * 1000);
    benchmark::DoNotOptimize(guard.check(frame, std::nullopt));
    if (++next == sources) next = 0, ++round;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IngestGuard)->Arg(100)->Arg(10000)->Arg(100000);

// Memory: heap bytes per patient (glibc's mallinfo2, in use) once range(0) patients have
// sent two frames each, for the core's Engine and for the ingest guard; reported as
// counters, the time is that of building them. Where 8 KiB per patient goes (BENCHMARKS.md).
void BM_HeapPerPatient(benchmark::State& state) {
  const auto patients = static_cast<std::size_t>(state.range(0));
  double engine_bytes = 0, guard_bytes = 0;
  for (auto _ : state) {
    const auto before = mallinfo2().uordblks;
    auto engine = std::make_unique<Engine>(defaultProtocol());
    for (std::uint64_t round = 0; round < 2; ++round) {
      for (std::size_t p = 0; p < patients; ++p) (void)engine->onVitals(frameFor(p, round, 15000));
    }
    const auto with_engine = mallinfo2().uordblks;
    IngestGuardConfig config;
    config.max_sources = patients + 1;
    IngestGuard guard(config);
    for (std::uint64_t round = 0; round < 2; ++round) {
      for (std::size_t p = 0; p < patients; ++p) {
        auto frame = frameFor(p, round, 15000);
        (void)guard.check(frame, std::nullopt);
      }
    }
    const auto with_guard = mallinfo2().uordblks;
    engine_bytes = static_cast<double>(with_engine - before) / static_cast<double>(patients);
    guard_bytes = static_cast<double>(with_guard - with_engine) / static_cast<double>(patients);
  }
  state.counters["engine_bytes_per_patient"] = engine_bytes;
  state.counters["guard_bytes_per_patient"] = guard_bytes;
  // Of the engine's: the Patient object itself (every part's state inline), before what
  // its members allocate.
  state.counters["sizeof_patient"] = static_cast<double>(sizeof(vigil::core::engine_detail::Patient));
}
BENCHMARK(BM_HeapPerPatient)->Arg(10000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
