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
  // `read_one` must consume exactly one whole message from the socket; it is called while
  // ZMQ_EVENTS reports POLLIN.
  SocketReader(boost::asio::io_context& io, zmq::socket_ref socket, std::function<void()> read_one);
  // For a busy socket: `read_next` receives (without waiting) one whole message if one is
  // there and says whether it did. The socket is drained by receives alone, ZMQ_EVENTS asked
  // once when a receive found nothing instead of before every message (where it costs a
  // poll() system call per message: 4 % of a saturated vigil-engine).
  struct UntilEmpty {};
  SocketReader(boost::asio::io_context& io, zmq::socket_ref socket, UntilEmpty, std::function<bool()> read_next);
  ~SocketReader();
  SocketReader(const SocketReader&) = delete;
  SocketReader& operator=(const SocketReader&) = delete;

  void start();

 private:
  void drain();
  bool readable();
  void waitReadable();

  boost::asio::io_context& io_;
  zmq::socket_ref socket_;
  std::function<bool()> read_next_;
  bool until_empty_ = false;
  boost::asio::posix::stream_descriptor descriptor_;
};

}  // namespace vigil::streamer
