// Waiting for a file another thread or process writes, on the kernel's word (inotify)
// rather than by sleeping between looks.
#pragma once

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>

namespace vigil::testing {

// Re-checks `done` each time `file` is written, until it holds or the deadline passes.
// The watch (on the file's folder, so a file not yet created counts too) is set before
// the first check, so no write between the two is missed.
inline bool awaitFileCondition(const std::filesystem::path& file, const std::function<bool()>& done,
                               std::chrono::steady_clock::time_point deadline) {
  const int watcher = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (watcher < 0) return done();
  const auto folder = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  inotify_add_watch(watcher, folder.c_str(), IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE);
  bool held = done();
  while (!held) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd item{watcher, POLLIN, 0};
    if (poll(&item, 1, static_cast<int>(left.count())) > 0) {
      char events[4096];
      while (read(watcher, events, sizeof events) > 0) {
      }
    }
    held = done();
  }
  close(watcher);
  return held;
}

}  // namespace vigil::testing
