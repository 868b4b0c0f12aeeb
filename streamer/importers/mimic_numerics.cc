// MIMIC numerics: WFDB records (a .hea header naming a .dat of interleaved samples) and the
// same records decoded to CSV ("minute,HR (bpm),..."). See README.md.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "streamer/importers/codes.h"
#include "streamer/importers/collector.h"
#include "streamer/importers/importer.h"
#include "streamer/importers/text.h"

namespace vigil::streamer::importers {
namespace {

struct WfdbSignal {
  std::string file;
  int format = 0;
  long byte_offset = 0;  // "16+24": samples start after a 24-byte prefix
  double gain = 200;     // WFDB's default for an uncalibrated (0) gain
  int baseline = 0;
  std::string units;
  std::string description;
};

struct WfdbHeader {
  std::string record;
  double frequency = 250;  // WFDB's default
  long samples = 0;
  std::optional<std::int64_t> start_time_ms;
  std::vector<WfdbSignal> signals;
};

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> tokens;
  std::istringstream in{std::string(line)};
  for (std::string token; in >> token;) tokens.push_back(token);
  return tokens;
}

// "31:25.894" (m:s), "10:44:18.529" (h:m:s) and "10/10/2896" (dd/mm/yyyy).
std::optional<std::int64_t> wfdbStart(std::string_view time, std::string_view date) {
  const auto time_parts = split(time, ':');
  const auto date_parts = split(date, '/');
  if (time_parts.size() < 2 || time_parts.size() > 3 || date_parts.size() != 3) return std::nullopt;
  const auto seconds = parseDouble(time_parts.back());
  const auto minutes = parseInt(time_parts[time_parts.size() - 2]);
  const auto hours = time_parts.size() == 3 ? parseInt(time_parts[0]) : std::optional<std::int64_t>(0);
  const auto day = parseInt(date_parts[0]);
  const auto month = parseInt(date_parts[1]);
  const auto year = parseInt(date_parts[2]);
  if (!seconds || !minutes || !hours || !day || !month || !year || *month < 1 || *month > 12 || *day < 1 || *day > 31) {
    return std::nullopt;
  }
  const auto midnight =
      civilToEpochMs(static_cast<int>(*year), static_cast<int>(*month), static_cast<int>(*day), 0, 0, 0, 0);
  return midnight + (*hours * 3600 + *minutes * 60) * 1000 + std::llround(*seconds * 1000);
}

// "16", "16+24"; gain "10/bpm", "10(0)/mmHg", "200".
std::string parseSignal(const std::vector<std::string>& tokens, WfdbSignal& signal) {
  signal.file = tokens[0];
  const auto format_parts = split(tokens[1], '+');
  const auto format = parseInt(format_parts[0].substr(0, format_parts[0].find('x')));
  if (!format) return "bad format '" + tokens[1] + "'";
  signal.format = static_cast<int>(*format);
  if (format_parts.size() > 1) signal.byte_offset = static_cast<long>(parseInt(format_parts[1]).value_or(0));
  std::optional<int> baseline;
  if (tokens.size() > 2) {
    std::string_view gain_text = tokens[2];
    const auto slash = gain_text.find('/');
    if (slash != std::string_view::npos) signal.units = std::string(gain_text.substr(slash + 1));
    gain_text = gain_text.substr(0, slash);
    if (const auto paren = gain_text.find('('); paren != std::string_view::npos) {
      const auto close = gain_text.find(')', paren);
      const auto value = parseInt(gain_text.substr(paren + 1, close - paren - 1));
      if (!value) return "bad baseline in '" + tokens[2] + "'";
      baseline = static_cast<int>(*value);
      gain_text = gain_text.substr(0, paren);
    }
    const auto gain = parseDouble(gain_text);
    if (!gain) return "bad gain '" + tokens[2] + "'";
    if (*gain != 0) signal.gain = *gain;
  }
  // The baseline defaults to the ADC zero (field 5).
  const auto adc_zero = tokens.size() > 4 ? parseInt(tokens[4]) : std::optional<std::int64_t>(0);
  signal.baseline = baseline.value_or(static_cast<int>(adc_zero.value_or(0)));
  for (std::size_t i = 8; i < tokens.size(); ++i) {
    if (!signal.description.empty()) signal.description += ' ';
    signal.description += tokens[i];
  }
  return {};
}

std::string parseHeader(std::string_view text, WfdbHeader& header) {
  std::size_t line_number = 0;
  bool have_record = false;
  for (const auto raw_line : split(text, '\n')) {
    ++line_number;
    const auto line = trim(raw_line);
    if (line.empty() || line.front() == '#') continue;
    const auto tokens = words(line);
    const auto where = "line " + std::to_string(line_number) + ": ";
    if (!have_record) {
      have_record = true;
      header.record = tokens[0];
      if (header.record.find('/') != std::string::npos) return where + "multi-segment records are not supported";
      if (tokens.size() > 2) {
        const auto frequency = parseDouble(split(split(tokens[2], '/')[0], '(')[0]);
        if (!frequency || *frequency <= 0) return where + "bad sampling frequency '" + tokens[2] + "'";
        header.frequency = *frequency;
      }
      if (tokens.size() > 3) header.samples = static_cast<long>(parseInt(tokens[3]).value_or(0));
      if (tokens.size() > 5) {
        header.start_time_ms = wfdbStart(tokens[4], tokens[5]);
        if (!header.start_time_ms) return where + "bad base time/date '" + tokens[4] + " " + tokens[5] + "'";
      }
      continue;
    }
    if (tokens.size() < 2) return where + "signal line needs a file name and a format";
    WfdbSignal signal;
    if (auto error = parseSignal(tokens, signal); !error.empty()) return where + error;
    header.signals.push_back(std::move(signal));
  }
  if (!have_record) return "no record line";
  if (header.signals.empty()) return "no signal lines";
  return {};
}

// The record name's subject part: "s00001-2896-10-10-00-31n" -> "s00001".
std::string subjectOf(std::string_view name) { return std::string(name.substr(0, name.find_first_of("-_"))); }

std::string checkSupported(const WfdbHeader& header) {
  if (header.frequency > 1.0) {
    std::ostringstream message;
    message << "record " << header.record << " is a waveform record (" << header.frequency
            << " Hz): only numerics records (one sample a second or slower) are imported";
    return message.str();
  }
  const auto& first = header.signals.front();
  for (const auto& signal : header.signals) {
    if (signal.format != 16 && signal.format != 80) {
      return "signal " + signal.description + ": WFDB format " + std::to_string(signal.format) +
             " is not supported (16 and 80 are)";
    }
    if (signal.file != first.file || signal.format != first.format || signal.byte_offset != first.byte_offset) {
      return "signals spread over several files or formats are not supported";
    }
  }
  return {};
}

// Format 16: little-endian int16, -32768 = no sample. Format 80: offset binary bytes, 0 (-128) = no sample.
std::optional<int> readSample(std::string_view data, std::size_t offset, int format) {
  if (format == 80) {
    const int value = static_cast<unsigned char>(data[offset]) - 128;
    if (value == -128) return std::nullopt;
    return value;
  }
  const auto low = static_cast<unsigned char>(data[offset]);
  const auto high = static_cast<unsigned char>(data[offset + 1]);
  const auto value = static_cast<std::int16_t>(static_cast<std::uint16_t>(low | (high << 8)));
  if (value == -32768) return std::nullopt;
  return value;
}

struct ColumnCode {
  std::optional<std::uint32_t> code;
  std::string unit;
  std::string name;
};

void decodeSamples(const WfdbHeader& header, std::string_view data, std::int64_t start_ms,
                   const std::vector<ColumnCode>& columns, MessageCollector& collector) {
  const auto& first = header.signals.front();
  const std::size_t sample_bytes = first.format == 80 ? 1 : 2;
  const std::size_t frame_bytes = sample_bytes * header.signals.size();
  const auto body = data.substr(std::min<std::size_t>(static_cast<std::size_t>(first.byte_offset), data.size()));
  std::size_t frames = body.size() / frame_bytes;
  if (header.samples > 0 && static_cast<std::size_t>(header.samples) < frames)
    frames = static_cast<std::size_t>(header.samples);
  const auto patient = subjectOf(header.record);
  for (std::size_t i = 0; i < frames; ++i) {
    const auto time_ms = start_ms + std::llround(static_cast<double>(i) * 1000.0 / header.frequency);
    for (std::size_t s = 0; s < header.signals.size(); ++s) {
      const auto& signal = header.signals[s];
      if (!columns[s].code) {
        collector.skip("unknown signal " + signal.description);
        continue;
      }
      const auto raw = readSample(body, i * frame_bytes + s * sample_bytes, signal.format);
      if (!raw) {
        collector.note("no sample (WFDB invalid-sample marker)");
        continue;
      }
      collector.addReading(patient, header.record, time_ms, *columns[s].code, (*raw - signal.baseline) / signal.gain,
                           signal.units);
    }
  }
  if (header.samples > 0 && frames < static_cast<std::size_t>(header.samples)) {
    collector.skip("sample missing: the .dat ends before the header's sample count",
                   static_cast<std::size_t>(header.samples) - frames);
  }
}

std::optional<std::filesystem::path> findHeaderFor(const std::filesystem::path& folder, std::string_view predicate_kind,
                                                   std::string_view wanted) {
  std::error_code error;
  std::vector<std::filesystem::path> headers;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (entry.path().extension() == ".hea") headers.push_back(entry.path());
  }
  std::sort(headers.begin(), headers.end());
  for (const auto& path : headers) {
    std::string read_error;
    const auto text = readWholeFile(path, read_error);
    WfdbHeader header;
    if (!text || !parseHeader(*text, header).empty()) continue;
    if (predicate_kind == "dat" && header.signals.front().file == wanted) return path;
    if (predicate_kind == "subject" && subjectOf(header.record) == wanted) return path;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::filesystem::path> wfdbHeaderForDat(const std::filesystem::path& dat_path) {
  return findHeaderFor(dat_path.parent_path().empty() ? "." : dat_path.parent_path(), "dat",
                       dat_path.filename().string());
}

ImportResult importMimicWfdb(const std::filesystem::path& header_path, const ImportOptions& options) {
  ImportResult result;
  result.format = "mimic-wfdb";
  std::string error;
  const auto text = readWholeFile(header_path, error);
  if (!text) {
    result.error = error;
    return result;
  }
  WfdbHeader header;
  if (auto parse_error = parseHeader(*text, header); !parse_error.empty()) {
    result.error = header_path.string() + ": " + parse_error;
    return result;
  }
  if (auto unsupported = checkSupported(header); !unsupported.empty()) {
    result.error = header_path.string() + ": " + unsupported;
    return result;
  }
  const auto start_ms = options.start_time_ms ? options.start_time_ms : header.start_time_ms;
  if (!start_ms) {
    result.error = header_path.string() + ": the header has no base date and time; give a start time";
    return result;
  }
  const auto dat_path = header_path.parent_path() / header.signals.front().file;
  const auto data = readWholeFile(dat_path, error);
  if (!data) {
    result.error = header_path.string() + ": " + error;
    return result;
  }
  std::vector<ColumnCode> columns;
  for (const auto& signal : header.signals)
    columns.push_back({codeForName(signal.description), signal.units, signal.description});
  MessageCollector collector(options, result.stats);
  decodeSamples(header, *data, *start_ms, columns, collector);
  result.messages = collector.finish();
  return result;
}

ImportResult importMimicCsv(const std::filesystem::path& path, const ImportOptions& options) {
  ImportResult result;
  result.format = "mimic-csv";
  std::string error;
  const auto text = readWholeFile(path, error);
  if (!text) {
    result.error = error;
    return result;
  }
  const auto stem = path.stem().string();
  const auto patient = subjectOf(stem);
  // The CSV counts minutes from the record's start; the start is in the record's header.
  std::string device = stem;
  std::optional<std::int64_t> start_ms = options.start_time_ms;
  if (const auto header_path =
          findHeaderFor(path.parent_path().empty() ? "." : path.parent_path(), "subject", patient)) {
    std::string read_error;
    WfdbHeader header;
    if (const auto header_text = readWholeFile(*header_path, read_error);
        header_text && parseHeader(*header_text, header).empty()) {
      device = header.record;
      if (!start_ms) start_ms = header.start_time_ms;
    }
  }
  if (!start_ms) {
    result.error = path.string() + ": times are minutes from the record's start, no " + patient +
                   "-*.hea is next to it to give the start: give a start time";
    return result;
  }
  CsvReader reader(*text);
  std::vector<std::string> fields;
  std::size_t line = 0;
  if (!reader.next(fields, line) || toUpper(trim(fields[0])) != "MINUTE") {
    result.error = path.string() + ": line 1: expected a header starting with 'minute'";
    return result;
  }
  // "HR (bpm)" -> name HR, unit bpm.
  std::vector<ColumnCode> columns;
  for (std::size_t i = 1; i < fields.size(); ++i) {
    std::string_view column = trim(fields[i]);
    ColumnCode code;
    const auto open = column.find('(');
    code.name = std::string(trim(column.substr(0, open)));
    if (open != std::string_view::npos)
      code.unit = std::string(column.substr(open + 1, column.find(')', open) - open - 1));
    code.code = codeForName(code.name);
    columns.push_back(code);
  }
  MessageCollector collector(options, result.stats);
  auto skipRow = [&](const std::string& reason) { collector.skipAt(reason, line); };
  while (reader.next(fields, line)) {
    const auto minute = parseDouble(fields[0]);
    if (!minute || fields.size() != columns.size() + 1) {
      skipRow(minute ? "row with the wrong number of columns" : "row without a minute");
      continue;
    }
    const auto time_ms = *start_ms + std::llround(*minute * 60000);
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const auto cell = trim(fields[i + 1]);
      if (cell.empty()) {  // no sample that minute (NBP is measured now and then)
        collector.note("no sample (empty cell)");
        continue;
      }
      if (!columns[i].code) {
        skipRow("unknown signal " + columns[i].name);
        continue;
      }
      const auto value = parseDouble(cell);
      if (!value) {
        skipRow("unreadable value in column " + columns[i].name);
        continue;
      }
      collector.addReading(patient, device, time_ms, *columns[i].code, *value, columns[i].unit);
    }
  }
  result.messages = collector.finish();
  return result;
}

}  // namespace vigil::streamer::importers
