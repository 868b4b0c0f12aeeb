#include "streamer/socket_reader.h"

#include <boost/asio/post.hpp>

namespace vigil::streamer {
namespace {

// Messages handled per turn of the event loop before timers get their chance.
constexpr int kMessagesPerTurn = 256;

}  // namespace

SocketReader::SocketReader(boost::asio::io_context& io, zmq::socket_ref socket, std::function<void()> read_one)
    : io_(io),
      socket_(socket),
      read_next_([this, read_one = std::move(read_one)] {
        if (!readable()) return false;
        read_one();
        return true;
      }),
      descriptor_(io, socket.get(zmq::sockopt::fd)) {}

SocketReader::SocketReader(boost::asio::io_context& io, zmq::socket_ref socket, UntilEmpty,
                           std::function<bool()> read_next)
    : io_(io),
      socket_(socket),
      read_next_(std::move(read_next)),
      until_empty_(true),
      descriptor_(io, socket.get(zmq::sockopt::fd)) {}

SocketReader::~SocketReader() {
  // The descriptor belongs to ZeroMQ: Asio must not close it.
  descriptor_.release();
}

void SocketReader::start() {
  boost::asio::post(io_, [this] { drain(); });
}

bool SocketReader::readable() { return (socket_.get(zmq::sockopt::events) & ZMQ_POLLIN) != 0; }

void SocketReader::drain() {
  for (int handled = 0; handled < kMessagesPerTurn; ++handled) {
    if (read_next_()) continue;
    // Nothing was waiting. A receive that found nothing has processed ZeroMQ's commands as
    // ZMQ_EVENTS does; asking ZMQ_EVENTS once more costs one call per wake-up, not per
    // message, and leaves no doubt that the descriptor's next edge will come.
    if (until_empty_ && readable()) continue;
    waitReadable();
    return;
  }
  // Still readable: the edge will not fire again, so come back after other work.
  boost::asio::post(io_, [this] { drain(); });
}

void SocketReader::waitReadable() {
  descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [this](const boost::system::error_code& error) {
                           if (!error) drain();
                         });
}

}  // namespace vigil::streamer
