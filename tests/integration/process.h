// Runs a real executable for an integration test: stdout is piped so the test can wait,
// with a deadline, for the lines it expects; the process is stopped when the handle goes.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace vigil::testing {

class ChildProcess {
 public:
  explicit ChildProcess(std::vector<std::string> argv) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    const int error = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (error != 0) throw std::runtime_error("cannot start " + argv[0]);
    out_fd_ = pipe_fds[0];
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    stop();
    close(out_fd_);
  }

  // The next stdout line, or nullopt if none arrived before the deadline.
  std::optional<std::string> readLine(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      if (const auto end = buffer_.find('\n'); end != std::string::npos) {
        auto line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        return line;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd item{out_fd_, POLLIN, 0};
      if (poll(&item, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      const auto n = read(out_fd_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;  // the process closed stdout (it ended)
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Reads lines until one matches; its sub-matches, or nullopt at the deadline.
  std::optional<std::smatch> waitForLine(const std::regex& pattern, std::chrono::steady_clock::time_point deadline) {
    while (auto line = readLine(deadline)) {
      lines_.push_back(*line);
      std::smatch match;
      if (std::regex_search(lines_.back(), match, pattern)) return match;
    }
    return std::nullopt;
  }

  // Sends SIGTERM and waits for the exit status (SIGKILL after a grace period).
  int stop() {
    if (pid_ <= 0) return exit_status_;
    kill(pid_, SIGTERM);
    exit_status_ = waitFor(std::chrono::seconds(5));
    if (exit_status_ == kStillRunning) {
      kill(pid_, SIGKILL);
      exit_status_ = waitFor(std::chrono::seconds(5));
    }
    pid_ = -1;
    return exit_status_;
  }

  // For a test that must end it the hard way (kill -9) and then waitForExit().
  pid_t pid() const { return pid_; }

  // Waits for the process to end by itself; its exit code, or nullopt at the deadline.
  std::optional<int> waitForExit(std::chrono::steady_clock::duration timeout) {
    const int status = waitFor(timeout);
    if (status == kStillRunning) return std::nullopt;
    pid_ = -1;
    exit_status_ = status;
    return status;
  }

 private:
  static constexpr int kStillRunning = -1000;

  // Blocks on a pidfd, which becomes readable when the process ends: no polling loop.
  // Waits for the process to end, reading its stdout meanwhile: a child blocked writing
  // to a full pipe could not act on the signal it is waiting to obey.
  int waitFor(std::chrono::steady_clock::duration timeout) {
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd >= 0) {
      const bool ended = awaitEnd(pidfd, std::chrono::steady_clock::now() + timeout);
      close(pidfd);
      if (!ended) return kStillRunning;
    }
    int status = 0;
    if (waitpid(pid_, &status, 0) != pid_) return kStillRunning;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  bool awaitEnd(int pidfd, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      // poll() skips a negative descriptor: once stdout is closed only the pidfd counts.
      pollfd items[2] = {{pidfd, POLLIN, 0}, {out_fd_closed_ ? -1 : out_fd_, POLLIN, 0}};
      if (poll(items, 2, static_cast<int>(left.count())) <= 0) continue;
      if (items[0].revents & POLLIN) return true;
      if (items[1].revents & (POLLIN | POLLHUP)) {
        char chunk[4096];
        const auto n = read(out_fd_, chunk, sizeof chunk);
        if (n > 0) buffer_.append(chunk, static_cast<std::size_t>(n));
        if (n <= 0) out_fd_closed_ = true;
      }
    }
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int exit_status_ = 0;
  std::string buffer_;
  bool out_fd_closed_ = false;
  std::vector<std::string> lines_;
};

inline std::string binary(const std::string& relative) { return std::string(VIGIL_BINARY_DIR) + "/" + relative; }

}  // namespace vigil::testing
