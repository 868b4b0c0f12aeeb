// vigil-report's outputs: the text summary, CSV for spreadsheets, and one self-contained
// HTML page with inline SVG plots (no script, no external request).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/vigil-report/burden.h"
#include "tools/vigil-report/labels.h"

namespace vigil::tools::report {

// One replay of the input, under a name ("default protocol", "naive monitor", ...).
struct NamedRun {
  std::string name;
  AlarmRun run;
  Figures figures;
  std::optional<LabelScore> labels;
};

struct Report {
  std::string input;
  std::vector<NamedRun> runs;                  // [0] the protocol under study; then --compare; the naive monitor last
  std::optional<AckFigures> acknowledgements;  // from --journal
};

std::string textReport(const Report& report);
// One row per run and condition: run,condition,priority,kind,alarms,per_patient_hour,
// minutes_in_alarm,ended_within_30s.
std::string csvReport(const Report& report);
std::string htmlReport(const Report& report);

// "[#####.....]  50 %  default protocol" for stderr, redrawn with \r.
std::string progressBar(std::size_t done, std::size_t total, const std::string& what);

}  // namespace vigil::tools::report
