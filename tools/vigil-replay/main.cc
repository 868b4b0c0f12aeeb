// vigil-replay: flags and signals; the work is in replay.cc.
#include <unistd.h>

#include <exception>
#include <iostream>

#include "streamer/stop_signal.h"
#include "tools/vigil-replay/replay.h"

int main(int argc, char** argv) {
  using namespace vigil::tools::replay;
  const auto parsed = parseCommandLine(argc, argv);
  if (!parsed.help.empty()) {
    std::cout << parsed.help;
    return 0;
  }
  if (!parsed.value) {
    std::cerr << "vigil-replay: " << parsed.error << "\n(see vigil-replay --help)\n";
    return 2;
  }
  const auto& stop = vigil::streamer::installStopSignals();
  try {
    return runReplay(*parsed.value, stop, std::cout, std::cerr, isatty(STDERR_FILENO) == 1);
  } catch (const std::exception& error) {
    std::cerr << "vigil-replay: " << error.what() << "\n";
    return 1;
  }
}
