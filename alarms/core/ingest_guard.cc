#include "alarms/core/ingest_guard.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "alarms/core/metrics.h"

namespace vigil::core {
namespace {

IngestVerdict refuse(FrameFault fault, std::string reason) {
  IngestVerdict verdict;
  verdict.fault = fault;
  verdict.reason = std::move(reason);
  return verdict;
}

std::string millisText(Duration d) { return std::to_string(d.count()) + " ms"; }

// No stamp reads later than this (10000-01-01); refusing such stamps keeps every sum of a
// time and a tolerance far below overflow, in the guard and in the engine after it. Not
// earlier: MIMIC shifts its records' dates into the 2100s-2900s to de-identify them, and
// those recordings are real data (in stream mode only the data's own time matters).
constexpr std::int64_t kLatestPlausibleMs = 253'402'300'800'000;

// time +/- tolerance, saturating: a tolerance configured as "forever" must not wrap.
constexpr std::int64_t kMaxMs = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinMs = std::numeric_limits<std::int64_t>::min();

TimePoint plus(TimePoint time, Duration tolerance) {
  const auto t = std::max<std::int64_t>(tolerance.count(), 0);
  return toMillis(time) > kMaxMs - t ? fromMillis(kMaxMs) : fromMillis(toMillis(time) + t);
}

TimePoint minus(TimePoint time, Duration tolerance) {
  const auto t = std::max<std::int64_t>(tolerance.count(), 0);
  return toMillis(time) < kMinMs + t ? fromMillis(kMinMs) : fromMillis(toMillis(time) - t);
}

// ---------------------------------------------------------------- units

// UCUM annotations ("{beat}/min", "{breaths}/min") carry no dimension: "{beat}/min" is
// "/min", and a unit that is only an annotation ("{ratio}") is "1".
std::string withoutAnnotations(std::string_view unit) {
  std::string plain;
  int depth = 0;
  for (char c : unit) {
    if (c == '{') ++depth;
    else if (c == '}' && depth > 0) --depth;
    else if (depth == 0 && c != ' ') plain += c;
  }
  if (plain.empty() && !unit.empty()) return "1";
  return plain;
}

// Conversions that cannot be misread: each maps one spelling of one dimension onto the
// unit the core's code table expects. Anything not listed is refused, never guessed.
struct Conversion {
  std::string_view expected;
  std::string_view given;
  double scale;
  double offset;  // value_expected = value_given * scale + offset
};

constexpr Conversion kConversions[] = {
    {"%", "1", 100.0, 0.0},  // SpO2 as a fraction
    {"Cel", "[degF]", 5.0 / 9.0, -32.0 * 5.0 / 9.0},
    {"Cel", "K", 1.0, -273.15},
    {"mm[Hg]", "mmHg", 1.0, 0.0},  // the common non-UCUM spelling
    {"mm[Hg]", "kPa", 7.500615758, 0.0},
    {"/min", "1/min", 1.0, 0.0},
    {"/min", "/s", 60.0, 0.0},
    {"/min", "/h", 1.0 / 60.0, 0.0},
};

enum class UnitFit { Expected, Converted, Mismatch };

UnitFit fitUnit(Measurement& measurement, std::string_view expected) {
  const auto given = withoutAnnotations(measurement.unit);
  if (given.empty() || given == expected) return UnitFit::Expected;
  for (const auto& conversion : kConversions) {
    if (conversion.expected == expected && conversion.given == given) {
      measurement.value = measurement.value * conversion.scale + conversion.offset;
      measurement.unit = std::string(expected);
      return UnitFit::Converted;
    }
  }
  return UnitFit::Mismatch;
}

// The device says the number means nothing; the engine keeps it out of the rules.
bool flaggedByDevice(Quality quality) { return quality == Quality::Artifact || quality == Quality::SensorOff; }

// Drops the measurements no engine may see; returns how many of each kind.
void checkMeasurements(VitalsFrame& frame, IngestVerdict& verdict) {
  std::erase_if(frame.measurements, [&verdict](Measurement& measurement) {
    if (flaggedByDevice(measurement.quality)) return false;
    const auto source = metricForCode(measurement.code);
    if (!source) return false;  // carried, never evaluated: the engine counts it
    switch (fitUnit(measurement, metricUnit(source->metric))) {
      case UnitFit::Mismatch: ++verdict.measurements_unit_mismatch; return true;
      case UnitFit::Converted: ++verdict.measurements_converted; break;
      case UnitFit::Expected: break;
    }
    if (!std::isfinite(measurement.value) || !measuringRange(source->metric).contains(measurement.value)) {
      ++verdict.measurements_out_of_range;
      return true;
    }
    return false;
  });
}

bool inRange(double value, MeasuringRange range) { return std::isfinite(value) && range.contains(value); }

// Enum values need no check here: the codec refuses any the table does not know (streamer/enums.h).
std::optional<std::string> impossiblePumpValue(const PumpStatus& status) {
  using namespace pump_range;
  if (!inRange(status.rate_ml_per_h, kRateMlPerH)) return "pump rate outside 0-2000 mL/h";
  if (!inRange(status.dose_rate_mg_per_kg_per_h, kDoseRateMgPerKgPerH)) return "dose rate outside the pump's range";
  if (!inRange(status.concentration_mg_per_ml, kConcentrationMgPerMl))
    return "drug concentration outside the pump's range";
  if (!inRange(status.patient_weight_kg, kPatientWeightKg)) return "patient weight outside 0-650 kg";
  if (!inRange(status.volume_infused_ml, kVolumeInfusedMl)) return "volume infused outside the pump's range";
  return std::nullopt;
}

// RASS runs -5..+4; oxygen flow beyond 60 L/min is more than any high-flow device gives.
constexpr int kRassMin = -5;
constexpr int kRassMax = 4;
constexpr MeasuringRange kOxygenLPerMin{0.0, 60.0};

std::optional<std::string> impossibleEventValue(const ClinicalEvent& event) {
  if (event.rass_score < kRassMin || event.rass_score > kRassMax) return "RASS score outside -5..+4";
  if (!inRange(event.oxygen_l_per_min, kOxygenLPerMin)) return "oxygen flow outside 0-60 L/min";
  return std::nullopt;
}

// A pump status or clinical event with one impossible field is refused whole (see the
// header), counted under its kind.
void refuseWhole(std::optional<std::string> impossible, std::uint64_t& counter, IngestVerdict& verdict) {
  if (!impossible) return;
  ++counter;
  verdict = refuse(FrameFault::ImpossibleValue, std::move(*impossible));
}

}  // namespace

std::string_view frameFaultName(FrameFault fault) {
  switch (fault) {
    case FrameFault::None: return "none";
    case FrameFault::Duplicate: return "duplicate";
    case FrameFault::SequenceLeapInPlace: return "sequence_leap_in_place";
    case FrameFault::MissingTime: return "missing_time";
    case FrameFault::FutureTime: return "future_time";
    case FrameFault::BackwardsTime: return "backwards_time";
    case FrameFault::ImpossibleValue: return "impossible_value";
    case FrameFault::StaleTime: return "stale_time";
    case FrameFault::TooManySources: return "too_many_sources";
  }
  return "?";
}

std::uint64_t IngestGuardCounters::refused() const {
  return duplicates + sequence_leaps_in_place + missing_time + future_time + backwards_time + impossible_pump_status +
         impossible_clinical_event + stale_time + sources_refused;
}

IngestGuard::IngestGuard(IngestGuardConfig config) : config_(config) {}

IngestVerdict IngestGuard::check(VitalsFrame& frame, std::optional<TimePoint> wall_now, std::string_view gateway) {
  return checkFrom(Kind::Vitals, frame, frame.device_id, wall_now, gateway,
                   [](VitalsFrame& f, IngestVerdict& verdict) { checkMeasurements(f, verdict); });
}

IngestVerdict IngestGuard::check(PumpStatus& status, std::optional<TimePoint> wall_now, std::string_view gateway) {
  return checkFrom(Kind::Pump, status, status.device_id, wall_now, gateway,
                   [this](PumpStatus& s, IngestVerdict& verdict) {
                     refuseWhole(impossiblePumpValue(s), counters_.impossible_pump_status, verdict);
                   });
}

IngestVerdict IngestGuard::check(ClinicalEvent& event, std::optional<TimePoint> wall_now, std::string_view gateway) {
  return checkFrom(Kind::Event, event, event.source_id, wall_now, gateway,
                   [this](ClinicalEvent& e, IngestVerdict& verdict) {
                     refuseWhole(impossibleEventValue(e), counters_.impossible_clinical_event, verdict);
                   });
}

template <typename Value, typename CheckValues>
IngestVerdict IngestGuard::checkFrom(Kind kind, Value& value, const std::string& source_id,
                                     std::optional<TimePoint> wall_now, std::string_view gateway, CheckValues values) {
  const auto now = engineNow(wall_now);
  forgetSilent(now);
  const auto found = sourceFor(kind, value.patient_id, source_id, gateway, now.value_or(value.time));
  if (!found) {
    auto verdict = refuse(FrameFault::TooManySources, "its gateway already has " + std::to_string(config_.max_sources) +
                                                          " sources, none silent long enough to forget");
    verdict.gateway_full = true;
    count(verdict);
    return verdict;
  }
  auto& state = sources_[*found];
  auto verdict = admit(state, value.sequence, value.time, wall_now);
  if (verdict.accepted()) values(value, verdict);
  if (verdict.accepted()) {
    commit(state, value.sequence, value.time, verdict);
    noteHeard(*found, state.last_time);
    verdict.gateway_full = gatewayFull(gateway);
  } else if (!state.has_accepted && !state.pending_jump) {
    // Nothing to remember of a stranger whose first frame was refused: refused junk
    // must not use up the gateway's sources.
    forget(*found);
  }
  count(verdict);
  return verdict;
}

std::optional<TimePoint> IngestGuard::engineNow(std::optional<TimePoint> wall_now) const {
  return wall_now ? wall_now : stream_time_;
}

IngestVerdict IngestGuard::admit(SourceState& state, std::uint64_t sequence, TimePoint time,
                                 std::optional<TimePoint> wall_now) {
  if (toMillis(time) <= 0) return refuse(FrameFault::MissingTime, "no source time");
  if (toMillis(time) > kLatestPlausibleMs) return refuse(FrameFault::FutureTime, "source time beyond the year 9999");
  auto verdict = admitSequence(state, sequence, time);
  if (!verdict.accepted()) return verdict;
  auto timing = admitTime(state, sequence, time, wall_now);
  if (!timing.accepted()) return timing;
  return verdict;
}

IngestVerdict IngestGuard::admitSequence(const SourceState& state, std::uint64_t sequence, TimePoint time) const {
  IngestVerdict verdict;
  if (!state.has_accepted) {
    verdict.new_source = true;
    return verdict;
  }
  if (!state.numbered) return verdict;  // the source does not number its frames (yet)
  const std::uint64_t last = state.last_sequence;
  const bool clock_moved_on = time > state.last_time;
  if (sequence > last) {
    const std::uint64_t missing = sequence - last - 1;
    if (missing > 0 && !clock_moved_on) {
      return refuse(FrameFault::SequenceLeapInPlace, "sequence leapt from " + std::to_string(last) + " to " +
                                                         std::to_string(sequence) +
                                                         " while the source's time stood still");
    }
    if (state.run >= kEstablishedRun) {
      verdict.missing = missing;
    } else if (missing > 0) {
      verdict.unestablished_gap = true;
    }
    return verdict;
  }
  if (sequence <= 1 && sequence < last && clock_moved_on) {
    verdict.restarted = true;
    return verdict;
  }
  return refuse(FrameFault::Duplicate,
                "sequence " + std::to_string(sequence) + " already seen (last " + std::to_string(last) + ")");
}

IngestVerdict IngestGuard::admitTime(SourceState& state, std::uint64_t sequence, TimePoint time,
                                     std::optional<TimePoint> wall_now) {
  if (state.has_accepted && time < minus(state.last_time, config_.backwards_tolerance)) {
    return refuse(FrameFault::BackwardsTime,
                  "source time went back " + millisText(state.last_time - time) + " from its last frame");
  }
  if (const auto now = engineNow(wall_now); now && time < minus(*now, config_.stale_tolerance)) {
    return refuse(FrameFault::StaleTime, "source time " + millisText(*now - time) + " behind the engine's now");
  }
  if (wall_now) {
    if (time > plus(*wall_now, config_.future_tolerance)) {
      return refuse(FrameFault::FutureTime, "source time " + millisText(time - *wall_now) + " ahead of the wall clock");
    }
    return {};
  }
  if (!stream_time_ || time <= plus(*stream_time_, config_.stream_jump_tolerance)) {
    state.pending_jump.reset();
    return {};
  }
  // Replays: the data is the clock, so a far jump is only believed when the source's next
  // frame says the same.
  const auto& pending = state.pending_jump;
  // A source never accepted is taken as numbered when its jumping frame had a number, so
  // a repeated rogue frame cannot confirm itself.
  const bool numbered = state.has_accepted ? state.numbered : pending && pending->sequence != 0;
  const bool follows = pending && time >= pending->time && time <= plus(pending->time, config_.stream_jump_tolerance) &&
                       (!numbered || sequence == pending->sequence + 1);
  if (follows) {
    ++counters_.stream_jumps_confirmed;
    return {};
  }
  state.pending_jump = PendingJump{sequence, time};
  return refuse(FrameFault::FutureTime,
                "source time " + millisText(time - *stream_time_) + " ahead of the stream, unconfirmed");
}

void IngestGuard::commit(SourceState& state, std::uint64_t sequence, TimePoint time, const IngestVerdict& verdict) {
  if (sequence != 0 || verdict.restarted) state.numbered = true;
  const bool next_in_line = state.has_accepted && !verdict.restarted && sequence == state.last_sequence + 1;
  // A reported gap leaves an established source established; anything else starts over.
  if (next_in_line) {
    state.run = std::min(state.run + 1, kEstablishedRun);
  } else if (verdict.missing == 0) {
    state.run = 0;
  }
  if (!state.numbered) ++counters_.unnumbered;
  state.has_accepted = true;
  state.last_sequence = sequence;
  state.last_time = verdict.restarted ? time : std::max(state.last_time, time);
  state.pending_jump.reset();
  stream_time_ = stream_time_ ? std::max(*stream_time_, time) : time;
}

const std::string& IngestGuard::keyOf(Kind kind, std::string_view patient_id, std::string_view source_id) {
  const auto patient_length = static_cast<std::uint32_t>(patient_id.size());
  key_buffer_.clear();
  key_buffer_ += static_cast<char>(kind);
  key_buffer_.append(reinterpret_cast<const char*>(&patient_length), sizeof patient_length);
  key_buffer_ += patient_id;
  key_buffer_ += source_id;
  return key_buffer_;
}

std::optional<IngestGuard::Handle> IngestGuard::sourceFor(Kind kind, const std::string& patient_id,
                                                          const std::string& source_id, std::string_view gateway,
                                                          TimePoint heard) {
  if (const auto found = by_key_.find(keyOf(kind, patient_id, source_id))) return found;
  if (gatewayFull(gateway)) return std::nullopt;
  const Handle handle = add(kind, patient_id, source_id);
  auto& state = sources_[handle];
  state.gateway = std::string(gateway);
  noteHeard(handle, heard);
  const auto [budget, inserted] = sources_per_gateway_.try_emplace(state.gateway, 0);
  ++budget->second;
  return handle;
}

IngestGuard::Handle IngestGuard::add(Kind kind, std::string_view patient_id, std::string_view source_id) {
  const Handle handle = by_key_.add(keyOf(kind, patient_id, source_id));
  if (handle >= sources_.size()) sources_.resize(static_cast<std::size_t>(handle) + 1);
  sources_[handle] = SourceState{};
  return handle;
}

IngestGuard::SourceName IngestGuard::nameOf(std::string_view key) {
  std::uint32_t patient_length = 0;
  std::memcpy(&patient_length, key.data() + 1, sizeof patient_length);
  const auto names = key.substr(1 + sizeof patient_length);
  return {static_cast<Kind>(key[0]), names.substr(0, patient_length), names.substr(patient_length)};
}

// Per accepted frame. Usually its source was heard at an earlier time and now later:
// nothing moves in heard_ until the earlier time comes up (deadline_queue.h).
void IngestGuard::noteHeard(Handle handle, TimePoint heard) {
  auto& state = sources_[handle];
  if (state.heard_order != 0 && state.heard == heard) return;
  state.heard = heard;
  state.heard_order = ++heard_order_;
  heard_.set(handle, heard, state.heard_order);
}

void IngestGuard::forget(Handle handle) {
  auto& state = sources_[handle];
  heard_.release(handle);
  if (const auto budget = sources_per_gateway_.find(state.gateway); budget != sources_per_gateway_.end()) {
    if (--budget->second == 0) sources_per_gateway_.erase(budget);
  }
  key_buffer_ = by_key_.idOf(handle);
  by_key_.erase(key_buffer_);
  state = SourceState{};
}

// A source whose newest time is further behind now than stale_tolerance can send nothing
// the guard would take (its copies are stale): it is safe to forget.
void IngestGuard::forgetSilent(std::optional<TimePoint> now) {
  if (!now) return;
  const auto cutoff = minus(*now, config_.stale_tolerance);
  while (const auto silent = heard_.popBefore(cutoff)) {
    forget(silent->handle);
    ++counters_.sources_forgotten;
  }
}

bool IngestGuard::gatewayFull(std::string_view gateway) const {
  const auto budget = sources_per_gateway_.find(gateway);
  return budget != sources_per_gateway_.end() && budget->second >= config_.max_sources;
}

std::size_t IngestGuard::sourceCount(std::string_view gateway) const {
  const auto budget = sources_per_gateway_.find(gateway);
  return budget == sources_per_gateway_.end() ? 0 : budget->second;
}

void IngestGuard::count(const IngestVerdict& verdict) {
  switch (verdict.fault) {
    case FrameFault::None: ++counters_.accepted; break;
    case FrameFault::Duplicate: ++counters_.duplicates; break;
    case FrameFault::SequenceLeapInPlace: ++counters_.sequence_leaps_in_place; break;
    case FrameFault::MissingTime: ++counters_.missing_time; break;
    case FrameFault::FutureTime: ++counters_.future_time; break;
    case FrameFault::BackwardsTime: ++counters_.backwards_time; break;
    case FrameFault::ImpossibleValue: break;  // counted by kind where it was found
    case FrameFault::StaleTime: ++counters_.stale_time; break;
    case FrameFault::TooManySources: ++counters_.sources_refused; break;
  }
  if (!verdict.accepted()) return;
  if (verdict.new_source) ++counters_.new_sources;
  if (verdict.missing > 0) {
    ++counters_.sequence_gaps;
    counters_.frames_missing += verdict.missing;
  }
  if (verdict.unestablished_gap) ++counters_.unestablished_gaps;
  if (verdict.restarted) ++counters_.restarts;
  counters_.measurements_out_of_range += static_cast<std::uint64_t>(verdict.measurements_out_of_range);
  counters_.measurements_unit_mismatch += static_cast<std::uint64_t>(verdict.measurements_unit_mismatch);
  counters_.measurements_converted += static_cast<std::uint64_t>(verdict.measurements_converted);
}

void IngestGuard::visitCounters(const CounterVisitor& visit) const { counters_.visitFields(visit); }

IngestGuard::Saved IngestGuard::saved() const {
  Saved saved{{}, stream_time_, counters_};
  // In the order the sources were last heard, so the restored guard forgets them in the same order.
  std::vector<Handle> heard;
  heard.reserve(by_key_.size());
  for (Handle handle = 0; handle < sources_.size(); ++handle) {
    if (known(handle)) heard.push_back(handle);
  }
  std::sort(heard.begin(), heard.end(), [this](Handle a, Handle b) {
    return std::pair(sources_[a].heard, sources_[a].heard_order) <
           std::pair(sources_[b].heard, sources_[b].heard_order);
  });
  for (const Handle handle : heard) {
    const auto& state = sources_[handle];
    const auto name = nameOf(by_key_.idOf(handle));
    saved.sources.push_back({static_cast<int>(name.kind), std::string(name.patient_id), std::string(name.source_id),
                             state.has_accepted, state.numbered, state.last_sequence, state.run, state.last_time,
                             state.pending_jump ? std::optional(state.pending_jump->sequence) : std::nullopt,
                             state.pending_jump ? state.pending_jump->time : TimePoint{}, state.gateway, state.heard});
  }
  return saved;
}

void IngestGuard::restore(const Saved& saved) {
  by_key_.clear();
  sources_.clear();
  heard_.clear();
  heard_order_ = 0;
  sources_per_gateway_.clear();
  stream_time_ = saved.stream_time;
  counters_ = saved.counters;
  for (const auto& source : saved.sources) {
    const auto kind = static_cast<Kind>(source.kind);
    if (by_key_.find(keyOf(kind, source.patient_id, source.source_id)))
      continue;  // a source twice in one snapshot: the first holds
    const Handle handle = add(kind, source.patient_id, source.source_id);
    auto& state = sources_[handle];
    state.has_accepted = source.has_accepted;
    state.numbered = source.numbered;
    state.last_sequence = source.last_sequence;
    state.run = source.run;
    state.last_time = source.last_time;
    if (source.pending_jump_sequence)
      state.pending_jump = PendingJump{*source.pending_jump_sequence, source.pending_jump_time};
    state.gateway = source.gateway;
    noteHeard(handle, source.heard);
    ++sources_per_gateway_[state.gateway];
  }
}

}  // namespace vigil::core
