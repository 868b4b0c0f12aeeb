#include "streamer/station/alert_wording.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "streamer/enums.h"

namespace vigil::streamer::station {
namespace {

// Fixed decimals without trailing zeros: 0.150 -> "0.15", 86.0 -> "86".
std::string number(double value, int decimals) {
  if (!std::isfinite(value)) return "?";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  std::string text(buffer);
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text == "-0" ? "0" : text;
}

std::string withUnit(const std::string& value, const std::string& unit) {
  return unit.empty() ? value : value + " " + unit;
}

}  // namespace

// "SPO2 86 % (< 90 %)"; technical alarms without a measurement show "-".
std::string formatTrigger(const core::Trigger& trigger) {
  if (trigger.metric.empty() && trigger.unit.empty() && trigger.limit.empty()) return "-";
  std::string text = withUnit(number(trigger.value, 1), trigger.unit);
  if (!trigger.metric.empty()) text = trigger.metric + " " + text;
  if (!trigger.limit.empty()) return text + " (" + trigger.limit + ")";
  if (trigger.limit_value != 0.0)
    return text + " (limit " + withUnit(number(trigger.limit_value, 1), trigger.unit) + ")";
  return text;
}

// Always one decimal: "0.3 s", "4.0 s".
std::string formatSeconds(std::chrono::milliseconds duration) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f s", static_cast<double>(duration.count()) / 1000.0);
  return buffer;
}

std::string formatNews2(const core::News2& news2) {
  if (news2.band == core::News2Band::Unknown) return "NEWS2 incomplete";
  std::string text = "NEWS2 " + std::to_string(news2.total) + " " + std::string(streamer::nameOf(news2.band));
  if (news2.spo2_scale == 2) text += " (SpO2 scale 2)";
  return text;
}

std::string formatSyncCounters(const StationCounters& counters) {
  if (counters.gaps == 0 && counters.resyncs == 0 && counters.epoch_changes == 0) return "";
  return "gaps " + std::to_string(counters.gaps) + " (" + std::to_string(counters.messages_missed) +
         " missed), resyncs " + std::to_string(counters.resyncs) + ", engine restarts " +
         std::to_string(counters.epoch_changes);
}

std::string formatAdvice(const core::Advice& advice) {
  const std::string name(streamer::nameOf(advice.action));
  const auto rate = [&] {
    std::string text = number(advice.target_rate_mg_per_kg_per_h, 3) + " mg/kg/h";
    if (advice.target_rate_ml_per_h > 0.0) text += " (" + number(advice.target_rate_ml_per_h, 1) + " mL/h)";
    return text;
  };
  switch (advice.action) {
    case core::AdviceAction::None: return "";
    case core::AdviceAction::Reduce: return name + " to " + rate();
    case core::AdviceAction::ResumePossible: return name + " at " + rate();
    case core::AdviceAction::Hold:
    case core::AdviceAction::Pause:
    case core::AdviceAction::StopAndCall: return name;
  }
  return name;
}

std::string formatDoseRelation(const core::DoseContext& dose) {
  if (!dose.likely_dose_related) return "";
  const std::string since = dose.minutes_since_last_increase < 0.0
                                ? "no dose increase yet"
                                : number(dose.minutes_since_last_increase, 0) + " min since dose increase";
  return "likely dose-related (" + since + ", Ce " + number(dose.ce_ug_per_ml, 2) + " ug/mL)";
}

std::string formatState(const core::AlarmEvent& alarm) {
  std::string text;
  switch (alarm.inactivation) {
    case core::Inactivation::Acknowledged:
      text = alarm.acknowledged_by.empty() ? "acknowledged" : "acknowledged by " + alarm.acknowledged_by;
      break;
    case core::Inactivation::AudioPaused: text = "audio paused"; break;
    case core::Inactivation::Enabled: text = "active"; break;
  }
  if (alarm.state != core::AlarmState::Latched) return text;
  return alarm.inactivation == core::Inactivation::Enabled ? "latched" : "latched, " + text;
}

std::string formatLink(const LinkStatus& link) {
  if (link.live) return "engine live, heartbeat " + formatSeconds(link.quiet_for) + " ago";
  if (link.silent) return "ENGINE SILENT";
  return "waiting for the engine's heartbeat";
}

std::string formatAge(core::TimePoint start, core::TimePoint now) {
  const auto seconds = std::max<long long>(0, std::chrono::duration_cast<std::chrono::seconds>(now - start).count());
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02lld:%02lld", seconds / 60, seconds % 60);
  return buffer;
}

}  // namespace vigil::streamer::station
