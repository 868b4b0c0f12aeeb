#include "streamer/importers/text.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace vigil::streamer::importers {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::string toUpper(std::string_view text) {
  std::string upper(text);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::optional<double> parseDouble(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<std::int64_t> parseInt(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::int64_t civilToEpochMs(int year, int month, int day, int hour, int minute, int second, int millisecond) {
  // Howard Hinnant's days_from_civil.
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t year_of_era = y - era * 400;
  const std::int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  const std::int64_t days = era * 146097 + day_of_era - 719468;
  return ((days * 24 + hour) * 60 + minute) * 60000 + static_cast<std::int64_t>(second) * 1000 + millisecond;
}

namespace {

// Reads exactly `width` digits at `position`.
std::optional<int> digits(std::string_view text, std::size_t position, std::size_t width) {
  if (position + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = position; i < position + width; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool validCivil(int month, int day, int hour, int minute, int second) {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60;
}

// ".250" -> 250 ms; digits beyond milliseconds are dropped. Advances `position`.
int fractionMs(std::string_view text, std::size_t& position) {
  if (position >= text.size() || (text[position] != '.' && text[position] != ',')) return 0;
  ++position;
  int ms = 0;
  int scale = 100;
  while (position < text.size() && std::isdigit(static_cast<unsigned char>(text[position]))) {
    ms += (text[position] - '0') * scale;
    scale /= 10;
    ++position;
  }
  return ms;
}

// "Z", "+01:00", "+0100", "-05" at `position`; nullopt if malformed; `absent` if nothing.
std::optional<int> zoneMinutes(std::string_view text, std::size_t position, bool& absent) {
  absent = position >= text.size();
  if (absent) return 0;
  if (text.substr(position) == "Z" || text.substr(position) == "z") return 0;
  const char sign = text[position];
  if (sign != '+' && sign != '-') return std::nullopt;
  std::string zone;
  for (auto c : text.substr(position + 1)) {
    if (c != ':') zone.push_back(c);
  }
  const auto hours = digits(zone, 0, 2);
  const auto minutes = zone.size() == 2 ? std::optional<int>(0) : digits(zone, 2, 2);
  if (!hours || !minutes || (zone.size() != 2 && zone.size() != 4)) return std::nullopt;
  const int offset = *hours * 60 + *minutes;
  return sign == '-' ? -offset : offset;
}

}  // namespace

std::optional<std::int64_t> parseIsoTime(std::string_view text) {
  text = trim(text);
  const auto year = digits(text, 0, 4);
  const auto month = digits(text, 5, 2);
  const auto day = digits(text, 8, 2);
  if (!year || !month || !day || text[4] != '-' || text[7] != '-') return std::nullopt;
  int hour = 0, minute = 0, second = 0, ms = 0;
  std::size_t position = 10;
  if (position < text.size() && (text[position] == 'T' || text[position] == ' ')) {
    const auto h = digits(text, 11, 2);
    const auto m = digits(text, 14, 2);
    if (!h || !m || text[13] != ':') return std::nullopt;
    hour = *h;
    minute = *m;
    position = 16;
    if (position < text.size() && text[position] == ':') {
      const auto s = digits(text, 17, 2);
      if (!s) return std::nullopt;
      second = *s;
      position = 19;
      ms = fractionMs(text, position);
    }
  }
  if (!validCivil(*month, *day, hour, minute, second)) return std::nullopt;
  bool absent = false;
  const auto zone = zoneMinutes(text, position, absent);
  if (!zone) return std::nullopt;
  return civilToEpochMs(*year, *month, *day, hour, minute, second, ms) - std::int64_t{*zone} * 60000;
}

std::optional<int> hl7ZoneOffsetMinutes(std::string_view text) {
  text = trim(text);
  const auto sign = text.find_first_of("+-");
  if (sign == std::string_view::npos) return std::nullopt;
  bool absent = false;
  return zoneMinutes(text, sign, absent);
}

std::optional<std::int64_t> parseHl7Time(std::string_view text, int default_offset_minutes) {
  text = trim(text);
  const auto sign = text.find_first_of("+-");
  const auto stamp = text.substr(0, sign);
  int parts[5] = {1, 1, 0, 0, 0};  // month, day, hour, minute, second
  const auto year = digits(stamp, 0, 4);
  if (!year) return std::nullopt;
  std::size_t position = 4;
  for (auto& part : parts) {
    if (position >= stamp.size() || stamp[position] == '.') break;
    const auto value = digits(stamp, position, 2);
    if (!value) return std::nullopt;
    part = *value;
    position += 2;
  }
  const int ms = fractionMs(stamp, position);
  if (position != stamp.size() || !validCivil(parts[0], parts[1], parts[2], parts[3], parts[4])) return std::nullopt;
  int offset = default_offset_minutes;
  if (sign != std::string_view::npos) {
    bool absent = false;
    const auto zone = zoneMinutes(text, sign, absent);
    if (!zone) return std::nullopt;
    offset = *zone;
  }
  return civilToEpochMs(*year, parts[0], parts[1], parts[2], parts[3], parts[4], ms) - std::int64_t{offset} * 60000;
}

std::optional<std::string> readWholeFile(const std::filesystem::path& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + path.string();
    return std::nullopt;
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    error = "cannot read " + path.string();
    return std::nullopt;
  }
  return contents.str();
}

CsvReader::CsvReader(std::string_view text) : text_(text) {
  // Spreadsheet exports start with a UTF-8 byte-order mark; it is not part of the header.
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") position_ = 3;
}

bool CsvReader::next(std::vector<std::string>& fields, std::size_t& line) {
  fields.clear();
  // Blank lines are not records.
  while (position_ < text_.size() && (text_[position_] == '\n' || text_[position_] == '\r')) {
    if (text_[position_] == '\n') ++line_;
    ++position_;
  }
  if (position_ >= text_.size()) return false;
  line = line_;
  std::string field;
  bool quoted = false;
  while (position_ < text_.size()) {
    const char c = text_[position_++];
    if (quoted) {
      if (c == '"' && position_ < text_.size() && text_[position_] == '"') {
        field.push_back('"');
        ++position_;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line_;
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      ++line_;
      break;
    } else if (c != '\r') {
      field.push_back(c);
    }
  }
  fields.push_back(std::move(field));
  return true;
}

ColumnMap mapColumns(const std::vector<std::string>& header, const std::vector<std::string_view>& required,
                     const std::vector<std::string_view>& optional) {
  ColumnMap map;
  auto find = [&header](std::string_view name) -> std::optional<std::size_t> {
    const auto wanted = toUpper(name);
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (toUpper(trim(header[i])) == wanted) return i;
    }
    return std::nullopt;
  };
  for (const auto name : required) {
    map.index.push_back(find(name));
    if (!map.index.back() && map.missing.empty()) map.missing = std::string(name);
  }
  for (const auto name : optional) map.index.push_back(find(name));
  return map;
}

}  // namespace vigil::streamer::importers
