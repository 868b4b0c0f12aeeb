// The generic CSV of README.md: time,patient,code,value,unit[,quality][,device]. A bad row
// is skipped and counted under its reason, which names the first line it happened on; a
// file without the required header is an error.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "streamer/enums.h"
#include "streamer/importers/codes.h"
#include "streamer/importers/collector.h"
#include "streamer/importers/importer.h"
#include "streamer/importers/text.h"

namespace vigil::streamer::importers {
namespace {

enum Column : std::size_t { kTime, kPatient, kCode, kValue, kUnit, kQuality, kDevice };

// ISO 8601, or whole milliseconds since the epoch.
std::optional<std::int64_t> parseCsvTime(std::string_view text) {
  text = trim(text);
  if (text.find_first_of("-:T") != std::string_view::npos && text.size() >= 10) return parseIsoTime(text);
  return parseInt(text);
}

std::optional<vigil::v1::MeasurementQuality> parseQuality(std::string_view text) {
  auto name = toUpper(trim(text));
  if (name.rfind("QUALITY_", 0) == 0) name = name.substr(8);
  if (name.empty()) return vigil::v1::QUALITY_VALID;
  if (name == "SENSOROFF") name = "SENSOR_OFF";  // a spelling some exports use
  // The names are the enum table's (streamer/enums.h), as in the journal and the console.
  const auto quality = fromName<core::Quality>(name);
  if (!quality) return std::nullopt;
  return toWire(*quality);
}

std::string_view field(const std::vector<std::string>& fields, const ColumnMap& columns, Column column) {
  const auto& index = columns.index[column];
  if (!index || *index >= fields.size()) return {};
  return fields[*index];
}

}  // namespace

ImportResult importGenericCsvText(std::string_view text, std::string_view source_name, const ImportOptions& options) {
  ImportResult result;
  result.format = "csv";
  CsvReader reader(text);
  std::vector<std::string> fields;
  std::size_t line = 0;
  if (!reader.next(fields, line)) {
    result.error = "line 1: empty file, expected the header time,patient,code,value,unit";
    return result;
  }
  const auto columns = mapColumns(fields, {"time", "patient", "code", "value", "unit"}, {"quality", "device"});
  if (!columns.missing.empty()) {
    result.error = "line " + std::to_string(line) + ": header has no '" + columns.missing +
                   "' column (expected time,patient,code,value,unit[,quality][,device])";
    return result;
  }
  std::size_t required_width = 0;
  for (std::size_t column = kTime; column <= kUnit; ++column) {
    required_width = std::max(required_width, *columns.index[column] + 1);
  }
  MessageCollector collector(options, result.stats);
  while (reader.next(fields, line)) {
    if (fields.size() < required_width) {
      collector.skipAt("row with too few columns", line);
      continue;
    }
    const auto time_ms = parseCsvTime(field(fields, columns, kTime));
    const auto code = codeForName(field(fields, columns, kCode));
    const auto value = parseDouble(field(fields, columns, kValue));
    const auto quality = parseQuality(field(fields, columns, kQuality));
    const auto patient = trim(field(fields, columns, kPatient));
    if (patient.empty() && options.patient_id.empty()) {
      collector.skipAt("row without a patient", line);
    } else if (!time_ms) {
      collector.skipAt("unreadable time", line);
    } else if (!code) {
      collector.skipAt("unknown code name", line);
    } else if (!value) {
      collector.skipAt("unreadable value", line);
    } else if (!quality) {
      collector.skipAt("unknown quality", line);
    } else {
      const auto device = trim(field(fields, columns, kDevice));
      collector.addReading(patient, device.empty() ? source_name : device, *time_ms, *code, *value,
                           field(fields, columns, kUnit), *quality);
    }
  }
  result.messages = collector.finish();
  return result;
}

ImportResult importGenericCsv(const std::filesystem::path& path, const ImportOptions& options) {
  std::string error;
  const auto text = readWholeFile(path, error);
  if (!text) {
    ImportResult result;
    result.format = "csv";
    result.error = error;
    return result;
  }
  auto result = importGenericCsvText(*text, path.stem().string(), options);
  if (!result.ok()) result.error = path.string() + ": " + result.error;
  return result;
}

}  // namespace vigil::streamer::importers
