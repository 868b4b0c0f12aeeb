#include "alarms/service/protocol_file.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "alarms/core/format.h"
#include "streamer/codec.h"

namespace vigil::service {
namespace {

std::string limitsText(const core::Rule& rule) {
  const char* suffix = rule.reference == core::Reference::BaselinePercent ? " % of baseline" : "";
  std::string text;
  if (rule.low) {
    text += (rule.low->inclusive ? "<= " : "< ");
    text += rule.reference == core::Reference::BaselinePercent ? "-" : "";
    text += core::formatNumber(rule.low->value) + suffix;
  }
  if (rule.high) {
    if (!text.empty()) text += " or ";
    text += (rule.high->inclusive ? ">= " : "> ");
    text += rule.reference == core::Reference::BaselinePercent ? "+" : "";
    text += core::formatNumber(rule.high->value) + suffix;
  }
  return text;
}

std::string metricsText(const core::Rule& rule) {
  std::string text;
  for (auto metric : rule.metrics) text += (text.empty() ? "" : "|") + std::string(core::metricName(metric));
  return text;
}

std::string seconds(core::Duration d) { return core::formatNumber(std::chrono::duration<double>(d).count()) + " s"; }

std::string levelText(const core::ConditionLevel& level) {
  return std::string(streamer::nameOf(level.priority)) + " " + std::string(streamer::nameOf(level.advice)) +
         (level.latching ? " latching" : "");
}

std::string eventRuleText(const core::EventRule& rule) {
  std::string when;
  if (rule.isSedation()) {
    when = "RASS " + std::to_string(rule.rass_min) + ".." + std::to_string(rule.rass_max) + ", until a RASS outside";
  } else {
    when = std::to_string(rule.count) + " entr" + (rule.count == 1 ? "y" : "ies") +
           (rule.count > 1 ? " within " + seconds(rule.within) : "") +
           (rule.severity == core::Severity::Mild     ? ", mild"
            : rule.severity == core::Severity::Severe ? ", severe"
                                                      : "") +
           ", held " + seconds(rule.hold) + " and until acknowledged";
  }
  return "  " + rule.id + ": " + when + "; " + levelText(rule.level) + " (" + rule.level.title + ")\n";
}

// Everything that is not a limit rule, one setting per line.
std::string describeSettings(const core::Protocol& protocol) {
  const auto& system = protocol.alarm_system;
  std::string out = "alarm system: latch from " + std::string(streamer::nameOf(system.latch_from_priority)) +
                    ", audio pause " + seconds(system.audio_pause) + ", escalation " + seconds(system.escalation) +
                    ", re-alarm " + seconds(system.realarm) + ", status every " + seconds(protocol.status_interval) +
                    "\n";
  if (protocol.technical) {
    const auto& t = *protocol.technical;
    out += "technical: monitoring lost after " + seconds(t.monitoring_lost.after) + " " +
           levelText(t.monitoring_lost.level) + ", after " + seconds(t.monitoring_lost_escalated.after) + " " +
           levelText(t.monitoring_lost_escalated.level) + "; NIBP only: " + core::formatNumber(t.nibp_interval_factor) +
           " x interval (default " + seconds(t.nibp_default_interval) + ")\n";
    out += "  pump status stale after " + seconds(t.pump_stale.after) + " " + levelText(t.pump_stale.level) +
           "; sensor off " + levelText(t.sensor_off.level) + " (after the metric's shortest delay, else " +
           seconds(t.sensor_off.after) + "); sequence gap " + levelText(t.sequence_gap.level) + " held " +
           seconds(t.sequence_gap.hold) + "; persistence never spans a gap over " + seconds(t.max_sample_gap) + "\n";
  } else {
    out += "technical: none (no technical alarms)\n";
  }
  out += "event rules:" + std::string(protocol.event_rules.empty() ? " none\n" : "\n");
  for (const auto& rule : protocol.event_rules) out += eventRuleText(rule);
  if (const auto& dose = protocol.session_dose) {
    out += "session dose: " + dose->id + ": > " + core::formatNumber(dose->max_mg) + " mg within " +
           seconds(dose->window) + "; " + levelText(dose->level) + "\n";
  }
  if (const auto& pace = protocol.titration_pace) {
    out += "titration pace: " + pace->id + ": an increase < " + seconds(pace->min_interval) +
           " after the previous one, held " + seconds(pace->hold) + "; " + levelText(pace->level) + "\n";
  }
  if (const auto& resume = protocol.resume) {
    std::string metrics;
    for (auto metric : resume->baseline_metrics)
      metrics += (metrics.empty() ? "" : "|") + std::string(core::metricName(metric));
    out += "resume: after " + seconds(resume->stable) + " inside all limits and within " +
           core::formatNumber(resume->baseline_fraction * 100) + " % of baseline (" +
           (metrics.empty() ? std::string("every vital") : metrics) + ")\n";
  }
  if (const auto& news2 = protocol.news2_triggers) {
    out += "NEWS2:";
    for (const auto& level : news2->aggregate) {
      out += " >= " + std::to_string(level.total_at_least) + " " + levelText(level.level) + ";";
    }
    out += " a single 3 " + levelText(news2->single_three) + "\n";
  }
  return out;
}

}  // namespace

core::ProtocolLoad loadProtocolFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return {std::nullopt, {{path, "cannot open the protocol file"}}};
  std::stringstream text;
  text << file.rdbuf();
  return core::parseProtocol(text.str());
}

std::string describeProtocol(const core::Protocol& protocol) {
  std::string out = protocol.name + " (version " + protocol.version + ", drug " + protocol.drug + ")\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-28s %-25s %-24s %-13s %-7s %-14s %-5s %s\n", "rule", "metrics", "limit",
                "persistence", "prio", "advice", "latch", "title");
  out += line;
  for (const auto& rule : protocol.rules) {
    const auto persistence =
        std::to_string(rule.delay.count() / 1000) + " s" +
        (rule.consecutive_readings > 1 ? " / " + std::to_string(rule.consecutive_readings) + " rdg" : "");
    std::snprintf(line, sizeof line, "%-28s %-25s %-24s %-13s %-7s %-14s %-5s %s\n", rule.id.c_str(),
                  metricsText(rule).c_str(), limitsText(rule).c_str(), persistence.c_str(),
                  std::string(streamer::nameOf(rule.priority)).c_str(),
                  std::string(streamer::nameOf(rule.advice)).c_str(), rule.latching ? "yes" : "no", rule.title.c_str());
    out += line;
  }
  out += describeSettings(protocol);
  return out;
}

}  // namespace vigil::service
