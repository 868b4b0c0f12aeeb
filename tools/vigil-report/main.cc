// vigil-report: the alarm burden of a recording, an importable file or an engine's journal,
// for an alarm-management committee (tools/vigil-report/burden.h).
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <boost/program_options.hpp>

#include "alarms/service/protocol_file.h"
#include "streamer/recording/message_source.h"
#include "tools/vigil-report/journal_figures.h"
#include "tools/vigil-report/render.h"

namespace po = boost::program_options;
namespace report = vigil::tools::report;

namespace {

constexpr int kExitUsage = 2;

struct Arguments {
  std::string input;
  std::string journal;
  std::string protocol = VIGIL_DEFAULT_PROTOCOL;
  std::string compare;
  std::string labels;
  std::string html;
  std::string csv;
  bool progress = false;
};

po::options_description describeOptions() {
  po::options_description options(
      "Usage: vigil-report (INPUT | --journal vigil.db) [--protocol P] [--compare OTHER.json] [--labels L.json]\n"
      "                    [--html report.html] [--csv report.csv] [--progress]\n"
      "INPUT: a recording or any file vigil-replay imports (MIMIC, VitalDB, HL7, CSV).\n"
      "Replays it through the engine core with the protocol (and --compare's), and through a naive\n"
      "monitor (the same limits on every sample: no delay, no quality gating).\nOptions");
  // clang-format off
  options.add_options()
      ("help", "show this help")
      ("input", po::value<std::string>(), "recording or importable file")
      ("journal", po::value<std::string>(), "an engine journal (read-only): its inputs, and its acknowledgements")
      ("protocol", po::value<std::string>(), "alarm protocol (default: the shipped one)")
      ("compare", po::value<std::string>(), "a second protocol: alarms that disappear and appear")
      ("labels", po::value<std::string>(), "labels JSON (vigil-scenario): sensitivity and false alarms")
      ("html", po::value<std::string>(), "write a self-contained HTML page")
      ("csv", po::value<std::string>(), "write CSV, one row per run and condition")
      ("progress", "draw a progress bar on stderr even when it is not a terminal");
  // clang-format on
  return options;
}

Arguments readArguments(const po::variables_map& values) {
  Arguments a;
  const auto text = [&](const char* name, std::string& into) {
    if (values.count(name)) into = values[name].as<std::string>();
  };
  text("input", a.input);
  text("journal", a.journal);
  text("protocol", a.protocol);
  text("compare", a.compare);
  text("labels", a.labels);
  text("html", a.html);
  text("csv", a.csv);
  a.progress = values.count("progress") > 0 || isatty(STDERR_FILENO);
  if (a.input.empty() == a.journal.empty()) throw po::error("give exactly one of INPUT or --journal FILE");
  return a;
}

std::optional<vigil::core::Protocol> loadProtocol(const std::string& path) {
  auto loaded = vigil::service::loadProtocolFile(path);
  for (const auto& error : loaded.errors) std::cerr << "vigil-report: " << path << ": " << error.text() << "\n";
  return std::move(loaded.protocol);
}

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (out.flush()) return true;
  std::cerr << "vigil-report: cannot write " << path << "\n";
  return false;
}

report::NamedRun replay(const std::string& name, const std::vector<vigil::v1::RecordedMessage>& messages,
                        vigil::core::Protocol protocol, const std::optional<std::vector<report::Label>>& labels,
                        const vigil::core::Protocol& deadlines, bool progress) {
  report::NamedRun run;
  run.name = name;
  run.run = report::runEngine(messages, std::move(protocol), [&](std::size_t done, std::size_t total) {
    if (progress) std::cerr << report::progressBar(done, total, name) << std::flush;
  });
  if (progress) std::cerr << "\n";
  run.figures = report::figuresOf(run.run);
  if (labels) run.labels = report::scoreLabels(*labels, run.run, deadlines);
  return run;
}

// The messages to replay, and the journal's acknowledgements when there is one.
std::optional<std::vector<vigil::v1::RecordedMessage>> loadInput(const Arguments& a, report::Report& out) {
  if (!a.journal.empty()) {
    std::string error;
    auto journal = report::readJournal(a.journal, error);
    if (!journal) {
      std::cerr << "vigil-report: " << a.journal << ": " << error << "\n";
      return std::nullopt;
    }
    out.acknowledgements = journal->acknowledgements;
    return std::move(journal->inputs);
  }
  auto loaded = vigil::streamer::recording::loadMessages(a.input);
  if (!loaded.ok()) {
    std::cerr << "vigil-report: " << loaded.error << "\n";
    return std::nullopt;
  }
  if (loaded.stop && !loaded.stop->complete()) {
    std::cerr << "vigil-report: " << a.input << ": read " << loaded.messages.size() << " whole messages; "
              << loaded.stop->describe() << "\n";
  }
  return std::move(loaded.messages);
}

int run(const Arguments& a) {
  report::Report out;
  out.input = a.input.empty() ? a.journal : a.input;
  const auto messages = loadInput(a, out);
  if (!messages) return 1;
  if (messages->empty()) {
    std::cerr << "vigil-report: " << out.input << ": no messages\n";
    return 1;
  }
  auto protocol = loadProtocol(a.protocol);
  if (!protocol) return kExitUsage;
  std::optional<std::vector<report::Label>> labels;
  if (!a.labels.empty()) {
    const auto text = readFile(a.labels);
    std::string error = "cannot be read";
    if (text) labels = report::parseLabels(*text, error);
    if (!labels) {
      std::cerr << "vigil-report: --labels " << a.labels << ": " << error << "\n";
      return kExitUsage;
    }
  }
  // Every run is held to the deadlines of the protocol under study: the naive monitor's
  // zero delays must not make its own deadlines shorter.
  out.runs.push_back(replay("protocol " + protocol->name, *messages, *protocol, labels, *protocol, a.progress));
  if (!a.compare.empty()) {
    auto other = loadProtocol(a.compare);
    if (!other) return kExitUsage;
    const std::string name = "compare " + other->name;  // before the protocol moves
    out.runs.push_back(replay(name, *messages, std::move(*other), labels, *protocol, a.progress));
  }
  out.runs.push_back(replay("naive monitor", report::withoutQuality(*messages), report::naiveProtocol(*protocol),
                            labels, *protocol, a.progress));
  std::cout << report::textReport(out);
  if (!a.html.empty() && !writeFile(a.html, report::htmlReport(out))) return 1;
  if (!a.csv.empty() && !writeFile(a.csv, report::csvReport(out))) return 1;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = describeOptions();
  po::positional_options_description positional;
  positional.add("input", 1);
  po::variables_map values;
  Arguments arguments;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(), values);
    if (values.count("help")) {
      std::cout << options;
      return 0;
    }
    arguments = readArguments(values);
  } catch (const po::error& error) {
    std::cerr << "vigil-report: " << error.what() << "\n" << options;
    return kExitUsage;
  }
  return run(arguments);
}
