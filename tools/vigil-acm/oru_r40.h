// IHE PCD-04 (ACM) ORU^R40 for one alarm transition, in the OBX layout of the IHE
// examples E.3.1 and E.3.2a/b (PCD TF-2 Appendix E): the alert identity in OBR-3 stays the
// same over the alarm's life, OBR-2 and MSH-10 name this one transition; PID the patient,
// PV1-3 the location; OBX 1 the alert type (11073 event code) with its text and the
// abnormal flag, priority and source in OBX-8; OBX 2 the triggering value with unit and
// limit range; OBX 3-6 the ACM facets (source, event phase, alarm state, inactivation
// state); OBX 7 the titration advice in words.
//
// A building block of vigil-acm, which is not written yet (see the report of issue 12).
#pragma once

#include <string>

#include "alerts.pb.h"

namespace vigil::acm {

struct OruR40Options {
  std::string message_id;  // MSH-10 and OBR-2: derived from the transition's position
  std::string receiving_application = "AM";
  std::string receiving_facility;
};

// IHE ACM facet names (PCD TF-2 B.8.x): "start", "update", "escalate", "deescalate", "end";
// "active", "latched", "inactive"; "enabled", "audio-paused", "alert-acknowledged".
std::string eventPhaseName(vigil::v1::AlarmPhase phase);
std::string alarmStateName(vigil::v1::AlarmState state);
std::string inactivationStateName(vigil::v1::InactivationState state);

// The titration advice as a nurse reads it: "PAUSE the infusion: SpO2 88 % < 90 %".
std::string adviceInWords(const vigil::v1::Advice& advice);

// The message, segments ending in CR, without MLLP framing.
std::string buildOruR40(const vigil::v1::AlarmEvent& event, const OruR40Options& options);

}  // namespace vigil::acm
