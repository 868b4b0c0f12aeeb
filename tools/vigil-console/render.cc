#include "tools/vigil-console/render.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string_view>

#include "streamer/codec.h"

namespace vigil::console {
namespace {

constexpr const char* kBold = "\x1b[1m";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kSelected = "\x1b[7m";
constexpr const char* kWarningStyle = "\x1b[1;33m";
constexpr const char* kErrorStyle = "\x1b[1;31m";
constexpr const char* kGoodStyle = "\x1b[32m";

// Column widths of a row's first line, sized so that the first line fits 80 columns;
// the second line (state, advice, dose) starts under the patient.
constexpr int kMarkerWidth = 2;
constexpr int kPriorityWidth = 9;
constexpr int kPatientWidth = 10;
constexpr int kTitleWidth = 22;
constexpr int kValueWidth = 30;
constexpr int kDetailIndent = kMarkerWidth + kPriorityWidth;
// The patient panel: NEWS2 with its band ("NEWS2 12 LOW_MEDIUM") before the advice.
constexpr int kNews2Width = 24;

bool isContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Terminal columns of UTF-8 text, counting one per code point (no wide glyphs here).
int columnsOf(std::string_view text) {
  return static_cast<int>(std::count_if(text.begin(), text.end(), [](char c) { return !isContinuationByte(c); }));
}

// The longest prefix of `text` that fits in `columns`, never cutting a code point.
std::string_view prefixFitting(std::string_view text, int columns) {
  int used = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (isContinuationByte(text[i])) continue;
    if (used == columns) return text.substr(0, i);
    ++used;
  }
  return text;
}

// Builds one screen line that never exceeds the terminal width, whatever the data, with
// styled segments that each end in a reset (then the line's base style again).
class Line {
 public:
  explicit Line(int width, const char* base = nullptr) : width_(std::max(width, 0)), base_(base) {
    if (base_) out_ += base_;
  }

  Line& text(std::string_view text, const char* style = nullptr) {
    const auto fitting = prefixFitting(text, width_ - used_);
    if (fitting.empty()) return *this;
    if (style) out_ += style;
    out_ += fitting;
    if (style) restyle();
    used_ += columnsOf(fitting);
    return *this;
  }

  // Exactly `columns` wide (cut or padded), then a separating space.
  Line& field(std::string_view value, int columns, const char* style = nullptr) {
    std::string cell(prefixFitting(value, columns));
    cell.append(static_cast<std::size_t>(columns - columnsOf(cell)), ' ');
    text(cell, style);
    return text(" ");
  }

  // Pads to the full width, so a coloured banner or a selection bar spans the line.
  Line& fill(const char* style = nullptr) {
    return text(std::string(static_cast<std::size_t>(width_ - used_), ' '), style);
  }

  std::string str() const { return base_ ? out_ + kReset : out_; }

 private:
  void restyle() {
    out_ += kReset;
    if (base_) out_ += base_;
  }

  int width_;
  const char* base_;
  int used_ = 0;
  std::string out_;
};

const char* priorityStyle(core::Priority priority) {
  switch (priority) {
    case core::Priority::High: return kHighStyle;
    case core::Priority::Medium: return kMediumStyle;
    case core::Priority::Low: return kLowStyle;
    case core::Priority::None: return nullptr;
  }
  return nullptr;
}

const char* toneStyle(Tone tone) {
  switch (tone) {
    case Tone::Info: return nullptr;
    case Tone::Good: return kGoodStyle;
    case Tone::Warning: return kWarningStyle;
    case Tone::Error: return kErrorStyle;
  }
  return nullptr;
}

std::string clockText(core::TimePoint now) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&seconds, &local);
  char buffer[16];
  std::strftime(buffer, sizeof buffer, "%H:%M:%S", &local);
  return buffer;
}

std::string headerLine(const StationView& board, const ScreenContext& context) {
  const auto counts = board.counts();
  const auto link = board.link(context.steady_now);
  Line line(context.width);
  // Most important first, so a narrow terminal cuts the least useful part.
  line.text("VIGIL " + (context.unit.empty() ? "" : context.unit + " ") + clockText(context.wall_now) + " ", kBold);
  line.text(" HIGH " + std::to_string(counts.high) + " ", counts.high ? kHighStyle : nullptr).text(" ");
  line.text(" MEDIUM " + std::to_string(counts.medium) + " ", counts.medium ? kMediumStyle : nullptr).text(" ");
  line.text(" LOW " + std::to_string(counts.low) + " ", counts.low ? kLowStyle : nullptr);
  if (counts.none) line.text(" advisory " + std::to_string(counts.none));
  line.text(" | ");
  line.text(formatLink(link), link.live ? kGoodStyle : link.silent ? kErrorStyle : kWarningStyle);
  return line.str();
}

// A silent link is itself an alarm: a full-width red bar that cannot be overlooked.
std::string silentBanner(const StationView& board, const ScreenContext& context) {
  const auto link = board.link(context.steady_now);
  const std::string why = link.ever_heard
                              ? "no heartbeat for " + streamer::station::formatSeconds(link.quiet_for)
                              : "no heartbeat since start (" + streamer::station::formatSeconds(link.quiet_for) + ")";
  Line line(context.width, kSilentStyle);
  line.text(" ENGINE SILENT: " + why + ". Alarms below may be out of date; check the engine.");
  return line.fill().str();
}

std::string dropsText(const StationCounters& drops) {
  std::string text;
  const auto add = [&](std::uint64_t count, const char* what) {
    if (count == 0) return;
    text += (text.empty() ? "dropped: " : ", ") + std::to_string(count) + " " + what;
  };
  add(drops.undecodable, "undecodable");
  add(drops.malformed, "malformed");
  add(drops.unknown_topic, "unknown topic");
  add(drops.invalid, "invalid");
  return text;
}

std::string statusLine(const StationView& board, const ScreenContext& context) {
  Line line(context.width);
  line.text(context.status.text, toneStyle(context.status.tone));
  if (!context.notice.empty()) line.text("  " + context.notice, kWarningStyle);
  if (const auto sync = formatSyncCounters(board.counters()); !sync.empty()) line.text("  [" + sync + "]", kDim);
  if (const auto drops = dropsText(board.counters()); !drops.empty()) line.text("  [" + drops + "]", kWarningStyle);
  return line.str();
}

std::string columnHeadings(int width) {
  Line line(width, kDim);
  line.field("", kMarkerWidth - 1).field("PRIORITY", kPriorityWidth - 1).field("PATIENT", kPatientWidth - 1);
  line.field("ALARM", kTitleWidth - 1).field("VALUE (LIMIT)", kValueWidth - 1).text("AGE");
  return line.fill().str();
}

std::string footerLine(const ScreenContext& context) {
  Line line(context.width, kDim);
  if (!context.prompt.empty()) {
    line.text(" entering a clinical event: Enter confirms, Esc cancels");
  } else if (context.keyboard) {
    line.text(" k/j: alarm  h/l: patient  a: acknowledge  p: audio pause patient  e: clinical event  q: quit");
  } else {
    line.text(" display only (stdin is not a terminal): stop with Ctrl-C or SIGTERM");
  }
  return line.str();
}

using RowLines = std::vector<std::string>;

// Which rows fit in `free_lines` (rows take two or three lines), scrolled so that the
// selected row is always on screen; one line is kept for "... more" when not all fit.
struct Window {
  std::size_t first = 0;
  std::size_t count = 0;
};

Window visibleRows(const std::vector<RowLines>& rows, std::optional<std::size_t> selected, int free_lines) {
  std::size_t total_lines = 0;
  for (const auto& row : rows) total_lines += row.size();
  auto budget = static_cast<std::size_t>(std::max(free_lines, 1));
  if (total_lines > budget && budget > 1) --budget;  // room for the "more" line

  Window window;
  const auto last_needed = selected.value_or(0);
  std::size_t used = 0;
  for (std::size_t i = 0; i <= last_needed && i < rows.size(); ++i) {
    used += rows[i].size();
    while (used > budget && window.first < i) used -= rows[window.first++].size();
  }
  used = 0;
  for (std::size_t i = window.first; i < rows.size() && used + rows[i].size() <= budget; ++i) {
    used += rows[i].size();
    ++window.count;
  }
  window.count = std::max<std::size_t>(window.count, 1);  // the selected row even when it is too tall
  return window;
}

void appendRows(const StationView& board, const ScreenContext& context, int free_lines,
                std::vector<std::string>& lines) {
  if (board.rows().empty()) {
    lines.push_back(
        Line(context.width)
            .text(board.hasSnapshot() ? "  No active alarms." : "  No active alarms known yet (no snapshot).")
            .str());
    return;
  }
  const auto selected = board.selectedIndex();
  std::vector<RowLines> rows;
  for (std::size_t i = 0; i < board.rows().size(); ++i) {
    rows.push_back(formatRow(board.rows()[i], selected == i, context.width, context.engine_now));
  }
  const auto window = visibleRows(rows, selected, free_lines);
  for (std::size_t i = window.first; i < window.first + window.count; ++i) {
    for (auto& text : rows[i]) lines.push_back(std::move(text));
  }
  const auto hidden = rows.size() - window.count;
  if (hidden > 0) {
    lines.push_back(Line(context.width, kDim)
                        .text("  ... " + std::to_string(hidden) + " more alarm(s) not shown: move with k/j")
                        .str());
  }
}

// The patient panel gets at most a third of the free lines (and at least a heading and
// two patients): the alarms keep the most room.
int patientBudget(const StationView& board, int free_lines) {
  if (board.patients().empty()) return 0;
  const int wanted = 1 + static_cast<int>(board.patients().size());
  return std::min(wanted, std::max(3, free_lines / 3));
}

std::vector<std::string> patientLines(const StationView& board, int width, int budget) {
  if (budget <= 0) return {};
  std::vector<std::string> lines{Line(width, kDim).text("  PATIENTS (advice, NEWS2)").fill().str()};
  const auto& patients = board.patients();
  const auto* selected = board.selectedPatient();
  const auto selected_index = selected ? static_cast<std::size_t>(selected - patients.data()) : 0;
  const auto shown = static_cast<std::size_t>(budget - 1);
  // Scrolled so that the selected patient is always on screen.
  const auto first = selected_index >= shown ? selected_index - shown + 1 : 0;
  for (std::size_t i = first; i < patients.size() && i < first + shown; ++i) {
    lines.push_back(formatPatient(patients[i], selected == &patients[i], width));
  }
  return lines;
}

std::vector<std::string> promptLines(const ScreenContext& context) {
  std::vector<std::string> lines;
  for (const auto& text : context.prompt) lines.push_back(Line(context.width, kSelected).text(" " + text).fill().str());
  return lines;
}

const char* news2Style(core::News2Band band) {
  switch (band) {
    case core::News2Band::High: return kErrorStyle;
    case core::News2Band::Medium:
    case core::News2Band::LowMedium: return kWarningStyle;
    default: return nullptr;
  }
}

}  // namespace

std::string formatPatient(const PatientRow& patient, bool selected, int width) {
  Line line(width, selected ? kSelected : nullptr);
  line.field(selected ? ">" : "", kMarkerWidth - 1).field(patient.patient_id, kPatientWidth + 2);
  if (patient.news2) {
    line.field(formatNews2(*patient.news2), kNews2Width, selected ? nullptr : news2Style(patient.news2->band));
  } else {
    line.field("NEWS2 -", kNews2Width);
  }
  const auto advice = patient.advice ? formatAdvice(*patient.advice) : std::string();
  line.text("advice: ").text(advice.empty() ? "none" : advice, advice.empty() ? nullptr : kBold);
  if (patient.advice && !patient.advice->reason.empty()) line.text(" (" + patient.advice->reason + ")");
  if (patient.alarms > 0) line.text(" | " + std::to_string(patient.alarms) + " alarm(s)");
  if (selected) line.fill();
  return line.str();
}

std::vector<std::string> formatRow(const Row& row, bool selected, int width, core::TimePoint now) {
  const auto& alarm = row.alarm;
  Line main(width, selected ? kSelected : nullptr);
  main.field(selected ? ">" : "", kMarkerWidth - 1);
  main.field(std::string(streamer::nameOf(alarm.priority)), kPriorityWidth - 1, priorityStyle(alarm.priority));
  main.field(alarm.patient_id, kPatientWidth - 1).field(alarm.title, kTitleWidth - 1);
  main.field(formatTrigger(alarm.trigger), kValueWidth - 1).text(formatAge(alarm.start_time, now));
  if (selected) main.fill();

  const auto indent = std::string(kDetailIndent, ' ');
  const auto state = formatState(alarm);
  const auto advice = formatAdvice(alarm.advice);
  const auto dose = formatDoseRelation(alarm.dose);
  const std::string reason = alarm.advice.reason.empty() ? "" : " (" + alarm.advice.reason + ")";
  Line detail(width);
  detail.text(indent).text(state, alarm.inactivation == core::Inactivation::Enabled ? kBold : nullptr);
  detail.text(" | advice: ").text(advice.empty() ? "none" : advice, advice.empty() ? nullptr : kBold);
  // The dose relation matters as much as the advice: on a narrow terminal it takes a line
  // of its own rather than being cut off.
  const auto detail_columns =
      columnsOf(indent + state + " | advice: " + (advice.empty() ? "none" : advice) + " | " + dose);
  const bool dose_inline = !dose.empty() && detail_columns <= width;
  if (dose_inline) detail.text(" | " + dose);
  detail.text(reason, kDim);
  if (dose.empty() || dose_inline) return {main.str(), detail.str()};
  return {main.str(), detail.str(), Line(width).text(indent + dose).str()};
}

std::string renderScreen(const StationView& board, const ScreenContext& context) {
  std::vector<std::string> lines;
  lines.push_back(headerLine(board, context));
  // ENGINE SILENT stays second from the top whatever else is shown: the highest priority.
  if (board.link(context.steady_now).silent) lines.push_back(silentBanner(board, context));
  lines.push_back(statusLine(board, context));
  lines.push_back(columnHeadings(context.width));
  const auto prompt = promptLines(context);
  const int footer_lines = 1 + static_cast<int>(prompt.size());
  const int free_lines = context.height - static_cast<int>(lines.size()) - footer_lines;
  const auto patients = patientLines(board, context.width, patientBudget(board, free_lines));
  appendRows(board, context, free_lines - static_cast<int>(patients.size()), lines);
  lines.insert(lines.end(), patients.begin(), patients.end());
  // The key help stays on the last line, however few alarms there are.
  while (static_cast<int>(lines.size()) < context.height - footer_lines) lines.emplace_back();
  lines.insert(lines.end(), prompt.begin(), prompt.end());
  lines.push_back(footerLine(context));

  std::string screen = "\x1b[H";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    screen += lines[i];
    screen += "\x1b[K";
    if (i + 1 < lines.size()) screen += "\r\n";
  }
  return screen + "\x1b[J";
}

}  // namespace vigil::console
