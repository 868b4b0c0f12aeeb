// A test alert manager for vigil-acm (IHE ACM): an MLLP server on 127.0.0.1, bound at once
// (so its port is known) and listening only when told, so "not there yet" is a refused
// connection. `answer` gives the MSA-1 for the n-th message received (0-based), or "" to
// stay silent; each message received is kept. Shared by the unit and integration tests.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "streamer/hl7/mllp_framer.h"

namespace vigil::testing {

// Field `index` of the first `segment` (MSH counted as text: MSH-10 is index 9).
inline std::string acmSegmentField(const std::string& message, const std::string& segment, std::size_t index) {
  const auto at = message.find(segment + "|");
  if (at == std::string::npos) return {};
  auto text = message.substr(at, message.find('\r', at) - at);
  for (std::size_t i = 0; i < index; ++i) text = text.substr(std::min(text.size(), text.find('|') + 1));
  return text.substr(0, text.find('|'));
}

inline std::string acmMessageId(const std::string& message) { return acmSegmentField(message, "MSH", 9); }

// An IHE PCD-05 status report (ORA^R41) as an alert manager sends it about an alert Vigil
// sent: the alert identity in OBR-3, the status in PRT-3, the nurse (XCN id^family^given)
// in PRT-5, and MSA-2 naming the ORU^R40 it answers.
inline std::string acmStatusReport(const std::string& control_id, const std::string& alert_id,
                                   const std::string& status, const std::string& nurse_xcn,
                                   const std::string& answers_id = "") {
  return "MSH|^~\\&|AM^PHONES|WARD|VIGIL||20261203120000+0000||ORA^R41^ORA_R41|" + control_id +
         "|P|2.6|||AL|NE||UNICODE UTF-8\rMSA|AA|" + answers_id + "\rOBR|1||" + alert_id +
         "^VIGIL|196616^MDC_EVT_ALARM^MDC\rPRT|||" + status + "||" + nurse_xcn + "\r";
}

class TestAlertManager {
 public:
  using Answer = std::function<std::string(std::size_t index, const std::string& message)>;

  explicit TestAlertManager(Answer answer) : answer_(std::move(answer)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~TestAlertManager() {
    ::shutdown(fd_, SHUT_RDWR);  // wakes the accept
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  TestAlertManager(const TestAlertManager&) = delete;
  TestAlertManager& operator=(const TestAlertManager&) = delete;

  void startListening() {
    ASSERT_EQ(::listen(fd_, 8), 0);
    thread_ = std::thread([this] { serve(); });
  }
  std::uint16_t port() const { return port_; }
  std::vector<std::string> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  void serve() {
    for (;;) {
      const int connection = ::accept(fd_, nullptr, nullptr);
      if (connection < 0) return;
      serveConnection(connection);
      ::close(connection);
    }
  }
  void serveConnection(int connection) {
    streamer::hl7::MllpFramer framer(1 << 20);
    std::vector<streamer::hl7::MllpFrame> frames;
    char buffer[4096];
    for (;;) {
      const auto n = ::recv(connection, buffer, sizeof buffer, 0);
      if (n <= 0) return;
      framer.feed(std::string_view(buffer, static_cast<std::size_t>(n)), frames);
      for (const auto& frame : frames) {
        std::size_t index = 0;
        {
          std::lock_guard lock(mutex_);
          index = received_.size();
          received_.push_back(frame.text);
        }
        const auto code = answer_(index, frame.text);
        if (code.empty()) continue;
        const auto id = acmMessageId(frame.text);
        const auto ack =
            "MSH|^~\\&|AM||VIGIL||20261203||ACK^R40^ACK|" + id + "-ACK|P|2.6\rMSA|" + code + "|" + id + "\r";
        const auto framed = streamer::hl7::mllpFrame(ack);
        if (::send(connection, framed.data(), framed.size(), MSG_NOSIGNAL) <= 0) return;
      }
      frames.clear();
    }
  }

  Answer answer_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> received_;
};

}  // namespace vigil::testing
