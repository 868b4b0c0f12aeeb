#include "tools/vigil-station/signin.h"

#include <iostream>

#include <boost/asio/post.hpp>

#include "tools/vigil-station/web_server.h"

namespace vigil::station {
namespace http = boost::beast::http;
namespace net = boost::asio;

namespace {

constexpr const char* kHtml = "text/html; charset=utf-8";

// The whole sign-in page: inline style, no script, nothing from another host (item 7).
std::string signInHtml(const std::string& message) {
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<link rel=\"icon\" href=\"data:,\"><title>Vigil nurse station: sign in</title>"
         "<style>body{background:#111;color:#eee;font:20px system-ui,sans-serif;display:flex;justify-content:center;"
         "margin-top:15vh}form{display:grid;gap:12px;min-width:320px}input,button{font:inherit;padding:8px}"
         "#signin-message{color:#ff8080;min-height:1.2em}</style></head><body>"
         "<form method=\"post\" action=\"/signin\"><h1>Vigil nurse station</h1>"
         "<div id=\"signin-message\" role=\"alert\">" +
         message +
         "</div>"
         "<label>Nurse <input id=\"signin-name\" name=\"name\" maxlength=\"40\" autocomplete=\"username\" required "
         "autofocus></label>"
         "<label>Password <input id=\"signin-password\" name=\"password\" type=\"password\" maxlength=\"256\" "
         "autocomplete=\"current-password\" required></label>"
         "<button id=\"signin-submit\" type=\"submit\">Sign in</button></form></body></html>\n";
}

std::string sanitizedForLog(const std::string& name) {
  return userNameProblem(name).empty() ? "'" + name + "'" : "(an invalid name)";
}

}  // namespace

SignIn::SignIn(net::io_context& io, std::map<std::string, PasswordRecord> users, SignInOptions options)
    : io_(io),
      users_(std::move(users)),
      options_(options),
      per_nurse_(options.per_nurse),
      per_address_(options.per_address),
      sessions_(options.idle, 1000) {
  const int iterations = users_.empty() ? kPbkdf2Iterations : users_.begin()->second.iterations;
  unknown_nurse_ = makePasswordRecord("", randomHex(16), iterations).value_or(PasswordRecord{"", iterations, {}, {}});
}

SignIn::~SignIn() { checker_.join(); }

std::string SignIn::sessionIdOf(const Request& request) const {
  const auto header = request[http::field::cookie];
  return cookieValue(std::string_view(header.data(), header.size()), kCookie);
}

std::optional<std::string> SignIn::nurseOf(const Request& request) {
  const auto id = sessionIdOf(request);
  if (id.empty()) {
    ++counters_.session_missing;
    return std::nullopt;
  }
  auto nurse = sessions_.use(id, Clock::now());
  if (!nurse) ++counters_.session_invalid;
  return nurse;
}

bool SignIn::stillSignedIn(const std::string& session_id) {
  if (sessions_.use(session_id, Clock::now())) return true;
  ++counters_.session_signed_out;
  return false;
}

SignIn::Response SignIn::page(const Request& request, http::status status, const std::string& message) const {
  return plainResponse(status, request.version(), request.keep_alive(), signInHtml(message), kHtml);
}

SignIn::Response SignIn::refuse(const Request& request) const {
  const std::string target(request.target());
  if (target == "/" || target.rfind("/?", 0) == 0) {
    auto response =
        plainResponse(http::status::see_other, request.version(), request.keep_alive(), "sign in first\n", kHtml);
    response.set(http::field::location, "/signin");
    return response;
  }
  return plainResponse(http::status::unauthorized, request.version(), request.keep_alive(),
                       "unauthorized: sign in at /signin first\n", "text/plain; charset=utf-8");
}

SignIn::Response SignIn::tooMany(unsigned version, std::chrono::seconds wait) {
  ++counters_.signin_locked_out;
  Request request{http::verb::post, "/signin", version};
  auto response = page(request, http::status::too_many_requests,
                       "Too many failed sign-ins: try again in " + std::to_string(wait.count()) + " s.");
  response.set(http::field::retry_after, std::to_string(wait.count()));
  return response;
}

void SignIn::submit(const Request& request, const std::string& client_address, std::function<void(Response)> respond) {
  if (request.body().size() > kMaxBody) {
    ++counters_.signin_oversized;
    return respond(page(request, http::status::payload_too_large, "That sign-in was too large."));
  }
  const auto form = parseForm(request.body());
  const auto name = form ? form->find("name") : std::map<std::string, std::string>::const_iterator{};
  const auto password = form ? form->find("password") : std::map<std::string, std::string>::const_iterator{};
  if (!form || name == form->end() || password == form->end() || !userNameProblem(name->second).empty() ||
      password->second.size() > kMaxPassword) {
    ++counters_.signin_malformed;
    return respond(page(request, http::status::bad_request, "Give your name and password."));
  }
  const auto now = Clock::now();
  const auto wait = std::max(per_nurse_.lockedFor(name->second, now), per_address_.lockedFor(client_address, now));
  if (wait.count() > 0) return respond(tooMany(request.version(), wait));
  if (checking_ >= kMaxChecking) {
    ++counters_.signin_busy;
    return respond(page(request, http::status::service_unavailable, "The station is busy: try again."));
  }
  ++checking_;
  const auto user = users_.find(name->second);
  const bool known = user != users_.end();
  // An unknown name costs the same PBKDF2 as a known one and always fails.
  net::post(checker_, [this, record = known ? user->second : unknown_nurse_, known, password = password->second,
                       nurse = name->second, client_address, version = request.version(), respond]() {
    const bool ok = verifyPassword(record, password) && known;
    net::post(io_, [this, ok, nurse, client_address, version, respond] {
      --checking_;
      finish(ok, nurse, client_address, version, respond);
    });
  });
}

void SignIn::finish(bool ok, const std::string& nurse, const std::string& client_address, unsigned version,
                    const std::function<void(Response)>& respond) {
  const auto now = Clock::now();
  Request request{http::verb::post, "/signin", version};
  if (!ok) {
    ++counters_.signin_bad_password;
    per_nurse_.recordFailure(nurse, now);
    per_address_.recordFailure(client_address, now);
    std::clog << "vigil-station: sign-in refused for " << sanitizedForLog(nurse) << " from " << client_address << "\n";
    return respond(page(request, http::status::unauthorized, "Wrong name or password."));
  }
  const auto id = sessions_.create(nurse, now);
  if (id.empty()) return respond(page(request, http::status::internal_server_error, "No session: try again."));
  ++counters_.signin_ok;
  per_nurse_.recordSuccess(nurse);
  std::clog << "vigil-station: " << sanitizedForLog(nurse) << " signed in from " << client_address << "\n";
  auto response = plainResponse(http::status::see_other, version, true, "signed in\n", kHtml);
  response.set(http::field::location, "/");
  response.set(http::field::set_cookie, std::string(kCookie) + "=" + id + "; Path=/; HttpOnly; SameSite=Strict" +
                                            (options_.secure_cookies ? "; Secure" : ""));
  respond(std::move(response));
}

SignIn::Response SignIn::signOut(const Request& request) {
  sessions_.end(sessionIdOf(request));
  ++counters_.signouts;
  auto response =
      plainResponse(http::status::see_other, request.version(), request.keep_alive(), "signed out\n", kHtml);
  response.set(http::field::location, "/signin");
  response.set(http::field::set_cookie, std::string(kCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" +
                                            (options_.secure_cookies ? "; Secure" : ""));
  return response;
}

std::string SignIn::statsFields() const {
  const auto number = [](const char* name, std::uint64_t value) {
    return std::string("\"") + name + "\":" + std::to_string(value);
  };
  const auto& c = counters_;
  return number("signin_ok", c.signin_ok) + "," + number("signin_bad_password", c.signin_bad_password) + "," +
         number("signin_locked_out", c.signin_locked_out) + "," + number("signin_oversized", c.signin_oversized) + "," +
         number("signin_malformed", c.signin_malformed) + "," + number("signin_busy", c.signin_busy) + "," +
         number("session_missing", c.session_missing) + "," + number("session_invalid", c.session_invalid) + "," +
         number("session_signed_out", c.session_signed_out) + "," + number("signouts", c.signouts) + "," +
         number("sessions", sessions_.size());
}

}  // namespace vigil::station
