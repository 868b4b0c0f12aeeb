#include "streamer/codec.h"

#include <cmath>

namespace vigil::streamer {
namespace v1 = vigil::v1;
namespace {

// Reads wire enum integers into domain values through streamer/enums.h. A value no row
// knows reads as the enum's `shown_as`, and the first one is remembered: the engine's
// inputs are then refused, the alert stream shown safely.
class EnumReader {
 public:
  template <typename Domain>
  Domain read(int wire, std::string_view field) {
    if (const auto value = fromWire<Domain>(wire)) return *value;
    if (unknown_.empty()) {
      unknown_ = "unknown " + std::string(EnumTable<Domain>::what) + " " + std::to_string(wire) + " (field " +
                 std::string(field) + ")";
    }
    return EnumTable<Domain>::shown_as;
  }
  bool allKnown() const { return unknown_.empty(); }
  const std::string& unknown() const { return unknown_; }

 private:
  std::string unknown_;
};

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

core::VitalsFrame convert(const v1::VitalsFrame& message, EnumReader& enums) {
  core::VitalsFrame frame{message.patient_id(),
                          message.unit(),
                          message.device_id(),
                          message.sequence(),
                          core::fromMillis(message.source_time_ms()),
                          {}};
  frame.measurements.reserve(static_cast<std::size_t>(message.measurements_size()));
  for (const auto& m : message.measurements()) {
    frame.measurements.push_back({m.code(), m.value(), m.unit(), enums.read<core::Quality>(m.quality(), "quality")});
  }
  return frame;
}

core::PumpStatus convert(const v1::PumpStatus& message, EnumReader& enums) {
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
  status.state = enums.read<core::PumpState>(message.state(), "state");
  status.volume_infused_ml = message.volume_infused_ml();
  return status;
}

core::ClinicalEvent convert(const v1::ClinicalEvent& message, EnumReader& enums) {
  core::ClinicalEvent event;
  event.patient_id = message.patient_id();
  event.unit = message.unit();
  event.source_id = message.source_id();
  event.sequence = message.sequence();
  event.time = core::fromMillis(message.source_time_ms());
  event.kind = enums.read<core::ClinicalEventKind>(message.kind(), "kind");
  event.rass_score = message.rass_score();
  event.severity = enums.read<core::Severity>(message.severity(), "severity");
  event.entered_by = message.entered_by();
  event.note = message.note();
  event.acvpu = enums.read<core::Acvpu>(message.acvpu(), "acvpu");
  event.oxygen_l_per_min = message.oxygen_l_per_min();
  event.enabled = message.enabled();
  return event;
}

template <typename T, typename Message>
Decoded<T> checked(const Message& message) {
  EnumReader enums;
  auto value = convert(message, enums);
  if (!enums.allKnown()) {
    auto refused = refuse<T>(enums.unknown());
    refused.unknown_enum = true;
    return refused;
  }
  Decoded<T> decoded;
  decoded.value = std::move(value);
  return decoded;
}

// Messages the core keys on a patient must name one; everything else about identity is
// the ingest layer's business (sequence numbers, units).
template <typename T, typename Message>
Decoded<T> decodeWithPatient(std::string_view payload, std::string_view what, Message& message) {
  if (!parse(payload, message)) return refuse<T>("undecodable " + std::string(what) + " payload");
  if (message.patient_id().empty()) return refuse<T>(std::string(what) + " without patient_id");
  auto decoded = checked<T>(message);
  if (!decoded.ok()) decoded.error = std::string(what) + ": " + decoded.error;
  return decoded;
}

}  // namespace

Decoded<core::VitalsFrame> checkedFromProto(const v1::VitalsFrame& message) {
  return checked<core::VitalsFrame>(message);
}
Decoded<core::PumpStatus> checkedFromProto(const v1::PumpStatus& message) { return checked<core::PumpStatus>(message); }
Decoded<core::ClinicalEvent> checkedFromProto(const v1::ClinicalEvent& message) {
  return checked<core::ClinicalEvent>(message);
}

Decoded<core::VitalsFrame> decodeVitals(std::string_view payload) {
  v1::VitalsFrame scratch;
  return decodeVitals(payload, scratch);
}

Decoded<core::VitalsFrame> decodeVitals(std::string_view payload, v1::VitalsFrame& scratch) {
  auto decoded = decodeWithPatient<core::VitalsFrame>(payload, "vitals frame", scratch);
  if (!decoded.ok()) return decoded;
  auto& measurements = decoded.value->measurements;
  const auto before = measurements.size();
  std::erase_if(measurements, [](const core::Measurement& m) { return !std::isfinite(m.value); });
  decoded.dropped = static_cast<int>(before - measurements.size());
  if (decoded.dropped > 0) decoded.error = "non-finite measurement value";
  return decoded;
}

Decoded<core::PumpStatus> decodePumpStatus(std::string_view payload) {
  v1::PumpStatus message;
  auto decoded = decodeWithPatient<core::PumpStatus>(payload, "pump status", message);
  if (!decoded.ok()) return decoded;
  const auto& status = *decoded.value;
  for (double number : {status.concentration_mg_per_ml, status.rate_ml_per_h, status.dose_rate_mg_per_kg_per_h,
                        status.patient_weight_kg, status.volume_infused_ml}) {
    if (!std::isfinite(number) || number < 0)
      return refuse<core::PumpStatus>("pump status with a negative or non-finite number");
  }
  return decoded;
}

Decoded<core::ClinicalEvent> decodeClinicalEvent(std::string_view payload) {
  v1::ClinicalEvent message;
  return decodeWithPatient<core::ClinicalEvent>(payload, "clinical event", message);
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
    out->set_quality(toWire(m.quality));
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
  message.set_state(toWire(status.state));
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
  message.set_kind(toWire(event.kind));
  message.set_rass_score(event.rass_score);
  message.set_severity(toWire(event.severity));
  message.set_entered_by(event.entered_by);
  message.set_note(event.note);
  message.set_acvpu(toWire(event.acvpu));
  message.set_oxygen_l_per_min(event.oxygen_l_per_min);
  message.set_enabled(event.enabled);
  return message;
}

namespace {

// Every field set, so that a message reused from an earlier value keeps nothing of it.
void fill(const core::DoseContext& dose, v1::DoseContext& message) {
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
  message.set_drug(dose.drug);
  message.set_pump_state(toWire(dose.pump_state));
  message.set_rate_ml_per_h(dose.rate_ml_per_h);
  message.set_last_change_time_ms(dose.last_change ? core::toMillis(*dose.last_change) : 0);
  message.set_minutes_since_last_change(dose.minutes_since_last_change);
}

v1::DoseContext toProto(const core::DoseContext& dose) {
  v1::DoseContext message;
  fill(dose, message);
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
  dose.drug = message.drug();
  // An unknown pump state reads as unspecified: the tile then shows the rate without it.
  dose.pump_state = EnumReader{}.read<core::PumpState>(message.pump_state(), "pump state");
  dose.rate_ml_per_h = message.rate_ml_per_h();
  if (message.last_change_time_ms() != 0) dose.last_change = core::fromMillis(message.last_change_time_ms());
  dose.minutes_since_last_change = message.minutes_since_last_change();
  return dose;
}

void fill(const core::Advice& advice, v1::Advice& message) {
  message.set_action(toWire(advice.action));
  message.set_target_rate_mg_per_kg_per_h(advice.target_rate_mg_per_kg_per_h);
  message.set_target_rate_ml_per_h(advice.target_rate_ml_per_h);
  message.set_reason(advice.reason);
}

v1::Advice toProto(const core::Advice& advice) {
  v1::Advice message;
  fill(advice, message);
  return message;
}

// An advice this station cannot name is still shown, by its reason, rather than dropped.
core::Advice fromProto(const v1::Advice& message) {
  EnumReader enums;
  core::Advice advice{enums.read<core::AdviceAction>(message.action(), "advice"), message.target_rate_mg_per_kg_per_h(),
                      message.target_rate_ml_per_h(), message.reason()};
  if (!enums.allKnown()) advice.reason = "(unknown advice " + std::to_string(message.action()) + ") " + advice.reason;
  return advice;
}

void fill(const core::News2SubScore& sub_score, v1::News2SubScore& message) {
  message.set_parameter(sub_score.parameter);
  message.set_known(sub_score.known);
  message.set_value(sub_score.value);
  message.set_score(sub_score.score);
}

void fill(const core::LatestValue& value, v1::LatestValue& message);
void fill(const core::BaselineEntry& baseline, v1::BaselineEntry& message);

// A repeated field made equal to `values`, reusing the elements it already holds.
template <typename Values, typename Message>
void fillRepeated(const Values& values, google::protobuf::RepeatedPtrField<Message>& repeated) {
  const int size = static_cast<int>(values.size());
  while (repeated.size() > size) repeated.RemoveLast();
  for (int i = 0; i < size; ++i) {
    fill(values[static_cast<std::size_t>(i)], i < repeated.size() ? *repeated.Mutable(i) : *repeated.Add());
  }
}

core::News2SubScore fromProto(const v1::News2SubScore& message) {
  return core::News2SubScore{message.parameter(), message.known(), message.value(), message.score()};
}

}  // namespace

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

v1::AlarmEvent toProto(const core::AlarmEvent& event) {
  v1::AlarmEvent message;
  message.set_alert_id(event.alert_id);
  message.set_patient_id(event.patient_id);
  message.set_unit(event.unit);
  message.set_condition(event.condition);
  message.set_title(event.title);
  message.set_kind(toWire(event.kind));
  message.set_priority(toWire(event.priority));
  message.set_phase(toWire(event.phase));
  message.set_state(toWire(event.state));
  message.set_inactivation(toWire(event.inactivation));
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
  EnumReader enums;  // unknown values read as shown_as: a station never hides an alarm
  core::AlarmEvent event;
  event.alert_id = message.alert_id();
  event.patient_id = message.patient_id();
  event.unit = message.unit();
  event.condition = message.condition();
  event.title = message.title();
  event.kind = enums.read<core::AlarmKind>(message.kind(), "kind");
  event.priority = enums.read<core::Priority>(message.priority(), "priority");
  event.phase = enums.read<core::Phase>(message.phase(), "phase");
  event.state = enums.read<core::AlarmState>(message.state(), "state");
  event.inactivation = enums.read<core::Inactivation>(message.inactivation(), "inactivation");
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
  message.set_previous_action(toWire(event.previous_action));
  message.set_condition(event.condition);
  message.set_alert_id(event.alert_id);
  *message.mutable_trigger() = toProto(event.trigger);
  *message.mutable_dose() = toProto(event.dose);
  return message;
}

core::AdviceEvent fromProto(const v1::AdviceEvent& message) {
  EnumReader enums;
  core::AdviceEvent event;
  event.advice_id = message.advice_id();
  event.patient_id = message.patient_id();
  event.unit = message.unit();
  event.event_time = core::fromMillis(message.event_time_ms());
  event.advice = fromProto(message.advice());
  event.previous_action = enums.read<core::AdviceAction>(message.previous_action(), "previous_action");
  event.condition = message.condition();
  event.alert_id = message.alert_id();
  event.trigger = fromProto(message.trigger());
  event.dose = fromProto(message.dose());
  return event;
}

namespace {

void fill(const core::News2& news2, v1::News2& message) {
  message.set_total(news2.total);
  message.set_band(toWire(news2.band));
  message.set_any_single_three(news2.any_single_three);
  message.set_spo2_scale(news2.spo2_scale);
  fillRepeated(news2.sub_scores, *message.mutable_sub_scores());
}

void fill(const core::LatestValue& value, v1::LatestValue& message) {
  message.set_code(value.code);
  message.set_metric(value.metric);
  message.set_value(value.value);
  message.set_unit(value.unit);
  message.set_time_ms(core::toMillis(value.time));
}

void fill(const core::BaselineEntry& baseline, v1::BaselineEntry& message) {
  message.set_metric(baseline.metric);
  message.set_value(baseline.value);
  message.set_provisional(baseline.provisional);
}

}  // namespace

v1::News2 toProto(const core::News2& news2) {
  v1::News2 message;
  fill(news2, message);
  return message;
}

core::News2 fromProto(const v1::News2& message) {
  EnumReader enums;
  core::News2 news2;
  news2.total = message.total();
  news2.band = enums.read<core::News2Band>(message.band(), "band");
  news2.any_single_three = message.any_single_three();
  // 0 is proto3's "not set": an engine that sent no NEWS2 scored nothing on any scale.
  news2.spo2_scale = message.spo2_scale() == 0 ? 1 : message.spo2_scale();
  for (const auto& sub_score : message.sub_scores()) news2.sub_scores.push_back(fromProto(sub_score));
  return news2;
}

v1::LatestValue toProto(const core::LatestValue& value) {
  v1::LatestValue message;
  fill(value, message);
  return message;
}

core::LatestValue fromProto(const v1::LatestValue& message) {
  return core::LatestValue{message.code(), message.metric(), message.value(), message.unit(),
                           core::fromMillis(message.time_ms())};
}

v1::BaselineEntry toProto(const core::BaselineEntry& baseline) {
  v1::BaselineEntry message;
  fill(baseline, message);
  return message;
}

core::BaselineEntry fromProto(const v1::BaselineEntry& message) {
  return core::BaselineEntry{message.metric(), message.value(), message.provisional()};
}

v1::PatientStatus toProto(const core::PatientStatus& status) {
  v1::PatientStatus message;
  toProto(status, message);
  return message;
}

void toProto(const core::PatientStatus& status, v1::PatientStatus& into) {
  into.set_patient_id(status.patient_id);
  into.set_unit(status.unit);
  into.set_event_time_ms(core::toMillis(status.event_time));
  fillRepeated(status.latest, *into.mutable_latest());
  fill(status.news2, *into.mutable_news2());
  fillRepeated(status.baselines, *into.mutable_baselines());
  fill(status.dose, *into.mutable_dose());
  fill(status.advice, *into.mutable_advice());
  into.set_active_alarms(static_cast<std::uint32_t>(status.active_alarms));
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

}  // namespace vigil::streamer
