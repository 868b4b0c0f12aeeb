// --listen: loopback unless TLS and sign-in both protect the station, and a clear reason otherwise.
#include "tools/vigil-station/listen_address.h"

#include <gtest/gtest.h>

namespace vigil::station {
namespace {

struct Case {
  const char* text;
  const char* address;  // nullptr: refused
  unsigned short port;
  const char* error_mentions;
};

TEST(StationListenAddress, AcceptsLoopbackAndRefusesTheRestWithAReason) {
  const Case cases[] = {
      {"127.0.0.1:8080", "127.0.0.1", 8080, ""},
      {"localhost:0", "127.0.0.1", 0, ""},
      {"[::1]:9000", "::1", 9000, ""},
      {"127.0.0.2:80", "127.0.0.2", 80, ""},
      {"0.0.0.0:8080", nullptr, 0, "TLS"},
      {"192.168.1.5:8080", nullptr, 0, "TLS"},
      {"127.0.0.1", nullptr, 0, "HOST:PORT"},
      {"127.0.0.1:http", nullptr, 0, "port"},
      {"127.0.0.1:70000", nullptr, 0, "port"},
      {"127.0.0.1:80x", nullptr, 0, "port"},
      {"ward.example:80", nullptr, 0, "IP address"},
      {":80", nullptr, 0, "HOST:PORT"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto parsed = parseListenAddress(c.text);
    if (c.address) {
      ASSERT_TRUE(parsed.ok()) << parsed.error;
      EXPECT_EQ(parsed.endpoint->address().to_string(), c.address);
      EXPECT_EQ(parsed.endpoint->port(), c.port);
    } else {
      EXPECT_FALSE(parsed.ok());
      EXPECT_NE(parsed.error.find(c.error_mentions), std::string::npos) << parsed.error;
    }
  }
}

TEST(StationListenAddress, AnotherAddressNeedsTlsAndSignInBoth) {
  EXPECT_FALSE(parseListenAddress("0.0.0.0:8443", {true, false}).ok());
  EXPECT_FALSE(parseListenAddress("0.0.0.0:8443", {false, true}).ok());
  const auto refused = parseListenAddress("192.168.1.5:8443", {false, true});
  EXPECT_NE(refused.error.find("--tls-cert"), std::string::npos) << refused.error;
  const auto served = parseListenAddress("0.0.0.0:8443", {true, true});
  ASSERT_TRUE(served.ok()) << served.error;
  EXPECT_EQ(served.endpoint->port(), 8443);
  EXPECT_TRUE(parseListenAddress("127.0.0.1:0", {false, true}).ok()) << "sign-in on loopback needs no TLS";
}

}  // namespace
}  // namespace vigil::station
