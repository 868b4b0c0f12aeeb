#include "tools/vigil-report/labels.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "tools/vigil-replay/replay.h"

namespace vigil::tools::report {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

const Value* field(const Struct& object, const std::string& name) {
  const auto found = object.fields().find(name);
  return found == object.fields().end() ? nullptr : &found->second;
}

std::optional<std::string> text(const Struct& object, const std::string& name) {
  const Value* value = field(object, name);
  if (!value || value->kind_case() != Value::kStringValue) return std::nullopt;
  return value->string_value();
}

std::optional<std::int64_t> number(const Struct& object, const std::string& name) {
  const Value* value = field(object, name);
  if (!value || value->kind_case() != Value::kNumberValue || !std::isfinite(value->number_value())) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(value->number_value()));
}

// One label, or an error naming what is wrong with it.
std::optional<Label> readLabel(const Struct& object, std::string& error) {
  Label label;
  const auto patient = text(object, "patient");
  const auto metric = text(object, "metric");
  const auto start = number(object, "start_ms");
  const auto end = number(object, "end_ms");
  const auto expect = text(object, "expect");
  if (!patient || !metric || !start || !end || !expect) {
    error = "needs patient, metric, start_ms, end_ms and expect";
    return std::nullopt;
  }
  if (*end < *start) {
    error = "ends before it starts";
    return std::nullopt;
  }
  label.patient = *patient;
  label.metric = *metric;
  label.start_ms = *start;
  label.end_ms = *end;
  if (*expect == "must_alarm") {
    const auto rule = text(object, "rule");
    if (!rule) {
      error = "a must_alarm label needs the rule (condition id) that must alarm";
      return std::nullopt;
    }
    label.expect = scenario::Expect::MustAlarm;
    label.rule = *rule;
    label.row = static_cast<int>(number(object, "row").value_or(0));
  } else if (*expect == "must_not_alarm") {
    label.expect = scenario::Expect::MustNotAlarm;
    label.nuisance = text(object, "nuisance").value_or("unspecified");
  } else {
    error = "expect must be must_alarm or must_not_alarm, not \"" + *expect + "\"";
    return std::nullopt;
  }
  return label;
}

bool physiologicalStartIn(const AlarmRun& run, const std::string& patient, std::int64_t from, std::int64_t to) {
  return std::any_of(run.alarms.begin(), run.alarms.end(), [&](const AlarmEpisode& alarm) {
    return alarm.patient == patient && alarm.kind == core::AlarmKind::Physiological && alarm.start_ms >= from &&
           alarm.start_ms <= to;
  });
}

// The earliest START of the label's condition in [start, deadline], as a latency.
std::optional<std::int64_t> latencyOf(const AlarmRun& run, const Label& label, std::int64_t deadline) {
  for (const auto& alarm : run.alarms) {
    if (alarm.patient == label.patient && alarm.condition == label.rule && alarm.start_ms >= label.start_ms &&
        alarm.start_ms <= deadline) {
      return alarm.start_ms - label.start_ms;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<Label>> parseLabels(const std::string& json, std::string& error) {
  Struct root;
  if (!google::protobuf::util::JsonStringToMessage(json, &root).ok()) {
    error = "not JSON";
    return std::nullopt;
  }
  const Value* labels = field(root, "labels");
  if (!labels || labels->kind_case() != Value::kListValue) {
    error = "no \"labels\" list";
    return std::nullopt;
  }
  std::vector<Label> out;
  for (int i = 0; i < labels->list_value().values_size(); ++i) {
    const Value& item = labels->list_value().values(i);
    std::string why = "is not an object";
    auto label = item.kind_case() == Value::kStructValue ? readLabel(item.struct_value(), why) : std::nullopt;
    if (!label) {
      error = "labels[" + std::to_string(i) + "] " + why;
      return std::nullopt;
    }
    out.push_back(std::move(*label));
  }
  return out;
}

std::int64_t deadlineOf(const Label& label, const core::Protocol& protocol) {
  for (const auto& rule : protocol.rules) {
    if (rule.id != label.rule) continue;
    if (rule.consecutive_readings > 1) return label.end_ms;
    return label.start_ms + std::chrono::duration_cast<std::chrono::milliseconds>(rule.delay).count() + kSampleSlackMs;
  }
  if (label.rule.rfind("news2", 0) == 0) return label.end_ms;
  return label.start_ms + kSampleSlackMs;
}

LabelScore scoreLabels(const std::vector<Label>& labels, const AlarmRun& run, const core::Protocol& protocol) {
  LabelScore score;
  std::map<std::pair<int, std::string>, RowScore> rows;
  std::map<std::string, NuisanceScore> nuisance;
  const std::int64_t first = run.patients.empty() ? 0 : run.patients.begin()->second.first_ms;
  for (const auto& label : labels) {
    if (label.expect == scenario::Expect::MustAlarm) {
      auto& row = rows[{label.row, label.rule}];
      row.row = label.row;
      row.rule = label.rule;
      ++row.events;
      ++score.true_events;
      const auto latency = latencyOf(run, label, deadlineOf(label, protocol));
      if (latency) {
        ++row.alarmed;
        ++score.true_alarmed;
        row.worst_latency_ms = std::max(row.worst_latency_ms, *latency);
      } else {
        score.missed.push_back(label.patient + " " + label.rule + " at " + "+" +
                               replay::formatSpan(label.start_ms - first));
      }
      continue;
    }
    auto& kind = nuisance[label.nuisance];
    kind.kind = label.nuisance;
    ++kind.episodes;
    ++score.nuisance_episodes;
    if (physiologicalStartIn(run, label.patient, label.start_ms, label.end_ms + kNuisanceGraceMs)) {
      ++kind.alarmed;
      ++score.nuisance_alarmed;
    }
  }
  for (auto& [key, row] : rows) score.rows.push_back(row);
  for (auto& [key, kind] : nuisance) score.nuisance.push_back(kind);
  return score;
}

}  // namespace vigil::tools::report
