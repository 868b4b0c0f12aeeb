#include "tools/vigil-console/requests.h"

namespace vigil::console {
namespace v1 = vigil::v1;

v1::ControlRequest acknowledgeRequest(const Row& row, const std::string& station) {
  v1::ControlRequest request;
  request.mutable_acknowledge()->set_alert_id(row.alarm.alert_id);
  request.mutable_acknowledge()->set_station(station);
  return request;
}

v1::ControlRequest audioPauseRequest(const PatientRow& patient, const std::string& station) {
  v1::ControlRequest request;
  auto* pause = request.mutable_audio_pause();
  pause->set_patient_id(patient.patient_id);
  pause->set_unit(patient.unit);
  pause->set_station(station);
  return request;
}

v1::ControlRequest clinicalEventRequest(v1::ClinicalEvent event, const std::string& station, const std::string& nurse,
                                        core::TimePoint now, std::uint64_t sequence) {
  event.set_source_id(station);
  event.set_entered_by(nurse.empty() ? station : nurse);
  event.set_source_time_ms(core::toMillis(now));
  event.set_sequence(sequence);
  v1::ControlRequest request;
  *request.mutable_clinical_event() = std::move(event);
  return request;
}

}  // namespace vigil::console
