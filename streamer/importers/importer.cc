// Format detection for importFile: the extension first, then the first bytes.
#include "streamer/importers/importer.h"

#include <fstream>

#include "streamer/importers/text.h"

namespace vigil::streamer::importers {
namespace {

std::string lowerExtension(const std::filesystem::path& path) {
  auto extension = path.extension().string();
  for (auto& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension;
}

// The first `count` bytes (fewer for a short file).
std::string firstBytes(const std::filesystem::path& path, std::size_t count) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(count, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(count));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

ImportResult failure(std::string message) {
  ImportResult result;
  result.error = std::move(message);
  return result;
}

// Which CSV: the decoded MIMIC numerics, INPUTEVENTS_MV or README.md's generic layout.
ImportResult importCsv(const std::filesystem::path& path, const ImportOptions& options) {
  std::string error;
  const auto head = firstBytes(path, 4096);
  std::vector<std::string> header;
  std::size_t line = 0;
  CsvReader reader(head);
  if (!reader.next(header, line)) return failure(path.string() + ": empty CSV file");
  if (!header.empty() && toUpper(trim(header[0])) == "MINUTE") return importMimicCsv(path, options);
  if (mapColumns(header, {"STARTTIME", "ITEMID", "RATEUOM"}).missing.empty())
    return importMimicInputEvents(path, options);
  if (mapColumns(header, {"time", "code", "value"}).missing.empty()) return importGenericCsv(path, options);
  return failure(path.string() +
                 ": line 1: unrecognised CSV header (expected time,patient,code,value,unit, "
                 "a MIMIC numerics 'minute,...' or INPUTEVENTS_MV)");
}

}  // namespace

ImportResult importFile(const std::filesystem::path& path, const ImportOptions& options) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return failure(path.string() + ": no such file");
  const auto extension = lowerExtension(path);
  const auto head = firstBytes(path, 8);
  if (extension == ".hea") return importMimicWfdb(path, options);
  if (extension == ".dat") {
    if (const auto header = wfdbHeaderForDat(path)) return importMimicWfdb(*header, options);
    return failure(path.string() + ": no WFDB header (.hea) in its folder names this .dat");
  }
  if (extension == ".vital" || head.rfind("\x1f\x8b", 0) == 0) return importVitalDb(path, options);
  if (extension == ".hl7" || head.rfind("MSH", 0) == 0 || head.rfind("\x0bMSH", 0) == 0)
    return importHl7(path, options);
  if (extension == ".csv") return importCsv(path, options);
  if (extension == ".mat") {
    return failure(path.string() + ": a WFDB .mat signal file: import its .hea (waveform records are not supported)");
  }
  return failure(path.string() + ": unrecognised format (known: .hea/.dat MIMIC numerics, .csv, .vital, .hl7)");
}

}  // namespace vigil::streamer::importers
