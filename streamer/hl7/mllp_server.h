// An MLLP server on Boost.Asio: many concurrent connections on one io_context, each read
// through an MllpFramer and answered in order. It defends itself against hostile peers
// without slowing the others: a connection limit (refused connections are closed at once),
// a message size limit (AR and close), and a deadline for each message (a peer that sends
// nothing, or one byte a minute, is closed when the deadline passes). A connection reads
// its next bytes only once its replies are written, so a peer that never reads its ACKs
// stalls only itself until its deadline.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it
#include <vector>

#include <boost/asio.hpp>

namespace vigil::streamer::hl7 {

struct MllpServerOptions {
  std::size_t max_message_bytes = 1 << 20;  // 1 MiB
  std::size_t max_connections = 256;
  // A connection must complete a message within this time of connecting or of its
  // previous message.
  std::chrono::milliseconds message_timeout{60'000};
};

struct MllpServerCounters {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_refused = 0;  // over the limit
  std::uint64_t connections_open = 0;
  std::uint64_t accept_errors = 0;  // out of file descriptors, say
  std::uint64_t timeouts = 0;       // idle or too slow: closed
  std::uint64_t oversize_closed = 0;
  std::uint64_t bytes_outside_framing = 0;
  std::uint64_t abandoned_messages = 0;
  std::uint64_t missing_trailers = 0;
  std::uint64_t messages = 0;
};

struct MllpHandlers {
  // The reply (unframed) to one message.
  std::function<std::string(std::string_view message)> on_message;
  // The reply to a message cut at the limit; the connection closes after it.
  std::function<std::string(std::string_view head, std::size_t limit)> on_oversize;
};

class MllpServer {
 public:
  MllpServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint, MllpServerOptions options,
             MllpHandlers handlers);
  ~MllpServer();
  MllpServer(const MllpServer&) = delete;
  MllpServer& operator=(const MllpServer&) = delete;

  boost::asio::ip::tcp::endpoint localEndpoint() const { return acceptor_.local_endpoint(); }
  const MllpServerCounters& counters() const { return *counters_; }
  // Stops accepting and closes every connection.
  void close();

  class Session;

 private:
  void accept();

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;
  MllpServerOptions options_;
  std::shared_ptr<MllpHandlers> handlers_;
  std::shared_ptr<MllpServerCounters> counters_;
  std::shared_ptr<bool> closed_;
  std::vector<std::weak_ptr<Session>> sessions_;  // live ones, so close() can end them
};

}  // namespace vigil::streamer::hl7
