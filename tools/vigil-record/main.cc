// vigil-record: flags and signals; the work is in recorder.cc.

#include <exception>
#include <iostream>

#include "streamer/stop_signal.h"
#include "tools/vigil-record/recorder.h"

int main(int argc, char** argv) {
  using namespace vigil::tools::record;
  const auto parsed = parseCommandLine(argc, argv);
  if (!parsed.help.empty()) {
    std::cout << parsed.help << "\n";
    return 0;
  }
  if (!parsed.value) {
    std::cerr << "vigil-record: " << parsed.error << "\n(see vigil-record --help)\n";
    return 2;
  }
  try {
    if (!parsed.value->import.empty()) return convertImport(*parsed.value, std::cout, std::cerr);
    return recordLive(*parsed.value, vigil::streamer::installStopSignals(), std::cout, std::cerr);
  } catch (const std::exception& error) {
    std::cerr << "vigil-record: " << error.what() << "\n";
    return 1;
  }
}
