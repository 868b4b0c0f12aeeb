// vigil-record: flags and signals; the work is in recorder.cc.
#include <signal.h>

#include <atomic>
#include <exception>
#include <iostream>

#include "tools/vigil-record/recorder.h"

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
  using namespace vigil::tools::record;
  const auto parsed = parseCommandLine(argc, argv);
  if (!parsed.help.empty()) {
    std::cout << parsed.help << "\n";
    return 0;
  }
  if (!parsed.options) {
    std::cerr << "vigil-record: " << parsed.error << "\n(see vigil-record --help)\n";
    return 2;
  }
  try {
    if (!parsed.options->import.empty()) return convertImport(*parsed.options, std::cout, std::cerr);
    installStopHandlers();
    return recordLive(*parsed.options, g_stop, std::cout, std::cerr);
  } catch (const std::exception& error) {
    std::cerr << "vigil-record: " << error.what() << "\n";
    return 1;
  }
}
