// The labelled ward generator (labelled_ward.h). Each patient is a steady adult whose
// infusion starts at minute 10 (after the 5 min the baseline needs); from minute 14 the
// session is cut into 9-minute slots, and each slot holds one episode followed by at least
// three minutes of recovery, so that every alarm can be put down to one label.
#include "tools/vigil-scenario/labelled_ward.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <sstream>
#include <type_traits>

#include "alarms/core/metrics.h"
#include "streamer/simulator/random.h"
#include "streamer/source/source.h"

namespace vigil::tools::scenario {
namespace {

namespace sim = vigil::streamer::sim;
namespace mdc = vigil::core::mdc;
using core::Quality;

// Session shape (engine-independent choices of this synthetic ward).
constexpr int kInfusionStartS = 600;
constexpr int kFirstSlotS = 840;
constexpr int kSlotS = 540;
constexpr int kNibpIntervalS = 120;
constexpr int kPumpIntervalS = 5;
constexpr double kWeightKg = 70.0;
constexpr double kConcentrationMgPerMl = 1.0;
constexpr double kStartRate = 0.2;  // mg/kg/h: below the protocol maximum

// What the monitor shows this second. The episodes change it.
struct Reading {
  double hr = 0, spo2 = 0, pulse = 0, rr = 0, etco2 = 0, temp = 0, sbp = 0;
  Quality spo2_quality = Quality::Valid;
  Quality hr_quality = Quality::Valid;
  bool frame_missing = false;
};

struct Baseline {
  double hr, spo2, rr, etco2, temp, sbp;
};

// One episode's effect on the reading at `s` seconds into it, of `length` seconds.
using Shape = std::function<void(Reading&, int s, int length, sim::Rng&)>;

struct EpisodeKind {
  std::string name;  // rule id for true events, nuisance kind otherwise
  Expect expect;
  int row;             // CLINICAL.md row (true events)
  std::string metric;  // label metric
  int min_length_s;
  int max_length_s;
  Shape vitals;  // nullptr: not a vitals episode (pump or entry, see below)
};

// The sustained true events, one per drivable row (row 20, more than 100 mg in 4 h, cannot
// be reached in a 2 h ward at the ward's rates; its rule is tested in rule_table_test).
const std::vector<EpisodeKind>& trueEvents() {
  static const std::vector<EpisodeKind> kinds = {
      {"spo2-below-90", Expect::MustAlarm, 1, "SPO2", 90, 150,
       [](Reading& r, int, int, sim::Rng& g) { r.spo2 = std::round(87 + g.uniform(0, 2)); }},
      {"spo2-at-or-below-85", Expect::MustAlarm, 2, "SPO2", 60, 120,
       [](Reading& r, int, int, sim::Rng& g) { r.spo2 = std::round(82 + g.uniform(0, 2)); }},
      {"spo2-below-94", Expect::MustAlarm, 3, "SPO2", 150, 240,
       [](Reading& r, int, int, sim::Rng& g) { r.spo2 = std::round(91.5 + g.uniform(0, 1.4)); }},
      {"rr-below-10", Expect::MustAlarm, 4, "RR", 90, 180,
       [](Reading& r, int, int, sim::Rng& g) { r.rr = std::round(7 + g.uniform(0, 1.9)); }},
      {"no-breath", Expect::MustAlarm, 5, "RR", 40, 60, [](Reading& r, int, int, sim::Rng&) { r.rr = 0; }},
      {"sbp-above-180", Expect::MustAlarm, 6, "SBP", 300, 360,
       [](Reading& r, int, int, sim::Rng& g) { r.sbp = 190 + g.uniform(0, 10); }},
      {"sbp-above-160", Expect::MustAlarm, 7, "SBP", 300, 360,
       [](Reading& r, int, int, sim::Rng& g) { r.sbp = 168 + g.uniform(0, 8); }},
      {"sbp-below-90", Expect::MustAlarm, 8, "SBP", 300, 360,
       [](Reading& r, int, int, sim::Rng& g) { r.sbp = 80 + g.uniform(0, 6); }},
      {"bp-20pct-above-baseline", Expect::MustAlarm, 9, "SBP", 300, 360,
       [](Reading& r, int, int, sim::Rng&) { r.sbp *= 1.27; }},
      {"bp-30pct-above-baseline", Expect::MustAlarm, 10, "SBP", 300, 360,
       [](Reading& r, int, int, sim::Rng&) { r.sbp *= 1.38; }},
      {"hr-out-of-range", Expect::MustAlarm, 11, "HR", 60, 120,
       [](Reading& r, int, int, sim::Rng& g) { r.hr = r.pulse = std::round(158 + g.uniform(0, 8)); }},
      {"hr-above-120", Expect::MustAlarm, 12, "HR", 120, 180,
       [](Reading& r, int, int, sim::Rng& g) { r.hr = r.pulse = std::round(126 + g.uniform(0, 8)); }},
      {"hr-30pct-above-baseline", Expect::MustAlarm, 13, "HR", 180, 240,
       [](Reading& r, int, int, sim::Rng&) { r.hr = r.pulse = std::round(std::min(r.hr * 1.4, 118.0)); }},
      {"etco2-above-50", Expect::MustAlarm, 14, "ETCO2", 120, 180,
       [](Reading& r, int, int, sim::Rng& g) { r.etco2 = std::round(54 + g.uniform(0, 3)); }},
      {"sedation-rass-minus-2", Expect::MustAlarm, 15, "ENTRY", 1, 1, nullptr},
      {"psychotomimetic-severe", Expect::MustAlarm, 16, "ENTRY", 1, 1, nullptr},
      {"nausea-repeated", Expect::MustAlarm, 17, "ENTRY", 600, 600, nullptr},
      {"dose-rate-above-protocol-max", Expect::MustAlarm, 18, "DOSE_RATE", 240, 240, nullptr},
      {"dose-rate-above-ceiling", Expect::MustAlarm, 19, "DOSE_RATE", 60, 60, nullptr},
      {"rate-increase-too-soon", Expect::MustAlarm, 21, "DOSE_RATE", 120, 120, nullptr},
      {"news2-aggregate", Expect::MustAlarm, 22, "NEWS2", 240, 300,
       [](Reading& r, int, int, sim::Rng& g) {
         r.rr = std::round(22 + g.uniform(0, 2));
         r.hr = r.pulse = std::round(std::min(112 + g.uniform(0, 6), 118.0));
         r.spo2 = std::round(94 + g.uniform(0, 1.4));
       }},
  };
  return kinds;
}

// The nuisance: what a monitor shows that is not the patient.
const std::vector<EpisodeKind>& nuisances() {
  static const std::vector<EpisodeKind> kinds = {
      // An arm moves: the pleth is disturbed and SpO2 reads low for a few seconds, unmarked.
      {"motion-dip", Expect::MustNotAlarm, 0, "SPO2", 3, 8,
       [](Reading& r, int, int, sim::Rng& g) { r.spo2 = std::round(82 + g.uniform(0, 7)); }},
      // One double-counted (or missed) beat: a single HR sample far out, unmarked.
      {"hr-spike", Expect::MustNotAlarm, 0, "HR", 1, 1,
       [](Reading& r, int, int, sim::Rng& g) {
         r.hr = std::round(g.uniform() < 0.75 ? 135 + g.uniform(0, 40) : 30 + g.uniform(0, 9));
         // Half of them from motion that the oximeter's pulse sees too.
         if (g.uniform() < 0.5) r.pulse = r.hr;
       }},
      // The probe comes off: the oximeter says so and reads 0.
      {"sensor-off", Expect::MustNotAlarm, 0, "SPO2", 10, 25,
       [](Reading& r, int, int, sim::Rng&) {
         r.spo2 = 0;
         r.pulse = 0;
         r.spo2_quality = Quality::SensorOff;
       }},
      // An ECG lead comes off: HR reads 0 and is marked.
      {"lead-off", Expect::MustNotAlarm, 0, "HR", 10, 25,
       [](Reading& r, int, int, sim::Rng&) {
         r.hr = 0;
         r.hr_quality = Quality::SensorOff;
       }},
      // Frames lost on the network or a monitor reboot: nothing at all.
      {"missing-samples", Expect::MustNotAlarm, 0, "ALL", 3, 8,
       [](Reading& r, int, int, sim::Rng&) { r.frame_missing = true; }},
      // The cuff re-cycles after a disturbed measurement: one high reading, unmarked (see
      // makePatient), then a normal one 40 s later.
      {"nibp-recycle", Expect::MustNotAlarm, 0, "SBP", 45, 45, nullptr},
      // A probe losing contact drifts low over a minute; the oximeter marks it questionable.
      {"drifting-probe", Expect::MustNotAlarm, 0, "SPO2", 60, 120,
       [](Reading& r, int s, int length, sim::Rng&) {
         const double depth = 12.0 * std::sin(M_PI * s / length);
         r.spo2 = std::round(r.spo2 - depth);
         r.spo2_quality = Quality::Questionable;
       }},
  };
  return kinds;
}

struct Placed {
  const EpisodeKind* kind;
  int start_s;
  int length_s;
};

core::Measurement measurement(std::uint32_t code, double value, Quality quality = Quality::Valid) {
  return {code, value, std::string(core::metricUnit(core::metricForCode(code)->metric)), quality};
}

class PatientWriter {
 public:
  PatientWriter(const WardSpec& spec, int index, sim::Rng& rng) : spec_(spec), rng_(rng), id_(patientId(index)) {
    base_ = {std::round(rng.uniform(64, 84)),  97.0, std::round(rng.uniform(13, 16)), 38.0, rng.uniform(36.5, 37.1),
             std::round(rng.uniform(115, 135))};
  }

  static std::string patientId(int index) {
    char id[16];
    std::snprintf(id, sizeof id, "lw-%02d", index + 1);
    return id;
  }

  void place(std::vector<Placed> episodes) { episodes_ = std::move(episodes); }

  void write(std::vector<v1::RecordedMessage>& out, std::vector<Label>& labels) {
    const int end_s = static_cast<int>(spec_.hours * 3600);
    for (int s = 0; s < end_s; ++s) {
      Reading reading = steady();
      applyVitals(reading, s);
      if (!reading.frame_missing) out.push_back(streamer::source::encode(monitorFrame(reading, s)));
      else ++monitor_sequence_;  // the device numbered the frames that never arrived
      if (s % kNibpIntervalS == kNibpIntervalS - 1) out.push_back(streamer::source::encode(nibpFrame(reading.sbp, s)));
      writePumpAndEntries(s, out);
    }
    for (const auto& episode : episodes_) labels.push_back(labelOf(episode));
  }

 private:
  Reading steady() {
    Reading r;
    r.hr = std::round(base_.hr + 1.5 * rng_.normal());
    r.pulse = r.hr;
    r.spo2 = std::clamp(std::round(base_.spo2 + 0.6 * rng_.normal()), 96.0, 100.0);
    r.rr = std::round(base_.rr + 0.6 * rng_.normal());
    r.etco2 = std::round(base_.etco2 + 0.8 * rng_.normal());
    r.temp = std::round(10 * base_.temp) / 10;
    r.sbp = base_.sbp + 3 * rng_.normal();
    return r;
  }

  void applyVitals(Reading& reading, int s) {
    for (const auto& episode : episodes_) {
      if (!episode.kind->vitals || s < episode.start_s || s >= episode.start_s + episode.length_s) continue;
      episode.kind->vitals(reading, s - episode.start_s, episode.length_s, rng_);
    }
  }

  // Who sent it, its number and its time: the same for frames, pump statuses and entries.
  template <typename Message>
  Message stamped(const char* device, std::uint64_t& sequence, int s) const {
    Message message;
    message.patient_id = id_;
    message.unit = "lw";
    message.sequence = ++sequence;
    message.time = core::fromMillis(spec_.start_ms + 1000LL * s);
    if constexpr (std::is_same_v<Message, core::ClinicalEvent>) message.source_id = id_ + device;
    else message.device_id = id_ + device;
    return message;
  }

  core::VitalsFrame frame(int s) { return stamped<core::VitalsFrame>("-monitor", monitor_sequence_, s); }

  core::VitalsFrame monitorFrame(const Reading& r, int s) {
    auto f = frame(s);
    f.measurements = {measurement(mdc::kEcgHeartRate, r.hr, r.hr_quality),
                      measurement(mdc::kSpO2, r.spo2, r.spo2_quality),
                      measurement(mdc::kPulseOximPulseRate, r.pulse, r.spo2_quality),
                      measurement(mdc::kRespRate, r.rr),
                      measurement(mdc::kEtCO2, r.etco2),
                      measurement(mdc::kTempBody, r.temp)};
    return f;
  }

  core::VitalsFrame nibpFrame(double sbp, int s) {
    auto f = frame(s);
    const double systolic = std::round(sbp);
    const double diastolic = std::round(75 + 0.45 * (systolic - 125));
    f.measurements = {measurement(mdc::kNibpSys, systolic), measurement(mdc::kNibpDia, diastolic),
                      measurement(mdc::kNibpMean, std::round(diastolic + (systolic - diastolic) / 3))};
    return f;
  }

  // Pump statuses, nurse entries and the NIBP re-cycles: episodes that are events, not a
  // shape on the 1 Hz vitals.
  void writePumpAndEntries(int s, std::vector<v1::RecordedMessage>& out) {
    for (const auto& episode : episodes_) {
      const auto& name = episode.kind->name;
      const int t = s - episode.start_s;
      if (name == "sedation-rass-minus-2" && t == 0)
        out.push_back(entry(s, core::ClinicalEventKind::SedationScore, -2));
      if (name == "psychotomimetic-severe" && t == 0)
        out.push_back(entry(s, core::ClinicalEventKind::Hallucination, 0));
      if (name == "nausea-repeated" && (t == 0 || t == 300))
        out.push_back(entry(s, core::ClinicalEventKind::Nausea, 0));
      if (name == "nibp-recycle" && t == 0)
        out.push_back(streamer::source::encode(nibpFrame(rng_.uniform(222, 240), s)));
      if (name == "nibp-recycle" && t == 40) out.push_back(streamer::source::encode(nibpFrame(base_.sbp, s)));
    }
    const double rate = rateAt(s);
    if (rate != last_rate_ || s % kPumpIntervalS == 0) out.push_back(pump(s, rate));
    last_rate_ = rate;
  }

  double rateAt(int s) const {
    if (s < kInfusionStartS) return 0.0;
    for (const auto& episode : episodes_) {
      const int t = s - episode.start_s;
      if (t < 0 || t >= episode.length_s) continue;
      const auto& name = episode.kind->name;
      if (name == "dose-rate-above-protocol-max") return 0.4;
      if (name == "dose-rate-above-ceiling") return 1.1;
      // Two increases one minute apart: the second is far sooner than the protocol allows.
      if (name == "rate-increase-too-soon") return t < 60 ? 0.25 : 0.3;
    }
    return kStartRate;
  }

  v1::RecordedMessage pump(int s, double rate) {
    auto status = stamped<core::PumpStatus>("-pump", pump_sequence_, s);
    status.drug = "ketamine";
    status.concentration_mg_per_ml = kConcentrationMgPerMl;
    status.dose_rate_mg_per_kg_per_h = rate;
    status.rate_ml_per_h = rate * kWeightKg / kConcentrationMgPerMl;
    status.patient_weight_kg = kWeightKg;
    status.state = rate > 0 ? core::PumpState::Running : core::PumpState::Stopped;
    volume_ml_ += status.rate_ml_per_h * kPumpIntervalS / 3600.0;
    status.volume_infused_ml = volume_ml_;
    return streamer::source::encode(status);
  }

  v1::RecordedMessage entry(int s, core::ClinicalEventKind kind, int rass) {
    auto event = stamped<core::ClinicalEvent>("-nurse", entry_sequence_, s);
    event.kind = kind;
    event.rass_score = rass;
    event.severity = kind == core::ClinicalEventKind::Hallucination ? core::Severity::Severe : core::Severity::Mild;
    event.entered_by = "labelled-ward";
    return streamer::source::encode(event);
  }

  Label labelOf(const Placed& episode) const {
    Label label;
    label.patient = id_;
    label.metric = episode.kind->metric;
    label.start_ms = spec_.start_ms + 1000LL * episode.start_s;
    label.end_ms = label.start_ms + 1000LL * episode.length_s;
    label.expect = episode.kind->expect;
    if (label.expect == Expect::MustAlarm) {
      label.rule = episode.kind->name;
      label.row = episode.kind->row;
      // The second nausea entry and the second rate increase are the events that alarm.
      if (label.rule == "nausea-repeated") label.start_ms += 300'000;
      if (label.rule == "rate-increase-too-soon") label.start_ms += 60'000;
    } else {
      label.nuisance = episode.kind->name;
    }
    return label;
  }

  const WardSpec& spec_;
  sim::Rng& rng_;
  std::string id_;
  Baseline base_{};
  std::vector<Placed> episodes_;
  std::uint64_t monitor_sequence_ = 0, pump_sequence_ = 0, entry_sequence_ = 0;
  double last_rate_ = -1;
  double volume_ml_ = 0;
};

// Which episodes go where: the true events dealt round-robin over the patients, so every
// row appears at least once in a 12-patient ward, nuisance in every other slot.
std::vector<std::vector<Placed>> placeEpisodes(const WardSpec& spec, sim::Rng& rng) {
  const int slots = std::max(0, (static_cast<int>(spec.hours * 3600) - kFirstSlotS) / kSlotS);
  std::vector<std::vector<Placed>> placed(static_cast<std::size_t>(spec.patients));
  std::size_t next_true = 0, next_nuisance = 0;
  for (int p = 0; p < spec.patients; ++p) {
    for (int slot = 0; slot < slots; ++slot) {
      // Slots 3 and 8: more than 30 min after the infusion starts and apart, so the pump
      // steps of rows 18, 19 and 21 never make a titration-pace alarm by accident.
      const bool true_slot = slot == 3 || slot == 8;
      const auto& pool = true_slot ? trueEvents() : nuisances();
      const auto& kind = pool[(true_slot ? next_true++ : next_nuisance++) % pool.size()];
      const int length = static_cast<int>(std::lround(rng.uniform(kind.min_length_s, kind.max_length_s)));
      const int jitter = static_cast<int>(rng.uniform(0, 30));
      placed[static_cast<std::size_t>(p)].push_back({&kind, kFirstSlotS + slot * kSlotS + jitter, length});
    }
  }
  return placed;
}

std::string jsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

const std::vector<std::string>& nuisanceKinds() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& kind : nuisances()) out.push_back(kind.name);
    return out;
  }();
  return names;
}

LabelledWard generateLabelledWard(const WardSpec& spec) {
  LabelledWard ward;
  ward.spec = spec;
  sim::Rng placement(sim::mixSeed(spec.seed, 0));
  const auto placed = placeEpisodes(spec, placement);
  for (int p = 0; p < spec.patients; ++p) {
    sim::Rng rng(sim::mixSeed(spec.seed, static_cast<std::uint64_t>(p) + 1));
    PatientWriter writer(spec, p, rng);
    writer.place(placed[static_cast<std::size_t>(p)]);
    writer.write(ward.messages, ward.labels);
  }
  // One ward, one clock: every patient's messages merged in time (stable: a patient's own
  // order is kept).
  std::stable_sort(ward.messages.begin(), ward.messages.end(),
                   [](const auto& a, const auto& b) { return a.receive_time_ms() < b.receive_time_ms(); });
  return ward;
}

std::string labelsJson(const LabelledWard& ward) {
  std::ostringstream json;
  json << "{\"ward\": {\"patients\": " << ward.spec.patients << ", \"hours\": " << ward.spec.hours
       << ", \"seed\": " << ward.spec.seed << ", \"start_ms\": " << ward.spec.start_ms << "},\n \"labels\": [";
  for (std::size_t i = 0; i < ward.labels.size(); ++i) {
    const auto& l = ward.labels[i];
    json << (i ? ",\n  " : "\n  ") << "{\"patient\": " << jsonString(l.patient)
         << ", \"metric\": " << jsonString(l.metric) << ", \"start_ms\": " << l.start_ms << ", \"end_ms\": " << l.end_ms
         << ", \"expect\": \"" << (l.expect == Expect::MustAlarm ? "must_alarm" : "must_not_alarm") << "\"";
    if (l.expect == Expect::MustAlarm) json << ", \"rule\": " << jsonString(l.rule) << ", \"row\": " << l.row;
    else json << ", \"nuisance\": " << jsonString(l.nuisance);
    json << "}";
  }
  json << "\n ]}\n";
  return json.str();
}

}  // namespace vigil::tools::scenario
