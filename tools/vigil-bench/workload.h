// The frames every pipeline of vigil-bench carries: identical payloads, built once per run
// before the clock starts, so that no pipeline pays for encoding inside its measurement.
// Frame i belongs to patient i % patients, in round i / patients; each round moves the
// patients' own time on by at least the protocol's status interval, so that every frame the engine
// accepts makes it publish exactly one status, and the station can tell from any output
// (a forwarded frame or a status) which frame caused it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::bench {

inline constexpr std::int64_t kFirstFrameMs = 1'700'000'000'000;  // 2023-11-14, any fixed time will do
inline constexpr std::int64_t kRoundMs = 15'000;                  // >= any shipped protocol's status interval (1 s)
inline constexpr char kUnit[] = "bench";

struct Frame {
  std::string topic;
  std::string payload;
};

class Workload {
 public:
  explicit Workload(std::size_t patients) : patients_(patients) {}

  std::size_t patients() const { return patients_; }
  // Frames [first, first + count) in send order.
  std::vector<Frame> frames(std::uint64_t first, std::uint64_t count) const;
  Frame frame(std::uint64_t index) const;

  // The frame a message on the station's side stands for: a forwarded VitalsFrame (raw
  // pipelines) or the PatientStatus it caused (engine). nullopt for anything else.
  std::optional<std::uint64_t> frameOfVitals(std::string_view topic, std::string_view payload) const;
  std::optional<std::uint64_t> frameOfStatus(std::string_view topic, std::string_view payload) const;
  std::optional<std::uint64_t> frameAt(std::string_view topic, std::int64_t time_ms) const;

 private:
  std::size_t patients_;
};

std::string patientId(std::size_t patient);

}  // namespace vigil::bench
