#include "tools/vigil-acm/acm_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

namespace vigil::acm {
namespace {

std::string systemError(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

bool writeAll(int fd, const std::string& text) {
  std::size_t written = 0;
  while (written < text.size()) {
    const auto n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<std::size_t>(n);
  }
  return true;
}

// The rename is durable only once the folder holding the name is synced too.
bool syncFolderOf(const std::string& path) {
  auto folder = std::filesystem::path(path).parent_path();
  if (folder.empty()) folder = ".";
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return false;
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced;
}

constexpr char kHeader[] = "vigil-acm state 2\n";

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

template <typename Number>
bool parseNumber(std::string_view text, Number& value, int base = 10) {
  const auto* end = text.data() + text.size();
  const auto [next, problem] = std::from_chars(text.data(), end, value, base);
  return problem == std::errc() && next == end && !text.empty();
}

// "name value..." -> the value part, when the line starts with that name.
std::optional<std::string_view> valueOf(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line.substr(0, name.size()) != name || line[name.size()] != ' ') return {};
  return line.substr(name.size() + 1);
}

// "a b" -> a and b, both numbers.
template <typename First, typename Second>
bool parsePair(std::string_view text, First& first, Second& second, int second_base = 10) {
  const auto space = text.find(' ');
  return space != std::string_view::npos && parseNumber(text.substr(0, space), first) &&
         parseNumber(text.substr(space + 1), second, second_base);
}

bool parseLine(std::string_view line, AcmState& state) {
  if (const auto journal = valueOf(line, "journal")) return state.at.journal = std::string(*journal), true;
  if (const auto position = valueOf(line, "position")) return parseNumber(*position, state.at.position);
  if (const auto catch_up = valueOf(line, "catch-up"))
    return parsePair(*catch_up, state.at.catch_up_until, state.at.catch_up_from_ms);
  if (const auto watermark = valueOf(line, "watermark")) return parseNumber(*watermark, state.watermark_ms);
  if (const auto delivered = valueOf(line, "delivered")) {
    std::int64_t time = 0;
    std::uint64_t hash = 0;
    if (!parsePair(*delivered, time, hash, 16)) return false;
    state.delivered.emplace(time, hash);
    return true;
  }
  return false;
}

std::optional<AcmState> parseState(std::string_view text) {
  AcmState state;
  text.remove_prefix(std::string_view(kHeader).size());
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto line = text.substr(0, end);
    if (!line.empty() && !parseLine(line, state)) return std::nullopt;
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return state;
}

std::string formatState(const AcmState& state) {
  std::string text = kHeader;
  if (!state.at.journal.empty()) text += "journal " + state.at.journal + "\n";
  text += "position " + std::to_string(state.at.position) + "\n";
  if (state.at.catch_up_until != 0) {
    text +=
        "catch-up " + std::to_string(state.at.catch_up_until) + " " + std::to_string(state.at.catch_up_from_ms) + "\n";
  }
  text += "watermark " + std::to_string(state.watermark_ms) + "\n";
  for (const auto& [time, hash] : state.delivered) {
    text += "delivered " + std::to_string(time) + " " + hashText(hash) + "\n";
  }
  return text;
}

}  // namespace

std::optional<AcmState> loadState(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) return AcmState{};
    error = "cannot read the state file " + path;
    return std::nullopt;
  }
  std::stringstream content;
  content << in.rdbuf();
  const auto text = content.str();
  if (text.rfind(kHeader, 0) != 0) {
    // The first format: the position alone.
    AcmState state;
    if (!parseNumber(trimmed(text), state.at.position)) {
      error = "the state file " + path + " does not hold an outbox position";
      return std::nullopt;
    }
    return state;
  }
  auto state = parseState(text);
  if (!state) error = "the state file " + path + " is damaged (not a vigil-acm state 2)";
  return state;
}

bool saveState(const std::string& path, const AcmState& state, std::string& error) {
  const auto temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = systemError("cannot create", temporary);
    return false;
  }
  const bool written = writeAll(fd, formatState(state)) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    error = systemError("cannot write", temporary);
    return false;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    error = systemError("cannot rename into", path);
    return false;
  }
  if (!syncFolderOf(path)) {
    error = systemError("cannot sync the folder of", path);
    return false;
  }
  return true;
}

}  // namespace vigil::acm
