#include "alarms/service/protocol_file.h"

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
  std::snprintf(line, sizeof line, "%-28s %-25s %-24s %-13s %-7s %-14s %s\n", "rule", "metrics", "limit", "persistence",
                "prio", "advice", "title");
  out += line;
  for (const auto& rule : protocol.rules) {
    const auto persistence = std::to_string(rule.delay.count() / 1000) + " s" +
                             (rule.consecutive_readings > 1 ? " / " + std::to_string(rule.consecutive_readings) + " rdg" : "");
    std::snprintf(line, sizeof line, "%-28s %-25s %-24s %-13s %-7s %-14s %s\n", rule.id.c_str(),
                  metricsText(rule).c_str(), limitsText(rule).c_str(), persistence.c_str(),
                  std::string(streamer::priorityName(rule.priority)).c_str(),
                  std::string(streamer::adviceName(rule.advice)).c_str(), rule.title.c_str());
    out += line;
  }
  return out;
}

}  // namespace vigil::service
