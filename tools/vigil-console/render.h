// The console screen as a pure function of the board and the moment: no terminal, no
// clock, no sockets, so tests can check what a nurse would see.
#pragma once

#include <string>
#include <vector>

#include "alarms/core/domain.h"
#include "streamer/station/alert_wording.h"
#include "tools/vigil-console/station_view.h"

namespace vigil::console {

// IEC 60601-1-8 colours (CLINICAL.md section 6): HIGH red and flashing (bold for
// terminals that do not blink), MEDIUM yellow, LOW cyan.
inline constexpr const char* kHighStyle = "\x1b[1;5;97;41m";
inline constexpr const char* kMediumStyle = "\x1b[30;43m";
inline constexpr const char* kLowStyle = "\x1b[30;46m";
inline constexpr const char* kSilentStyle = "\x1b[1;97;41m";
inline constexpr const char* kReset = "\x1b[0m";

enum class Tone { Info, Good, Warning, Error };

struct StatusLine {
  std::string text;
  Tone tone = Tone::Info;
};

struct ScreenContext {
  int width = 80;
  int height = 24;
  core::TimePoint wall_now;    // the clock in the header
  core::TimePoint engine_now;  // alarm ages: the engine's time, which a replay runs faster
  SteadyTime steady_now;       // heartbeat age
  std::string unit;            // "" for all units
  std::string station;
  StatusLine status;                // the last action's result, or the snapshot state
  std::string notice;               // a short-lived notice such as "resynchronised (gap of 12)"
  bool keyboard = true;             // false: display only, no key help
  std::vector<std::string> prompt;  // an open clinical-event prompt's lines, else empty
};

// One alarm as lines of at most `width` columns: the first with priority, patient, title,
// triggering value and limit and age; the second with the state, the advice and the dose
// relation, which takes a third line when the second would not hold it.
std::vector<std::string> formatRow(const Row& row, bool selected, int width, core::TimePoint now);

// The whole screen: cursor home, every line cleared to its end, the rest of the screen
// cleared, so a redraw never flickers or leaves old text behind.
std::string renderScreen(const StationView& board, const ScreenContext& context);

// The alarm and advice wording every station shares (streamer/station/alert_wording.h).
using streamer::station::formatAdvice;
using streamer::station::formatAge;
using streamer::station::formatDoseRelation;
using streamer::station::formatLink;
using streamer::station::formatNews2;
using streamer::station::formatState;
using streamer::station::formatSyncCounters;
using streamer::station::formatTrigger;

// One patient: NEWS2, the current advice with its target rate and reason, alarm count.
std::string formatPatient(const PatientRow& patient, bool selected, int width);

}  // namespace vigil::console
