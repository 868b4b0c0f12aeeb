// TLS for vigil-station (issue 11, item 6): a server context from a certificate chain and
// key in PEM files, over Debian's OpenSSL. TLS 1.2 and newer only; the key must match the
// certificate, or the station refuses to start rather than fail every browser later.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace vigil::station {

struct TlsContext {
  std::unique_ptr<boost::asio::ssl::context> context;
  std::string error;  // names the file that is wrong
  bool ok() const { return context != nullptr; }
};

TlsContext loadTlsContext(const std::string& certificate_file, const std::string& key_file);

}  // namespace vigil::station
