// --listen HOST:PORT, and the rule that keeps the station on loopback: any other address
// would need TLS and nurse sign-in (issue 11, item 6), which are not built yet, so it is
// refused with that reason rather than served in the clear.
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

ListenAddress parseListenAddress(const std::string& host_and_port);

}  // namespace vigil::station
