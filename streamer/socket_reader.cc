#include "streamer/socket_reader.h"

#include <boost/asio/post.hpp>

namespace vigil::streamer {
namespace {

// Messages handled per turn of the event loop before timers get their chance.
constexpr int kMessagesPerTurn = 256;

}  // namespace

SocketReader::SocketReader(boost::asio::io_context& io, zmq::socket_ref socket, std::function<void()> read_one)
    : io_(io), socket_(socket), read_one_(std::move(read_one)), descriptor_(io, socket.get(zmq::sockopt::fd)) {}

SocketReader::~SocketReader() {
  // The descriptor belongs to ZeroMQ: Asio must not close it.
  descriptor_.release();
}

void SocketReader::start() {
  boost::asio::post(io_, [this] { drain(); });
}

void SocketReader::drain() {
  for (int handled = 0; handled < kMessagesPerTurn; ++handled) {
    if ((socket_.get(zmq::sockopt::events) & ZMQ_POLLIN) == 0) {
      waitReadable();
      return;
    }
    read_one_();
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
