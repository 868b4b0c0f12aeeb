// Nurse sign-in for vigil-station (issue 11, item 6), the parts with no sockets: the users
// file of salted PBKDF2 hashes, the sign-in attempt limiter and the session store. Time is
// always passed in, so the tests drive it; randomness comes from OpenSSL's RAND_bytes.
//
// The users file, one nurse a line ('#' starts a comment):
//   NAME:pbkdf2-sha256:ITERATIONS:SALT_HEX:HASH_HEX
// with a 16-byte salt of its own per nurse and a 32-byte PBKDF2-HMAC-SHA-256 hash.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::station {

// OWASP's 2023 figure for PBKDF2-HMAC-SHA-256; written into each line, so a later change
// of this figure leaves the old lines verifiable.
constexpr int kPbkdf2Iterations = 600000;
// Lines with fewer iterations are refused as too weak to trust (the tests use this floor).
constexpr int kMinPbkdf2Iterations = 1000;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kMaxUserName = 40;
constexpr std::size_t kMaxPassword = 256;

struct PasswordRecord {
  std::string name;
  int iterations = 0;
  std::string salt;  // raw bytes
  std::string hash;  // raw bytes
};

// "" when `name` may be a nurse's name: 1..40 printable characters, no ':'.
std::string userNameProblem(std::string_view name);
// A fresh record with a random salt; nullopt only if the system has no randomness.
std::optional<PasswordRecord> makePasswordRecord(const std::string& name, std::string_view password,
                                                 int iterations = kPbkdf2Iterations);
// Recomputes the hash and compares it in constant time.
bool verifyPassword(const PasswordRecord& record, std::string_view password);

std::string formatRecord(const PasswordRecord& record);
struct ParsedRecord {
  std::optional<PasswordRecord> record;
  std::string error;
};
ParsedRecord parseRecord(std::string_view line);

struct UsersFile {
  std::map<std::string, PasswordRecord> users;
  std::string error;  // names the file and line; "" when loaded
  bool ok() const { return error.empty(); }
};
UsersFile loadUsersFile(const std::string& path);
// Adds `name` or replaces its password, writing the whole file to a temporary file with
// mode 0600 in the same folder and renaming it over the old one, so a reader sees the old
// file or the new, never half. Returns "" or what went wrong.
std::string addUser(const std::string& path, const std::string& name, std::string_view password,
                    int iterations = kPbkdf2Iterations);

// Failed sign-ins per key (a nurse's name, or a client address): `max_failures` within
// `window` locks the key out for `lockout`. A success clears the key's failures.
struct AttemptLimits {
  int max_failures = 5;
  std::chrono::seconds window{300};
  std::chrono::seconds lockout{300};
};

class AttemptLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // Keys beyond this are pruned of stale entries, so a flood of names cannot grow it.
  static constexpr std::size_t kMaxKeys = 10000;

  explicit AttemptLimiter(AttemptLimits limits) : limits_(limits) {}

  // How long `key` stays locked out; zero when it may try.
  std::chrono::seconds lockedFor(const std::string& key, Clock::time_point now) const;
  void recordFailure(const std::string& key, Clock::time_point now);
  void recordSuccess(const std::string& key) { entries_.erase(key); }
  std::size_t keys() const { return entries_.size(); }

 private:
  struct Entry {
    std::deque<Clock::time_point> failures;
    Clock::time_point locked_until{};
  };
  void prune(Clock::time_point now);

  AttemptLimits limits_;
  std::map<std::string, Entry> entries_;
};

// Signed-in sessions: a random 256-bit id (the cookie) to the nurse's name, ended by
// sign-out or by `idle` without use. Only a hash of each id is kept, so neither a memory
// dump nor a lookup's timing gives a live id away.
class SessionStore {
 public:
  using Clock = std::chrono::steady_clock;

  SessionStore(std::chrono::seconds idle, std::size_t max_sessions) : idle_(idle), max_sessions_(max_sessions) {}

  // The new session's id, or "" when there is no randomness. The least recently used
  // session makes room when the store is full.
  std::string create(const std::string& nurse, Clock::time_point now);
  // The nurse of a live session, refreshing its idle time; an expired one is ended.
  std::optional<std::string> use(const std::string& id, Clock::time_point now);
  void end(const std::string& id);
  std::size_t size() const { return sessions_.size(); }

 private:
  struct Session {
    std::string nurse;
    Clock::time_point last_used;
  };

  std::chrono::seconds idle_;
  std::size_t max_sessions_;
  std::map<std::string, Session> sessions_;  // by SHA-256 of the id
};

// `count` random bytes as lowercase hex, "" when RAND_bytes fails.
std::string randomHex(std::size_t count);
// The value of cookie `name` in a Cookie header, "" when absent.
std::string cookieValue(std::string_view header, std::string_view name);
// application/x-www-form-urlencoded; nullopt when malformed (a bad %-escape).
std::optional<std::map<std::string, std::string>> parseForm(std::string_view body);

}  // namespace vigil::station
