// The last hours of every patient, downsampled, kept by the engine service (issue 11, a
// bed's detail): a station opened late asks for them instead of showing only what it saw.
// Fed from what the engine publishes (statuses and alarm transitions); journal recovery
// replays the inputs through the same path, so the store is rebuilt after a restart.
// Bounded: `window / bucket + 1` buckets and `max_alarms` alarms per patient, at most
// `max_patients` patients; a patient over that is refused and counted. The alarm history
// reaches further back than the window (`alarm_history`): a bed's detail lists the alarms
// of the whole session, not only those of the charts' 4 h, at a few hundred bytes each.
#pragma once
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <string>
#include "alarms/core/domain.h"
#include "alarms/core/id_index.h"
#include "alerts.pb.h"

namespace vigil::service {

enum class TrendSeries : std::size_t { Hr, Sbp, Dbp, Spo2, Rr, Etco2, DoseRate, EffectSite };
inline constexpr std::size_t kTrendSeriesCount = 8;

struct TrendBucket {
  std::int64_t start_ms = 0;
  // The last value measured in the bucket; NaN: none.
  std::array<double, kTrendSeriesCount> values;
  TrendBucket() { values.fill(std::numeric_limits<double>::quiet_NaN()); }
};

struct TrendAlarmEntry {
  std::string alert_id;
  std::string title;
  core::Priority priority = core::Priority::None;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;  // 0: not over
  std::string acknowledged_by;
  std::int64_t acknowledged_ms = 0;  // 0: not acknowledged
};

struct TrendStoreConfig {
  std::chrono::milliseconds bucket{10'000};
  std::chrono::milliseconds window{4 * 3'600'000};
  std::size_t max_alarms = 256;
  std::size_t max_patients = 512;
  std::chrono::milliseconds alarm_history{24 * 3'600'000};  // an ended alarm is kept this long
};

struct TrendCounters {
  std::uint64_t patients_refused = 0;  // statuses or alarms of a patient over max_patients
  std::uint64_t alarms_forgotten = 0;  // history entries dropped to stay under max_alarms
};

class TrendStore {
 public:
  explicit TrendStore(TrendStoreConfig config = {}) : config_(config) {}

  void record(const core::Outputs& outputs);
  void recordStatus(const core::PatientStatus& status);
  void recordAlarm(const core::AlarmEvent& event);

  // Buckets starting at or after `since_ms`, and the alarm history (older ones too).
  vigil::v1::Trend trend(const std::string& patient_id, std::int64_t since_ms) const;

  const std::deque<TrendBucket>* buckets(const std::string& patient_id) const;
  const std::deque<TrendAlarmEntry>* alarms(const std::string& patient_id) const;
  std::size_t patientCount() const { return trends_.size(); }
  const TrendCounters& counters() const { return counters_; }

 private:
  struct PatientTrend {
    std::deque<TrendBucket> buckets;  // oldest first, start_ms strictly increasing
    std::deque<TrendAlarmEntry> alarms;
  };
  PatientTrend* patient(const std::string& patient_id);
  const PatientTrend* find(const std::string& patient_id) const;
  TrendBucket* bucketAt(PatientTrend& trend, std::int64_t time_ms);
  void set(PatientTrend& trend, TrendSeries series, std::int64_t time_ms, double value);
  void forgetBefore(PatientTrend& trend, std::int64_t newest_ms);

  TrendStoreConfig config_;
  // Looked up for every status and alarm, and at 100,000 patients mostly to refuse them
  // (beyond max_patients): one probe of a flat table, not a walk of a tree (issue 13).
  // Patients are never forgotten, so handles index trends_ densely (a deque: a trend
  // handed out stays where it is when others are added).
  core::IdIndex patients_;
  std::deque<PatientTrend> trends_;
  TrendCounters counters_;
};

}  // namespace vigil::service
