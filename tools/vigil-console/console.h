// The vigil-console process around the board: a StationClient (streamer/station) keeps the
// engine's picture after the ZeroMQ Clone pattern (subscribe, buffer, snapshot, updates in
// sequence, resync by itself); this file adds the keys, the prompt, the control requests
// and the two ways of showing the result.
#pragma once

#include <string>

#include "streamer/security.h"

namespace vigil::console {

struct Options {
  std::string alerts_endpoint = "tcp://127.0.0.1:7402";
  std::string control_endpoint = "tcp://127.0.0.1:7403";
  std::string unit;                   // "" for every care unit
  std::string station;                // who acknowledges; "" for console@<hostname>
  std::string nurse;                  // entered_by of clinical events; "" for the station name
  bool json = false;                  // one JSON alarm event per line on stdout instead of the screen
  streamer::ClientSecurity security;  // CURVE keys for both sockets, or none (loopback)
};

// "console@<hostname>".
std::string defaultStationName();

// Runs until 'q' (interactive) or SIGINT / SIGTERM / SIGHUP; returns the exit status.
int runConsole(const Options& options);

}  // namespace vigil::console
