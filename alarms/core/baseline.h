// A patient's baseline per metric (CLINICAL.md section 3): the median over the window
// before the infusion first starts; without pre-infusion data, the median of the first
// window of that metric's data, marked provisional.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
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
  // The samples of one metric's window, oldest first, in a ring grown by half when full: a
  // sample costs no allocation once the window is full, and the ring holds little more
  // than the window (a vector read from an index grew to twice the window before it was
  // compacted, 16 KB per metric for a 300-sample window; a std::deque allocated a 512-byte
  // block per metric however few samples it held).
  class Window {
   public:
    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }
    const Sample& front() const { return ring_[first_]; }
    void push_back(Sample sample);
    void pop_front() {
      first_ = wrap(first_ + 1);
      --size_;
    }
    void clear() {
      ring_ = {};
      first_ = 0;
      size_ = 0;
    }

    class Iterator {
     public:
      Iterator(const Window& window, std::size_t index) : window_(&window), index_(index) {}
      const Sample& operator*() const { return window_->ring_[window_->wrap(window_->first_ + index_)]; }
      Iterator& operator++() {
        ++index_;
        return *this;
      }
      bool operator==(const Iterator& other) const { return index_ == other.index_; }

     private:
      const Window* window_;
      std::size_t index_;
    };
    Iterator begin() const { return {*this, 0}; }
    Iterator end() const { return {*this, size_}; }

   private:
    // A position in the ring, from one that is less than twice its length.
    std::uint32_t wrap(std::size_t position) const {
      return static_cast<std::uint32_t>(position < ring_.size() ? position : position - ring_.size());
    }

    std::vector<Sample> ring_;
    std::uint32_t first_ = 0;  // a window holds at most kMaxBaselineSamples (baseline.cc)
    std::uint32_t size_ = 0;
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
  Saved saved() const;
  void restore(Saved saved);

 private:
  // One metric's state as kept: a MetricBaseline without the padding of its two optionals
  // (56 bytes instead of 72, for each of the twelve metrics of every patient).
  struct Slot {
    Window samples;  // kept only while no baseline is set
    TimePoint first_sample{};
    double baseline = 0.0;
    bool has_first_sample = false;
    bool has_baseline = false;
    bool provisional = false;
  };
  void keepWindowEndingAt(Slot& metric, TimePoint end) const;
  static void setBaseline(Slot& metric, double value, bool provisional);

  Duration window_;
  std::optional<TimePoint> infusion_start_;
  std::array<Slot, kMetricCount> metrics_{};
};

double median(std::vector<double> values);

}  // namespace vigil::core
