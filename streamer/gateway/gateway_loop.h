// The gateway's loop: publishes what a Source yields as the wall clock moves, sim time
// running `speed` times faster. The pump is pure (the caller passes the wall time, so
// tests move a fake clock); GatewayLoop drives it from an Asio timer with an injected
// clock, and stops on a signal or when the source is exhausted.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "recording.pb.h"
#include "streamer/source/source.h"

namespace vigil::streamer::gateway {

using SteadyTime = std::chrono::steady_clock::time_point;

// Wall time for the loop, behind an interface so tests move it instead of sleeping.
class SteadyClock {
 public:
  virtual ~SteadyClock() = default;
  virtual SteadyTime now() const = 0;
};

class SystemSteadyClock final : public SteadyClock {
 public:
  SteadyTime now() const override { return std::chrono::steady_clock::now(); }
};

// Sends one message to every output; false when one refused it (a full queue).
using PublishFunction = std::function<bool(const std::string& topic, const std::string& payload)>;

class GatewayPump {
 public:
  // `speed`: sim seconds per wall second (> 0). The source must outlive the pump.
  GatewayPump(source::Source& source, double speed, PublishFunction publish);

  // Publishes everything due by wall time `now`. The first call anchors the source's
  // start to `now`. True once the source is exhausted.
  bool tick(SteadyTime now);
  // The sim time wall time `now` stands for (the source's start before the first tick).
  core::TimePoint simTimeAt(SteadyTime now) const;

  std::uint64_t published() const { return published_; }
  std::uint64_t refused() const { return refused_; }  // counted, never silent
  bool finished() const { return source_.finished(); }

 private:
  source::Source& source_;
  double speed_;
  PublishFunction publish_;
  std::optional<SteadyTime> wall_start_;
  std::vector<vigil::v1::RecordedMessage> due_;  // reused every tick
  std::uint64_t published_ = 0;
  std::uint64_t refused_ = 0;
};

// How often the pump is ticked (engine choice: often enough that 1x looks live, rarely
// enough to cost nothing).
inline constexpr std::chrono::milliseconds kTick{50};

class GatewayLoop {
 public:
  GatewayLoop(boost::asio::io_context& io, boost::asio::signal_set& signals, GatewayPump& pump,
              const SteadyClock& clock, std::ostream& log);
  // Arms the signals and the first tick; io.run() then runs until the session is over
  // or a signal came.
  void start();
  bool sessionOver() const { return pump_.finished(); }

 private:
  void onTick();
  void stop();

  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  boost::asio::signal_set& signals_;
  GatewayPump& pump_;
  const SteadyClock& clock_;
  std::ostream& log_;
  SteadyTime next_tick_{};
};

}  // namespace vigil::streamer::gateway
