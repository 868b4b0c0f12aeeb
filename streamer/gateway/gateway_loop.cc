#include "streamer/gateway/gateway_loop.h"

#include <ostream>

namespace vigil::streamer::gateway {

GatewayPump::GatewayPump(source::Source& source, double speed, PublishFunction publish)
    : source_(source), speed_(speed), publish_(std::move(publish)) {}

core::TimePoint GatewayPump::simTimeAt(SteadyTime now) const {
  if (!wall_start_) return source_.start();
  const std::chrono::duration<double, std::milli> elapsed = now - *wall_start_;
  return source_.start() + core::Duration{static_cast<std::int64_t>(elapsed.count() * speed_)};
}

bool GatewayPump::tick(SteadyTime now) {
  if (!wall_start_) wall_start_ = now;
  due_.clear();
  source_.pull(simTimeAt(now), due_);
  for (const auto& message : due_) ++(publish_(message.topic(), message.payload()) ? published_ : refused_);
  return source_.finished();
}

GatewayLoop::GatewayLoop(boost::asio::io_context& io, boost::asio::signal_set& signals, GatewayPump& pump,
                         const SteadyClock& clock, std::ostream& log)
    : io_(io), timer_(io), signals_(signals), pump_(pump), clock_(clock), log_(log) {}

void GatewayLoop::start() {
  signals_.async_wait([this](const boost::system::error_code& error, int signal) {
    if (error) return;
    log_ << "vigil-gateway: signal " << signal << ", stopping\n";
    stop();
  });
  next_tick_ = clock_.now();
  onTick();
}

void GatewayLoop::onTick() {
  if (pump_.tick(clock_.now())) {
    stop();
    return;
  }
  // Ticks follow the injected clock's time line, without drift from late wake-ups; a
  // test's clock that has run ahead makes them fire at once.
  next_tick_ += kTick;
  timer_.expires_at(next_tick_);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) onTick();
  });
}

void GatewayLoop::stop() {
  timer_.cancel();
  signals_.cancel();
  io_.stop();
}

}  // namespace vigil::streamer::gateway
