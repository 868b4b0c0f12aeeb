#include "streamer/simulator/patient.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

#include "alarms/core/metrics.h"

namespace vigil::streamer::sim {
namespace {

namespace mdc = core::mdc;

// A measurement in the UCUM unit the core's code table gives for its code.
core::Measurement measurement(std::uint32_t code, double value, core::Quality quality = core::Quality::Valid) {
  return {code, value, std::string(core::metricUnit(core::metricForCode(code)->metric)), quality};
}

constexpr const char* kDrug = "ketamine";
constexpr double kSecondsPerHour = 3600.0;

// Acute tolerance builds with this time constant (engine choice): with the lag it puts
// the ordinary patient's BP peak about 30-40 min after a step (CLINICAL.md section 2).
constexpr double kToleranceMinutes = 60.0;

// Noise on each vital (engine choice, tuned by eye against monitor trends): standard
// deviation and how long a wander lasts. Pulse rate adds its own beat-detection jitter.
struct NoiseSpec {
  double sd;
  double correlation_seconds;
};
constexpr NoiseSpec kHeartRateNoise{2.0, 60.0};
constexpr NoiseSpec kSpO2Noise{0.5, 30.0};
constexpr NoiseSpec kRespRateNoise{0.8, 90.0};
constexpr NoiseSpec kEtCO2Noise{0.8, 120.0};
constexpr NoiseSpec kTemperatureNoise{0.08, 900.0};
constexpr NoiseSpec kPressureNoise{3.0, 900.0};  // slow drift of the true pressure
constexpr double kPulseJitterSd = 1.0;
constexpr double kNibpSystolicErrorSd = 3.0;  // per-reading cuff error
constexpr double kNibpDiastolicErrorSd = 2.0;

// Hypoxaemia drives the heart a little (engine choice): beats/min added at the nadir.
constexpr double kHypoxicHeartRateRise = 8.0;

// Artifacts (engine choice): about four single-sample artifacts per patient-hour on the
// continuous channels, and one NIBP reading in 40 disturbed by movement.
constexpr double kFrameArtifactProbability = 1.0 / 900.0;
constexpr double kNibpArtifactProbability = 1.0 / 40.0;

// Streams of a patient's seed; stream 0 is the plan's (plan.cc).
constexpr std::uint64_t kNoiseStream = 1;
constexpr std::uint64_t kArtifactStream = 2;

double lagAlpha(double lag_minutes) {
  if (!(lag_minutes > 0.0)) return 1.0;
  return -std::expm1(-1.0 / (60.0 * lag_minutes));
}

double sigmoidEmax(const DoseResponse& response, double concentration) {
  if (concentration <= 0.0) return 0.0;
  const double c = std::pow(concentration, response.hill);
  return response.emax * c / (std::pow(response.ec50_ug_per_ml, response.hill) + c);
}

// 0 -> 1 smoothly over a ramp: the raised-cosine shape of a physiological change.
double smoothRamp(double fraction) { return 0.5 - 0.5 * std::cos(std::numbers::pi * std::clamp(fraction, 0.0, 1.0)); }

// How far into its full effect an episode is at `minute`: 0 outside, 1 during the hold.
double episodeDepthShare(const Episode& episode, double minute) {
  const double into = minute - episode.start_minute;
  if (into < 0.0 || minute >= episode.endMinute()) return 0.0;
  if (into < episode.onset_minutes) return smoothRamp(into / episode.onset_minutes);
  const double hold_end = episode.onset_minutes + episode.hold_minutes;
  if (into < hold_end) return 1.0;
  return 1.0 - smoothRamp((into - hold_end) / episode.recovery_minutes);
}

enum class ProbeState { Attached, Off, Reacquiring };

ProbeState probeStateAt(const std::vector<Episode>& episodes, double minute) {
  for (const auto& episode : episodes) {
    if (episode.kind != EpisodeKind::SpO2ProbeOff) continue;
    const double into = minute - episode.start_minute;
    if (into < 0.0 || minute >= episode.endMinute()) continue;
    return into < episode.onset_minutes + episode.hold_minutes ? ProbeState::Off : ProbeState::Reacquiring;
  }
  return ProbeState::Attached;
}

// The monitor shows whole numbers for everything but temperature (0.1 Cel).
double wholeNumber(double value) { return std::round(value); }
double tenths(double value) { return std::round(value * 10.0) / 10.0; }
double saturation(double value) { return std::clamp(std::round(value), 0.0, 100.0); }

Ar1Noise makeNoise(const NoiseSpec& spec, Rng& rng) {
  Ar1Noise noise(spec.sd, spec.correlation_seconds);
  noise.start(rng);
  return noise;
}

}  // namespace

core::TimePoint timeOf(const Output& output) {
  return std::visit([](const auto& message) { return message.time; }, output);
}

SimulatedPatient::SimulatedPatient(PatientPlan plan, const core::PkCoefficients& pk, DeviceCadence cadence)
    : plan_(std::move(plan)),
      cadence_(cadence),
      pk_(pk),
      noise_rng_(mixSeed(plan_.seed, kNoiseStream)),
      artifact_rng_(mixSeed(plan_.seed, kArtifactStream)) {
  for (const auto& step : plan_.titration) step_seconds_.push_back(std::llround(step.minute * 60.0));
  pressure_response_.lag_alpha = lagAlpha(plan_.pressure.lag_minutes);
  heart_rate_response_.lag_alpha = lagAlpha(plan_.heart_rate.lag_minutes);
  heart_rate_noise_ = makeNoise(kHeartRateNoise, noise_rng_);
  spo2_noise_ = makeNoise(kSpO2Noise, noise_rng_);
  resp_rate_noise_ = makeNoise(kRespRateNoise, noise_rng_);
  etco2_noise_ = makeNoise(kEtCO2Noise, noise_rng_);
  temperature_noise_ = makeNoise(kTemperatureNoise, noise_rng_);
  pressure_noise_ = makeNoise(kPressureNoise, noise_rng_);
}

void SimulatedPatient::tick(std::int64_t second, core::TimePoint time, std::vector<Output>& out) {
  const double minute = static_cast<double>(second) / 60.0;
  const bool rate_changed = advancePump(second, time);
  advancePhysiology(time, minute);
  if (rate_changed || second % cadence_.pump_every_s == 0) out.emplace_back(pumpStatus(time));
  out.emplace_back(monitorFrame(time, minute));
  if (nibpDue(second)) out.emplace_back(nibpFrame(time));
}

bool SimulatedPatient::nibpDue(std::int64_t second) const {
  if (second < cadence_.infusion_start_s) return second % cadence_.baseline_nibp_every_s == 0;
  return (second - cadence_.infusion_start_s) % cadence_.nibp_every_s == 0;
}

// Accounts the last second's volume at the old rate, then applies a step due now.
bool SimulatedPatient::advancePump(std::int64_t second, core::TimePoint time) {
  if (second > 0) {
    volume_infused_ml_ += rate_mg_per_kg_per_h_ * plan_.weight_kg / cadence_.concentration_mg_per_ml / kSecondsPerHour;
  }
  bool changed = false;
  while (next_step_ < step_seconds_.size() && step_seconds_[next_step_] <= second) {
    rate_mg_per_kg_per_h_ = plan_.titration[next_step_].rate_mg_per_kg_per_h;
    pk_.setRate(time, rate_mg_per_kg_per_h_);
    ++next_step_;
    changed = true;
  }
  return changed;
}

double SimulatedPatient::advanceResponse(ResponseState& state, const DoseResponse& response) {
  state.lagged_ce += (ce_ug_per_ml_ - state.lagged_ce) * state.lag_alpha;
  const double effect = sigmoidEmax(response, state.lagged_ce);
  static const double tolerance_alpha = lagAlpha(kToleranceMinutes);
  state.tolerance += (effect - state.tolerance) * tolerance_alpha;
  return effect - response.tolerance_fraction * state.tolerance;
}

void SimulatedPatient::advancePhysiology(core::TimePoint time, double minute) {
  ce_ug_per_ml_ = pk_.at(time).ce_ug_per_ml;
  const double pressure_rise = advanceResponse(pressure_response_, plan_.pressure);
  const double heart_rate_rise = advanceResponse(heart_rate_response_, plan_.heart_rate);

  double spo2_drop = 0.0;
  double hypoxic_rise = 0.0;
  for (const auto& episode : plan_.episodes) {
    if (episode.kind != EpisodeKind::Desaturation) continue;
    const double share = episodeDepthShare(episode, minute);
    spo2_drop += episode.depth * share;
    hypoxic_rise += kHypoxicHeartRateRise * share;
  }

  const BaselineVitals& base = plan_.baseline;
  now_.heart_rate = base.heart_rate_per_min + heart_rate_rise + hypoxic_rise + heart_rate_noise_.step(noise_rng_);
  now_.pulse_rate = now_.heart_rate + kPulseJitterSd * noise_rng_.normal();
  now_.spo2 = base.spo2_percent - spo2_drop + spo2_noise_.step(noise_rng_);
  now_.resp_rate = base.resp_rate_per_min + resp_rate_noise_.step(noise_rng_);
  now_.etco2 = base.etco2_mmhg + etco2_noise_.step(noise_rng_);
  now_.temperature = base.temperature_cel + temperature_noise_.step(noise_rng_);
  const double pressure_drift = pressure_noise_.step(noise_rng_);
  now_.systolic = base.systolic_mmhg + pressure_rise + pressure_drift;
  now_.diastolic = base.diastolic_mmhg + kDiastolicShare * (pressure_rise + pressure_drift);
}

core::PumpStatus SimulatedPatient::pumpStatus(core::TimePoint time) {
  core::PumpStatus status;
  status.patient_id = plan_.patient_id;
  status.unit = plan_.unit;
  status.device_id = plan_.pumpId();
  status.sequence = ++pump_sequence_;
  status.time = time;
  status.drug = kDrug;
  status.concentration_mg_per_ml = cadence_.concentration_mg_per_ml;
  status.dose_rate_mg_per_kg_per_h = rate_mg_per_kg_per_h_;
  status.rate_ml_per_h = rate_mg_per_kg_per_h_ * plan_.weight_kg / cadence_.concentration_mg_per_ml;
  status.patient_weight_kg = plan_.weight_kg;
  status.state = rate_mg_per_kg_per_h_ > 0.0 ? core::PumpState::Running : core::PumpState::Stopped;
  status.volume_infused_ml = volume_infused_ml_;
  return status;
}

core::VitalsFrame SimulatedPatient::emptyMonitorFrame(core::TimePoint time, std::size_t measurements) {
  core::VitalsFrame frame;
  frame.patient_id = plan_.patient_id;
  frame.unit = plan_.unit;
  frame.device_id = plan_.monitorId();
  frame.sequence = ++monitor_sequence_;
  frame.time = time;
  frame.measurements.reserve(measurements);
  return frame;
}

core::VitalsFrame SimulatedPatient::monitorFrame(core::TimePoint time, double minute) {
  constexpr std::size_t kMonitorMeasurements = 6;
  core::VitalsFrame frame = emptyMonitorFrame(time, kMonitorMeasurements);
  const ProbeState probe = probeStateAt(plan_.episodes, minute);
  // A detached probe reads 0 and says so; while re-acquiring it shows real but doubtful values.
  const core::Quality oximeter_quality = probe == ProbeState::Off           ? core::Quality::SensorOff
                                         : probe == ProbeState::Reacquiring ? core::Quality::Questionable
                                                                            : core::Quality::Valid;
  const bool off = probe == ProbeState::Off;
  auto& m = frame.measurements;
  m.push_back(measurement(mdc::kEcgHeartRate, wholeNumber(now_.heart_rate)));
  m.push_back(measurement(mdc::kSpO2, off ? 0.0 : saturation(now_.spo2), oximeter_quality));
  m.push_back(measurement(mdc::kPulseOximPulseRate, off ? 0.0 : wholeNumber(now_.pulse_rate), oximeter_quality));
  m.push_back(measurement(mdc::kRespRate, wholeNumber(now_.resp_rate)));
  m.push_back(measurement(mdc::kEtCO2, wholeNumber(now_.etco2)));
  m.push_back(measurement(mdc::kTempBody, tenths(now_.temperature)));
  maybeAddArtifact(frame);
  return frame;
}

// A single-sample artifact on one continuous channel, marked as such, with the kind of
// value it produces at the bedside: motion double-counts ECG beats, pulls SpO2 down and
// confuses the oximeter's pulse; talking makes the impedance RR jump.
void SimulatedPatient::maybeAddArtifact(core::VitalsFrame& frame) {
  // Single samples: a frame right after an artifact is left clean.
  const bool draw = artifact_rng_.uniform() < kFrameArtifactProbability;
  const bool allowed = !previous_frame_had_artifact_;
  previous_frame_had_artifact_ = false;
  if (!draw || !allowed) return;
  constexpr std::size_t kChannels = 4;  // HR, SpO2, pulse, RR: the first four measurements
  const auto channel = static_cast<std::size_t>(artifact_rng_.uniform() * kChannels);
  core::Measurement& measurement = frame.measurements[channel];
  if (measurement.quality != core::Quality::Valid) return;  // a sensor-off value stays what it is
  const double factor = artifact_rng_.uniform();
  switch (channel) {
    case 0: measurement.value = wholeNumber(measurement.value * (1.6 + 0.4 * factor)); break;
    case 1: measurement.value = saturation(measurement.value - (8.0 + 12.0 * factor)); break;
    case 2: measurement.value = wholeNumber(measurement.value * (0.4 + 0.3 * factor)); break;
    default: measurement.value = wholeNumber(measurement.value * (2.0 + factor)); break;
  }
  measurement.quality = core::Quality::Artifact;
  previous_frame_had_artifact_ = true;
}

core::VitalsFrame SimulatedPatient::nibpFrame(core::TimePoint time) {
  constexpr std::size_t kNibpMeasurements = 3;
  core::VitalsFrame frame = emptyMonitorFrame(time, kNibpMeasurements);
  double systolic = now_.systolic + kNibpSystolicErrorSd * noise_rng_.normal();
  double diastolic = now_.diastolic + kNibpDiastolicErrorSd * noise_rng_.normal();
  core::Quality quality = core::Quality::Valid;
  // An arm moved during the measurement: the oscillometric reading comes out high.
  if (artifact_rng_.uniform() < kNibpArtifactProbability) {
    systolic += 25.0 + 20.0 * artifact_rng_.uniform();
    diastolic += 10.0 + 10.0 * artifact_rng_.uniform();
    quality = core::Quality::Artifact;
  }
  systolic = wholeNumber(systolic);
  diastolic = wholeNumber(diastolic);
  const double mean = wholeNumber(diastolic + (systolic - diastolic) / 3.0);
  frame.measurements.push_back(measurement(mdc::kNibpSys, systolic, quality));
  frame.measurements.push_back(measurement(mdc::kNibpDia, diastolic, quality));
  frame.measurements.push_back(measurement(mdc::kNibpMean, mean, quality));
  return frame;
}

}  // namespace vigil::streamer::sim
