#include "tools/vigil-station/tls.h"

#include <openssl/ssl.h>

namespace vigil::station {
namespace ssl = boost::asio::ssl;

TlsContext loadTlsContext(const std::string& certificate_file, const std::string& key_file) {
  TlsContext loaded;
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  boost::system::error_code error;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       error);
  if (!error) context->use_certificate_chain_file(certificate_file, error);
  if (error) {
    loaded.error = "--tls-cert " + certificate_file + ": no PEM certificate chain there (" + error.message() + ")";
    return loaded;
  }
  context->use_private_key_file(key_file, ssl::context::pem, error);
  if (error) {
    loaded.error = "--tls-key " + key_file + ": no PEM private key there (" + error.message() + ")";
    return loaded;
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    loaded.error = "--tls-key " + key_file + " does not belong to the certificate in " + certificate_file;
    return loaded;
  }
  loaded.context = std::move(context);
  return loaded;
}

}  // namespace vigil::station
