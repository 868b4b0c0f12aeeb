// The engine's whole state as values (snapshots, alarms/snapshot): per patient the facts
// every part shares and each part's own State, plus the engine's time and counters. The
// schedule and the alarm index are not stored: they follow from the rest.
//
// Engine::saveState() copies it out; Engine::restoreState() puts it into an engine built
// with the same protocol, which then gives exactly the outputs the original would.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "alarms/core/engine.h"
#include "alarms/core/engine_parts.h"

namespace vigil::core {

struct PatientState {
  std::string id;
  std::string unit;
  engine_detail::VitalsTiming vitals;
  BaselineTracker::Saved baseline;
  DoseTracker::Saved dose;
  AlarmBoard::Saved board;
  engine_detail::LimitRules::Saved rules;
  engine_detail::TechnicalWatch::State technical;
  engine_detail::EntryRules::State entries;
  engine_detail::DoseAndPace::State dose_pace{
      DeliveredDose(Duration{0}), false, {}, {}};  // the window is the protocol's
  engine_detail::News2Triggers::State news2;
  engine_detail::AdviceAndResume::State advice;
  engine_detail::LatestValues::Saved latest;
  std::optional<PatientStatus> status;
  std::optional<TimePoint> scheduled;
};

struct EngineState {
  TimePoint now{};
  EngineCounters counters;
  std::uint64_t stalled_deadlines = 0;
  std::vector<PatientState> patients;  // by patient id
};

}  // namespace vigil::core
