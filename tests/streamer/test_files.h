// Helpers the streamer tests share: a temporary file of a test's own, and a short ward.
#pragma once

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "streamer/simulator/plan.h"

namespace vigil::streamer::testing {

// A file of its own per test, removed at the end.
class TempFile {
 public:
  explicit TempFile(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("vigil-streamer-test-" + std::to_string(::getpid()) + "-" + name)) {}
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Two patients, four simulated minutes: enough for every message kind, quick to run.
inline sim::WardConfig shortWard() {
  using namespace std::chrono_literals;
  sim::WardConfig config;
  config.patients = 2;
  config.start = core::fromMillis(1'700'000'000'000);
  config.baseline = 1min;
  config.infusion = 2min;
  config.observation = 1min;
  return config;
}

}  // namespace vigil::streamer::testing
