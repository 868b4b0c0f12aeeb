#include "alarms/core/baseline.h"

#include <algorithm>
#include <vector>

namespace vigil::core {
namespace {

// A bound on samples kept per metric while waiting for the baseline, so a source sending
// far faster than 1 Hz cannot grow memory without limit; the median of the newest ones
// is still representative.
constexpr std::size_t kMaxBaselineSamples = 4096;

std::vector<double> valuesOf(const auto& samples) {
  std::vector<double> values;
  values.reserve(samples.size());
  for (const auto& sample : samples) values.push_back(sample.value);
  return values;
}

}  // namespace

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  if (values.size() % 2 == 1) return *middle;
  const double upper = *middle;
  const double lower = *std::max_element(values.begin(), middle);
  return (lower + upper) / 2.0;
}

void BaselineTracker::Window::push_back(Sample sample) {
  if (size_ == ring_.size()) {
    // Full: the samples move, oldest first, into a ring half as long again.
    std::vector<Sample> longer(std::max<std::size_t>(2, ring_.size() + ring_.size() / 2));
    std::size_t i = 0;
    for (const auto& kept : *this) longer[i++] = kept;
    ring_ = std::move(longer);
    first_ = 0;
  }
  ring_[wrap(first_ + size_)] = sample;
  ++size_;
}

void BaselineTracker::keepWindowEndingAt(Slot& metric, TimePoint end) const {
  while (!metric.samples.empty() && metric.samples.front().time < end - window_) metric.samples.pop_front();
  while (metric.samples.size() > kMaxBaselineSamples) metric.samples.pop_front();
}

void BaselineTracker::setBaseline(Slot& metric, double value, bool provisional) {
  metric.baseline = value;
  metric.provisional = provisional;
  metric.has_baseline = true;
  metric.samples.clear();
}

void BaselineTracker::addSample(Metric metric, TimePoint time, double value) {
  auto& state = metrics_.at(static_cast<std::size_t>(metric));
  if (state.has_baseline) return;
  if (!state.has_first_sample) {
    state.first_sample = time;
    state.has_first_sample = true;
  }
  if (!infusion_start_) {
    // Before the infusion: keep a sliding window; it becomes the baseline at the start.
    state.samples.push_back({time, value});
    keepWindowEndingAt(state, time);
    return;
  }
  // After the infusion started with no pre-infusion data: the first window of data.
  if (time < state.first_sample + window_) {
    if (state.samples.size() < kMaxBaselineSamples) state.samples.push_back({time, value});
    return;
  }
  if (state.samples.empty()) state.samples.push_back({time, value});
  setBaseline(state, median(valuesOf(state.samples)), true);
}

void BaselineTracker::onInfusionStart(TimePoint time) {
  if (infusion_start_) return;
  infusion_start_ = time;
  for (auto& state : metrics_) {
    keepWindowEndingAt(state, time);
    if (state.samples.empty()) {
      state.has_first_sample = false;  // the provisional window starts with the next sample
      continue;
    }
    setBaseline(state, median(valuesOf(state.samples)), false);
  }
}

std::optional<BaselineValue> BaselineTracker::baseline(Metric metric) const {
  const auto& state = metrics_.at(static_cast<std::size_t>(metric));
  if (!state.has_baseline) return std::nullopt;
  return BaselineValue{state.baseline, state.provisional};
}

BaselineTracker::Saved BaselineTracker::saved() const {
  Saved saved{infusion_start_, {}};
  for (std::size_t m = 0; m < metrics_.size(); ++m) {
    const auto& state = metrics_[m];
    auto& out = saved.metrics[m];
    out.samples = state.samples;
    if (state.has_first_sample) out.first_sample = state.first_sample;
    if (state.has_baseline) out.baseline = BaselineValue{state.baseline, state.provisional};
  }
  return saved;
}

void BaselineTracker::restore(Saved saved) {
  infusion_start_ = saved.infusion_start;
  for (std::size_t m = 0; m < metrics_.size(); ++m) {
    auto& in = saved.metrics[m];
    auto& state = metrics_[m];
    state = Slot{std::move(in.samples)};
    if (in.first_sample) {
      state.first_sample = *in.first_sample;
      state.has_first_sample = true;
    }
    if (in.baseline) {
      state.baseline = in.baseline->value;
      state.provisional = in.baseline->provisional;
      state.has_baseline = true;
    }
  }
}

}  // namespace vigil::core
