// The console's view of a StationState (streamer/station): the alarms sorted as a nurse
// reads them (highest priority first, then the oldest), the patients with their current
// advice and NEWS2, and what is selected. The state is the truth; refresh() re-reads it
// after every change, keeping the selection on the same alarm and patient.
//
// No clock is read here: every time comes in as an argument, so tests move time by hand.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alarms/core/domain.h"
#include "streamer/station/station_state.h"

namespace vigil::console {

using streamer::station::LinkStatus;
using streamer::station::StationCounters;
using streamer::station::StationState;
using SteadyTime = streamer::station::SteadyTime;

struct Row {
  core::AlarmEvent alarm;
  std::uint64_t sequence = 0;  // alert-stream sequence of the event this row shows; 0: unknown
};

// One patient the engine told about (an alarm, an advice or a status).
struct PatientRow {
  std::string patient_id;
  std::string unit;
  std::optional<core::Advice> advice;  // the current advice, from the advice stream
  std::optional<core::News2> news2;    // from the latest status
  std::size_t alarms = 0;              // rows on the board for this patient
};

struct PriorityCounts {
  std::size_t high = 0;
  std::size_t medium = 0;
  std::size_t low = 0;
  std::size_t none = 0;
};

// Named for what it is, a station's view of the StationState, and so that it is never
// mistaken for the engine's core::AlarmBoard, which decides the alarms this only shows.
class StationView {
 public:
  explicit StationView(const StationState& state);

  // Re-reads the state; call after anything applied to it.
  void refresh();

  const StationState& state() const { return state_; }
  const StationCounters& counters() const { return state_.counters(); }
  LinkStatus link(SteadyTime now) const { return state_.link(now); }
  std::optional<core::TimePoint> engineTime() const { return state_.engineTime(); }
  bool hasSnapshot() const { return state_.hasSnapshot(); }

  // Sorted: highest priority first, then the oldest start, then alert id (a stable order).
  const std::vector<Row>& rows() const { return rows_; }
  const Row* find(const std::string& alert_id) const;
  // Sorted by patient id.
  const std::vector<PatientRow>& patients() const { return patients_; }

  // The alarm selection follows its alert id when rows reorder; when that row goes, the
  // row now at the same position is selected. Moving it also selects its patient.
  std::optional<std::size_t> selectedIndex() const;
  const Row* selected() const;
  void moveSelection(int delta);

  // The patient that audio pause and clinical events act on.
  const PatientRow* selectedPatient() const;
  void movePatient(int delta);

  PriorityCounts counts() const;

 private:
  void rebuildRows();
  void rebuildPatients();
  void keepAlarmSelection();
  void keepPatientSelection();

  const StationState& state_;
  std::vector<Row> rows_;
  std::vector<PatientRow> patients_;
  std::optional<std::string> selected_id_;
  std::size_t selected_position_ = 0;  // where the selected row was, for when it goes
  std::optional<std::string> selected_patient_;
};

}  // namespace vigil::console
