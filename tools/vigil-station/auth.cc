#include "tools/vigil-station/auth.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vigil::station {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";

std::string toHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (const unsigned char byte : bytes) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0xf]);
  }
  return hex;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> fromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = hexDigit(hex[i]);
    const int low = hexDigit(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  return bytes;
}

std::optional<std::string> pbkdf2(std::string_view password, std::string_view salt, int iterations) {
  std::string hash(kHashBytes, '\0');
  const int ok =
      PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                        EVP_sha256(), static_cast<int>(hash.size()), reinterpret_cast<unsigned char*>(hash.data()));
  if (ok != 1) return std::nullopt;
  return hash;
}

std::string sha256(std::string_view text) {
  std::string digest(EVP_MAX_MD_SIZE, '\0');
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), reinterpret_cast<unsigned char*>(digest.data()), &size, EVP_sha256(),
                 nullptr) != 1) {
    return {};
  }
  digest.resize(size);
  return digest;
}

std::vector<std::string_view> splitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const auto colon = line.find(':', start);
    fields.push_back(line.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (colon == std::string_view::npos) return fields;
    start = colon + 1;
  }
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

// Writes `content` to a new 0600 file next to `path` and renames it over `path`.
std::string writeAtomically(const std::string& path, const std::string& content) {
  std::string temporary = path + ".tmp.XXXXXX";
  const int fd = mkstemp(temporary.data());  // created 0600
  if (fd < 0) return "cannot create a temporary file next to " + path;
  const auto fail = [&](const std::string& what) {
    close(fd);
    unlink(temporary.c_str());
    return what + " " + temporary;
  };
  if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) return fail("cannot set mode 0600 on");
  std::size_t written = 0;
  while (written < content.size()) {
    const auto n = write(fd, content.data() + written, content.size() - written);
    if (n <= 0) return fail("cannot write");
    written += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0) return fail("cannot sync");
  close(fd);
  if (rename(temporary.c_str(), path.c_str()) != 0) {
    unlink(temporary.c_str());
    return "cannot rename the new users file over " + path;
  }
  return {};
}

}  // namespace

std::string randomHex(std::size_t count) {
  std::string bytes(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) return {};
  return toHex(bytes);
}

std::string userNameProblem(std::string_view name) {
  if (name.empty()) return "a nurse's name must not be empty";
  if (name.size() > kMaxUserName) return "a nurse's name has at most " + std::to_string(kMaxUserName) + " characters";
  const bool printable = std::all_of(
      name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f && c != ':'; });
  if (!printable) return "a nurse's name has no ':' and no control characters";
  return {};
}

std::optional<PasswordRecord> makePasswordRecord(const std::string& name, std::string_view password, int iterations) {
  const auto salt_hex = randomHex(kSaltBytes);
  if (salt_hex.empty()) return std::nullopt;
  PasswordRecord record{name, iterations, *fromHex(salt_hex), {}};
  auto hash = pbkdf2(password, record.salt, iterations);
  if (!hash) return std::nullopt;
  record.hash = std::move(*hash);
  return record;
}

bool verifyPassword(const PasswordRecord& record, std::string_view password) {
  if (password.size() > kMaxPassword) return false;
  const auto hash = pbkdf2(password, record.salt, record.iterations);
  return hash && hash->size() == record.hash.size() &&
         CRYPTO_memcmp(hash->data(), record.hash.data(), hash->size()) == 0;
}

std::string formatRecord(const PasswordRecord& record) {
  return record.name + ":" + std::string(kScheme) + ":" + std::to_string(record.iterations) + ":" + toHex(record.salt) +
         ":" + toHex(record.hash);
}

ParsedRecord parseRecord(std::string_view line) {
  ParsedRecord parsed;
  const auto fields = splitFields(line);
  if (fields.size() != 5) {
    parsed.error = "wants NAME:pbkdf2-sha256:ITERATIONS:SALT_HEX:HASH_HEX";
    return parsed;
  }
  if (const auto problem = userNameProblem(fields[0]); !problem.empty()) {
    parsed.error = problem;
    return parsed;
  }
  if (fields[1] != kScheme) {
    parsed.error = "unknown scheme '" + std::string(fields[1]) + "' (only pbkdf2-sha256)";
    return parsed;
  }
  int iterations = 0;
  const auto [end, bad] = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), iterations);
  if (bad != std::errc{} || end != fields[2].data() + fields[2].size() || iterations < kMinPbkdf2Iterations) {
    parsed.error = "iterations must be a number of at least " + std::to_string(kMinPbkdf2Iterations);
    return parsed;
  }
  auto salt = fromHex(fields[3]);
  auto hash = fromHex(fields[4]);
  if (!salt || salt->size() < kSaltBytes || !hash || hash->size() != kHashBytes) {
    parsed.error = "salt must be at least 16 bytes and hash 32 bytes, in hex";
    return parsed;
  }
  parsed.record = PasswordRecord{std::string(fields[0]), iterations, std::move(*salt), std::move(*hash)};
  return parsed;
}

UsersFile loadUsersFile(const std::string& path) {
  UsersFile file;
  std::ifstream in(path);
  if (!in) {
    file.error = "cannot read the users file " + path + " (make it with vigil-station --add-user NAME --users FILE)";
    return file;
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto text = trimmed(line);
    if (text.empty() || text.front() == '#') continue;
    auto parsed = parseRecord(text);
    if (!parsed.record) {
      file.error = path + ":" + std::to_string(number) + ": " + parsed.error;
      return file;
    }
    if (!file.users.emplace(parsed.record->name, std::move(*parsed.record)).second) {
      file.error = path + ":" + std::to_string(number) + ": the nurse is named twice";
      return file;
    }
  }
  return file;
}

std::string addUser(const std::string& path, const std::string& name, std::string_view password, int iterations) {
  if (const auto problem = userNameProblem(name); !problem.empty()) return problem;
  if (password.empty() || password.size() > kMaxPassword) {
    return "a password has 1 to " + std::to_string(kMaxPassword) + " characters";
  }
  UsersFile file;
  if (std::filesystem::exists(path)) {
    file = loadUsersFile(path);
    if (!file.ok()) return file.error;
  }
  auto record = makePasswordRecord(name, password, iterations);
  if (!record) return "OpenSSL gave no random salt or no hash";
  file.users[name] = std::move(*record);
  std::string content = "# vigil-station nurses: NAME:pbkdf2-sha256:ITERATIONS:SALT_HEX:HASH_HEX\n";
  for (const auto& [user, entry] : file.users) content += formatRecord(entry) + "\n";
  return writeAtomically(path, content);
}

std::chrono::seconds AttemptLimiter::lockedFor(const std::string& key, Clock::time_point now) const {
  const auto found = entries_.find(key);
  if (found == entries_.end() || found->second.locked_until <= now) return std::chrono::seconds{0};
  // Rounded up: "try again in 0 s" while still locked would be a lie.
  return std::chrono::ceil<std::chrono::seconds>(found->second.locked_until - now);
}

void AttemptLimiter::recordFailure(const std::string& key, Clock::time_point now) {
  if (entries_.size() >= kMaxKeys) prune(now);
  auto& entry = entries_[key];
  entry.failures.push_back(now);
  while (!entry.failures.empty() && entry.failures.front() <= now - limits_.window) entry.failures.pop_front();
  if (static_cast<int>(entry.failures.size()) >= limits_.max_failures) {
    entry.locked_until = now + limits_.lockout;
    entry.failures.clear();
  }
}

void AttemptLimiter::prune(Clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    const bool stale = it->second.locked_until <= now &&
                       (it->second.failures.empty() || it->second.failures.back() <= now - limits_.window);
    it = stale ? entries_.erase(it) : std::next(it);
  }
}

std::string SessionStore::create(const std::string& nurse, Clock::time_point now) {
  auto id = randomHex(32);
  if (id.empty()) return {};
  if (sessions_.size() >= max_sessions_) {
    const auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    sessions_.erase(oldest);
  }
  sessions_[sha256(id)] = {nurse, now};
  return id;
}

std::optional<std::string> SessionStore::use(const std::string& id, Clock::time_point now) {
  if (id.empty()) return std::nullopt;
  const auto found = sessions_.find(sha256(id));
  if (found == sessions_.end()) return std::nullopt;
  if (now - found->second.last_used > idle_) {
    sessions_.erase(found);
    return std::nullopt;
  }
  found->second.last_used = now;
  return found->second.nurse;
}

void SessionStore::end(const std::string& id) { sessions_.erase(sha256(id)); }

std::string cookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semicolon = header.find(';');
    auto pair = trimmed(header.substr(0, semicolon));
    const auto equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name) {
      return std::string(pair.substr(equals + 1));
    }
    if (semicolon == std::string_view::npos) break;
    header.remove_prefix(semicolon + 1);
  }
  return {};
}

std::optional<std::map<std::string, std::string>> parseForm(std::string_view body) {
  const auto decode = [](std::string_view text) -> std::optional<std::string> {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '+') {
        out.push_back(' ');
      } else if (text[i] == '%') {
        const int high = i + 1 < text.size() ? hexDigit(text[i + 1]) : -1;
        const int low = i + 2 < text.size() ? hexDigit(text[i + 2]) : -1;
        if (high < 0 || low < 0) return std::nullopt;
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
      } else {
        out.push_back(text[i]);
      }
    }
    return out;
  };
  std::map<std::string, std::string> form;
  std::size_t start = 0;
  while (start <= body.size()) {
    const auto amp = body.find('&', start);
    const auto pair = body.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (!pair.empty()) {
      const auto equals = pair.find('=');
      auto key = decode(pair.substr(0, equals));
      auto value = decode(equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1));
      if (!key || !value) return std::nullopt;
      form[*key] = std::move(*value);
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return form;
}

}  // namespace vigil::station
