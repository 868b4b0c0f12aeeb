// --listen HOST:PORT, and the rule that keeps the station on loopback unless it is
// protected: any other address needs TLS and nurse sign-in both (issue 11, item 6), and is
// refused with that reason rather than served in the clear or to anyone.
#pragma once

#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace vigil::station {

struct ListenAddress {
  std::optional<boost::asio::ip::tcp::endpoint> endpoint;
  std::string error;
  bool ok() const { return endpoint.has_value(); }
};

// What protects the station; loopback needs neither.
struct ListenSecurity {
  bool tls = false;
  bool signin = false;
};

ListenAddress parseListenAddress(const std::string& host_and_port, ListenSecurity security = {});

}  // namespace vigil::station
