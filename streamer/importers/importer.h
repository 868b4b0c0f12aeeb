// Importers: real recordings (MIMIC numerics, VitalDB .vital, HL7 v2 PCD-01, MIMIC-III
// INPUTEVENTS_MV, the generic CSV of README.md) become the time-ordered messages a
// recording holds, so vigil-replay can feed them to the engine like a live gateway.
//
// Every importer answers with an ImportResult: either an error that says why and where the
// file could not be read, or the messages plus counts of everything that was left out and
// why (nothing is dropped silently).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "recording.pb.h"

namespace vigil::streamer::importers {

struct ImportOptions {
  std::string unit = "imported";  // the care unit of the topics
  std::string patient_id;         // "" = from the file
  // Wall-clock time of the first sample, for files with only relative times (the decoded
  // MIMIC CSV when its .hea is not next to it); when given it also wins over the header.
  std::optional<std::int64_t> start_time_ms;
};

struct ImportStats {
  std::size_t vitals_frames = 0;
  std::size_t pump_statuses = 0;
  std::size_t measurements = 0;
  std::size_t sensor_off = 0;  // measurements marked QUALITY_SENSOR_OFF
  std::size_t skipped_rows = 0;
  std::map<std::string, std::size_t> skipped_reasons;
  // Things imported but incomplete, by what is missing (an infusion rate in mL/h whose
  // concentration is unknown, so no mg/kg/h).
  std::map<std::string, std::size_t> notes;
};

struct ImportResult {
  // Time-ordered; topic "vitals/<unit>/<patient>" or "infusion/<unit>/<patient>", payload a
  // serialized v1::VitalsFrame / v1::PumpStatus, receive_time_ms = the data's own time.
  std::vector<vigil::v1::RecordedMessage> messages;
  ImportStats stats;
  std::string format;  // "mimic-wfdb", "mimic-csv", "vitaldb", "hl7", "csv", "mimic-inputevents"
  std::string error;   // non-empty: the file could not be read; says why and where
  bool ok() const { return error.empty(); }
};

// Detects the format from the extension and the first bytes.
ImportResult importFile(const std::filesystem::path& path, const ImportOptions& options);

// One per format. The WFDB importer takes the .hea header (it finds the .dat it names).
ImportResult importMimicWfdb(const std::filesystem::path& header_path, const ImportOptions& options);
ImportResult importMimicCsv(const std::filesystem::path& path, const ImportOptions& options);
ImportResult importVitalDb(const std::filesystem::path& path, const ImportOptions& options);
ImportResult importHl7(const std::filesystem::path& path, const ImportOptions& options);
ImportResult importGenericCsv(const std::filesystem::path& path, const ImportOptions& options);
// Reads D_ITEMS.csv from the same folder for the drug labels.
ImportResult importMimicInputEvents(const std::filesystem::path& path, const ImportOptions& options);

// The WFDB header in the .dat's folder whose signals are stored in that .dat.
std::optional<std::filesystem::path> wfdbHeaderForDat(const std::filesystem::path& dat_path);

// The same parsers on bytes already in memory, for gateways and tests. `source_name`
// names the device when the data does not (the file stem).
ImportResult importHl7Text(std::string_view text, std::string_view source_name, const ImportOptions& options);
ImportResult importGenericCsvText(std::string_view text, std::string_view source_name, const ImportOptions& options);
ImportResult importVitalDbBytes(std::string_view gzip_bytes, std::string_view source_name,
                                const ImportOptions& options);

// ---- one HL7 v2 message from a live connection (the MLLP listener) -------------------

// HL7 table 0357, the ERR-3 codes an ACK gives.
enum class Hl7ErrorCode {
  None = 0,
  SegmentSequence = 100,
  RequiredFieldMissing = 101,
  DataTypeError = 102,
  TableValueNotFound = 103,
  UnsupportedMessageType = 200,
  UnsupportedEventCode = 201,
  UnsupportedVersion = 203,
  UnknownKeyIdentifier = 204,
  ApplicationError = 207,
};

// MSH as received; composite fields (MSH-3..6) are kept raw so an ACK can echo them.
struct Hl7Header {
  std::string field_separator = "|";
  std::string encoding_characters = "^~\\&";
  std::string sending_application, sending_facility, receiving_application, receiving_facility;
  std::string message_type, trigger_event, control_id, processing_id, version, character_set;
};

struct Hl7MessageResult {
  Hl7Header header;
  std::string patient;                   // PID-3.1
  std::string point_of_care, room, bed;  // PV1-3; the point of care is the topics' unit
  ImportResult import;                   // what it publishes (nothing unless accepted)
  std::string acknowledgement = "AA";    // MSA-1: AA, AE (the message is wrong), AR (not for Vigil)
  Hl7ErrorCode error_code = Hl7ErrorCode::None;
  std::string error_location;  // ERR-2, "OBX^3^5"
  std::string error_text;      // why, for ERR-8 and the log
  bool accepted() const { return acknowledgement == "AA"; }
};

// The byte offset of the first invalid UTF-8 sequence, or nullopt when the text is valid.
std::optional<std::size_t> firstInvalidUtf8(std::string_view text);
// MSH-18 names a single-byte character set (ISO 8859): any byte is a character.
bool singleByteCharacterSet(std::string_view character_set);

// One message (MLLP framing already removed). Accepts ORU^R01 and ORU^R42 of HL7 v2.x
// with a patient; refuses (AR) other types, events and versions; AE for invalid UTF-8 (unless
// MSH-18 names ISO 8859), no PID-3, or an unreadable numeric observation or time.
Hl7MessageResult importHl7Message(std::string_view message, std::string_view source_name, const ImportOptions& options);

}  // namespace vigil::streamer::importers
