#include "tools/vigil-console/station_view.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace vigil::console {
namespace {

bool sortsBefore(const Row& a, const Row& b) {
  return std::tuple(b.alarm.priority, a.alarm.start_time, a.alarm.alert_id) <
         std::tuple(a.alarm.priority, b.alarm.start_time, b.alarm.alert_id);
}

}  // namespace

StationView::StationView(const StationState& state) : state_(state) { refresh(); }

void StationView::refresh() {
  rebuildRows();
  keepAlarmSelection();
  rebuildPatients();
  keepPatientSelection();
}

void StationView::rebuildRows() {
  rows_.clear();
  for (const auto& [id, entry] : state_.alarms()) rows_.push_back(Row{entry.alarm, entry.sequence});
  std::sort(rows_.begin(), rows_.end(), sortsBefore);
}

void StationView::rebuildPatients() {
  std::map<std::string, PatientRow> by_id;
  const auto patient = [&](const std::string& id, const std::string& unit) -> PatientRow& {
    auto& row = by_id[id];
    row.patient_id = id;
    if (row.unit.empty()) row.unit = unit;
    return row;
  };
  for (const auto& row : rows_) ++patient(row.alarm.patient_id, row.alarm.unit).alarms;
  for (const auto& [id, entry] : state_.advice()) patient(id, entry.advice.unit).advice = entry.advice.advice;
  for (const auto& [id, entry] : state_.statuses()) patient(id, entry.status.unit).news2 = entry.status.news2;
  patients_.clear();
  for (auto& [id, row] : by_id) patients_.push_back(std::move(row));
}

const Row* StationView::find(const std::string& alert_id) const {
  const auto it =
      std::find_if(rows_.begin(), rows_.end(), [&](const Row& row) { return row.alarm.alert_id == alert_id; });
  return it == rows_.end() ? nullptr : &*it;
}

std::optional<std::size_t> StationView::selectedIndex() const {
  if (!selected_id_) return std::nullopt;
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    if (rows_[i].alarm.alert_id == *selected_id_) return i;
  }
  return std::nullopt;
}

const Row* StationView::selected() const {
  const auto index = selectedIndex();
  return index ? &rows_[*index] : nullptr;
}

void StationView::moveSelection(int delta) {
  if (rows_.empty()) return;
  const auto current = static_cast<long>(selectedIndex().value_or(0));
  const auto last = static_cast<long>(rows_.size()) - 1;
  const auto target = static_cast<std::size_t>(std::clamp(current + delta, 0L, last));
  selected_id_ = rows_[target].alarm.alert_id;
  selected_position_ = target;
  selected_patient_ = rows_[target].alarm.patient_id;
}

const PatientRow* StationView::selectedPatient() const {
  if (!selected_patient_) return nullptr;
  const auto it = std::find_if(patients_.begin(), patients_.end(),
                               [&](const PatientRow& row) { return row.patient_id == *selected_patient_; });
  return it == patients_.end() ? nullptr : &*it;
}

void StationView::movePatient(int delta) {
  if (patients_.empty()) return;
  const auto* current = selectedPatient();
  const auto index = current ? static_cast<long>(current - patients_.data()) : 0L;
  const auto last = static_cast<long>(patients_.size()) - 1;
  selected_patient_ = patients_[static_cast<std::size_t>(std::clamp(index + delta, 0L, last))].patient_id;
}

PriorityCounts StationView::counts() const {
  PriorityCounts counts;
  for (const auto& row : rows_) {
    switch (row.alarm.priority) {
      case core::Priority::High: ++counts.high; break;
      case core::Priority::Medium: ++counts.medium; break;
      case core::Priority::Low: ++counts.low; break;
      case core::Priority::None: ++counts.none; break;
    }
  }
  return counts;
}

// Keeps the selection on its alert id; when that row is gone, on the row now at the
// position it had (clamped), so the cursor does not jump to the top.
void StationView::keepAlarmSelection() {
  if (rows_.empty()) {
    selected_id_.reset();
    selected_position_ = 0;
    return;
  }
  if (const auto index = selectedIndex()) {
    selected_position_ = *index;
    return;
  }
  selected_position_ = std::min(selected_position_, rows_.size() - 1);
  selected_id_ = rows_[selected_position_].alarm.alert_id;
}

// A patient stays selected while the engine still tells about them; otherwise the patient
// of the selected alarm, or the first one.
void StationView::keepPatientSelection() {
  if (selectedPatient()) return;
  if (const Row* row = selected()) {
    selected_patient_ = row->alarm.patient_id;
  } else if (!patients_.empty()) {
    selected_patient_ = patients_.front().patient_id;
  } else {
    selected_patient_.reset();
  }
}

}  // namespace vigil::console
