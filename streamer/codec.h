// Conversion between the wire messages (proto/) and the core's domain values
// (alarms/core/domain.h). Decoding from bytes validates what the core must be able to
// trust; everything it refuses comes back as a reason the caller counts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "alarms/core/domain.h"
#include "alarms/core/result.h"
#include "alerts.pb.h"
#include "streamer/enums.h"
#include "vitals.pb.h"

namespace vigil::streamer {

// A decoded value, or why there is none. `dropped` counts parts of an otherwise good
// message that were left out (a non-finite measurement), with the last reason.
template <typename T>
struct [[nodiscard]] Decoded : core::Result<T> {
  int dropped = 0;
  // An enum value no row of streamer/enums.h knows: the message was refused for it.
  bool unknown_enum = false;
};

// The engine's inputs. Every enum is checked against streamer/enums.h: a value the table
// does not know refuses the whole message (unknown_enum), with the field and value in the
// error. The engine never sees a value outside its enums.
Decoded<core::VitalsFrame> decodeVitals(std::string_view payload);
// The same, parsed into a message the caller keeps: protobuf reuses its strings and
// measurements, so a steady stream of frames parses without allocating (vigil-engine).
Decoded<core::VitalsFrame> decodeVitals(std::string_view payload, vigil::v1::VitalsFrame& scratch);
Decoded<core::PumpStatus> decodePumpStatus(std::string_view payload);
Decoded<core::ClinicalEvent> decodeClinicalEvent(std::string_view payload);
// The same checks on a message already parsed (a clinical event inside a control request).
Decoded<core::VitalsFrame> checkedFromProto(const vigil::v1::VitalsFrame& message);
Decoded<core::PumpStatus> checkedFromProto(const vigil::v1::PumpStatus& message);
Decoded<core::ClinicalEvent> checkedFromProto(const vigil::v1::ClinicalEvent& message);

// The alert stream, for stations: nothing is refused, because a station must never hide
// an alarm. An enum value the table does not know reads as its `shown_as` (an unknown
// priority as HIGH, an unknown state as ACTIVE); an unknown advice keeps its number in the
// reason so the nurse still reads what the engine meant.
core::AlarmEvent fromProto(const vigil::v1::AlarmEvent& message);
core::AdviceEvent fromProto(const vigil::v1::AdviceEvent& message);
core::PatientStatus fromProto(const vigil::v1::PatientStatus& message);
core::News2 fromProto(const vigil::v1::News2& message);
core::LatestValue fromProto(const vigil::v1::LatestValue& message);
core::BaselineEntry fromProto(const vigil::v1::BaselineEntry& message);
core::Trigger fromProto(const vigil::v1::Trigger& message);

vigil::v1::VitalsFrame toProto(const core::VitalsFrame& frame);
vigil::v1::PumpStatus toProto(const core::PumpStatus& status);
vigil::v1::ClinicalEvent toProto(const core::ClinicalEvent& event);
vigil::v1::AlarmEvent toProto(const core::AlarmEvent& event);
// The alert-stream bookkeeping (engine_epoch, sequence) is the service's to set.
vigil::v1::AdviceEvent toProto(const core::AdviceEvent& event);
vigil::v1::PatientStatus toProto(const core::PatientStatus& status);
// The same into a message the caller keeps: every field of the status is set, repeated
// ones resized, so a publisher that reuses one message stops allocating once it has grown
// (a status per frame was a quarter of vigil-engine's mallocs). Fields outside the status
// (the service's stamps) are the caller's.
void toProto(const core::PatientStatus& status, vigil::v1::PatientStatus& into);
vigil::v1::News2 toProto(const core::News2& news2);
vigil::v1::LatestValue toProto(const core::LatestValue& value);
vigil::v1::BaselineEntry toProto(const core::BaselineEntry& baseline);
vigil::v1::Trigger toProto(const core::Trigger& trigger);

// Names of enum values ("HIGH", "PAUSE", "START"): streamer/enums.h, nameOf().

}  // namespace vigil::streamer
