// `vigil-engine --history PATIENT [--since T]`: a patient's alarm log as a table people
// read (IEC 60601-1-8 6.12): alarm transitions with value and limit in force, advice,
// pump changes and who acknowledged, oldest first.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "alarms/core/domain.h"
#include "alarms/service/journal_reader.h"

namespace vigil::service {

// ISO 8601 ("2026-11-21T10:00:00Z", fractions of a second, "+02:00" offsets; no zone
// means UTC, the engine's time) or milliseconds since the Unix epoch.
std::optional<core::TimePoint> parseTimeArgument(std::string_view text);

// "2026-11-21 10:00:00.000" (UTC).
std::string formatUtc(core::TimePoint time);

// Prints the table. nullopt, or the reason the log could not be read.
std::optional<std::string> printHistory(JournalReader& reader, const std::string& patient_id, core::TimePoint since,
                                        std::ostream& out);

}  // namespace vigil::service
