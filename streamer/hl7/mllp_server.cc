#include "streamer/hl7/mllp_server.h"

#include <array>
#include <deque>
#include <vector>

#include "streamer/hl7/mllp_framer.h"

namespace vigil::streamer::hl7 {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// How long to wait before accepting again after accept() failed (no file descriptors
// left): long enough not to spin, short enough that service resumes quickly.
constexpr std::chrono::milliseconds kAcceptRetry{100};
constexpr std::size_t kReadChunk = 64 * 1024;

}  // namespace

class MllpServer::Session : public std::enable_shared_from_this<MllpServer::Session> {
 public:
  Session(tcp::socket socket, const MllpServerOptions& options, std::shared_ptr<MllpHandlers> handlers,
          std::shared_ptr<MllpServerCounters> counters)
      : socket_(std::move(socket)),
        deadline_timer_(socket_.get_executor()),
        options_(options),
        handlers_(std::move(handlers)),
        counters_(std::move(counters)),
        framer_(options.max_message_bytes) {
    ++counters_->connections_open;
  }
  ~Session() {
    --counters_->connections_open;
    addFramerCounters();
  }

  void start() {
    armDeadline();
    read();
  }

  void close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    deadline_timer_.cancel();
  }

 private:
  void armDeadline() {
    deadline_timer_.expires_after(options_.message_timeout);
    deadline_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
      if (error) return;  // re-armed or closed
      ++self->counters_->timeouts;
      self->close();
    });
  }

  void read() {
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](const boost::system::error_code& error, std::size_t bytes) {
                              if (error) return self->close();
                              self->received(std::string_view(self->buffer_.data(), bytes));
                            });
  }

  void received(std::string_view bytes) {
    std::vector<MllpFrame> frames;
    framer_.feed(bytes, frames);
    bool close_after = false;
    for (const auto& frame : frames) {
      ++counters_->messages;
      if (frame.kind == MllpFrame::Kind::Oversize) {
        ++counters_->oversize_closed;
        replies_.push_back(mllpFrame(handlers_->on_oversize(frame.text, options_.max_message_bytes)));
        close_after = true;
        break;
      }
      replies_.push_back(mllpFrame(handlers_->on_message(frame.text)));
    }
    if (!frames.empty() && !close_after) armDeadline();
    writeReplies(close_after);
  }

  void writeReplies(bool close_after) {
    if (replies_.empty()) {
      if (close_after) return close();
      return read();
    }
    asio::async_write(socket_, asio::buffer(replies_.front()),
                      [self = shared_from_this(), close_after](const boost::system::error_code& error, std::size_t) {
                        if (error) return self->close();
                        self->replies_.pop_front();
                        self->writeReplies(close_after);
                      });
  }

  void addFramerCounters() {
    const auto& framer = framer_.counters();
    counters_->bytes_outside_framing += framer.bytes_outside_framing;
    counters_->abandoned_messages += framer.abandoned_messages;
    counters_->missing_trailers += framer.missing_trailers;
  }

  tcp::socket socket_;
  asio::steady_timer deadline_timer_;
  const MllpServerOptions options_;
  std::shared_ptr<MllpHandlers> handlers_;
  std::shared_ptr<MllpServerCounters> counters_;
  MllpFramer framer_;
  std::array<char, kReadChunk> buffer_{};
  std::deque<std::string> replies_;
};

MllpServer::MllpServer(asio::io_context& io, const tcp::endpoint& endpoint, MllpServerOptions options,
                       MllpHandlers handlers)
    : io_(io),
      acceptor_(io, endpoint),
      accept_retry_(io),
      options_(options),
      handlers_(std::make_shared<MllpHandlers>(std::move(handlers))),
      counters_(std::make_shared<MllpServerCounters>()),
      closed_(std::make_shared<bool>(false)) {
  accept();
}

MllpServer::~MllpServer() { close(); }

void MllpServer::close() {
  if (*closed_) return;
  *closed_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  for (auto& weak : sessions_) {
    if (auto session = weak.lock()) session->close();
  }
  sessions_.clear();
}

void MllpServer::accept() {
  acceptor_.async_accept([this, closed = closed_](const boost::system::error_code& error, tcp::socket socket) {
    if (*closed) return;
    if (error) {
      ++counters_->accept_errors;
      accept_retry_.expires_after(kAcceptRetry);
      accept_retry_.async_wait([this, closed](const boost::system::error_code& wait_error) {
        if (!wait_error && !*closed) accept();
      });
      return;
    }
    if (counters_->connections_open >= options_.max_connections) {
      ++counters_->connections_refused;
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      ++counters_->connections_accepted;
      auto session = std::make_shared<Session>(std::move(socket), options_, handlers_, counters_);
      std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
      sessions_.push_back(session);
      session->start();
    }
    accept();
  });
}

}  // namespace vigil::streamer::hl7
