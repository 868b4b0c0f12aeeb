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

vigil::v1::VitalsFrame toProto(const core::VitalsFrame& frame);
vigil::v1::PumpStatus toProto(const core::PumpStatus& status);
vigil::v1::ClinicalEvent toProto(const core::ClinicalEvent& event);
vigil::v1::AlarmEvent toProto(const core::AlarmEvent& event);

// Readable names, for consoles and logs ("HIGH", "PAUSE", "START").
std::string_view priorityName(core::Priority priority);
std::string_view adviceName(core::AdviceAction action);
std::string_view phaseName(core::Phase phase);

}  // namespace vigil::streamer
