// The web side of vigil-station: Boost.Beast HTTP and WebSocket on the one io_context.
// HTTP serves the page and its scripts from memory (loaded once at start, so no request
// can name a file outside them) and /stats; a WebSocket upgrade from the same origin
// becomes a BrowserSession. Every session writes one message at a time from its own
// bounded SendQueue; the hub (hub.h) decides what goes in.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "tools/vigil-station/send_queue.h"

namespace vigil::station {

class WardHub;

// Bounds on what a browser may send or leave waiting (issue 11: bad requests get a
// clear error, are counted, and none stops the station).
struct WebLimits {
  std::size_t max_message_bytes = 16 * 1024;       // one WebSocket message from the page
  std::size_t max_request_bytes = 8 * 1024;        // one HTTP request's header and body
  std::size_t max_undroppable_waiting = 512;       // alarm/advice/reply messages per browser
  std::chrono::milliseconds max_write_time{5000};  // one write this long: the browser is stuck
};

struct StaticFile {
  std::string content_type;
  std::string body;
};
// URL path ("/", "/station.js", "/uplot/uPlot.iife.min.js") to the file served there.
using StaticFiles = std::map<std::string, StaticFile>;

// Reads the page's files from `web_root`; an error message names the one missing.
struct LoadedFiles {
  StaticFiles files;
  std::string error;
};
LoadedFiles loadStaticFiles(const std::string& web_root);

class BrowserSession : public std::enable_shared_from_this<BrowserSession> {
 public:
  BrowserSession(boost::asio::ip::tcp::socket socket, WardHub& hub, const WebLimits& limits, std::uint64_t id);

  void accept(boost::beast::http::request<boost::beast::http::string_body> upgrade);
  // Queues a message; a browser that cannot keep up even so is dropped (counted).
  void send(Outgoing message);
  // Replaces whatever waits with the whole picture.
  void sendFull(std::string full_picture);
  // Closes the connection; pending operations end with an error and nothing more is sent.
  void drop();
  bool writeStuck(std::chrono::steady_clock::time_point now) const;
  std::uint64_t id() const { return id_; }
  std::size_t superseded() const { return queue_.superseded(); }

 private:
  void readNext();
  void onRead(boost::beast::error_code error, std::size_t bytes);
  void writeNext();
  void onWrite(boost::beast::error_code error, std::size_t bytes);

  boost::beast::websocket::stream<boost::beast::tcp_stream> socket_;
  boost::beast::flat_buffer incoming_;
  WardHub& hub_;
  const WebLimits& limits_;
  std::uint64_t id_;
  SendQueue queue_;
  std::string writing_text_;
  bool writing_ = false;
  bool closed_ = false;
  std::chrono::steady_clock::time_point write_started_;
};

class WebServer {
 public:
  WebServer(boost::asio::io_context& io, WardHub& hub, StaticFiles files, WebLimits limits);
  // Binds and starts accepting; returns the endpoint actually bound (port 0 resolved).
  boost::asio::ip::tcp::endpoint listen(const boost::asio::ip::tcp::endpoint& endpoint);
  const StaticFiles& files() const { return files_; }
  const WebLimits& limits() const { return limits_; }
  WardHub& hub() { return hub_; }
  std::uint64_t nextSessionId() { return ++session_ids_; }

 private:
  void acceptNext();

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  WardHub& hub_;
  StaticFiles files_;
  WebLimits limits_;
  std::uint64_t session_ids_ = 0;
};

}  // namespace vigil::station
