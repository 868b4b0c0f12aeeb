#include "tools/vigil-acm/acm_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

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

}  // namespace

std::optional<std::uint64_t> loadPosition(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) return 0;
    error = "cannot read the state file " + path;
    return std::nullopt;
  }
  std::stringstream content;
  content << in.rdbuf();
  const auto text = content.str();
  std::uint64_t position = 0;
  const auto* end = text.data() + text.size();
  const auto [next, problem] = std::from_chars(text.data(), end, position);
  if (problem != std::errc() || (next != end && *next != '\n')) {
    error = "the state file " + path + " does not hold an outbox position";
    return std::nullopt;
  }
  return position;
}

bool savePosition(const std::string& path, std::uint64_t position, std::string& error) {
  const auto temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = systemError("cannot create", temporary);
    return false;
  }
  const bool written = writeAll(fd, std::to_string(position) + "\n") && ::fsync(fd) == 0;
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
