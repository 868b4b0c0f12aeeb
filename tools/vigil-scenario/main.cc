// vigil-scenario: writes a labelled ward (tools/vigil-scenario/labelled_ward.h) as a
// recording any Vigil tool replays, and its labels as JSON for vigil-report --labels.
#include <cmath>
#include <fstream>
#include <iostream>
#include <string>

#include <boost/program_options.hpp>

#include "streamer/recording/recording.h"
#include "tools/vigil-scenario/labelled_ward.h"

namespace po = boost::program_options;

namespace {

constexpr int kExitUsage = 2;

po::options_description describeOptions() {
  po::options_description options(
      "Usage: vigil-scenario --out WARD.vrec --labels LABELS.json [--patients N] [--hours H] [--seed S]\n"
      "A synthetic ward with labelled true events and nuisance, for vigil-report --labels.\nOptions");
  // clang-format off
  options.add_options()
      ("help", "show this help")
      ("out", po::value<std::string>(), "the recording to write")
      ("labels", po::value<std::string>(), "the labels JSON to write")
      ("patients", po::value<int>()->default_value(12), "patients, 1-500")
      ("hours", po::value<double>()->default_value(2.0), "session length in hours, 0.5-48")
      ("seed", po::value<std::uint64_t>()->default_value(1), "the same seed gives the same ward");
  // clang-format on
  return options;
}

vigil::tools::scenario::WardSpec readSpec(const po::variables_map& values) {
  if (!values.count("out") || !values.count("labels")) throw po::error("--out and --labels are both required");
  vigil::tools::scenario::WardSpec spec;
  spec.patients = values["patients"].as<int>();
  spec.hours = values["hours"].as<double>();
  spec.seed = values["seed"].as<std::uint64_t>();
  if (spec.patients < 1 || spec.patients > 500) throw po::error("--patients must be between 1 and 500");
  if (!std::isfinite(spec.hours) || spec.hours < 0.5 || spec.hours > 48) throw po::error("--hours must be 0.5-48");
  return spec;
}

int writeWard(const vigil::tools::scenario::LabelledWard& ward, const std::string& out, const std::string& labels) {
  vigil::v1::RecordingHeader header;
  header.set_format_version(vigil::streamer::recording::kFormatVersion);
  header.set_start_time_ms(ward.spec.start_ms);
  header.set_source("vigil-scenario seed " + std::to_string(ward.spec.seed));
  header.set_note("labelled ward");
  vigil::streamer::recording::RecordingWriter writer(out, header);
  for (const auto& message : ward.messages) {
    if (!writer.append(message)) break;
  }
  if (!writer.flush() || !writer.ok()) {
    std::cerr << "vigil-scenario: " << out << ": " << writer.error() << "\n";
    return 1;
  }
  std::ofstream file(labels);
  file << vigil::tools::scenario::labelsJson(ward);
  if (!file.flush()) {
    std::cerr << "vigil-scenario: cannot write " << labels << "\n";
    return 1;
  }
  std::cerr << "vigil-scenario: " << ward.messages.size() << " messages, " << ward.labels.size() << " labels\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = describeOptions();
  po::variables_map values;
  vigil::tools::scenario::WardSpec spec;
  try {
    po::store(po::parse_command_line(argc, argv, options), values);
    if (values.count("help")) {
      std::cout << options;
      return 0;
    }
    spec = readSpec(values);
  } catch (const po::error& error) {
    std::cerr << "vigil-scenario: " << error.what() << "\n" << options;
    return kExitUsage;
  }
  return writeWard(vigil::tools::scenario::generateLabelledWard(spec), values["out"].as<std::string>(),
                   values["labels"].as<std::string>());
}
