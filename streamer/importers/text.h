// Small text helpers the importers share: number and time parsing that report failure as
// a value (no exceptions on the data path), and a CSV reader that knows quotes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::streamer::importers {

std::string_view trim(std::string_view text);
std::string toUpper(std::string_view text);
std::vector<std::string_view> split(std::string_view text, char separator);

std::optional<double> parseDouble(std::string_view text);  // finite numbers only
std::optional<std::int64_t> parseInt(std::string_view text);

// Milliseconds since the Unix epoch of a civil UTC time (proleptic Gregorian, any year:
// MIMIC shifts its dates past 2100).
std::int64_t civilToEpochMs(int year, int month, int day, int hour, int minute, int second, int millisecond);
// ISO 8601 "2026-01-13T20:59:08.250+01:00" / "2147-10-29 16:45:00" / "...Z". A time
// without a zone is taken as UTC.
std::optional<std::int64_t> parseIsoTime(std::string_view text);
// HL7 v2 DTM: YYYY[MM[DD[HH[MM[SS[.S...]]]]]][+/-ZZZZ]. Without a zone the
// `default_offset_minutes` applies (the sender's zone from MSH-7, else UTC).
std::optional<std::int64_t> parseHl7Time(std::string_view text, int default_offset_minutes = 0);
// The "+ZZZZ"/"-ZZZZ" suffix of an HL7 DTM in minutes, if it has one.
std::optional<int> hl7ZoneOffsetMinutes(std::string_view text);

// Whole file, or nullopt with `error` set.
std::optional<std::string> readWholeFile(const std::filesystem::path& path, std::string& error);

// RFC 4180 records: quoted fields may hold separators, doubled quotes and newlines.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text);
  // False at the end of the text. `line` is the 1-based line the record started on.
  bool next(std::vector<std::string>& fields, std::size_t& line);

 private:
  std::string_view text_;
  std::size_t position_ = 0;
  std::size_t line_ = 1;
};

// The column index of each wanted name (case-insensitive, trimmed), or the first missing name.
struct ColumnMap {
  std::vector<std::optional<std::size_t>> index;
  std::string missing;
};
ColumnMap mapColumns(const std::vector<std::string>& header, const std::vector<std::string_view>& required,
                     const std::vector<std::string_view>& optional = {});

}  // namespace vigil::streamer::importers
