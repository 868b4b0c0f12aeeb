// vigil-bench: flags; the work is in bench.cc. BENCHMARKS.md says how to read the output.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <sstream>

#include <boost/program_options.hpp>

#include "tools/vigil-bench/bench.h"

namespace po = boost::program_options;
using namespace vigil::bench;

namespace {

std::vector<double> parseLoads(const std::string& text) {
  std::vector<double> loads;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) loads.push_back(std::stod(item) / 100.0);
  return loads;
}

std::vector<Pipeline> parsePipelines(const std::string& text) {
  std::vector<Pipeline> pipelines;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (item == "relay") pipelines.push_back(Pipeline::Relay);
    else if (item == "direct") pipelines.push_back(Pipeline::Direct);
    else if (item == "engine") pipelines.push_back(Pipeline::Engine);
    else if (item == "journal") pipelines.push_back(Pipeline::Journal);
    else if (item == "before-engine") pipelines.push_back(Pipeline::BeforeEngine);
    else if (item == "before-journal") pipelines.push_back(Pipeline::BeforeJournal);
    else
      throw std::invalid_argument("unknown pipeline '" + item +
                                  "' (relay, direct, engine, journal, before-engine, before-journal)");
  }
  return pipelines;
}

// vigil-engine next to this build's tools/ folder, unless named.
std::string defaultEngine(const char* argv0) {
  const auto self = std::filesystem::canonical("/proc/self/exe");
  (void)argv0;
  return (self.parent_path().parent_path() / "alarms" / "vigil-engine").string();
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions options;
  std::string ingest, alerts, relay_secret, loads = "1,10,50", pipelines = "relay,direct,engine,journal";
  bool quick = false;
  std::uint64_t frames = 0;
  po::options_description flags(
      "vigil-bench: the engine against raw ZeroMQ (direct and relay) in one run, interleaved rounds\n"
      "  one JSON line per pipeline per round on stdout, then the table of medians");
  flags.add_options()("help", "this text")("patients", po::value(&options.patients)->default_value(options.patients),
                                           "patients (one monitor each)")(
      "frames", po::value(&frames), "frames of the saturation run (default 100000; --quick 30000)")(
      "rounds", po::value(&options.rounds), "interleaved rounds (default 5; --quick 2)")(
      "transport", po::value(&options.transport)->default_value(options.transport), "tcp (loopback) or ipc")(
      "curve", po::bool_switch(&options.curve), "CurveZMQ on every hop")(
      "loads", po::value(&loads)->default_value(loads), "offered loads, percent of the round's relay throughput")(
      "load-seconds", po::value(&options.load_seconds),
      "seconds of schedule per offered load (default 1; --quick 0.3)")(
      "drain-ms", po::value<long>()->default_value(5000), "how long outputs may trail the last send")(
      "pipelines", po::value(&pipelines)->default_value(pipelines), "which, in each round's order")(
      "engine", po::value(&options.engine_path), "the vigil-engine executable (default: this build's)")(
      "before-engine", po::value(&options.before_engine_path),
      "another vigil-engine build, for the pipelines before-engine and before-journal")(
      "label", po::value(&options.label), "names this set in the output")(
      "quick", po::bool_switch(&quick), "fewer rounds and frames: a look, not a figure")(
      "relay", "internal: run as the relay process")("ingest", po::value(&ingest), "internal (--relay)")(
      "alerts", po::value(&alerts), "internal (--relay)")("relay-secret", po::value(&relay_secret),
                                                          "internal (--relay)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, flags), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << flags;
      return 0;
    }
    if (vm.count("relay")) return runRelay(ingest, alerts, relay_secret);
    if (options.transport != "tcp" && options.transport != "ipc") throw std::invalid_argument("--transport tcp|ipc");
    if (options.patients == 0) throw std::invalid_argument("--patients must be at least 1");
    options.loads = parseLoads(loads);
    options.pipelines = parsePipelines(pipelines);
    for (const auto pipeline : options.pipelines) {
      if ((pipeline == Pipeline::BeforeEngine || pipeline == Pipeline::BeforeJournal) &&
          options.before_engine_path.empty())
        throw std::invalid_argument("the before-* pipelines need --before-engine");
    }
    options.drain = std::chrono::milliseconds(vm["drain-ms"].as<long>());
  } catch (const std::exception& error) {
    std::cerr << "vigil-bench: " << error.what() << "\n(see vigil-bench --help)\n";
    return 2;
  }
  if (!vm.count("rounds")) options.rounds = quick ? 2 : 5;
  options.frames = frames ? frames : (quick ? 30'000 : 100'000);
  if (!vm.count("load-seconds")) options.load_seconds = quick ? 0.3 : 1.0;
  if (options.engine_path.empty()) options.engine_path = defaultEngine(argv[0]);
  options.self_path = std::filesystem::canonical("/proc/self/exe").string();
  options.work_dir = (std::filesystem::temp_directory_path() / ("vigil-bench-" + std::to_string(getpid()))).string();
  if (options.label.empty()) {
    options.label = options.transport + (options.curve ? "+curve" : "") + " " + std::to_string(options.patients) + "p";
  }
  try {
    const auto results = runBench(options, [](const RoundResult& result) { std::cout << toJson(result) << std::endl; });
    std::cout << "\n" << summaryTable(results);
  } catch (const std::exception& error) {
    std::cerr << "vigil-bench: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
