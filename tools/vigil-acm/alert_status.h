// IHE PCD-05 "Report Alert Status" (ORA^R41) from an alert manager, read into the engine's
// AlertStatusRequest: which alarm (OBR-3, the alert identity Vigil sent in its ORU^R40),
// what became of it (PRT-3: received, delivered, read, accepted, rejected, cancelled) and
// who (PRT-5, the nurse). No sockets: status_listener.h puts it on MLLP.
#pragma once

#include <string>
#include <string_view>

#include "alerts.pb.h"
#include "streamer/importers/importer.h"

namespace vigil::acm {

struct AlertStatusRead {
  // MSH as received; acknowledgement AA when `request` is usable, else AE/AR and why.
  streamer::importers::Hl7MessageResult verdict;
  v1::AlertStatusRequest request;
};

// One message without its MLLP framing.
AlertStatusRead readAlertStatus(std::string_view message);

// "received", "delivered", ... (the words PRT-3 carries); "unspecified" for 0.
std::string alertStatusWord(v1::AlertStatusKind kind);

}  // namespace vigil::acm
