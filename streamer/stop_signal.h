// SIGINT/SIGTERM as a flag, for tools whose loop waits in ZeroMQ rather than in Asio.
#pragma once

#include <atomic>

namespace vigil::streamer {

// Installs the handlers (without SA_RESTART, so that a wait in ZeroMQ returns at once with
// EINTR) and returns the flag they set. Idempotent.
const std::atomic<bool>& installStopSignals();

}  // namespace vigil::streamer
