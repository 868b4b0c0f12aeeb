// Reading the protocol file: the file system belongs to the service, the parsing and
// validation to the core.
#pragma once

#include <string>

#include "alarms/core/protocol.h"

namespace vigil::service {

core::ProtocolLoad loadProtocolFile(const std::string& path);

// The effective rules as a table a clinical engineer can read.
std::string describeProtocol(const core::Protocol& protocol);

}  // namespace vigil::service
