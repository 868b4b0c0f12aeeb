// Labelled wards (issue 14): a deterministic synthetic ward whose every episode is written
// down with what a good alarm system must do about it. Sustained events of the rule rows
// that vitals, pump and clinical entries can drive ("must alarm"), and the nuisance a real
// monitor produces ("must not alarm": motion dips, single-sample spikes, sensor-off,
// lead-off, missing samples, NIBP re-cycles, drifting probes). Pure: a seed in, messages
// and labels out; the same seed gives the same ward byte for byte.
//
// Labels JSON (what vigil-report --labels reads):
//   {"ward": {"patients": 12, "hours": 2, "seed": 1, "start_ms": ...},
//    "labels": [{"patient": "lw-01", "metric": "SPO2", "start_ms": ..., "end_ms": ...,
//                "expect": "must_alarm", "rule": "spo2-below-90", "row": 1}, ...
//               {..., "expect": "must_not_alarm", "nuisance": "motion-dip"}]}
// A must_alarm label names the condition id that must start (an alarm START event) for the
// patient by its deadline (vigil-report: the rule's delay after start_ms). A
// must_not_alarm label is broken by any physiological alarm of that patient starting in
// [start_ms, end_ms + the grace of tools/vigil-report/labels.h].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alarms/core/domain.h"
#include "recording.pb.h"

namespace vigil::tools::scenario {

struct WardSpec {
  int patients = 12;
  double hours = 2.0;
  std::uint64_t seed = 1;
  std::int64_t start_ms = 1'790'000'000'000;  // 2026-09-21, any fixed instant will do
};

enum class Expect { MustAlarm, MustNotAlarm };

struct Label {
  std::string patient;
  std::string metric;  // SPO2, HR, RR, SBP, ETCO2, DOSE_RATE, ENTRY, NEWS2
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  Expect expect = Expect::MustAlarm;
  std::string rule;      // must_alarm: the condition id that must start
  int row = 0;           // must_alarm: CLINICAL.md section 3 row
  std::string nuisance;  // must_not_alarm: the kind
};

struct LabelledWard {
  WardSpec spec;
  std::vector<vigil::v1::RecordedMessage> messages;  // in time order
  std::vector<Label> labels;
};

LabelledWard generateLabelledWard(const WardSpec& spec);

std::string labelsJson(const LabelledWard& ward);

// The nuisance kinds the generator makes, in report order.
const std::vector<std::string>& nuisanceKinds();

}  // namespace vigil::tools::scenario
