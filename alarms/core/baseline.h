// A patient's baseline per metric (CLINICAL.md section 3): the median over the window
// before the infusion first starts; without pre-infusion data, the median of the first
// window of that metric's data, marked provisional.
#pragma once

#include <array>
#include <deque>
#include <optional>

#include "alarms/core/domain.h"
#include "alarms/core/metrics.h"

namespace vigil::core {

struct BaselineValue {
  double value = 0.0;
  bool provisional = false;
};

class BaselineTracker {
 public:
  explicit BaselineTracker(Duration window) : window_(window) {}

  // A valid sample of a vital sign.
  void addSample(Metric metric, TimePoint time, double value);
  // The infusion starts for the first time: freeze every baseline from what came before.
  void onInfusionStart(TimePoint time);

  std::optional<BaselineValue> baseline(Metric metric) const;

  struct Sample {
    TimePoint time;
    double value;
  };
  struct MetricBaseline {
    std::deque<Sample> samples;  // kept only while no baseline is set
    std::optional<TimePoint> first_sample;
    std::optional<BaselineValue> baseline;
  };
  // Snapshots (alarms/snapshot): every metric's samples and baseline, as values.
  struct Saved {
    std::optional<TimePoint> infusion_start;
    std::array<MetricBaseline, kMetricCount> metrics{};
  };
  Saved saved() const { return {infusion_start_, metrics_}; }
  void restore(Saved saved) {
    infusion_start_ = saved.infusion_start;
    metrics_ = std::move(saved.metrics);
  }

 private:

  void keepWindowEndingAt(MetricBaseline& metric, TimePoint end) const;

  Duration window_;
  std::optional<TimePoint> infusion_start_;
  std::array<MetricBaseline, kMetricCount> metrics_{};
};

double median(std::vector<double> values);

}  // namespace vigil::core
