// Drives a ZeroMQ socket from a Boost.Asio io_context through its ZMQ_FD, so one thread
// runs sockets, timers and signals and the core is touched by that thread only. It lives
// in streamer/ so any consumer on an Asio loop (the engine, a web station) shares it.
//
// ZMQ_FD is edge-triggered and only says "look at ZMQ_EVENTS": after every wake-up the
// socket is drained while ZMQ_EVENTS reports POLLIN. A bounded batch per turn keeps a
// flood on one socket from starving timers (heartbeats) and the other sockets.
#pragma once

#include <functional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <zmq.hpp>

namespace vigil::streamer {

class SocketReader {
 public:
  // `read_one` must consume exactly one whole message from the socket.
  SocketReader(boost::asio::io_context& io, zmq::socket_ref socket, std::function<void()> read_one);
  ~SocketReader();
  SocketReader(const SocketReader&) = delete;
  SocketReader& operator=(const SocketReader&) = delete;

  void start();

 private:
  void drain();
  void waitReadable();

  boost::asio::io_context& io_;
  zmq::socket_ref socket_;
  std::function<void()> read_one_;
  boost::asio::posix::stream_descriptor descriptor_;
};

}  // namespace vigil::streamer
