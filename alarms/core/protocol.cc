#include "alarms/core/protocol.h"

#include <cmath>
#include <set>

#include <google/protobuf/util/json_util.h>

#include "alarms/core/format.h"
#include "protocol.pb.h"

namespace vigil::core {
namespace {
namespace v1 = vigil::v1;

// Collects errors with the path of the field being checked.
class Checker {
 public:
  void require(bool condition, std::string field, std::string message) {
    if (!condition) errors_.push_back({std::move(field), std::move(message)});
  }
  void requirePositive(double value, const std::string& field) {
    require(std::isfinite(value) && value > 0, field, "must be a positive number (got " + formatNumber(value) + ")");
  }
  void requireNonNegative(double value, const std::string& field) {
    require(std::isfinite(value) && value >= 0, field, "must not be negative (got " + formatNumber(value) + ")");
  }
  std::vector<ProtocolError> take() { return std::move(errors_); }
  bool ok() const { return errors_.empty(); }

 private:
  std::vector<ProtocolError> errors_;
};

Duration seconds(double s) { return Duration{static_cast<std::int64_t>(std::llround(s * 1000.0))}; }

bool validRuleId(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

bool isDoseMetric(v1::Metric metric) {
  return metric == v1::DOSE_RATE_MG_PER_KG_PER_H || metric == v1::DOSE_RATE_MG_PER_H;
}

void checkPharmacokinetics(const v1::Pharmacokinetics& pk, Checker& check) {
  check.requirePositive(pk.v1_l_per_kg(), "pharmacokinetics.v1_l_per_kg");
  check.requirePositive(pk.k10_per_min(), "pharmacokinetics.k10_per_min");
  check.requirePositive(pk.k12_per_min(), "pharmacokinetics.k12_per_min");
  check.requirePositive(pk.k13_per_min(), "pharmacokinetics.k13_per_min");
  check.requirePositive(pk.k21_per_min(), "pharmacokinetics.k21_per_min");
  check.requirePositive(pk.k31_per_min(), "pharmacokinetics.k31_per_min");
  check.requirePositive(pk.ke0_per_min(), "pharmacokinetics.ke0_per_min");
}

void checkAttribution(const v1::DoseAttribution& attribution, Checker& check) {
  check.requireNonNegative(attribution.window_start_s(), "dose_attribution.window_start_s");
  check.requirePositive(attribution.window_end_s(), "dose_attribution.window_end_s");
  check.require(attribution.window_end_s() >= attribution.window_start_s(), "dose_attribution.window_end_s",
                "must not be before window_start_s");
  check.requireNonNegative(attribution.ce_rising_fraction_per_10_min(), "dose_attribution.ce_rising_fraction_per_10_min");
}

void checkLimits(const v1::LimitRule& rule, const std::string& at, Checker& check) {
  check.require(rule.has_low() || rule.has_high(), at, "needs a low or a high limit");
  if (rule.has_low()) check.require(std::isfinite(rule.low().value()), at + ".low.value", "must be a number");
  if (rule.has_high()) check.require(std::isfinite(rule.high().value()), at + ".high.value", "must be a number");
  if (rule.reference() == v1::BASELINE_PERCENT) {
    if (rule.has_low()) {
      check.require(rule.low().value() > 0 && rule.low().value() < 100, at + ".low.value",
                    "a percentage below baseline must be between 0 and 100 (got " + formatNumber(rule.low().value()) + ")");
    }
    if (rule.has_high()) check.requirePositive(rule.high().value(), at + ".high.value");
  } else if (rule.has_low() && rule.has_high()) {
    check.require(rule.low().value() < rule.high().value(), at + ".low.value",
                  "low limit " + formatNumber(rule.low().value()) + " is not below high limit " +
                      formatNumber(rule.high().value()));
  }
}

void checkRule(const v1::LimitRule& rule, const std::string& at, std::set<std::string>& ids, Checker& check) {
  check.require(validRuleId(rule.id()), at + ".id", "must be non-empty letters, digits, '-' or '_' (got \"" + rule.id() + "\")");
  check.require(ids.insert(rule.id()).second, at + ".id", "duplicates an earlier rule's id");
  check.require(!rule.title().empty(), at + ".title", "must not be empty");
  check.require(rule.metrics_size() > 0, at + ".metrics", "must name at least one metric");
  // The JSON mapping also accepts enum numbers, and proto3 enums keep numbers they do not
  // know: one that names nothing must not reach the engine's tables.
  check.require(v1::Reference_IsValid(rule.reference()), at + ".reference",
                "is not a known reference (got " + std::to_string(rule.reference()) + ")");
  check.require(v1::AlarmKind_IsValid(rule.kind()), at + ".kind",
                "is not a known kind (got " + std::to_string(rule.kind()) + ")");
  check.require(v1::Priority_IsValid(rule.priority()), at + ".priority",
                "is not a known priority (got " + std::to_string(rule.priority()) + ")");
  check.require(v1::AdviceAction_IsValid(rule.advice()), at + ".advice",
                "is not a known advice (got " + std::to_string(rule.advice()) + ")");
  for (int m = 0; m < rule.metrics_size(); ++m) {
    const auto field = at + ".metrics[" + std::to_string(m) + "]";
    if (!v1::Metric_IsValid(rule.metrics(m))) {
      check.require(false, field, "is not a known metric (got " + std::to_string(rule.metrics(m)) + ")");
      continue;
    }
    const auto metric = static_cast<v1::Metric>(rule.metrics(m));
    check.require(metric != v1::METRIC_UNSPECIFIED, field, "must name a metric");
    check.require(!(isDoseMetric(metric) && rule.reference() == v1::BASELINE_PERCENT), field,
                  "a dose rate has no baseline");
  }
  checkLimits(rule, at, check);
  check.requireNonNegative(rule.delay_s(), at + ".delay_s");
  check.require(rule.priority() != v1::PRIORITY_NONE, at + ".priority", "must be LOW, MEDIUM or HIGH");
  check.require(rule.advice() != v1::ADVICE_RESUME_POSSIBLE, at + ".advice",
                "RESUME_POSSIBLE is the engine's own advice, not a rule's");
}

std::vector<ProtocolError> validate(const v1::Protocol& message) {
  Checker check;
  check.require(!message.name().empty(), "name", "must not be empty");
  check.require(message.has_pharmacokinetics(), "pharmacokinetics", "is required");
  checkPharmacokinetics(message.pharmacokinetics(), check);
  check.require(message.has_dose_attribution(), "dose_attribution", "is required");
  checkAttribution(message.dose_attribution(), check);
  check.requirePositive(message.baseline().window_s(), "baseline.window_s");
  check.require(message.rules_size() > 0, "rules", "must list at least one rule");
  std::set<std::string> ids;
  for (int r = 0; r < message.rules_size(); ++r) {
    const auto& rule = message.rules(r);
    const auto at = "rules[" + std::to_string(r) + "]" + (rule.id().empty() ? "" : " (" + rule.id() + ")");
    checkRule(rule, at, ids, check);
  }
  return check.take();
}

std::optional<Limit> toLimit(bool present, const v1::Limit& limit) {
  if (!present) return std::nullopt;
  return Limit{limit.value(), limit.inclusive()};
}

AlarmKind toKind(v1::AlarmKind kind) {
  switch (kind) {
    case v1::KIND_TECHNICAL: return AlarmKind::Technical;
    case v1::KIND_ADVISORY: return AlarmKind::Advisory;
    default: return AlarmKind::Physiological;
  }
}

Rule toRule(const v1::LimitRule& message) {
  Rule rule;
  rule.id = message.id();
  rule.title = message.title();
  for (int metric : message.metrics()) rule.metrics.push_back(static_cast<Metric>(metric));
  rule.reference = message.reference() == v1::BASELINE_PERCENT ? Reference::BaselinePercent : Reference::Absolute;
  rule.low = toLimit(message.has_low(), message.low());
  rule.high = toLimit(message.has_high(), message.high());
  rule.delay = seconds(message.delay_s());
  rule.consecutive_readings = message.consecutive_readings();
  rule.priority = static_cast<Priority>(message.priority());
  rule.kind = toKind(message.kind());
  rule.advice = static_cast<AdviceAction>(message.advice());
  rule.dose_attributable = message.has_dose_attributable() ? message.dose_attributable()
                                                           : rule.kind == AlarmKind::Physiological;
  return rule;
}

Protocol toProtocol(const v1::Protocol& message) {
  Protocol protocol;
  protocol.name = message.name();
  protocol.version = message.version();
  protocol.drug = message.drug();
  const auto& pk = message.pharmacokinetics();
  protocol.pharmacokinetics = PkParameters{pk.v1_l_per_kg(), pk.k10_per_min(), pk.k12_per_min(), pk.k13_per_min(),
                                           pk.k21_per_min(), pk.k31_per_min(), pk.ke0_per_min()};
  const auto& attribution = message.dose_attribution();
  protocol.dose_attribution = DoseAttributionSettings{seconds(attribution.window_start_s()),
                                                      seconds(attribution.window_end_s()),
                                                      attribution.ce_rising_fraction_per_10_min()};
  protocol.baseline_window = seconds(message.baseline().window_s());
  for (const auto& rule : message.rules()) protocol.rules.push_back(toRule(rule));
  return protocol;
}

}  // namespace

ProtocolLoad parseProtocol(std::string_view json_text) {
  v1::Protocol message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // a misspelt field must not silently fall back to a default
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json_text.data(), json_text.size()), &message, options);
  if (!status.ok()) return {std::nullopt, {{"", "not a valid protocol file: " + std::string(status.message())}}};
  auto errors = validate(message);
  std::optional<News2Chart> news2;
  if (message.has_news2()) news2 = parseNews2Chart(message.news2(), errors);
  if (!errors.empty()) return {std::nullopt, std::move(errors)};
  auto protocol = toProtocol(message);
  if (news2) protocol.news2 = std::move(*news2);
  return {std::move(protocol), {}};
}

}  // namespace vigil::core
