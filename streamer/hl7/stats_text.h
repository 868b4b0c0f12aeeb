// Counters as one "name=value name=value" line, and the small TCP endpoint through which
// `--stats HOST:PORT` reads them from a running vigil-hl7-gateway or vigil-acm: it writes
// the line and closes, so `nc HOST PORT` shows the same.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>

#include "streamer/hl7/hl7_intake.h"
#include "streamer/hl7/mllp_server.h"

namespace vigil::streamer::hl7 {

// "127.0.0.1:2575", "[::1]:0": a numeric address and a port.
std::optional<boost::asio::ip::tcp::endpoint> parseHostPort(std::string_view text);
std::string formatHostPort(const boost::asio::ip::tcp::endpoint& endpoint);

using CounterTable = std::map<std::string, std::uint64_t>;
std::string formatCounters(const CounterTable& counters);
// Reads a "name=value ..." line back (tests, --stats); unreadable parts are left out.
CounterTable parseCounters(std::string_view line);

// An MLLP listener's connection counters, and AE/AR reasons ("AE 101" as refused_AE_101).
void addServerCounters(CounterTable& table, const MllpServerCounters& server);
void addRefusalReasons(CounterTable& table, const std::map<std::string, std::uint64_t>& reasons);

std::string statsText(const IntakeCounters& intake, const MllpServerCounters& server);

class StatsResponder {
 public:
  StatsResponder(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
                 std::function<std::string()> table);
  boost::asio::ip::tcp::endpoint localEndpoint() const { return acceptor_.local_endpoint(); }
  void close();

 private:
  void accept();
  boost::asio::ip::tcp::acceptor acceptor_;
  std::function<std::string()> table_;
};

// Connects, reads the line, prints it; 0 on success, 1 (with why on `errors`) otherwise.
int printRemoteStats(std::string_view host_port, std::ostream& out, std::ostream& errors);

}  // namespace vigil::streamer::hl7
