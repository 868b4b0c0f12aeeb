// The web side of vigil-station: Boost.Beast HTTP and WebSocket on the one io_context.
// HTTP serves the page and its scripts from memory (loaded once at start, so no request
// can name a file outside them) and /stats; a WebSocket upgrade from the same origin
// becomes a BrowserSession. With TLS (tls.h) every connection is TLS; with sign-in
// (signin.h) everything but the sign-in page needs a live session cookie. Every session
// writes one message at a time from its own bounded SendQueue; the hub (hub.h) decides
// what goes in.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "tools/vigil-station/send_queue.h"

namespace vigil::station {

class WardHub;
class SignIn;

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

// Every answer of the station's, with its security headers.
boost::beast::http::response<boost::beast::http::string_body> plainResponse(boost::beast::http::status status,
                                                                            unsigned version, bool keep_alive,
                                                                            std::string body,
                                                                            const std::string& content_type);

// Who is behind a browser connection: the signed-in nurse and the session, when sign-in
// is on (signin.h); empty otherwise.
struct BrowserIdentity {
  std::string nurse;
  std::string session_id;
  SignIn* signin = nullptr;
};

// One browser's WebSocket, over plain TCP or TLS (web_server.cc has the two).
class BrowserSession : public std::enable_shared_from_this<BrowserSession> {
 public:
  virtual ~BrowserSession() = default;

  // Queues a message; a browser that cannot keep up even so is dropped (counted).
  virtual void send(Outgoing message) = 0;
  // Replaces whatever waits with the whole picture.
  virtual void sendFull(std::string full_picture) = 0;
  // Closes the connection; pending operations end with an error and nothing more is sent.
  virtual void drop() = 0;
  virtual bool writeStuck(std::chrono::steady_clock::time_point now) const = 0;
  virtual std::size_t superseded() const = 0;
  std::uint64_t id() const { return id_; }
  // The signed-in nurse, "" when sign-in is off.
  const std::string& nurse() const { return identity_.nurse; }
  // False once the nurse's session has ended (signed out, expired): the ward stays on
  // screen, but nobody acts in that nurse's name any more.
  bool mayAct() const;

 protected:
  BrowserSession(std::uint64_t id, BrowserIdentity identity) : id_(id), identity_(std::move(identity)) {}

 private:
  std::uint64_t id_;
  BrowserIdentity identity_;
};

// TLS and sign-in, each off when null. Sign-in without TLS is for loopback only (main.cc).
struct WebSecurity {
  boost::asio::ssl::context* tls = nullptr;
  SignIn* signin = nullptr;
};

class WebServer {
 public:
  WebServer(boost::asio::io_context& io, WardHub& hub, StaticFiles files, WebLimits limits, WebSecurity security = {});
  // Binds and starts accepting; returns the endpoint actually bound (port 0 resolved).
  boost::asio::ip::tcp::endpoint listen(const boost::asio::ip::tcp::endpoint& endpoint);
  const StaticFiles& files() const { return files_; }
  const WebLimits& limits() const { return limits_; }
  WardHub& hub() { return hub_; }
  const WebSecurity& security() const { return security_; }
  // The hub's counters and sign-in's, as one JSON object.
  std::string statsJson() const;
  std::uint64_t nextSessionId() { return ++session_ids_; }
  void countTlsFailure() { ++tls_failures_; }

 private:
  void acceptNext();

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  WardHub& hub_;
  StaticFiles files_;
  WebLimits limits_;
  WebSecurity security_;
  std::uint64_t session_ids_ = 0;
  std::uint64_t tls_failures_ = 0;  // handshakes that failed or timed out
};

}  // namespace vigil::station
