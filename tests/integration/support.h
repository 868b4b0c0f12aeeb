// Shared pieces of the integration tests: starting a real engine on ephemeral loopback
// endpoints and listening to its alert stream like a station.
#pragma once

#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>

#include "alerts.pb.h"
#include "process.h"
#include "streamer/security.h"
#include "streamer/topics.h"
#include "streamer/zmq_io.h"
#include "vitals.pb.h"

namespace vigil::testing {

using Clock = std::chrono::steady_clock;

// A running ketamine pump as the tests' gateways report it: 1 mg/mL, a 70 kg patient.
inline vigil::v1::PumpStatus ketaminePump(const std::string& unit, const std::string& patient,
                                          const std::string& device, std::uint64_t sequence, std::int64_t time_ms,
                                          double mg_per_kg_per_h) {
  vigil::v1::PumpStatus status;
  status.set_patient_id(patient);
  status.set_unit(unit);
  status.set_device_id(device);
  status.set_sequence(sequence);
  status.set_source_time_ms(time_ms);
  status.set_drug("ketamine");
  status.set_concentration_mg_per_ml(1.0);
  status.set_patient_weight_kg(70.0);
  status.set_dose_rate_mg_per_kg_per_h(mg_per_kg_per_h);
  status.set_rate_ml_per_h(mg_per_kg_per_h * 70.0);
  status.set_state(vigil::v1::PUMP_RUNNING);
  return status;
}

// One measurement from a bedside monitor, as the tests' gateways report it.
inline vigil::v1::VitalsFrame vitalsFrame(const std::string& unit, const std::string& patient, std::uint64_t sequence,
                                          std::int64_t time_ms, std::uint32_t code, double value) {
  vigil::v1::VitalsFrame frame;
  frame.set_patient_id(patient);
  frame.set_unit(unit);
  frame.set_device_id("monitor-" + patient);
  frame.set_sequence(sequence);
  frame.set_source_time_ms(time_ms);
  auto* measurement = frame.add_measurements();
  measurement->set_code(code);
  measurement->set_value(value);
  return frame;
}

// A fresh directory under the system's temp folder, removed with everything in it.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "vigil-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct RunningEngine {
  std::unique_ptr<ChildProcess> process;
  std::string ingest;
  std::string alerts;
  std::string control;
};

// Starts vigil-engine on tcp://127.0.0.1:* (unless the test names an endpoint) and reads
// back the endpoints it bound.
inline RunningEngine startEngine(std::vector<std::string> extra_args = {}) {
  std::vector<std::string> argv{binary("alarms/vigil-engine")};
  for (const char* endpoint : {"--ingest", "--alerts", "--control"}) {
    if (std::find(extra_args.begin(), extra_args.end(), endpoint) == extra_args.end()) {
      argv.insert(argv.end(), {endpoint, "tcp://127.0.0.1:*"});
    }
  }
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  // The default journal (vigil.db in the working directory) would carry one test's
  // alarms into the next, and only one engine may write it: tests that want a journal
  // pass their own --journal.
  if (std::find(extra_args.begin(), extra_args.end(), "--journal") == extra_args.end()) {
    argv.push_back("--no-journal");
  }
  RunningEngine engine{std::make_unique<ChildProcess>(argv), {}, {}, {}};
  const std::regex listening(R"(listening ingest=(\S+) alerts=(\S+) control=(\S+))");
  const auto match = engine.process->waitForLine(listening, Clock::now() + std::chrono::seconds(10));
  if (!match) throw std::runtime_error("vigil-engine did not report its endpoints");
  engine.ingest = (*match)[1];
  engine.alerts = (*match)[2];
  engine.control = (*match)[3];
  return engine;
}

// A station's subscription to the alert stream.
class AlertListener {
 public:
  AlertListener(zmq::context_t& context, const std::string& endpoint, const streamer::ClientSecurity& security = {})
      : subscriber_(context) {
    security.apply(subscriber_.handle());
    subscriber_.connect(endpoint);
    subscriber_.subscribe(streamer::topicPrefix(streamer::TopicKind::Alert));
    subscriber_.subscribe(streamer::topicPrefix(streamer::TopicKind::Heartbeat));
  }

  // A heartbeat proves the subscription has reached the engine, so nothing published
  // after it can be lost to the ZeroMQ slow-joiner window.
  bool awaitHeartbeat(Clock::time_point deadline) {
    while (auto envelope = receive(deadline)) {
      if (envelope->topic == "heartbeat") return true;
      remember(*envelope);
    }
    return false;
  }

  // The first alarm event (already seen or arriving before the deadline) that matches.
  std::optional<vigil::v1::AlarmEvent> awaitAlarm(const std::function<bool(const vigil::v1::AlarmEvent&)>& match,
                                                  Clock::time_point deadline) {
    for (;;) {
      for (const auto& event : seen_) {
        if (match(event)) return event;
      }
      const auto envelope = receive(deadline);
      if (!envelope) return std::nullopt;
      remember(*envelope);
    }
  }

  const std::vector<vigil::v1::AlarmEvent>& seen() const { return seen_; }

 private:
  std::optional<streamer::Envelope> receive(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    return subscriber_.receive(left);
  }

  void remember(const streamer::Envelope& envelope) {
    if (envelope.topic.rfind("alert/", 0) != 0) return;
    vigil::v1::AlarmEvent event;
    if (event.ParseFromString(envelope.payload)) seen_.push_back(event);
  }

  streamer::Subscriber subscriber_;
  std::vector<vigil::v1::AlarmEvent> seen_;
};

}  // namespace vigil::testing
