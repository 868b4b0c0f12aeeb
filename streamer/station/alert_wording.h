// The words a station shows for an alarm, an advice and the link to the engine: one
// wording for every consumer of the alert stream (vigil-console, a web station, an HL7
// exporter), so a nurse reads the same "REDUCE to 0.15 mg/kg/h" wherever she looks.
// Plain text only: colours, columns and terminals are each display's own business.
#pragma once

#include <string>

#include "alarms/core/domain.h"
#include "streamer/station/station_state.h"

namespace vigil::streamer::station {

// "SPO2 86 % (< 90 %)"; technical alarms without a measurement show "-".
std::string formatTrigger(const core::Trigger& trigger);
// "REDUCE to 0.15 mg/kg/h (10.5 mL/h)", "PAUSE"; "" for no advice.
std::string formatAdvice(const core::Advice& advice);
// "likely dose-related (12 min since dose increase, Ce 0.35 ug/mL)"; "" unless it is.
std::string formatDoseRelation(const core::DoseContext& dose);
// "active", "audio paused", "acknowledged by ward-2", "latched, acknowledged".
std::string formatState(const core::AlarmEvent& alarm);
// "NEWS2 5 MEDIUM", "NEWS2 incomplete" (not every parameter known yet).
std::string formatNews2(const core::News2& news2);
// "engine live, heartbeat 0.3 s ago", "ENGINE SILENT", "waiting for the engine's heartbeat".
std::string formatLink(const LinkStatus& link);
// Always one decimal: "0.3 s", "4.0 s".
std::string formatSeconds(std::chrono::milliseconds duration);
// "mm:ss" since `start`; never negative.
std::string formatAge(core::TimePoint start, core::TimePoint now);
// Gaps, missed messages and resyncs so far; "" while there were none.
std::string formatSyncCounters(const StationCounters& counters);

}  // namespace vigil::streamer::station
