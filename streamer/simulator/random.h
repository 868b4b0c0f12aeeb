// Random numbers for the ward simulator that are the same on every platform and standard
// library: std::mt19937_64 is specified bit for bit, but std::normal_distribution and
// friends are not, so the conversion to uniform and normal numbers is done here. That is
// what lets a test (or an integration test in another repository) rely on the exact
// values a seed gives.
#pragma once

#include <cstdint>
#include <random>

namespace vigil::streamer::sim {

// SplitMix64 finaliser: turns (seed, stream) pairs that differ in one bit into unrelated
// engine seeds, so patient 2 of seed 1 does not look like patient 1 of seed 2.
std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t stream);

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  // Uniform in [0, 1), 53 random bits.
  double uniform();
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  // Standard normal (mean 0, sd 1), Box-Muller; the second value of each pair is kept.
  double normal();

 private:
  std::mt19937_64 engine_;
  double spare_normal_ = 0.0;
  bool has_spare_normal_ = false;
};

// First-order autoregressive noise sampled once per second: values wander and come back
// the way a monitored vital does, instead of jumping independently every sample.
class Ar1Noise {
 public:
  Ar1Noise() = default;
  Ar1Noise(double sd, double correlation_seconds);

  // Draws the starting value from the stationary distribution.
  void start(Rng& rng);
  // Advances one second and returns the new value.
  double step(Rng& rng);
  double value() const { return value_; }

 private:
  double sd_ = 0.0;
  double carry_ = 0.0;       // exp(-1 s / correlation time)
  double innovation_ = 0.0;  // sd * sqrt(1 - carry^2): keeps the variance at sd^2
  double value_ = 0.0;
};

}  // namespace vigil::streamer::sim
