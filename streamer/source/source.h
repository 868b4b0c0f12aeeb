// Where input messages come from: the simulator, a recording, an importer (MIMIC,
// VitalDB, HL7 files, CSV), and later a live HL7 listener. Every one is a Source that
// yields wire messages in time order, and every domain value becomes a wire message
// through one encoder, encode(), so the gateway, the recordings and the tests cannot
// disagree on a topic or a payload.
//
// A new input format: write a Source (or an importer, which openFileSource() reaches
// through streamer/recording/message_source.h); the gateway and vigil-record take it as is.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <vector>

#include "alarms/core/domain.h"
#include "alarms/core/result.h"
#include "recording.pb.h"
#include "streamer/simulator/ward.h"

namespace vigil::streamer::source {

// The one encoder: a domain input as the [topic][payload] a gateway publishes and a
// recording holds, stamped (receive_time_ms) with the value's own time.
vigil::v1::RecordedMessage encode(const core::VitalsFrame& frame);
vigil::v1::RecordedMessage encode(const core::PumpStatus& status);
vigil::v1::RecordedMessage encode(const core::ClinicalEvent& event);

class Source {
 public:
  virtual ~Source() = default;
  // Appends to `out` every message stamped at or before `until` not given yet, in time
  // order. The caller owns the clock: a gateway passes the sim time the wall clock has
  // reached, a converter the end of time, a test any instant it likes.
  virtual void pull(core::TimePoint until, std::vector<vigil::v1::RecordedMessage>& out) = 0;
  // True once every message has been given.
  virtual bool finished() const = 0;
  // The time of the first message: where sim or playback time starts.
  virtual core::TimePoint start() const = 0;
  // The time of the last message.
  virtual core::TimePoint end() const = 0;
};

// Everything a source still holds, at once (conversions, tests, inline replays).
std::vector<vigil::v1::RecordedMessage> drain(Source& source);

// The simulated ward (streamer/simulator), encoded.
class SimulatorSource final : public Source {
 public:
  explicit SimulatorSource(sim::WardConfig config);
  void pull(core::TimePoint until, std::vector<vigil::v1::RecordedMessage>& out) override;
  bool finished() const override { return ward_.finished(); }
  core::TimePoint start() const override { return ward_.config().start; }
  core::TimePoint end() const override { return ward_.endTime(); }
  const sim::Ward& ward() const { return ward_; }

 private:
  sim::Ward ward_;
  std::vector<sim::Output> pending_;  // reused on every pull
};

// Messages already encoded: a recording, an import. They must be in time order, as
// readRecording() and the importers give them.
class RecordedSource final : public Source {
 public:
  explicit RecordedSource(std::vector<vigil::v1::RecordedMessage> messages);
  void pull(core::TimePoint until, std::vector<vigil::v1::RecordedMessage>& out) override;
  bool finished() const override { return next_ == messages_.size(); }
  core::TimePoint start() const override;
  core::TimePoint end() const override;

 private:
  std::vector<vigil::v1::RecordedMessage> messages_;
  std::size_t next_ = 0;
};

// A vigil recording or any file an importer reads, by its content
// (recording::loadMessages); the error names the file and says why.
core::Result<std::unique_ptr<Source>> openFileSource(const std::filesystem::path& path);

}  // namespace vigil::streamer::source
