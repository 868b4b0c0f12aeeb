// A patient's baseline per metric (CLINICAL.md section 3): the median over the window
// before the infusion first starts; without pre-infusion data, the median of the first
// window of that metric's data, marked provisional.
#pragma once

#include <array>
#include <optional>
#include <vector>

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
  // The samples of one metric's window, oldest first: a vector read from `first`, so a
  // sample costs no allocation once the window is full (a std::deque allocated a 512-byte
  // block per metric however few samples it held, and one more every 32 samples); the
  // dropped front is compacted away once it is half the vector.
  class Window {
   public:
    bool empty() const { return first_ == samples_.size(); }
    std::size_t size() const { return samples_.size() - first_; }
    const Sample& front() const { return samples_[first_]; }
    void push_back(Sample sample) { samples_.push_back(sample); }
    void pop_front();
    void clear() {
      samples_ = {};
      first_ = 0;
    }
    auto begin() const { return samples_.begin() + static_cast<std::ptrdiff_t>(first_); }
    auto end() const { return samples_.end(); }

   private:
    std::vector<Sample> samples_;
    std::size_t first_ = 0;
  };
  struct MetricBaseline {
    Window samples;  // kept only while no baseline is set
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
