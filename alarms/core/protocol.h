// The alarm protocol as the engine uses it: proto/protocol.proto read from JSON, checked
// once, and turned into plain values. Every clinical number lives in the protocol file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/core/domain.h"
#include "alarms/core/metrics.h"
#include "alarms/core/news2.h"
#include "alarms/core/pk.h"

namespace vigil::core {

struct Limit {
  double value = 0.0;
  bool inclusive = false;  // true: the limit itself alarms
};

enum class Reference { Absolute, BaselinePercent };

struct Rule {
  std::string id;
  std::string title;
  std::vector<Metric> metrics;
  Reference reference = Reference::Absolute;
  std::optional<Limit> low;
  std::optional<Limit> high;
  Duration delay{0};
  unsigned consecutive_readings = 0;
  Priority priority = Priority::None;
  AlarmKind kind = AlarmKind::Physiological;
  AdviceAction advice = AdviceAction::None;
  bool dose_attributable = true;
};

struct DoseAttributionSettings {
  Duration window_start{0};
  Duration window_end{0};
  double ce_rising_fraction_per_10_min = 0.0;
};

struct Protocol {
  std::string name;
  std::string version;
  std::string drug;
  PkParameters pharmacokinetics;
  DoseAttributionSettings dose_attribution;
  Duration baseline_window{0};
  std::vector<Rule> rules;
  News2Chart news2;  // configured = false when the file has no "news2" block
};

// One problem with a protocol file, naming the field it is about.
struct ProtocolError {
  std::string field;  // e.g. "rules[2] (spo2-below-90).delay_s"
  std::string message;
  std::string text() const { return field.empty() ? message : field + ": " + message; }
};

struct ProtocolLoad {
  std::optional<Protocol> protocol;
  std::vector<ProtocolError> errors;  // empty when protocol is set
};

// Parses protobuf-JSON text (unknown fields are errors) and validates every field.
ProtocolLoad parseProtocol(std::string_view json_text);

}  // namespace vigil::core
