// Nurse sign-in over HTTP (issue 11, item 6): the sign-in page (served by the station,
// no script, no asset from anywhere), POST /signin and /signout, the session cookie
// (HttpOnly, SameSite=Strict, Secure under TLS), and the counters of everything refused.
// PBKDF2 takes a good part of a second by design: it runs on a thread of its own, so a
// sign-in never holds up the ward on the web thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http.hpp>

#include "tools/vigil-station/auth.h"

namespace vigil::station {

struct SignInOptions {
  std::chrono::seconds idle{30 * 60};
  bool secure_cookies = false;  // under TLS
  AttemptLimits per_nurse{5, std::chrono::seconds{300}, std::chrono::seconds{300}};
  // Higher than per nurse: one ward computer is shared by the whole shift.
  AttemptLimits per_address{20, std::chrono::seconds{300}, std::chrono::seconds{300}};
};

struct SignInCounters {
  std::uint64_t signin_ok = 0;
  std::uint64_t signin_bad_password = 0;  // or unknown nurse: the answer is the same
  std::uint64_t signin_locked_out = 0;
  std::uint64_t signin_oversized = 0;
  std::uint64_t signin_malformed = 0;
  std::uint64_t signin_busy = 0;         // too many sign-ins being checked at once
  std::uint64_t session_missing = 0;     // a request with no session cookie
  std::uint64_t session_invalid = 0;     // a forged, ended or expired session cookie
  std::uint64_t session_signed_out = 0;  // an action on a WebSocket whose session ended
  std::uint64_t signouts = 0;
};

class SignIn {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;
  using Clock = std::chrono::steady_clock;

  static constexpr const char* kCookie = "vigil_session";
  static constexpr std::size_t kMaxBody = 1024;
  static constexpr int kMaxChecking = 8;

  SignIn(boost::asio::io_context& io, std::map<std::string, PasswordRecord> users, SignInOptions options);
  ~SignIn();
  SignIn(const SignIn&) = delete;
  SignIn& operator=(const SignIn&) = delete;

  // The signed-in nurse of a request, or nullopt (counted: no cookie, or a dead one).
  std::optional<std::string> nurseOf(const Request& request);
  std::string sessionIdOf(const Request& request) const;
  // Whether a WebSocket's session is still live; refreshes its idle time. Counted when not.
  bool stillSignedIn(const std::string& session_id);

  // POST /signin. `respond` runs later, on the io_context.
  void submit(const Request& request, const std::string& client_address, std::function<void(Response)> respond);
  Response signOut(const Request& request);
  Response page(const Request& request, boost::beast::http::status status, const std::string& message) const;
  // A request without a live session: the page goes to sign-in, anything else gets 401.
  Response refuse(const Request& request) const;

  // The counters as JSON fields ("signin_ok":1,...) without braces.
  std::string statsFields() const;
  const SignInCounters& counters() const { return counters_; }

 private:
  void finish(bool ok, const std::string& nurse, const std::string& client_address, unsigned version,
              const std::function<void(Response)>& respond);
  Response tooMany(unsigned version, std::chrono::seconds wait);

  boost::asio::io_context& io_;
  std::map<std::string, PasswordRecord> users_;
  PasswordRecord unknown_nurse_;  // checked for a name not in the file, so timing tells nothing
  SignInOptions options_;
  AttemptLimiter per_nurse_;
  AttemptLimiter per_address_;
  SessionStore sessions_;
  SignInCounters counters_;
  int checking_ = 0;
  boost::asio::thread_pool checker_{1};  // last: joined first, while the rest still exists
};

}  // namespace vigil::station
