// An MLLP client for the tests: plain POSIX sockets, every wait bounded by a deadline.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "process.h"

namespace vigil::testing {

class MllpClient {
 public:
  explicit MllpClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    const int one = 1;
    if (connected_) setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  MllpClient(const MllpClient&) = delete;
  MllpClient& operator=(const MllpClient&) = delete;
  MllpClient(MllpClient&& other) noexcept
      : fd_(other.fd_), connected_(other.connected_), buffer_(std::move(other.buffer_)) {
    other.fd_ = -1;
  }
  ~MllpClient() {
    if (fd_ >= 0) close(fd_);
  }

  bool connected() const { return connected_; }

  bool sendRaw(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  bool sendMessage(const std::string& message) { return sendRaw("\x0b" + message + "\x1c\r"); }

  // The next framed reply without its framing, or nullopt at the deadline or when closed.
  std::optional<std::string> readReply(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      const auto start = buffer_.find('\x0b');
      const auto end = buffer_.find("\x1c\r", start == std::string::npos ? 0 : start);
      if (start != std::string::npos && end != std::string::npos) {
        auto reply = buffer_.substr(start + 1, end - start - 1);
        buffer_.erase(0, end + 2);
        return reply;
      }
      if (!readMore(deadline)) return std::nullopt;
    }
  }

  // Sends and waits for the reply.
  std::optional<std::string> exchange(const std::string& message, std::chrono::steady_clock::time_point deadline) {
    if (!sendMessage(message)) return std::nullopt;
    return readReply(deadline);
  }

  // True once the server has closed the connection (read gives end of file or an error).
  bool awaitClosed(std::chrono::steady_clock::time_point deadline) {
    while (readMore(deadline)) {
    }
    return closed_;
  }

  // True when the server has not closed it yet, without waiting.
  bool stillOpen() {
    pollfd item{fd_, POLLIN, 0};
    if (poll(&item, 1, 0) <= 0) return true;
    char byte;
    return recv(fd_, &byte, 1, MSG_PEEK) > 0;
  }

 private:
  bool readMore(std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || fd_ < 0) return false;
    pollfd item{fd_, POLLIN, 0};
    if (poll(&item, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[4096];
    const auto n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

// The field (1-based, MSH counted the HL7 way) of the first segment named `segment`.
inline std::string hl7Field(const std::string& message, const std::string& segment, std::size_t index) {
  std::istringstream lines(message);
  std::string line;
  while (std::getline(lines, line, '\r')) {
    if (line.rfind(segment + "|", 0) != 0) continue;
    std::vector<std::string> fields;
    std::string field;
    std::istringstream parts(line);
    while (std::getline(parts, field, '|')) fields.push_back(field);
    if (!line.empty() && line.back() == '|') fields.emplace_back();
    if (segment == "MSH") fields.insert(fields.begin() + 1, "|");
    return index < fields.size() ? fields[index] : std::string();
  }
  return {};
}

inline std::string readTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace vigil::testing
