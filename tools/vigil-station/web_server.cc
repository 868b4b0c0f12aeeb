#include "tools/vigil-station/web_server.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "tools/vigil-station/hub.h"
#include "tools/vigil-station/signin.h"

namespace vigil::station {
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using namespace std::chrono_literals;

namespace {

// The page and everything it loads: nothing comes from another host (issue 11, item 7).
struct PageFile {
  const char* url;
  const char* relative_path;
  const char* content_type;
};
constexpr PageFile kPageFiles[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/station.css", "station.css", "text/css; charset=utf-8"},
    {"/station.js", "station.js", "text/javascript; charset=utf-8"},
    {"/uplot/uPlot.iife.min.js", "uplot/uPlot.iife.min.js", "text/javascript; charset=utf-8"},
    {"/uplot/uPlot.min.css", "uplot/uPlot.min.css", "text/css; charset=utf-8"},
};

constexpr auto kHttpReadTimeout = 30s;
constexpr auto kTlsHandshakeTimeout = 10s;

template <typename Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

std::optional<std::string> readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// Same origin only: a page from another site must not drive the nurses' station. A
// client that sends no Origin is not a browser, and a browser always sends one.
bool sameOrigin(const http::request<http::string_body>& request, bool tls) {
  const auto origin = request[http::field::origin];
  if (origin.empty()) return true;
  const auto host = request[http::field::host];
  return !host.empty() && origin == (tls ? "https://" : "http://") + std::string(host);
}

// One browser's WebSocket over `Stream` (plain TCP, or TLS).
template <typename Stream>
class WebSocketSession final : public BrowserSession {
 public:
  WebSocketSession(Stream stream, WardHub& hub, const WebLimits& limits, std::uint64_t id, BrowserIdentity identity)
      : BrowserSession(id, std::move(identity)),
        socket_(std::move(stream)),
        hub_(hub),
        limits_(limits),
        queue_(limits.max_undroppable_waiting) {}

  void accept(http::request<http::string_body> upgrade) {
    socket_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    socket_.read_message_max(limits_.max_message_bytes);
    socket_.async_accept(upgrade, [self = selfPointer()](beast::error_code error) {
      if (error) return;
      self->hub_.join(self);
      self->readNext();
    });
  }

  void send(Outgoing message) override {
    if (closed_) return;
    if (queue_.push(std::move(message)) == Enqueued::Overflow) {
      hub_.countSlowDrop();
      drop();
      return;
    }
    if (!writing_) writeNext();
  }

  void sendFull(std::string full_picture) override {
    if (closed_) return;
    queue_.replaceAllWith({"", std::move(full_picture)});
    if (!writing_) writeNext();
  }

  void drop() override {
    if (closed_) return;
    closed_ = true;
    hub_.leave(id());
    beast::get_lowest_layer(socket_).close();
  }

  bool writeStuck(std::chrono::steady_clock::time_point now) const override {
    return writing_ && now - write_started_ > limits_.max_write_time;
  }

  std::size_t superseded() const override { return queue_.superseded(); }

 private:
  std::shared_ptr<WebSocketSession> selfPointer() {
    return std::static_pointer_cast<WebSocketSession>(shared_from_this());
  }

  void readNext() {
    socket_.async_read(incoming_,
                       [self = selfPointer()](beast::error_code error, std::size_t) { self->onRead(error); });
  }

  void onRead(beast::error_code error) {
    if (error) {
      if (error == websocket::error::message_too_big) hub_.countOversized();
      closed_ = true;
      hub_.leave(id());
      return;
    }
    hub_.onPageMessage(*this, beast::buffers_to_string(incoming_.data()));
    incoming_.consume(incoming_.size());
    readNext();
  }

  void writeNext() {
    if (closed_ || queue_.empty()) {
      writing_ = false;
      return;
    }
    writing_text_ = queue_.pop().text;
    writing_ = true;
    write_started_ = std::chrono::steady_clock::now();
    socket_.text(true);
    socket_.async_write(net::buffer(writing_text_), [self = selfPointer()](beast::error_code error, std::size_t) {
      if (error) return self->drop();
      self->writeNext();
    });
  }

  websocket::stream<Stream> socket_;
  beast::flat_buffer incoming_;
  WardHub& hub_;
  const WebLimits& limits_;
  SendQueue queue_;
  std::string writing_text_;
  bool writing_ = false;
  bool closed_ = false;
  std::chrono::steady_clock::time_point write_started_;
};

template <typename Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(Stream stream, WebServer& server) : stream_(std::move(stream)), server_(server) {
    beast::error_code ignored;
    client_address_ = beast::get_lowest_layer(stream_).socket().remote_endpoint(ignored).address().to_string();
  }

  void run() {
    if constexpr (kIsTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(kTlsHandshakeTimeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code error) {
                                if (error) return self->server_.countTlsFailure();
                                self->readNext();
                              });
    } else {
      readNext();
    }
  }

 private:
  void readNext() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.limits().max_request_bytes));
    parser_->body_limit(server_.limits().max_request_bytes);
    beast::get_lowest_layer(stream_).expires_after(kHttpReadTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code error, std::size_t) { self->onRead(error); });
  }

  void onRead(beast::error_code error) {
    if (error == http::error::end_of_stream || error == beast::error::timeout || error == net::error::eof) {
      return close();
    }
    if (error) {
      server_.hub().countBadHttp();
      return respond(plainResponse(http::status::bad_request, 11, false, "bad request: " + error.message() + "\n",
                                   "text/plain; charset=utf-8"));
    }
    auto request = parser_->release();
    auto* signin = server_.security().signin;
    const bool post = request.method() == http::verb::post;
    if (signin && post && !sameOrigin(request, kIsTls<Stream>)) {
      server_.hub().countForgedOrigin();
      return respond(plainResponse(http::status::forbidden, request.version(), false,
                                   "forbidden: sign-in only from this station's own page\n",
                                   "text/plain; charset=utf-8"));
    }
    if (signin && post && request.target() == "/signin") {
      return signin->submit(request, client_address_,
                            [self = this->shared_from_this()](auto response) { self->respond(std::move(response)); });
    }
    if (signin && post && request.target() == "/signout") return respond(signin->signOut(request));
    if (signin && request.method() == http::verb::get && request.target() == "/signin") {
      return respond(signin->page(request, http::status::ok, ""));
    }
    BrowserIdentity identity;
    if (signin) {
      const auto nurse = signin->nurseOf(request);
      if (!nurse) return respond(signin->refuse(request));
      identity = {*nurse, signin->sessionIdOf(request), signin};
    }
    if (websocket::is_upgrade(request)) return upgrade(std::move(request), std::move(identity));
    respond(answer(request, identity));
  }

  void upgrade(http::request<http::string_body> request, BrowserIdentity identity) {
    if (request.target() != "/ws" || !sameOrigin(request, kIsTls<Stream>)) {
      if (request.target() == "/ws") server_.hub().countForgedOrigin();
      else server_.hub().countBadHttp();
      return respond(plainResponse(http::status::forbidden, request.version(), false,
                                   "forbidden: WebSocket only at /ws from this station's own page\n",
                                   "text/plain; charset=utf-8"));
    }
    beast::get_lowest_layer(stream_).expires_never();
    auto session = std::make_shared<WebSocketSession<Stream>>(std::move(stream_), server_.hub(), server_.limits(),
                                                              server_.nextSessionId(), std::move(identity));
    session->accept(std::move(request));
  }

  http::response<http::string_body> answer(const http::request<http::string_body>& request,
                                           const BrowserIdentity& identity) {
    const bool keep_alive = request.keep_alive();
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
      server_.hub().countBadHttp();
      return plainResponse(http::status::method_not_allowed, request.version(), keep_alive, "only GET\n",
                           "text/plain; charset=utf-8");
    }
    const std::string target(request.target());
    if (target == "/stats") {
      return plainResponse(http::status::ok, request.version(), keep_alive, server_.statsJson() + "\n",
                           "application/json");
    }
    if (target == "/whoami") {
      return plainResponse(http::status::ok, request.version(), keep_alive,
                           "{\"signin\":" + std::string(identity.signin ? "true" : "false") +
                               ",\"nurse\":" + jsonString(identity.nurse) + "}\n",
                           "application/json");
    }
    const auto path = target.substr(0, target.find('?'));
    const auto found = server_.files().find(path);
    if (found == server_.files().end()) {
      server_.hub().countBadHttp();
      return plainResponse(http::status::not_found, request.version(), keep_alive, "not found\n",
                           "text/plain; charset=utf-8");
    }
    auto response =
        plainResponse(http::status::ok, request.version(), keep_alive, found->second.body, found->second.content_type);
    if (request.method() == http::verb::head) response.body().clear();
    return response;
  }

  void respond(http::response<http::string_body> response) {
    response_ = std::make_shared<http::response<http::string_body>>(std::move(response));
    http::async_write(stream_, *response_, [self = this->shared_from_this()](beast::error_code error, std::size_t) {
      if (error || !self->response_->keep_alive()) return self->close();
      self->readNext();
    });
  }

  void close() {
    if constexpr (kIsTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(kTlsHandshakeTimeout);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  WebServer& server_;
  std::string client_address_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
};

}  // namespace

http::response<http::string_body> plainResponse(http::status status, unsigned version, bool keep_alive,
                                                std::string body, const std::string& content_type) {
  http::response<http::string_body> response{status, version};
  response.set(http::field::server, "vigil-station");
  response.set(http::field::content_type, content_type);
  response.set(http::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  // The page loads only its own scripts and talks only to its own station; no other site
  // may frame it (a nurse's click on a hidden sign-in or acknowledge) or receive its forms.
  response.set("Content-Security-Policy",
               "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
               "form-action 'self'; frame-ancestors 'none'");
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

LoadedFiles loadStaticFiles(const std::string& web_root) {
  LoadedFiles loaded;
  for (const auto& file : kPageFiles) {
    const auto path = std::filesystem::path(web_root) / file.relative_path;
    auto content = readFile(path);
    if (!content) {
      loaded.error = "cannot read " + path.string() + " (build the vigil-station target, or pass --web-root)";
      return loaded;
    }
    loaded.files[file.url] = {file.content_type, std::move(*content)};
  }
  return loaded;
}

bool BrowserSession::mayAct() const {
  return identity_.signin == nullptr || identity_.signin->stillSignedIn(identity_.session_id);
}

WebServer::WebServer(net::io_context& io, WardHub& hub, StaticFiles files, WebLimits limits, WebSecurity security)
    : io_(io), acceptor_(io), hub_(hub), files_(std::move(files)), limits_(limits), security_(security) {}

std::string WebServer::statsJson() const {
  auto stats = hub_.statsJson();
  const std::string tls = "\"tls_handshake_failed\":" + std::to_string(tls_failures_);
  const std::string signin = security_.signin ? "," + security_.signin->statsFields() : "";
  return stats.substr(0, stats.rfind('}')) + "," + tls + signin + "}";
}

tcp::endpoint WebServer::listen(const tcp::endpoint& endpoint) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
  acceptNext();
  return acceptor_.local_endpoint();
}

void WebServer::acceptNext() {
  acceptor_.async_accept(io_, [this](beast::error_code error, tcp::socket socket) {
    if (error == net::error::operation_aborted) return;
    if (!error && security_.tls) {
      std::make_shared<HttpSession<TlsStream>>(TlsStream(std::move(socket), *security_.tls), *this)->run();
    } else if (!error) {
      std::make_shared<HttpSession<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), *this)->run();
    }
    acceptNext();
  });
}

}  // namespace vigil::station
