// A blocking MLLP client for one message in flight: connect (on demand), send one framed
// message, wait for one framed reply, all against a deadline. vigil-acm keeps the order of
// an alarm's transitions by never sending the next before the previous was acknowledged,
// so a blocking socket on the exporter's own thread is all it needs.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::acm {

struct MllpExchange {
  enum class Outcome { Reply, ConnectFailed, Timeout, Closed };
  Outcome outcome = Outcome::Closed;
  std::string reply;  // the reply's message, without framing (Outcome::Reply)
};

class MllpClient {
 public:
  MllpClient(std::string host, std::uint16_t port, std::size_t max_reply_bytes = 1 << 20);
  ~MllpClient();
  MllpClient(const MllpClient&) = delete;
  MllpClient& operator=(const MllpClient&) = delete;

  // Connects if not connected. Anything but a reply closes the connection: a late reply
  // must never be taken for the answer to the next message.
  MllpExchange exchange(std::string_view message, std::chrono::milliseconds timeout);
  void disconnect();
  std::uint64_t connections() const { return connections_; }

 private:
  bool connect(std::chrono::steady_clock::time_point deadline);
  bool sendAll(std::string_view bytes, std::chrono::steady_clock::time_point deadline);
  MllpExchange awaitReply(std::chrono::steady_clock::time_point deadline);

  std::string host_;
  std::uint16_t port_;
  std::size_t max_reply_bytes_;
  int fd_ = -1;
  std::uint64_t connections_ = 0;
};

// "HOST:PORT" (IPv6 as [addr]:port); false when it is not one.
bool splitHostPort(const std::string& text, std::string& host, std::uint16_t& port);

}  // namespace vigil::acm
