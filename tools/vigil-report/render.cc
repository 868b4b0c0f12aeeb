#include "tools/vigil-report/render.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "streamer/enums.h"

namespace vigil::tools::report {
namespace {

std::string fixed(double value, int decimals = 2) {
  char out[48];
  std::snprintf(out, sizeof out, "%.*f", decimals, value);
  return out;
}

std::string percent(double share) { return fixed(100.0 * share, 1) + " %"; }

std::string priorityName(core::Priority priority) {
  switch (priority) {
    case core::Priority::High: return "HIGH";
    case core::Priority::Medium: return "MEDIUM";
    case core::Priority::Low: return "LOW";
    case core::Priority::None: break;
  }
  return "NONE";
}

std::string kindName(core::AlarmKind kind) {
  switch (kind) {
    case core::AlarmKind::Physiological: return "physiological";
    case core::AlarmKind::Technical: return "technical";
    case core::AlarmKind::Advisory: return "advisory";
  }
  return "?";
}

// IEC 60601-1-8 colours: red, yellow, cyan.
const char* colourOf(core::Priority priority) {
  switch (priority) {
    case core::Priority::High: return "#d62728";
    case core::Priority::Medium: return "#e6b800";
    case core::Priority::Low: return "#17becf";
    case core::Priority::None: break;
  }
  return "#999999";
}

std::string escapeHtml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string csvField(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// condition -> alarms, per run, for --compare.
std::map<std::string, std::uint64_t> countsByCondition(const AlarmRun& run) {
  std::map<std::string, std::uint64_t> counts;
  for (const auto& alarm : run.alarms) ++counts[alarm.condition];
  return counts;
}

struct ConditionChange {
  std::string condition;
  std::uint64_t here = 0;
  std::uint64_t there = 0;
};

// Conditions whose alarm count differs between the protocol under study and --compare's.
std::vector<ConditionChange> conditionChanges(const Report& report) {
  std::vector<ConditionChange> changes;
  if (report.runs.size() < 3) return changes;  // no --compare: [0] and the naive monitor
  const auto here = countsByCondition(report.runs[0].run);
  const auto there = countsByCondition(report.runs[1].run);
  std::set<std::string> conditions;
  for (const auto& [c, n] : here) conditions.insert(c);
  for (const auto& [c, n] : there) conditions.insert(c);
  for (const auto& c : conditions) {
    const auto a = here.count(c) ? here.at(c) : 0, b = there.count(c) ? there.at(c) : 0;
    if (a != b) changes.push_back({c, a, b});
  }
  return changes;
}

void summaryLine(std::ostringstream& out, const NamedRun& r) {
  const auto& f = r.figures;
  out << "  " << r.name << ": " << f.alarms << " alarms (" << fixed(f.per_patient_hour) << " per patient-hour), "
      << f.physiological << " physiological (" << fixed(f.physiological_per_patient_hour)
      << " per patient-hour); in alarm " << fixed(f.minutes_in_alarm_per_patient_hour, 1)
      << " min per patient-hour; ended by themselves within 30 s: " << percent(f.share_ended_within_30s) << "\n";
}

void labelLines(std::ostringstream& out, const NamedRun& r) {
  if (!r.labels) return;
  const auto& l = *r.labels;
  out << "\nLabels, " << r.name << ": true events alarmed " << l.true_alarmed << "/" << l.true_events
      << ", nuisance episodes alarmed " << l.nuisance_alarmed << "/" << l.nuisance_episodes << "\n";
  out << "  row  rule                               events alarmed  worst latency\n";
  for (const auto& row : l.rows) {
    char line[160];
    std::snprintf(line, sizeof line, "  %3d  %-34s %6llu %7llu  %6.1f s\n", row.row, row.rule.c_str(),
                  static_cast<unsigned long long>(row.events), static_cast<unsigned long long>(row.alarmed),
                  static_cast<double>(row.worst_latency_ms) / 1000.0);
    out << line;
  }
  out << "  nuisance kind        episodes alarmed\n";
  for (const auto& n : l.nuisance) {
    char line[120];
    std::snprintf(line, sizeof line, "  %-20s %8llu %7llu\n", n.kind.c_str(),
                  static_cast<unsigned long long>(n.episodes), static_cast<unsigned long long>(n.alarmed));
    out << line;
  }
  for (const auto& missed : l.missed) out << "  MISSED " << missed << "\n";
}

// ---------------------------------------------------------------- SVG plots

struct Bar {
  std::string label;
  double value;
  std::string colour;
};

// Horizontal bars, one per line, scaled to the largest.
std::string barChart(const std::vector<Bar>& bars, const std::string& unit) {
  const double width = 420, left = 260, row = 20;
  double top = 0;
  for (const auto& b : bars) top = std::max(top, b.value);
  if (top <= 0) top = 1;
  std::ostringstream svg;
  const double height = row * static_cast<double>(bars.size()) + 10;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << left + width + 80 << "' height='" << height << "'>";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const double y = row * static_cast<double>(i) + 4;
    const double w = width * bars[i].value / top;
    svg << "<text x='" << left - 6 << "' y='" << y + 12 << "' text-anchor='end' font-size='11'>"
        << escapeHtml(bars[i].label) << "</text><rect x='" << left << "' y='" << y << "' width='" << fixed(w, 1)
        << "' height='" << row - 6 << "' fill='" << bars[i].colour << "'/><text x='" << left + w + 4 << "' y='"
        << y + 12 << "' font-size='11'>" << fixed(bars[i].value) << " " << unit << "</text>";
  }
  svg << "</svg>";
  return svg.str();
}

// Alarms per hour of data, one polyline per run.
std::string perHourChart(const Report& report) {
  const char* colours[] = {"#1f77b4", "#2ca02c", "#7f7f7f", "#9467bd"};
  std::vector<std::vector<std::uint64_t>> series;
  std::uint64_t top = 1;
  std::size_t hours = 1;
  for (const auto& r : report.runs) {
    series.push_back(alarmsPerHour(r.run));
    for (auto v : series.back()) top = std::max(top, v);
    hours = std::max(hours, series.back().size());
  }
  const double width = 640, height = 200, left = 40, bottom = 20;
  std::ostringstream svg;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width + left + 160 << "' height='" << height + bottom + 10
      << "'><line x1='" << left << "' y1='" << height << "' x2='" << left + width << "' y2='" << height
      << "' stroke='#444'/><text x='2' y='12' font-size='11'>" << top << "</text><text x='" << left << "' y='"
      << height + 16 << "' font-size='11'>hour 1</text><text x='" << left + width - 40 << "' y='" << height + 16
      << "' font-size='11'>hour " << hours << "</text>";
  for (std::size_t s = 0; s < series.size(); ++s) {
    svg << "<polyline fill='none' stroke-width='2' stroke='" << colours[s % 4] << "' points='";
    for (std::size_t h = 0; h < series[s].size(); ++h) {
      const double x = left + (hours > 1 ? width * static_cast<double>(h) / static_cast<double>(hours - 1) : 0);
      const double y = height - (height - 10) * static_cast<double>(series[s][h]) / static_cast<double>(top);
      svg << fixed(x, 1) << "," << fixed(y, 1) << " ";
    }
    svg << "'/><text x='" << left + width + 8 << "' y='" << 14 + 16 * s << "' font-size='11' fill='" << colours[s % 4]
        << "'>" << escapeHtml(report.runs[s].name) << "</text>";
  }
  svg << "</svg>";
  return svg.str();
}

// A timeline per patient: each alarm a bar from START to END in its priority's colour.
std::string timelineChart(const AlarmRun& run) {
  std::int64_t first = INT64_MAX, last = INT64_MIN;
  for (const auto& [id, span] : run.patients) {
    first = std::min(first, span.first_ms);
    last = std::max(last, span.last_ms);
  }
  if (first >= last) return "<p>no data</p>";
  const double width = 700, left = 110, row = 16;
  std::map<std::string, std::size_t> rows;
  for (const auto& [id, span] : run.patients) rows.emplace(id, rows.size());
  std::ostringstream svg;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << left + width + 10 << "' height='"
      << row * static_cast<double>(rows.size()) + 24 << "'>";
  const auto xOf = [&](std::int64_t ms) {
    return left + width * static_cast<double>(ms - first) / static_cast<double>(last - first);
  };
  for (const auto& [id, r] : rows) {
    const double y = row * static_cast<double>(r);
    svg << "<text x='" << left - 6 << "' y='" << y + 12 << "' text-anchor='end' font-size='11'>" << escapeHtml(id)
        << "</text><line x1='" << left << "' y1='" << y + 8 << "' x2='" << left + width << "' y2='" << y + 8
        << "' stroke='#ddd'/>";
  }
  for (const auto& alarm : run.alarms) {
    const double y = row * static_cast<double>(rows[alarm.patient]) + 2;
    const double x = xOf(alarm.start_ms);
    const double w = std::max(2.0, xOf(alarm.end_ms) - x);
    svg << "<rect x='" << fixed(x, 1) << "' y='" << y << "' width='" << fixed(w, 1) << "' height='" << row - 4
        << "' fill='" << colourOf(alarm.priority) << "' opacity='0.8'><title>" << escapeHtml(alarm.condition)
        << "</title></rect>";
  }
  const double axis = row * static_cast<double>(rows.size()) + 14;
  svg << "<text x='" << left << "' y='" << axis << "' font-size='11'>start</text><text x='" << left + width - 120
      << "' y='" << axis << "' font-size='11'>+" << fixed(static_cast<double>(last - first) / 3'600'000.0, 1)
      << " h</text></svg>";
  return svg.str();
}

void htmlRunTable(std::ostringstream& html, const Report& report) {
  html << "<table><tr><th>run</th><th>alarms</th><th>per patient-hour</th><th>physiological per patient-hour</th>"
          "<th>min in alarm per patient-hour</th><th>ended by themselves within 30 s</th></tr>";
  for (const auto& r : report.runs) {
    const auto& f = r.figures;
    html << "<tr><td>" << escapeHtml(r.name) << "</td><td>" << f.alarms << "</td><td>" << fixed(f.per_patient_hour)
         << "</td><td>" << fixed(f.physiological_per_patient_hour) << "</td><td>"
         << fixed(f.minutes_in_alarm_per_patient_hour, 1) << "</td><td>" << percent(f.share_ended_within_30s)
         << "</td></tr>";
  }
  html << "</table>";
}

void htmlLabels(std::ostringstream& html, const NamedRun& r) {
  if (!r.labels) return;
  const auto& l = *r.labels;
  html << "<h3>Labels: " << escapeHtml(r.name) << "</h3><p>True events alarmed " << l.true_alarmed << " / "
       << l.true_events << "; nuisance episodes alarmed " << l.nuisance_alarmed << " / " << l.nuisance_episodes
       << "</p><table><tr><th>row</th><th>rule</th><th>events</th><th>alarmed</th><th>worst latency (s)</th></tr>";
  for (const auto& row : l.rows) {
    html << "<tr><td>" << row.row << "</td><td>" << escapeHtml(row.rule) << "</td><td>" << row.events << "</td><td>"
         << row.alarmed << "</td><td>" << fixed(static_cast<double>(row.worst_latency_ms) / 1000.0, 1) << "</td></tr>";
  }
  html << "</table><table><tr><th>nuisance</th><th>episodes</th><th>alarmed</th></tr>";
  for (const auto& n : l.nuisance) {
    html << "<tr><td>" << escapeHtml(n.kind) << "</td><td>" << n.episodes << "</td><td>" << n.alarmed << "</td></tr>";
  }
  html << "</table>";
}

}  // namespace

std::string textReport(const Report& report) {
  std::ostringstream out;
  const auto& main = report.runs.front();
  out << "vigil-report: " << report.input << "\n"
      << main.run.patients.size() << " patients, " << fixed(main.figures.patient_hours, 1) << " patient-hours, "
      << main.run.messages << " messages\n";
  for (const auto& r : report.runs) summaryLine(out, r);
  out << "\nBy condition (" << main.name << "): alarms, per patient-hour, minutes in alarm, ended within 30 s\n";
  for (const auto& c : main.figures.conditions) {
    char line[200];
    std::snprintf(line, sizeof line, "  %-34s %-6s %-13s %6llu %8.2f %9.1f %5llu\n", c.condition.c_str(),
                  priorityName(c.priority).c_str(), kindName(c.kind).c_str(), static_cast<unsigned long long>(c.alarms),
                  c.per_patient_hour, c.minutes_in_alarm, static_cast<unsigned long long>(c.ended_within_30s));
    out << line;
  }
  out << "\nAdvice (" << main.name << "): given, median minutes it stood\n";
  for (const auto& a : main.figures.advice) {
    out << "  " << streamer::nameOf(a.action) << " " << a.given << " " << fixed(a.median_minutes, 1) << "\n";
  }
  if (report.runs.size() > 2) {
    out << "\nCompared with " << report.runs[1].name << " (condition: alarms here -> there)\n";
    for (const auto& c : conditionChanges(report)) {
      out << "  " << c.condition << ": " << c.here << " -> " << c.there
          << (c.there > c.here ? " (appear)" : " (disappear)") << "\n";
    }
  }
  if (report.acknowledgements) {
    const auto& a = *report.acknowledgements;
    out << "\nAcknowledgements (journal): " << a.acknowledged << " of " << a.alarms << " HIGH and MEDIUM alarms ("
        << percent(a.alarms ? static_cast<double>(a.acknowledged) / static_cast<double>(a.alarms) : 0.0) << "), median "
        << fixed(a.median_seconds, 1) << " s to acknowledge\n";
  }
  for (const auto& r : report.runs) labelLines(out, r);
  return out.str();
}

std::string csvReport(const Report& report) {
  std::ostringstream csv;
  csv << "run,condition,priority,kind,alarms,per_patient_hour,minutes_in_alarm,ended_within_30s\n";
  for (const auto& r : report.runs) {
    for (const auto& c : r.figures.conditions) {
      csv << csvField(r.name) << "," << csvField(c.condition) << "," << priorityName(c.priority) << ","
          << kindName(c.kind) << "," << c.alarms << "," << fixed(c.per_patient_hour, 4) << ","
          << fixed(c.minutes_in_alarm, 2) << "," << c.ended_within_30s << "\n";
    }
  }
  return csv.str();
}

std::string htmlReport(const Report& report) {
  std::ostringstream html;
  const auto& main = report.runs.front();
  html << "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Vigil alarm report</title><style>"
          "body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0}"
          "td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:right}"
          "td:first-child,th:first-child{text-align:left}h2{margin-top:28px}</style></head><body>";
  // The file's name heads the page; where it lies is detail, in small print below.
  html << "<h1>Alarm burden: " << escapeHtml(std::filesystem::path(report.input).filename().string()) << "</h1><p>"
       << main.run.patients.size() << " patients, " << fixed(main.figures.patient_hours, 1)
       << " patient-hours.</p><p style='font-size:12px;color:#666'>Source: " << escapeHtml(report.input) << "</p>";
  htmlRunTable(html, report);
  if (report.acknowledgements) {
    const auto& a = *report.acknowledgements;
    html << "<p>Acknowledged (journal): " << a.acknowledged << " of " << a.alarms << " HIGH and MEDIUM alarms, median "
         << fixed(a.median_seconds, 1) << " s.</p>";
  }
  if (report.runs.size() > 2) {
    html << "<h2>Compared with " << escapeHtml(report.runs[1].name)
         << "</h2><table><tr><th>condition</th><th>alarms here</th><th>there</th></tr>";
    for (const auto& c : conditionChanges(report)) {
      html << "<tr><td>" << escapeHtml(c.condition) << "</td><td>" << c.here << "</td><td>" << c.there << "</td></tr>";
    }
    html << "</table>";
  }
  html << "<h2>Alarms per hour</h2>" << perHourChart(report);
  std::vector<Bar> bars;
  for (const auto& c : main.figures.conditions) {
    bars.push_back({c.condition + " (" + priorityName(c.priority) + ")", c.per_patient_hour, colourOf(c.priority)});
  }
  html << "<h2>Alarms per patient-hour by condition: " << escapeHtml(main.name) << "</h2>" << barChart(bars, "/h");
  html << "<h2>Timeline per patient: " << escapeHtml(main.name) << "</h2>" << timelineChart(main.run);
  html << "<h2>Advice</h2><table><tr><th>advice</th><th>given</th><th>median minutes it stood</th></tr>";
  for (const auto& a : main.figures.advice) {
    html << "<tr><td>" << streamer::nameOf(a.action) << "</td><td>" << a.given << "</td><td>"
         << fixed(a.median_minutes, 1) << "</td></tr>";
  }
  html << "</table>";
  for (const auto& r : report.runs) htmlLabels(html, r);
  html << "</body></html>\n";
  return html.str();
}

std::string progressBar(std::size_t done, std::size_t total, const std::string& what) {
  constexpr int kWidth = 30;
  const double share = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  const int filled = static_cast<int>(share * kWidth);
  return "\r[" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(kWidth - filled), '.') + "] " + fixed(100 * share, 0) + " % " + what;
}

}  // namespace vigil::tools::report
