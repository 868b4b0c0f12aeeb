#include "alarms/service/journal_history.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <vector>

#include "alarms/core/format.h"

namespace vigil::service {
namespace {

// Reads exactly `digits` decimal digits at `at`, advancing it.
std::optional<int> digitsAt(std::string_view text, std::size_t& at, std::size_t digits) {
  if (at + digits > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const char c = text[at + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  at += digits;
  return value;
}

bool expect(std::string_view text, std::size_t& at, std::string_view allowed) {
  if (at >= text.size() || allowed.find(text[at]) == std::string_view::npos) return false;
  ++at;
  return true;
}

std::optional<core::TimePoint> parseIso8601(std::string_view text) {
  std::size_t at = 0;
  std::tm tm{};
  const auto year = digitsAt(text, at, 4);
  if (!year || !expect(text, at, "-")) return std::nullopt;
  const auto month = digitsAt(text, at, 2);
  if (!month || !expect(text, at, "-")) return std::nullopt;
  const auto day = digitsAt(text, at, 2);
  if (!day) return std::nullopt;
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  std::int64_t millis = 0;
  if (at < text.size()) {
    if (!expect(text, at, "T ")) return std::nullopt;
    const auto hour = digitsAt(text, at, 2);
    if (!hour || !expect(text, at, ":")) return std::nullopt;
    const auto minute = digitsAt(text, at, 2);
    if (!minute) return std::nullopt;
    std::optional<int> second = 0;
    if (at < text.size() && text[at] == ':') {
      ++at;
      second = digitsAt(text, at, 2);
      if (!second) return std::nullopt;
    }
    if (at < text.size() && (text[at] == '.' || text[at] == ',')) {
      ++at;
      int scale = 100;
      const auto first = at;
      while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
        millis += (text[at++] - '0') * scale;
        scale /= 10;
      }
      if (at == first) return std::nullopt;
    }
    tm.tm_hour = *hour;
    tm.tm_min = *minute;
    tm.tm_sec = *second;
  }
  std::int64_t offset_minutes = 0;
  if (at < text.size()) {
    if (text[at] == 'Z' || text[at] == 'z') {
      ++at;
    } else {
      const int sign = text[at] == '-' ? -1 : 1;
      if (!expect(text, at, "+-")) return std::nullopt;
      const auto hours = digitsAt(text, at, 2);
      if (!hours) return std::nullopt;
      if (at < text.size() && text[at] == ':') ++at;
      const auto minutes = digitsAt(text, at, 2);
      if (!minutes) return std::nullopt;
      offset_minutes = sign * (*hours * 60 + *minutes);
    }
  }
  if (at != text.size() || *month < 1 || *month > 12 || *day < 1 || *day > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  const std::int64_t seconds = ::timegm(&tm);
  return core::fromMillis((seconds - offset_minutes * 60) * 1000 + millis);
}

// One line of the table.
struct HistoryLine {
  core::TimePoint time;
  int order = 0;  // alarms, then advice, then pumps at the same millisecond
  std::array<std::string, 8> cells;
};

constexpr std::array<const char*, 8> kHeadings = {"TIME (UTC)",    "EVENT",  "PRIORITY",        "CONDITION",
                                                  "VALUE / LIMIT", "ADVICE", "ACKNOWLEDGED BY", "ALERT ID"};

std::string valueAndLimit(const LoggedAlarm& alarm) {
  if (alarm.metric.empty()) return {};
  std::string text = alarm.metric + " " + core::formatNumber(alarm.trigger_value);
  if (!alarm.trigger_unit.empty()) text += " " + alarm.trigger_unit;
  if (!alarm.limit_text.empty()) text += " (limit " + alarm.limit_text + ")";
  return text;
}

std::string adviceText(const std::string& action, double target_mg_per_kg_per_h) {
  if (action.empty() || action == "NONE") return "-";
  if (target_mg_per_kg_per_h > 0) return action + " to " + core::formatNumber(target_mg_per_kg_per_h) + " mg/kg/h";
  return action;
}

HistoryLine lineFor(const LoggedAlarm& alarm) {
  std::string acknowledged = "-";
  if (!alarm.acknowledged_by.empty()) {
    acknowledged = alarm.acknowledged_by;
    if (alarm.acknowledged_time) acknowledged += " at " + formatUtc(*alarm.acknowledged_time).substr(11);
  }
  std::string event = alarm.phase;
  if (alarm.state == "LATCHED") event += " (latched)";
  return {alarm.event_time,
          0,
          {formatUtc(alarm.event_time), event, alarm.priority, alarm.condition, valueAndLimit(alarm),
           adviceText(alarm.advice, alarm.advice_target_mg_per_kg_per_h), acknowledged, alarm.alert_id}};
}

HistoryLine lineFor(const LoggedAdvice& advice) {
  std::string text = adviceText(advice.action, advice.target_mg_per_kg_per_h);
  if (!advice.previous_action.empty() && advice.previous_action != "NONE")
    text += " (was " + advice.previous_action + ")";
  return {advice.event_time,
          1,
          {formatUtc(advice.event_time), "ADVICE", "-", advice.condition.empty() ? "-" : advice.condition,
           advice.reason, text, "-", advice.alert_id.empty() ? "-" : advice.alert_id}};
}

HistoryLine lineFor(const LoggedPump& pump) {
  std::string rate = core::formatNumber(pump.dose_rate_mg_per_kg_per_h) + " mg/kg/h";
  if (pump.rate_ml_per_h > 0) rate += " (" + core::formatNumber(pump.rate_ml_per_h) + " ml/h)";
  return {pump.time,
          2,
          {formatUtc(pump.time), "PUMP", "-", pump.state + (pump.drug.empty() ? "" : " " + pump.drug), rate, "-", "-",
           pump.device_id.empty() ? "-" : pump.device_id}};
}

void printTable(const std::vector<HistoryLine>& lines, std::ostream& out) {
  std::array<std::size_t, kHeadings.size()> widths{};
  for (std::size_t c = 0; c < kHeadings.size(); ++c) widths[c] = std::string_view(kHeadings[c]).size();
  for (const auto& line : lines) {
    for (std::size_t c = 0; c < kHeadings.size(); ++c) widths[c] = std::max(widths[c], line.cells[c].size());
  }
  auto printRow = [&](auto cell) {
    std::string row;
    for (std::size_t c = 0; c < kHeadings.size(); ++c) {
      std::string text = cell(c);
      if (c + 1 < kHeadings.size()) text.resize(widths[c] + 2, ' ');
      row += text;
    }
    out << row << '\n';
  };
  printRow([](std::size_t c) { return std::string(kHeadings[c]); });
  for (const auto& line : lines) printRow([&](std::size_t c) { return line.cells[c]; });
}

}  // namespace

std::optional<core::TimePoint> parseTimeArgument(std::string_view text) {
  std::int64_t millis = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), millis);
  if (error == std::errc{} && end == text.data() + text.size() && !text.empty()) return core::fromMillis(millis);
  return parseIso8601(text);
}

std::string formatUtc(core::TimePoint time) {
  const auto millis = core::toMillis(time);
  auto seconds = static_cast<std::time_t>(millis / 1000);
  auto fraction = millis % 1000;
  if (fraction < 0) {
    fraction += 1000;
    --seconds;
  }
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(fraction));
  return buffer;
}

std::optional<std::string> printHistory(JournalReader& reader, const std::string& patient_id, core::TimePoint since,
                                        std::ostream& out) {
  std::string error;
  std::vector<HistoryLine> lines;
  for (const auto& alarm : reader.alarms(patient_id, since, error)) lines.push_back(lineFor(alarm));
  for (const auto& advice : reader.advice(patient_id, since, error)) lines.push_back(lineFor(advice));
  for (const auto& pump : reader.pumpChanges(patient_id, since, error)) lines.push_back(lineFor(pump));
  if (!error.empty()) return error;
  std::stable_sort(lines.begin(), lines.end(), [](const HistoryLine& a, const HistoryLine& b) {
    return a.time != b.time ? a.time < b.time : a.order < b.order;
  });
  out << "Alarm log of patient " << patient_id
      << (since == core::TimePoint{} ? std::string() : " since " + formatUtc(since) + " UTC") << ": " << lines.size()
      << (lines.size() == 1 ? " entry\n" : " entries\n");
  if (!lines.empty()) printTable(lines, out);
  return std::nullopt;
}

}  // namespace vigil::service
