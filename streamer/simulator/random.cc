#include "streamer/simulator/random.h"

#include <cmath>
#include <numbers>

namespace vigil::streamer::sim {

std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + (stream + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double Rng::uniform() {
  constexpr double kTwoToMinus53 = 1.0 / 9007199254740992.0;
  return static_cast<double>(engine_() >> 11) * kTwoToMinus53;
}

double Rng::normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  // 1 - uniform() is in (0, 1], so the logarithm is finite.
  const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform()));
  const double angle = 2.0 * std::numbers::pi * uniform();
  spare_normal_ = radius * std::sin(angle);
  has_spare_normal_ = true;
  return radius * std::cos(angle);
}

Ar1Noise::Ar1Noise(double sd, double correlation_seconds)
    : sd_(sd), carry_(std::exp(-1.0 / correlation_seconds)), innovation_(sd * std::sqrt(1.0 - carry_ * carry_)) {}

void Ar1Noise::start(Rng& rng) { value_ = sd_ * rng.normal(); }

double Ar1Noise::step(Rng& rng) {
  value_ = carry_ * value_ + innovation_ * rng.normal();
  return value_;
}

}  // namespace vigil::streamer::sim
