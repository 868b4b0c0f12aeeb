#include "tools/vigil-station/listen_address.h"

#include <charconv>

namespace vigil::station {

ListenAddress parseListenAddress(const std::string& host_and_port, ListenSecurity security) {
  ListenAddress result;
  const auto colon = host_and_port.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    result.error = "--listen wants HOST:PORT, e.g. 127.0.0.1:8080, not '" + host_and_port + "'";
    return result;
  }
  auto host = host_and_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  const auto port_text = host_and_port.substr(colon + 1);
  unsigned port = 0;
  const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    result.error = "--listen port must be a number from 0 to 65535, not '" + port_text + "'";
    return result;
  }
  boost::system::error_code bad_address;
  const auto address = boost::asio::ip::make_address(host, bad_address);
  if (bad_address) {
    result.error = "--listen host must be an IP address or localhost, not '" + host + "'";
    return result;
  }
  if (!address.is_loopback() && !(security.tls && security.signin)) {
    result.error = "--listen " + host_and_port +
                   " is not a loopback address: serving the unit's network needs TLS (--tls-cert FILE --tls-key "
                   "FILE) and nurse sign-in (--users FILE), and is refused without both";
    return result;
  }
  result.endpoint = boost::asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
  return result;
}

}  // namespace vigil::station
