// The command-line limits of an MLLP listener, shared by vigil-hl7-gateway (--listen) and
// vigil-acm (--status-listen), so both defend themselves the same way and word it alike.
#pragma once

#include <cstddef>
#include <cstdint>

#include <boost/program_options.hpp>

#include "streamer/duration_option.h"
#include "streamer/hl7/mllp_server.h"

namespace vigil::streamer::hl7 {

inline void addMllpServerOptions(boost::program_options::options_description& options) {
  namespace po = boost::program_options;
  // clang-format off
  options.add_options()
      ("max-message-bytes", po::value<std::size_t>(), "larger messages get AR and the connection is closed (default 1048576)")
      ("max-connections", po::value<std::size_t>(), "connections beyond this are closed at once (default 256)")
      ("message-timeout-ms", po::value<std::int64_t>(), "a connection must complete a message within this time of the last (default 60000)");
  // clang-format on
}

inline MllpServerOptions readMllpServerOptions(const boost::program_options::variables_map& values) {
  MllpServerOptions server;
  if (values.count("max-message-bytes")) server.max_message_bytes = values["max-message-bytes"].as<std::size_t>();
  if (values.count("max-connections")) server.max_connections = values["max-connections"].as<std::size_t>();
  if (server.max_message_bytes < 64) throw boost::program_options::error("--max-message-bytes must be at least 64");
  if (server.max_connections < 1) throw boost::program_options::error("--max-connections must be at least 1");
  server.message_timeout = millisecondsOption(values, "message-timeout-ms", server.message_timeout, false);
  return server;
}

}  // namespace vigil::streamer::hl7
