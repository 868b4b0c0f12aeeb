#include "tools/vigil-acm/mllp_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <vector>

#include "streamer/hl7/mllp_framer.h"

namespace vigil::acm {
namespace {

using Clock = std::chrono::steady_clock;

int millisecondsLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Waits for `events` on `fd` until the deadline; false on timeout or error.
bool waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, millisecondsLeft(deadline));
    if (ready < 0 && errno == EINTR) continue;
    return ready > 0;
  }
}

}  // namespace

bool splitHostPort(const std::string& text, std::string& host, std::uint16_t& port) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const auto digits = std::string_view(text).substr(colon + 1);
  unsigned value = 0;
  const auto [end, problem] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (problem != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

MllpClient::MllpClient(std::string host, std::uint16_t port, std::size_t max_reply_bytes)
    : host_(std::move(host)), port_(port), max_reply_bytes_(max_reply_bytes) {}

MllpClient::~MllpClient() { disconnect(); }

void MllpClient::disconnect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool MllpClient::connect(Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &found) != 0) return false;
  for (auto* address = found; address != nullptr && fd_ < 0; address = address->ai_next) {
    const int fd = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    const bool connected = ::connect(fd, address->ai_addr, address->ai_addrlen) == 0 ||
                           (errno == EINPROGRESS && waitFor(fd, POLLOUT, deadline));
    int problem = 0;
    socklen_t length = sizeof problem;
    if (connected && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &problem, &length) == 0 && problem == 0) {
      fd_ = fd;
      ++connections_;
    } else {
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  return fd_ >= 0;
}

bool MllpClient::sendAll(std::string_view bytes, Clock::time_point deadline) {
  while (!bytes.empty()) {
    const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!waitFor(fd_, POLLOUT, deadline)) return false;
    } else {
      return false;
    }
  }
  return true;
}

MllpExchange MllpClient::awaitReply(Clock::time_point deadline) {
  streamer::hl7::MllpFramer framer(max_reply_bytes_);
  std::vector<streamer::hl7::MllpFrame> frames;
  char buffer[4096];
  for (;;) {
    if (!waitFor(fd_, POLLIN, deadline)) return {MllpExchange::Outcome::Timeout, {}};
    const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return {MllpExchange::Outcome::Closed, {}};
    framer.feed(std::string_view(buffer, static_cast<std::size_t>(n)), frames);
    if (!frames.empty()) {
      if (frames.front().kind != streamer::hl7::MllpFrame::Kind::Message) return {MllpExchange::Outcome::Closed, {}};
      return {MllpExchange::Outcome::Reply, std::move(frames.front().text)};
    }
  }
}

MllpExchange MllpClient::exchange(std::string_view message, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  if (fd_ < 0 && !connect(deadline)) return {MllpExchange::Outcome::ConnectFailed, {}};
  MllpExchange result{MllpExchange::Outcome::Closed, {}};
  if (sendAll(streamer::hl7::mllpFrame(message), deadline)) result = awaitReply(deadline);
  if (result.outcome != MllpExchange::Outcome::Reply) disconnect();
  return result;
}

}  // namespace vigil::acm
