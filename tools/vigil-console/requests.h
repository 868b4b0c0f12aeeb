// The control requests a nurse's keys turn into, built from what the board shows. Pure, so
// tests check exactly what would be sent.
#pragma once

#include <cstdint>
#include <string>

#include "alarms/core/domain.h"
#include "alerts.pb.h"
#include "tools/vigil-console/station_view.h"

namespace vigil::console {

vigil::v1::ControlRequest acknowledgeRequest(const Row& row, const std::string& station);

// Audio pause for every alarm of the patient (AudioPauseRequest).
vigil::v1::ControlRequest audioPauseRequest(const PatientRow& patient, const std::string& station);

// A prompt's observation as entered at this station: source_id is the station, entered_by
// the nurse (the station when no nurse is named), stamped with the wall time and the
// station's own sequence number.
vigil::v1::ControlRequest clinicalEventRequest(vigil::v1::ClinicalEvent event, const std::string& station,
                                               const std::string& nurse, core::TimePoint now, std::uint64_t sequence);

}  // namespace vigil::console
