// vigil-pk: the ketamine concentrations the engine would compute for an infusion
// schedule, as CSV, for checking the model by hand or against another implementation.
#include <cmath>
#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "alarms/core/pk.h"
#include "tools/vigil-pk/schedule.h"

namespace po = boost::program_options;

namespace {

// Usage errors, as distinct from 1 for a failure while running.
constexpr int kExitUsage = 2;

struct Arguments {
  double weight_kg = 0.0;
  std::string schedule;
  std::string at;
  std::optional<double> ke0_per_min;
};

po::options_description describeOptions() {
  po::options_description options(
      "Usage: vigil-pk --weight KG --schedule \"MIN:MG_PER_KG_PER_H,...\" --at \"MIN,...\"\n"
      "Prints minute,cp_ug_per_ml,ce_ug_per_ml for each --at minute (Domino ketamine model).\n"
      "Options");
  // One option per line reads as the table it is.
  // clang-format off
  options.add_options()
      ("help", "show this help")
      ("weight", po::value<double>(), "patient weight in kg (> 0); used for the total dose on stderr")
      ("schedule", po::value<std::string>(), "rate changes, e.g. \"0:0.1,30:0.2,60:0\" (minutes ascending)")
      ("at", po::value<std::string>(), "minutes to report, ascending, e.g. \"60,240\"")
      ("ke0", po::value<double>(), "effect-site rate constant in /min (default 0.238)");
  // clang-format on
  return options;
}

template <typename T>
T requireOption(const po::variables_map& values, const char* name) {
  if (!values.count(name)) throw po::error(std::string("missing required option --") + name);
  return values[name].as<T>();
}

Arguments readArguments(const po::variables_map& values) {
  Arguments arguments;
  arguments.weight_kg = requireOption<double>(values, "weight");
  if (!(arguments.weight_kg > 0.0) || !std::isfinite(arguments.weight_kg)) {
    char message[96];
    std::snprintf(message, sizeof message, "--weight must be a number of kg greater than 0, got %g",
                  arguments.weight_kg);
    throw po::error(message);
  }
  arguments.schedule = requireOption<std::string>(values, "schedule");
  arguments.at = requireOption<std::string>(values, "at");
  if (values.count("ke0")) arguments.ke0_per_min = values["ke0"].as<double>();
  return arguments;
}

vigil::core::PkParameters parametersFor(const Arguments& arguments) {
  vigil::core::PkParameters parameters;
  if (arguments.ke0_per_min) parameters.ke0_per_min = *arguments.ke0_per_min;
  return parameters;
}

int usageError(const std::string& message) {
  std::cerr << "vigil-pk: " << message << "\n(see vigil-pk --help)\n";
  return kExitUsage;
}

int run(const Arguments& arguments) {
  const vigil::tools::Schedule schedule = vigil::tools::parseSchedule(arguments.schedule);
  const std::vector<double> minutes = vigil::tools::parseMinutes(arguments.at);
  const vigil::core::PkCoefficients coefficients(parametersFor(arguments));

  std::cout << vigil::tools::formatCsv(vigil::tools::simulate(coefficients, schedule, minutes));

  const double last_minute = minutes.back();
  const double dose_mg = vigil::tools::doseMgPerKg(schedule, last_minute) * arguments.weight_kg;
  char line[128];
  std::snprintf(line, sizeof line, "total dose: %.2f mg over the schedule up to minute %.10g\n", dose_mg, last_minute);
  std::cerr << line;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const po::options_description options = describeOptions();
  try {
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, options), values);
    po::notify(values);
    if (values.count("help")) {
      std::cout << options << "\n";
      return 0;
    }
    return run(readArguments(values));
  } catch (const po::error& error) {
    return usageError(error.what());
  } catch (const vigil::tools::ParseError& error) {
    return usageError(error.what());
  } catch (const std::invalid_argument& error) {
    // PkCoefficients rejects a non-positive or degenerate --ke0.
    return usageError(std::string("--ke0: ") + error.what());
  } catch (const std::exception& error) {
    std::cerr << "vigil-pk: " << error.what() << "\n";
    return 1;
  }
}
