#include "streamer/stop_signal.h"

#include <signal.h>

namespace vigil::streamer {
namespace {

std::atomic<bool> g_stop{false};

void requestStop(int) { g_stop.store(true); }

}  // namespace

const std::atomic<bool>& installStopSignals() {
  struct sigaction action {};
  action.sa_handler = requestStop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return g_stop;
}

}  // namespace vigil::streamer
