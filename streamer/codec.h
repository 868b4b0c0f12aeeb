// Conversion between the wire messages (proto/) and the core's domain values
// (alarms/core/domain.h). Decoding from bytes validates what the core must be able to
// trust; everything it refuses comes back as a reason the caller counts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "alarms/core/domain.h"
#include "alerts.pb.h"
#include "vitals.pb.h"

namespace vigil::streamer {

// A decoded value, or why there is none. `dropped` counts parts of an otherwise good
// message that were left out (a non-finite measurement), with the last reason.
template <typename T>
struct Decoded {
  std::optional<T> value;
  std::string error;
  int dropped = 0;
  bool ok() const { return value.has_value(); }
};

Decoded<core::VitalsFrame> decodeVitals(std::string_view payload);
Decoded<core::PumpStatus> decodePumpStatus(std::string_view payload);
Decoded<core::ClinicalEvent> decodeClinicalEvent(std::string_view payload);

core::VitalsFrame fromProto(const vigil::v1::VitalsFrame& message);
core::PumpStatus fromProto(const vigil::v1::PumpStatus& message);
core::ClinicalEvent fromProto(const vigil::v1::ClinicalEvent& message);
core::AlarmEvent fromProto(const vigil::v1::AlarmEvent& message);
core::AdviceEvent fromProto(const vigil::v1::AdviceEvent& message);
core::PatientStatus fromProto(const vigil::v1::PatientStatus& message);
core::News2 fromProto(const vigil::v1::News2& message);
core::LatestValue fromProto(const vigil::v1::LatestValue& message);
core::BaselineEntry fromProto(const vigil::v1::BaselineEntry& message);

vigil::v1::VitalsFrame toProto(const core::VitalsFrame& frame);
vigil::v1::PumpStatus toProto(const core::PumpStatus& status);
vigil::v1::ClinicalEvent toProto(const core::ClinicalEvent& event);
vigil::v1::AlarmEvent toProto(const core::AlarmEvent& event);
// The alert-stream bookkeeping (engine_epoch, sequence) is the service's to set.
vigil::v1::AdviceEvent toProto(const core::AdviceEvent& event);
vigil::v1::PatientStatus toProto(const core::PatientStatus& status);
vigil::v1::News2 toProto(const core::News2& news2);
vigil::v1::LatestValue toProto(const core::LatestValue& value);
vigil::v1::BaselineEntry toProto(const core::BaselineEntry& baseline);

// Readable names, for consoles and logs ("HIGH", "PAUSE", "START").
std::string_view priorityName(core::Priority priority);
std::string_view adviceName(core::AdviceAction action);
std::string_view phaseName(core::Phase phase);
// "UNKNOWN", "ZERO", "LOW", "LOW_MEDIUM", "MEDIUM", "HIGH" (RCP 2017 clinical risk).
std::string_view news2BandName(core::News2Band band);

}  // namespace vigil::streamer
