// Labels (tools/vigil-scenario/labelled_ward.h) scored against an engine run: sensitivity
// per rule row and false alarms per nuisance kind.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alarms/core/protocol.h"
#include "tools/vigil-report/burden.h"
#include "tools/vigil-scenario/labelled_ward.h"

namespace vigil::tools::report {

using scenario::Label;

// A must_not_alarm label is broken by a physiological alarm starting up to this long after
// the nuisance ended (a persistence running out just after it).
inline constexpr std::int64_t kNuisanceGraceMs = 30'000;
// Continuous rules are due `delay` after the event starts, plus this for 1 Hz sampling.
inline constexpr std::int64_t kSampleSlackMs = 2'000;

// Parses the labels JSON; nullopt and `error` (naming the label) when it is not one.
std::optional<std::vector<Label>> parseLabels(const std::string& json, std::string& error);

struct RowScore {
  int row = 0;
  std::string rule;
  std::uint64_t events = 0;
  std::uint64_t alarmed = 0;          // by the deadline
  std::int64_t worst_latency_ms = 0;  // of those alarmed
  double sensitivity() const { return events ? static_cast<double>(alarmed) / static_cast<double>(events) : 0.0; }
};

struct NuisanceScore {
  std::string kind;
  std::uint64_t episodes = 0;
  std::uint64_t alarmed = 0;
};

struct LabelScore {
  std::vector<RowScore> rows;  // by row
  std::vector<NuisanceScore> nuisance;
  std::uint64_t true_events = 0;
  std::uint64_t true_alarmed = 0;
  std::uint64_t nuisance_episodes = 0;
  std::uint64_t nuisance_alarmed = 0;
  std::vector<std::string> missed;  // "lw-03 spo2-below-90 at +00:34:10", for the reader
};

// When a must_alarm label is due under `protocol`: the rule's delay after its start for a
// continuous limit rule, its end for a rule counted in readings or for NEWS2 (scored from
// persisted values), its start (plus sampling slack) for entries and pump rules.
std::int64_t deadlineOf(const Label& label, const core::Protocol& protocol);

LabelScore scoreLabels(const std::vector<Label>& labels, const AlarmRun& run, const core::Protocol& protocol);

}  // namespace vigil::tools::report
