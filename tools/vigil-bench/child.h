// A process vigil-bench starts (the engine, or itself as the relay): its stdout is piped so
// the bench can read the endpoints it bound, and /proc tells its CPU time and memory.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vigil::bench {

struct Usage {
  double cpu_seconds = 0;       // user + system
  std::uint64_t rss_bytes = 0;  // resident now
  std::uint64_t peak_rss_bytes = 0;
};

class Child {
 public:
  // stderr goes to `log` (the bench's own output stays readable).
  Child(std::vector<std::string> argv, const std::string& log);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // The first stdout line containing `marker`, or nullopt at the deadline or its exit.
  std::optional<std::string> waitForLine(const std::string& marker, std::chrono::milliseconds timeout);
  Usage usage() const;
  // SIGTERM, then SIGKILL after a grace period; the exit status.
  int stop();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
};

// The value after `key=` in a line such as "listening ingest=tcp://... alerts=...".
std::string fieldOf(const std::string& line, const std::string& key);

}  // namespace vigil::bench
