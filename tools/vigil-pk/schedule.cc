#include "tools/vigil-pk/schedule.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <optional>

namespace vigil::tools {
namespace {

constexpr double kMinutesPerHour = 60.0;

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string_view trim(std::string_view text) {
  constexpr std::string_view kBlank = " \t";
  const auto first = text.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kBlank);
  return text.substr(first, last - first + 1);
}

// from_chars, unlike stod, neither skips leading blanks nor accepts trailing junk, and it
// ignores the locale; the whole item must be one finite number.
std::optional<double> parseNumber(std::string_view text) {
  double value = 0.0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc{} || stop != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::vector<std::string_view> splitItems(std::string_view text, std::string_view what) {
  if (trim(text).empty()) throw ParseError(std::string(what) + ": the list is empty");
  std::vector<std::string_view> items;
  for (;;) {
    const auto comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    if (item.empty()) {
      throw ParseError(std::string(what) + ": item " + std::to_string(items.size() + 1) + " is empty");
    }
    items.push_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

double parseMinute(std::string_view text, std::string_view item, std::string_view what) {
  const auto minute = parseNumber(trim(text));
  if (!minute) throw ParseError(std::string(what) + ": " + quoted(item) + " has no valid minute");
  if (*minute < 0.0) throw ParseError(std::string(what) + ": " + quoted(item) + " has a negative minute");
  return *minute;
}

void requireAscending(double previous, double minute, std::string_view item, std::string_view what) {
  if (!(minute > previous)) {
    throw ParseError(std::string(what) + ": " + quoted(item) +
                     " is not after the previous minute (minutes must be ascending)");
  }
}

RateChange parseRateChange(std::string_view item) {
  constexpr std::string_view kWhat = "--schedule";
  const auto colon = item.find(':');
  if (colon == std::string_view::npos) {
    throw ParseError(std::string(kWhat) + ": " + quoted(item) + " is not MIN:MG_PER_KG_PER_H");
  }
  const double minute = parseMinute(item.substr(0, colon), item, kWhat);
  const auto rate = parseNumber(trim(item.substr(colon + 1)));
  if (!rate) throw ParseError(std::string(kWhat) + ": " + quoted(item) + " has no valid rate");
  if (*rate < 0.0) throw ParseError(std::string(kWhat) + ": " + quoted(item) + " has a negative rate");
  return RateChange{.minute = minute, .rate_mg_per_kg_per_h = *rate};
}

std::string formatMinute(double minute) {
  // Shortest round-trip form, so "60" stays "60" and "0.5" stays "0.5".
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, minute);
  return error == std::errc{} ? std::string(buffer, end) : std::string("?");
}

std::string formatConcentration(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.4f", value);
  return buffer;
}

}  // namespace

Schedule parseSchedule(std::string_view text) {
  Schedule schedule;
  for (const std::string_view item : splitItems(text, "--schedule")) {
    const RateChange change = parseRateChange(item);
    if (!schedule.empty()) requireAscending(schedule.back().minute, change.minute, item, "--schedule");
    schedule.push_back(change);
  }
  return schedule;
}

std::vector<double> parseMinutes(std::string_view text) {
  std::vector<double> minutes;
  for (const std::string_view item : splitItems(text, "--at")) {
    const double minute = parseMinute(item, item, "--at");
    if (!minutes.empty()) requireAscending(minutes.back(), minute, item, "--at");
    minutes.push_back(minute);
  }
  return minutes;
}

std::vector<ConcentrationRow> simulate(const core::PkCoefficients& coefficients, const Schedule& schedule,
                                       const std::vector<double>& minutes) {
  core::PkState state(coefficients);
  double now = 0.0;
  double rate = 0.0;
  auto next_change = schedule.begin();
  std::vector<ConcentrationRow> rows;
  rows.reserve(minutes.size());
  for (const double minute : minutes) {
    for (; next_change != schedule.end() && next_change->minute <= minute; ++next_change) {
      state.advance(next_change->minute - now, rate);
      now = std::max(now, next_change->minute);
      rate = next_change->rate_mg_per_kg_per_h;
    }
    state.advance(minute - now, rate);
    now = std::max(now, minute);
    rows.push_back(ConcentrationRow{.minute = minute, .concentrations = state.concentrations()});
  }
  return rows;
}

double doseMgPerKg(const Schedule& schedule, double until_minute) {
  double dose = 0.0;
  for (auto change = schedule.begin(); change != schedule.end(); ++change) {
    const double from = change->minute;
    const auto next = std::next(change);
    const double to = std::min(next == schedule.end() ? until_minute : next->minute, until_minute);
    if (to > from) dose += change->rate_mg_per_kg_per_h * (to - from) / kMinutesPerHour;
  }
  return dose;
}

std::string formatCsv(const std::vector<ConcentrationRow>& rows) {
  std::string csv = "minute,cp_ug_per_ml,ce_ug_per_ml\n";
  for (const ConcentrationRow& row : rows) {
    csv += formatMinute(row.minute) + "," + formatConcentration(row.concentrations.cp_ug_per_ml) + "," +
           formatConcentration(row.concentrations.ce_ug_per_ml) + "\n";
  }
  return csv;
}

}  // namespace vigil::tools
