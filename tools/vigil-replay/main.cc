// vigil-replay: flags and signals; the work is in replay.cc.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <exception>
#include <iostream>

#include "tools/vigil-replay/replay.h"

namespace {

std::atomic<bool> g_stop{false};

void requestStop(int) { g_stop.store(true); }

// Without SA_RESTART, so that a wait in ZeroMQ returns at once with EINTR.
void installStopHandlers() {
  struct sigaction action {};
  action.sa_handler = requestStop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vigil::tools::replay;
  const auto parsed = parseCommandLine(argc, argv);
  if (!parsed.help.empty()) {
    std::cout << parsed.help;
    return 0;
  }
  if (!parsed.options) {
    std::cerr << "vigil-replay: " << parsed.error << "\n(see vigil-replay --help)\n";
    return 2;
  }
  installStopHandlers();
  try {
    return runReplay(*parsed.options, g_stop, std::cout, std::cerr, isatty(STDERR_FILENO) == 1);
  } catch (const std::exception& error) {
    std::cerr << "vigil-replay: " << error.what() << "\n";
    return 1;
  }
}
