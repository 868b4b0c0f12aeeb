#include "streamer/codec.h"

#include <cmath>

namespace vigil::streamer {
namespace v1 = vigil::v1;
namespace {

// The domain and wire enums are declared in the same order, offset where the wire format
// reserves 0 for "unspecified"; these casts rely on that and are the only place that does.
template <typename To, typename From>
To castEnum(From value, int offset = 0) {
  return static_cast<To>(static_cast<int>(value) + offset);
}

template <typename Message>
bool parse(std::string_view payload, Message& message) {
  return message.ParseFromArray(payload.data(), static_cast<int>(payload.size()));
}

template <typename T>
Decoded<T> refuse(std::string reason) {
  Decoded<T> decoded;
  decoded.error = std::move(reason);
  return decoded;
}

// Messages the core keys on a patient must name one; everything else about identity is
// the ingest layer's business (sequence numbers, units).
template <typename T, typename Message>
Decoded<T> decodeWithPatient(std::string_view payload, std::string_view what) {
  Message message;
  if (!parse(payload, message)) return refuse<T>("undecodable " + std::string(what) + " payload");
  if (message.patient_id().empty()) return refuse<T>(std::string(what) + " without patient_id");
  return Decoded<T>{fromProto(message), {}, 0};
}

}  // namespace

Decoded<core::VitalsFrame> decodeVitals(std::string_view payload) {
  auto decoded = decodeWithPatient<core::VitalsFrame, v1::VitalsFrame>(payload, "vitals frame");
  if (!decoded.ok()) return decoded;
  auto& measurements = decoded.value->measurements;
  const auto before = measurements.size();
  std::erase_if(measurements, [](const core::Measurement& m) { return !std::isfinite(m.value); });
  decoded.dropped = static_cast<int>(before - measurements.size());
  if (decoded.dropped > 0) decoded.error = "non-finite measurement value";
  return decoded;
}

Decoded<core::PumpStatus> decodePumpStatus(std::string_view payload) {
  auto decoded = decodeWithPatient<core::PumpStatus, v1::PumpStatus>(payload, "pump status");
  if (!decoded.ok()) return decoded;
  const auto& status = *decoded.value;
  for (double number : {status.concentration_mg_per_ml, status.rate_ml_per_h, status.dose_rate_mg_per_kg_per_h,
                        status.patient_weight_kg, status.volume_infused_ml}) {
    if (!std::isfinite(number) || number < 0) return refuse<core::PumpStatus>("pump status with a negative or non-finite number");
  }
  return decoded;
}

Decoded<core::ClinicalEvent> decodeClinicalEvent(std::string_view payload) {
  return decodeWithPatient<core::ClinicalEvent, v1::ClinicalEvent>(payload, "clinical event");
}

core::VitalsFrame fromProto(const v1::VitalsFrame& message) {
  core::VitalsFrame frame{message.patient_id(), message.unit(), message.device_id(), message.sequence(),
                          core::fromMillis(message.source_time_ms()), {}};
  frame.measurements.reserve(static_cast<std::size_t>(message.measurements_size()));
  for (const auto& m : message.measurements()) {
    frame.measurements.push_back({m.code(), m.value(), m.unit(), castEnum<core::Quality>(m.quality())});
  }
  return frame;
}

core::PumpStatus fromProto(const v1::PumpStatus& message) {
  core::PumpStatus status;
  status.patient_id = message.patient_id();
  status.unit = message.unit();
  status.device_id = message.device_id();
  status.sequence = message.sequence();
  status.time = core::fromMillis(message.source_time_ms());
  status.drug = message.drug();
  status.concentration_mg_per_ml = message.concentration_mg_per_ml();
  status.rate_ml_per_h = message.rate_ml_per_h();
  status.dose_rate_mg_per_kg_per_h = message.dose_rate_mg_per_kg_per_h();
  status.patient_weight_kg = message.patient_weight_kg();
  status.state = castEnum<core::PumpState>(message.state());
  status.volume_infused_ml = message.volume_infused_ml();
  return status;
}

core::ClinicalEvent fromProto(const v1::ClinicalEvent& message) {
  core::ClinicalEvent event;
  event.patient_id = message.patient_id();
  event.unit = message.unit();
  event.source_id = message.source_id();
  event.sequence = message.sequence();
  event.time = core::fromMillis(message.source_time_ms());
  event.kind = castEnum<core::ClinicalEventKind>(message.kind());
  event.rass_score = message.rass_score();
  event.severity = castEnum<core::Severity>(message.severity());
  event.entered_by = message.entered_by();
  event.note = message.note();
  event.acvpu = castEnum<core::Acvpu>(message.acvpu());
  event.oxygen_l_per_min = message.oxygen_l_per_min();
  event.enabled = message.enabled();
  return event;
}

v1::VitalsFrame toProto(const core::VitalsFrame& frame) {
  v1::VitalsFrame message;
  message.set_patient_id(frame.patient_id);
  message.set_unit(frame.unit);
  message.set_device_id(frame.device_id);
  message.set_sequence(frame.sequence);
  message.set_source_time_ms(core::toMillis(frame.time));
  for (const auto& m : frame.measurements) {
    auto* out = message.add_measurements();
    out->set_code(m.code);
    out->set_value(m.value);
    out->set_unit(m.unit);
    out->set_quality(castEnum<v1::MeasurementQuality>(m.quality));
  }
  return message;
}

v1::PumpStatus toProto(const core::PumpStatus& status) {
  v1::PumpStatus message;
  message.set_patient_id(status.patient_id);
  message.set_unit(status.unit);
  message.set_device_id(status.device_id);
  message.set_sequence(status.sequence);
  message.set_source_time_ms(core::toMillis(status.time));
  message.set_drug(status.drug);
  message.set_concentration_mg_per_ml(status.concentration_mg_per_ml);
  message.set_rate_ml_per_h(status.rate_ml_per_h);
  message.set_dose_rate_mg_per_kg_per_h(status.dose_rate_mg_per_kg_per_h);
  message.set_patient_weight_kg(status.patient_weight_kg);
  message.set_state(castEnum<v1::PumpState>(status.state));
  message.set_volume_infused_ml(status.volume_infused_ml);
  return message;
}

v1::ClinicalEvent toProto(const core::ClinicalEvent& event) {
  v1::ClinicalEvent message;
  message.set_patient_id(event.patient_id);
  message.set_unit(event.unit);
  message.set_source_id(event.source_id);
  message.set_sequence(event.sequence);
  message.set_source_time_ms(core::toMillis(event.time));
  message.set_kind(castEnum<v1::ClinicalEventKind>(event.kind));
  message.set_rass_score(event.rass_score);
  message.set_severity(castEnum<v1::Severity>(event.severity));
  message.set_entered_by(event.entered_by);
  message.set_note(event.note);
  message.set_acvpu(castEnum<v1::Acvpu>(event.acvpu));
  message.set_oxygen_l_per_min(event.oxygen_l_per_min);
  message.set_enabled(event.enabled);
  return message;
}

namespace {

// Wire kind reserves 0 for "unspecified"; the domain starts at Physiological.
constexpr int kKindOffset = 1;
// Wire phase reserves 0 for "unspecified"; the domain starts at Start.
constexpr int kPhaseOffset = 1;

v1::DoseContext toProto(const core::DoseContext& dose) {
  v1::DoseContext message;
  message.set_infusion_running(dose.infusion_running);
  message.set_rate_mg_per_kg_per_h(dose.rate_mg_per_kg_per_h);
  message.set_previous_rate_mg_per_kg_per_h(dose.previous_rate_mg_per_kg_per_h);
  message.set_last_increase_time_ms(dose.last_increase ? core::toMillis(*dose.last_increase) : 0);
  message.set_minutes_since_last_increase(dose.minutes_since_last_increase);
  message.set_cp_ug_per_ml(dose.cp_ug_per_ml);
  message.set_ce_ug_per_ml(dose.ce_ug_per_ml);
  message.set_cp_at_increase_ug_per_ml(dose.cp_at_increase_ug_per_ml);
  message.set_ce_at_increase_ug_per_ml(dose.ce_at_increase_ug_per_ml);
  message.set_likely_dose_related(dose.likely_dose_related);
  message.set_attribution(dose.attribution);
  return message;
}

core::DoseContext fromProto(const v1::DoseContext& message) {
  core::DoseContext dose;
  dose.infusion_running = message.infusion_running();
  dose.rate_mg_per_kg_per_h = message.rate_mg_per_kg_per_h();
  dose.previous_rate_mg_per_kg_per_h = message.previous_rate_mg_per_kg_per_h();
  if (message.last_increase_time_ms() != 0) dose.last_increase = core::fromMillis(message.last_increase_time_ms());
  dose.minutes_since_last_increase = message.minutes_since_last_increase();
  dose.cp_ug_per_ml = message.cp_ug_per_ml();
  dose.ce_ug_per_ml = message.ce_ug_per_ml();
  dose.cp_at_increase_ug_per_ml = message.cp_at_increase_ug_per_ml();
  dose.ce_at_increase_ug_per_ml = message.ce_at_increase_ug_per_ml();
  dose.likely_dose_related = message.likely_dose_related();
  dose.attribution = message.attribution();
  return dose;
}

v1::Trigger toProto(const core::Trigger& trigger) {
  v1::Trigger message;
  message.set_code(trigger.code);
  message.set_metric(trigger.metric);
  message.set_value(trigger.value);
  message.set_unit(trigger.unit);
  message.set_limit(trigger.limit);
  message.set_limit_value(trigger.limit_value);
  message.set_baseline(trigger.baseline);
  message.set_provisional_baseline(trigger.provisional_baseline);
  return message;
}

core::Trigger fromProto(const v1::Trigger& message) {
  return core::Trigger{message.code(),  message.metric(),      message.value(),    message.unit(),
                       message.limit(), message.limit_value(), message.baseline(), message.provisional_baseline()};
}

v1::Advice toProto(const core::Advice& advice) {
  v1::Advice message;
  message.set_action(castEnum<v1::AdviceAction>(advice.action));
  message.set_target_rate_mg_per_kg_per_h(advice.target_rate_mg_per_kg_per_h);
  message.set_target_rate_ml_per_h(advice.target_rate_ml_per_h);
  message.set_reason(advice.reason);
  return message;
}

core::Advice fromProto(const v1::Advice& message) {
  return core::Advice{castEnum<core::AdviceAction>(message.action()), message.target_rate_mg_per_kg_per_h(),
                      message.target_rate_ml_per_h(), message.reason()};
}

v1::News2SubScore toProto(const core::News2SubScore& sub_score) {
  v1::News2SubScore message;
  message.set_parameter(sub_score.parameter);
  message.set_known(sub_score.known);
  message.set_value(sub_score.value);
  message.set_score(sub_score.score);
  return message;
}

core::News2SubScore fromProto(const v1::News2SubScore& message) {
  return core::News2SubScore{message.parameter(), message.known(), message.value(), message.score()};
}

}  // namespace

v1::AlarmEvent toProto(const core::AlarmEvent& event) {
  v1::AlarmEvent message;
  message.set_alert_id(event.alert_id);
  message.set_patient_id(event.patient_id);
  message.set_unit(event.unit);
  message.set_condition(event.condition);
  message.set_title(event.title);
  message.set_kind(castEnum<v1::AlarmKind>(event.kind, kKindOffset));
  message.set_priority(castEnum<v1::Priority>(event.priority));
  message.set_phase(castEnum<v1::AlarmPhase>(event.phase, kPhaseOffset));
  message.set_state(castEnum<v1::AlarmState>(event.state));
  message.set_inactivation(castEnum<v1::InactivationState>(event.inactivation));
  message.set_event_time_ms(core::toMillis(event.event_time));
  message.set_start_time_ms(core::toMillis(event.start_time));
  *message.mutable_trigger() = toProto(event.trigger);
  *message.mutable_advice() = toProto(event.advice);
  *message.mutable_dose() = toProto(event.dose);
  message.set_acknowledged_by(event.acknowledged_by);
  message.set_acknowledged_time_ms(event.acknowledged_time ? core::toMillis(*event.acknowledged_time) : 0);
  return message;
}

core::AlarmEvent fromProto(const v1::AlarmEvent& message) {
  core::AlarmEvent event;
  event.alert_id = message.alert_id();
  event.patient_id = message.patient_id();
  event.unit = message.unit();
  event.condition = message.condition();
  event.title = message.title();
  event.kind = castEnum<core::AlarmKind>(message.kind(), -kKindOffset);
  event.priority = castEnum<core::Priority>(message.priority());
  event.phase = castEnum<core::Phase>(message.phase(), -kPhaseOffset);
  event.state = castEnum<core::AlarmState>(message.state());
  event.inactivation = castEnum<core::Inactivation>(message.inactivation());
  event.event_time = core::fromMillis(message.event_time_ms());
  event.start_time = core::fromMillis(message.start_time_ms());
  event.trigger = fromProto(message.trigger());
  event.advice = fromProto(message.advice());
  event.dose = fromProto(message.dose());
  event.acknowledged_by = message.acknowledged_by();
  if (message.acknowledged_time_ms() != 0) event.acknowledged_time = core::fromMillis(message.acknowledged_time_ms());
  return event;
}

v1::AdviceEvent toProto(const core::AdviceEvent& event) {
  v1::AdviceEvent message;
  message.set_advice_id(event.advice_id);
  message.set_patient_id(event.patient_id);
  message.set_unit(event.unit);
  message.set_event_time_ms(core::toMillis(event.event_time));
  *message.mutable_advice() = toProto(event.advice);
  message.set_previous_action(castEnum<v1::AdviceAction>(event.previous_action));
  message.set_condition(event.condition);
  message.set_alert_id(event.alert_id);
  *message.mutable_trigger() = toProto(event.trigger);
  *message.mutable_dose() = toProto(event.dose);
  return message;
}

core::AdviceEvent fromProto(const v1::AdviceEvent& message) {
  core::AdviceEvent event;
  event.advice_id = message.advice_id();
  event.patient_id = message.patient_id();
  event.unit = message.unit();
  event.event_time = core::fromMillis(message.event_time_ms());
  event.advice = fromProto(message.advice());
  event.previous_action = castEnum<core::AdviceAction>(message.previous_action());
  event.condition = message.condition();
  event.alert_id = message.alert_id();
  event.trigger = fromProto(message.trigger());
  event.dose = fromProto(message.dose());
  return event;
}

v1::News2 toProto(const core::News2& news2) {
  v1::News2 message;
  message.set_total(news2.total);
  // Wire bands are declared in the domain's order (UNKNOWN = 0 on both sides).
  message.set_band(castEnum<v1::News2Band>(news2.band));
  message.set_any_single_three(news2.any_single_three);
  message.set_spo2_scale(news2.spo2_scale);
  for (const auto& sub_score : news2.sub_scores) *message.add_sub_scores() = toProto(sub_score);
  return message;
}

core::News2 fromProto(const v1::News2& message) {
  core::News2 news2;
  news2.total = message.total();
  news2.band = castEnum<core::News2Band>(message.band());
  news2.any_single_three = message.any_single_three();
  // 0 is proto3's "not set": an engine that sent no NEWS2 scored nothing on any scale.
  news2.spo2_scale = message.spo2_scale() == 0 ? 1 : message.spo2_scale();
  for (const auto& sub_score : message.sub_scores()) news2.sub_scores.push_back(fromProto(sub_score));
  return news2;
}

v1::LatestValue toProto(const core::LatestValue& value) {
  v1::LatestValue message;
  message.set_code(value.code);
  message.set_metric(value.metric);
  message.set_value(value.value);
  message.set_unit(value.unit);
  message.set_time_ms(core::toMillis(value.time));
  return message;
}

core::LatestValue fromProto(const v1::LatestValue& message) {
  return core::LatestValue{message.code(), message.metric(), message.value(), message.unit(),
                           core::fromMillis(message.time_ms())};
}

v1::BaselineEntry toProto(const core::BaselineEntry& baseline) {
  v1::BaselineEntry message;
  message.set_metric(baseline.metric);
  message.set_value(baseline.value);
  message.set_provisional(baseline.provisional);
  return message;
}

core::BaselineEntry fromProto(const v1::BaselineEntry& message) {
  return core::BaselineEntry{message.metric(), message.value(), message.provisional()};
}

v1::PatientStatus toProto(const core::PatientStatus& status) {
  v1::PatientStatus message;
  message.set_patient_id(status.patient_id);
  message.set_unit(status.unit);
  message.set_event_time_ms(core::toMillis(status.event_time));
  for (const auto& value : status.latest) *message.add_latest() = toProto(value);
  *message.mutable_news2() = toProto(status.news2);
  for (const auto& baseline : status.baselines) *message.add_baselines() = toProto(baseline);
  *message.mutable_dose() = toProto(status.dose);
  *message.mutable_advice() = toProto(status.advice);
  message.set_active_alarms(static_cast<std::uint32_t>(status.active_alarms));
  return message;
}

core::PatientStatus fromProto(const v1::PatientStatus& message) {
  core::PatientStatus status;
  status.patient_id = message.patient_id();
  status.unit = message.unit();
  status.event_time = core::fromMillis(message.event_time_ms());
  for (const auto& value : message.latest()) status.latest.push_back(fromProto(value));
  status.news2 = fromProto(message.news2());
  for (const auto& baseline : message.baselines()) status.baselines.push_back(fromProto(baseline));
  status.dose = fromProto(message.dose());
  status.advice = fromProto(message.advice());
  status.active_alarms = message.active_alarms();
  return status;
}

std::string_view priorityName(core::Priority priority) {
  switch (priority) {
    case core::Priority::High: return "HIGH";
    case core::Priority::Medium: return "MEDIUM";
    case core::Priority::Low: return "LOW";
    case core::Priority::None: return "NONE";
  }
  return "?";
}

std::string_view adviceName(core::AdviceAction action) {
  switch (action) {
    case core::AdviceAction::None: return "NONE";
    case core::AdviceAction::Hold: return "HOLD";
    case core::AdviceAction::Reduce: return "REDUCE";
    case core::AdviceAction::Pause: return "PAUSE";
    case core::AdviceAction::StopAndCall: return "STOP_AND_CALL";
    case core::AdviceAction::ResumePossible: return "RESUME_POSSIBLE";
  }
  return "?";
}

std::string_view phaseName(core::Phase phase) {
  switch (phase) {
    case core::Phase::Start: return "START";
    case core::Phase::Update: return "UPDATE";
    case core::Phase::Escalate: return "ESCALATE";
    case core::Phase::DeEscalate: return "DE_ESCALATE";
    case core::Phase::End: return "END";
  }
  return "?";
}

std::string_view news2BandName(core::News2Band band) {
  switch (band) {
    case core::News2Band::Unknown: return "UNKNOWN";
    case core::News2Band::Zero: return "ZERO";
    case core::News2Band::Low: return "LOW";
    case core::News2Band::LowMedium: return "LOW_MEDIUM";
    case core::News2Band::Medium: return "MEDIUM";
    case core::News2Band::High: return "HIGH";
  }
  return "?";
}

}  // namespace vigil::streamer
