// Helpers shared by the alarm engine core tests: the shipped protocol, frame and pump
// status builders on a simulated clock, and ways to pick events out of what the engine
// published. Header-only; everything is inline.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/core/domain.h"
#include "alarms/core/engine.h"
#include "alarms/core/metrics.h"
#include "alarms/core/protocol.h"

namespace vigil::core::test_support {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

inline constexpr const char* kPatient = "bed-7";
inline constexpr const char* kWard = "day-unit";
inline constexpr const char* kDrug = "ketamine";

// A fixed origin for simulated time (2026-09-21); tests express times relative to it.
inline TimePoint origin() { return fromMillis(1'790'000'000'000); }
inline TimePoint atSecond(double s) { return origin() + Duration{static_cast<std::int64_t>(s * 1000.0)}; }

// ---------------------------------------------------------------- protocol

inline std::string readFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string shippedProtocolText() { return readFile(VIGIL_DEFAULT_PROTOCOL); }

inline std::string errorsText(const ProtocolLoad& load) {
  std::string text;
  for (const auto& error : load.errors) text += error.text() + "\n";
  return text;
}

inline Protocol shippedProtocol() {
  auto load = parseProtocol(shippedProtocolText());
  if (!load.protocol) throw std::runtime_error("the shipped protocol does not load:\n" + errorsText(load));
  return *load.protocol;
}

// The shipped protocol without rule 22: NEWS2 scores the same values as the limit rules
// and gives advice of its own, which tests about one limit rule's advice must not see.
inline Protocol withoutNews2Alarms(Protocol protocol) {
  protocol.news2_triggers.reset();
  return protocol;
}

// The shipped protocol with NEWS2 scored from every sample, as before issue 14: for tests
// of which source feeds which NEWS2 input, not of how long a value must last.
inline Protocol withoutNews2Persistence(Protocol protocol) {
  if (protocol.news2_triggers) protocol.news2_triggers->persistence = {};
  return protocol;
}

inline const Rule* findRule(const Protocol& protocol, std::string_view id) {
  for (const auto& rule : protocol.rules) {
    if (rule.id == id) return &rule;
  }
  return nullptr;
}

// ---------------------------------------------------------------- vitals

inline Measurement measurement(std::uint32_t code, double value, Quality quality = Quality::Valid,
                               std::string unit = "") {
  return Measurement{code, value, std::move(unit), quality};
}

inline VitalsFrame frame(TimePoint time, std::vector<Measurement> measurements, std::string patient = kPatient,
                         std::string device = "monitor-1") {
  VitalsFrame f;
  f.patient_id = std::move(patient);
  f.unit = kWard;
  f.device_id = std::move(device);
  f.sequence = static_cast<std::uint64_t>(toMillis(time));  // monotonic; the core does not check it
  f.time = time;
  f.measurements = std::move(measurements);
  return f;
}

// Normal values of a calm adult; the baseline-relative rules in the tests are computed from
// these (HR 80 -> 30 % above = 104; SBP 120 -> 144 / 156; MAP 90 -> 108 / 117).
struct Normals {
  double hr = 80.0;
  double spo2 = 98.0;
  double rr = 14.0;
  double etco2 = 38.0;
  double sbp = 120.0;
  double dbp = 75.0;
  double map = 90.0;
};

// The continuously monitored vitals (ECG HR, SpO2, RR, EtCO2), all normal, with one code
// replaced by (or, if it is not among them, added with) `value`.
inline std::vector<Measurement> continuousVitals(std::optional<std::uint32_t> code = std::nullopt, double value = 0.0,
                                                 const Normals& normals = {}) {
  std::vector<Measurement> ms{
      measurement(mdc::kEcgHeartRate, normals.hr),
      measurement(mdc::kSpO2, normals.spo2),
      measurement(mdc::kRespRate, normals.rr),
      measurement(mdc::kEtCO2, normals.etco2),
  };
  if (code) {
    bool replaced = false;
    for (auto& m : ms) {
      if (m.code == *code) {
        m.value = value;
        replaced = true;
      }
    }
    if (!replaced) ms.push_back(measurement(*code, value));
  }
  return ms;
}

// One NIBP reading (systolic, diastolic, mean) under the standard or the cuff codes.
inline std::vector<Measurement> nibpReading(double sys, double dia, double mean, bool cuff_codes = false) {
  return {measurement(cuff_codes ? mdc::kCuffSys : mdc::kNibpSys, sys),
          measurement(cuff_codes ? mdc::kCuffDia : mdc::kNibpDia, dia),
          measurement(cuff_codes ? mdc::kCuffMean : mdc::kNibpMean, mean)};
}

// ---------------------------------------------------------------- pump

inline constexpr double kWeightKg = 80.0;
inline constexpr double kConcentrationMgPerMl = 2.0;

inline PumpStatus pump(TimePoint time, double mg_per_kg_per_h, PumpState state = PumpState::Running,
                       double weight_kg = kWeightKg, double concentration = kConcentrationMgPerMl,
                       std::string drug = kDrug, std::string patient = kPatient) {
  PumpStatus s;
  s.patient_id = std::move(patient);
  s.unit = kWard;
  s.device_id = "pump-1";
  s.sequence = static_cast<std::uint64_t>(toMillis(time));
  s.time = time;
  s.drug = std::move(drug);
  s.concentration_mg_per_ml = concentration;
  s.patient_weight_kg = weight_kg;
  s.dose_rate_mg_per_kg_per_h = mg_per_kg_per_h;
  s.rate_ml_per_h = concentration > 0 ? mg_per_kg_per_h * weight_kg / concentration : 0.0;
  s.state = state;
  return s;
}

// ---------------------------------------------------------------- events

inline AlarmEvents select(const AlarmEvents& events, std::string_view rule_id,
                          std::optional<Phase> phase = std::nullopt) {
  AlarmEvents out;
  for (const auto& e : events) {
    if (e.condition == rule_id && (!phase || e.phase == *phase)) out.push_back(e);
  }
  return out;
}

inline void append(AlarmEvents& into, const AlarmEvents& more) { into.insert(into.end(), more.begin(), more.end()); }

inline std::string alertIdFor(std::string_view patient, std::string_view rule, TimePoint start) {
  return std::string(patient) + "/" + std::string(rule) + "/" + std::to_string(toMillis(start));
}

inline const char* phaseName(Phase phase) {
  switch (phase) {
    case Phase::Start: return "START";
    case Phase::Update: return "UPDATE";
    case Phase::Escalate: return "ESCALATE";
    case Phase::DeEscalate: return "DE_ESCALATE";
    case Phase::End: return "END";
  }
  return "?";
}

// Every field of an event, with doubles at full precision: two events describe the same
// way exactly when they are the same.
inline std::string describe(const AlarmEvent& e) {
  char numbers[1024];
  std::snprintf(numbers, sizeof numbers,
                "kind=%d prio=%d phase=%s state=%d inact=%d ev=%lld start=%lld | code=%u value=%.17g "
                "limit_value=%.17g baseline=%.17g prov=%d | advice=%d tgt=%.17g tgt_ml=%.17g | running=%d "
                "rate=%.17g prev=%.17g last_inc=%lld since=%.17g cp=%.17g ce=%.17g cp0=%.17g ce0=%.17g related=%d "
                "| ack_time=%lld",
                static_cast<int>(e.kind), static_cast<int>(e.priority), phaseName(e.phase), static_cast<int>(e.state),
                static_cast<int>(e.inactivation), static_cast<long long>(toMillis(e.event_time)),
                static_cast<long long>(toMillis(e.start_time)), e.trigger.code, e.trigger.value, e.trigger.limit_value,
                e.trigger.baseline, e.trigger.provisional_baseline ? 1 : 0, static_cast<int>(e.advice.action),
                e.advice.target_rate_mg_per_kg_per_h, e.advice.target_rate_ml_per_h, e.dose.infusion_running ? 1 : 0,
                e.dose.rate_mg_per_kg_per_h, e.dose.previous_rate_mg_per_kg_per_h,
                static_cast<long long>(e.dose.last_increase ? toMillis(*e.dose.last_increase) : -1),
                e.dose.minutes_since_last_increase, e.dose.cp_ug_per_ml, e.dose.ce_ug_per_ml,
                e.dose.cp_at_increase_ug_per_ml, e.dose.ce_at_increase_ug_per_ml, e.dose.likely_dose_related ? 1 : 0,
                static_cast<long long>(e.acknowledged_time ? toMillis(*e.acknowledged_time) : -1));
  return e.alert_id + " " + e.patient_id + " " + e.unit + " " + e.condition + " \"" + e.title + "\" " + numbers +
         " metric=" + e.trigger.metric + " unit=" + e.trigger.unit + " limit=\"" + e.trigger.limit + "\" reason=\"" +
         e.advice.reason + "\" attribution=\"" + e.dose.attribution + "\" by=" + e.acknowledged_by;
}

inline std::vector<std::string> describeAll(const AlarmEvents& events) {
  std::vector<std::string> out;
  out.reserve(events.size());
  for (const auto& e : events) out.push_back(describe(e));
  return out;
}

inline std::string describe(const DoseContext& d) {
  char text[512];
  std::snprintf(text, sizeof text,
                "running=%d rate=%.17g prev=%.17g last_inc=%lld since=%.17g cp=%.17g ce=%.17g cp0=%.17g ce0=%.17g "
                "related=%d attribution=\"%s\"",
                d.infusion_running ? 1 : 0, d.rate_mg_per_kg_per_h, d.previous_rate_mg_per_kg_per_h,
                static_cast<long long>(d.last_increase ? toMillis(*d.last_increase) : -1),
                d.minutes_since_last_increase, d.cp_ug_per_ml, d.ce_ug_per_ml, d.cp_at_increase_ug_per_ml,
                d.ce_at_increase_ug_per_ml, d.likely_dose_related ? 1 : 0, d.attribution.c_str());
  return text;
}

inline std::string describe(const AdviceEvent& a) {
  char numbers[256];
  std::snprintf(numbers, sizeof numbers, "ev=%lld action=%d prev=%d tgt=%.17g tgt_ml=%.17g value=%.17g",
                static_cast<long long>(toMillis(a.event_time)), static_cast<int>(a.advice.action),
                static_cast<int>(a.previous_action), a.advice.target_rate_mg_per_kg_per_h,
                a.advice.target_rate_ml_per_h, a.trigger.value);
  return a.advice_id + " " + a.patient_id + " " + a.unit + " " + numbers + " reason=\"" + a.advice.reason +
         "\" condition=" + a.condition + " alert=" + a.alert_id + " " + describe(a.dose);
}

inline std::string describe(const PatientStatus& st) {
  std::string text = st.patient_id + " " + st.unit + " ev=" + std::to_string(toMillis(st.event_time)) +
                     " alarms=" + std::to_string(st.active_alarms) +
                     " advice=" + std::to_string(static_cast<int>(st.advice.action)) +
                     " news2=" + std::to_string(static_cast<int>(st.news2.band));
  char number[64];
  for (const auto& v : st.latest) {
    std::snprintf(number, sizeof number, "%.17g@%lld", v.value, static_cast<long long>(toMillis(v.time)));
    text += " " + v.metric + "=" + number;
  }
  for (const auto& b : st.baselines) {
    std::snprintf(number, sizeof number, "%.17g%s", b.value, b.provisional ? "p" : "");
    text += " base_" + b.metric + "=" + number;
  }
  return text + " " + describe(st.dose);
}

inline std::vector<std::string> describeAll(const PatientStatuses& statuses) {
  std::vector<std::string> out;
  for (const auto& st : statuses) out.push_back(describe(st));
  return out;
}

// Everything in a set of outputs, in order, alarms then advice then statuses.
inline std::vector<std::string> describeAll(const Outputs& outputs) {
  std::vector<std::string> out;
  for (const auto& e : outputs.alarms) out.push_back("alarm " + describe(e));
  for (const auto& a : outputs.advice) out.push_back("advice " + describe(a));
  for (const auto& st : outputs.statuses) out.push_back("status " + describe(st));
  return out;
}

// An engine plus everything it has published, in order.
struct Session {
  explicit Session(Protocol protocol) : engine(std::move(protocol)) {}
  Session() : Session(shippedProtocol()) {}

  AlarmEvents vitals(TimePoint time, std::vector<Measurement> ms, std::string patient = kPatient) {
    return record(engine.onVitals(frame(time, std::move(ms), std::move(patient))));
  }
  AlarmEvents infusion(const PumpStatus& status) { return record(engine.onInfusion(status)); }
  AlarmEvents event(const ClinicalEvent& e) { return record(engine.onClinicalEvent(e)); }
  AlarmEvents advance(TimePoint time) { return record(engine.advanceTo(time)); }
  AcknowledgeResult acknowledge(std::string_view id, std::string_view by) {
    auto result = engine.acknowledge(id, by);
    record(Outputs(result.outputs));
    return result;
  }
  AudioPauseResult audioPause(std::string_view patient, std::string_view by) {
    auto result = engine.audioPause(patient, by);
    record(Outputs(result.outputs));
    return result;
  }
  // Normal continuous vitals every `step` from `from` to `to` inclusive, `code` set to `value`.
  AlarmEvents continuous(TimePoint from, TimePoint to, Duration step, std::optional<std::uint32_t> code = std::nullopt,
                         double value = 0.0, const Normals& normals = {}) {
    AlarmEvents out;
    for (TimePoint t = from; t <= to; t += step) append(out, vitals(t, continuousVitals(code, value, normals)));
    return out;
  }

  // A quiet stretch of an infusion at `rate`: normal continuous vitals and a pump status
  // every 5 s from `from` to `to` inclusive, so that no technical condition (monitoring
  // lost, pump status stale) arises in between.
  AlarmEvents steady(TimePoint from, TimePoint to, double rate, const Normals& normals = {}) {
    AlarmEvents out;
    for (TimePoint t = from; t <= to; t += seconds(5)) {
      append(out, infusion(pump(t, rate)));
      append(out, vitals(t, continuousVitals(std::nullopt, 0.0, normals)));
    }
    return out;
  }

  Engine engine;
  AlarmEvents events;   // every alarm event
  AdviceEvents advice;  // every advice event
  PatientStatuses statuses;

 private:
  AlarmEvents record(Outputs out) {
    append(events, out.alarms);
    for (auto& a : out.advice) advice.push_back(std::move(a));
    for (auto& st : out.statuses) statuses.push_back(std::move(st));
    return std::move(out.alarms);
  }
};

// Alarm events of one kind (physiological, technical, advisory).
inline AlarmEvents ofKind(const AlarmEvents& events, AlarmKind kind) {
  AlarmEvents out;
  for (const auto& e : events) {
    if (e.kind == kind) out.push_back(e);
  }
  return out;
}

inline ClinicalEvent clinicalEvent(TimePoint time, ClinicalEventKind kind, std::string patient = kPatient) {
  ClinicalEvent e;
  e.patient_id = std::move(patient);
  e.unit = kWard;
  e.source_id = "station-1";
  e.time = time;
  e.kind = kind;
  e.entered_by = "nurse-a";
  return e;
}

inline ClinicalEvent rass(TimePoint time, int score) {
  auto e = clinicalEvent(time, ClinicalEventKind::SedationScore);
  e.rass_score = score;
  return e;
}

inline ClinicalEvent sideEffect(TimePoint time, ClinicalEventKind kind, Severity severity = Severity::Unspecified) {
  auto e = clinicalEvent(time, kind);
  e.severity = severity;
  return e;
}

}  // namespace vigil::core::test_support
