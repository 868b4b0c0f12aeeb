// Where every importer puts what it read: single readings (grouped into one VitalsFrame per
// patient, device and instant) and pump statuses. finish() converts units, applies the
// sensor-off rule, orders everything by time, numbers each source's messages and builds
// the recorded messages. Whatever is left out is counted with its reason.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "streamer/importers/importer.h"
#include "vitals.pb.h"

namespace vigil::streamer::importers {

class MessageCollector {
 public:
  MessageCollector(const ImportOptions& options, ImportStats& stats);

  // A reading keyed by its 11073 code; a code the importers do not carry, or a unit that
  // cannot be converted, is counted as skipped. Returns whether it was kept.
  bool addReading(std::string_view patient, std::string_view device, std::int64_t time_ms, std::uint32_t code,
                  double value, std::string_view unit,
                  vigil::v1::MeasurementQuality quality = vigil::v1::QUALITY_VALID);
  // patient_id, device_id and source_time_ms must be set; unit and sequence are assigned.
  void addPump(vigil::v1::PumpStatus status);
  void skip(std::string_view reason, std::size_t count = 1);
  // Something imported incompletely or absent by nature (no sample that minute), not dropped.
  void note(std::string_view what, std::size_t count = 1);
  // The same, for a bad row of a text file: finish() names the first line it happened on,
  // "unreadable value (first at line 7)", so the file can be fixed.
  void skipAt(std::string_view reason, std::size_t line);

  std::vector<vigil::v1::RecordedMessage> finish();

 private:
  using FrameKey = std::tuple<std::int64_t, std::string, std::string>;  // time, patient, device
  std::string patientFor(std::string_view patient) const;
  vigil::v1::VitalsFrame buildFrame(const FrameKey& key, std::vector<vigil::v1::Measurement>& measurements);

  const ImportOptions& options_;
  ImportStats& stats_;
  std::map<FrameKey, std::vector<vigil::v1::Measurement>> frames_;
  std::vector<vigil::v1::PumpStatus> pumps_;
  std::map<std::string, std::size_t> first_line_;
};

// A topic part must not hold '/' (it separates the parts) or spaces; "" becomes "unknown".
std::string topicSafe(std::string_view text);

}  // namespace vigil::streamer::importers
