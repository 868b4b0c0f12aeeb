// libFuzzer target: the frame decoders (streamer/codec) and the whole ingest pipeline
// (alarms/service/ingest_pipeline) on arbitrary bytes. The input is a run of records
// [selector][length, 2 bytes little-endian][payload], so one input can build up a source's
// sequence and time state in the guard before it throws something strange at it.
//
// Besides ASan/UBSan findings it checks what the pipeline promises: every message is
// counted exactly once, and every measurement a frame carries into the engine is finite.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "alarms/core/protocol.h"
#include "alarms/service/ingest_pipeline.h"
#include "streamer/codec.h"
#include "streamer/topics.h"

namespace {

using namespace vigil;

const core::Protocol& shippedProtocol() {
  static const core::Protocol protocol = [] {
    std::ifstream in(VIGIL_DEFAULT_PROTOCOL);
    std::stringstream text;
    text << in.rdbuf();
    auto load = core::parseProtocol(text.str());
    if (!load.protocol) __builtin_trap();
    return *load.protocol;
  }();
  return protocol;
}

// Some addresses agree with what valid frames carry, others are wrong on purpose.
constexpr const char* kTopics[] = {
    "vitals/pacu/bed-1", "infusion/pacu/bed-1", "event/pacu/bed-1", "vitals/pacu/bed-2",
    "vitals/icu/bed-1",  "vitals/pacu",         "alert/pacu/bed-1", "stats",
};

struct Record {
  std::uint8_t selector = 0;
  std::string_view payload;
};

class Records {
 public:
  Records(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool next(Record& record) {
    if (offset_ + 3 > size_) return false;
    record.selector = data_[offset_];
    const std::size_t length = data_[offset_ + 1] | (static_cast<std::size_t>(data_[offset_ + 2]) << 8);
    offset_ += 3;
    const std::size_t available = std::min(length, size_ - offset_);
    record.payload = std::string_view(reinterpret_cast<const char*>(data_ + offset_), available);
    offset_ += available;
    return true;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t offset_ = 0;
};

void decodeEveryWay(std::string_view payload) {
  if (auto vitals = streamer::decodeVitals(payload); vitals.ok()) {
    for (const auto& m : vitals.value->measurements) {
      if (!std::isfinite(m.value)) __builtin_trap();  // the decoder promises finite values
    }
    (void)streamer::toProto(*vitals.value).SerializeAsString();
  }
  if (auto pump = streamer::decodePumpStatus(payload); pump.ok()) (void)streamer::toProto(*pump.value);
  if (auto event = streamer::decodeClinicalEvent(payload); event.ok()) (void)streamer::toProto(*event.value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  core::Engine engine(shippedProtocol());
  // The first byte picks live or replay mode, so both time rules get fuzzed.
  const bool wall_clock = size > 0 && (data[0] & 0x80) != 0;
  service::IngestPipeline pipeline(engine, service::IngestPipelineConfig{{}, wall_clock});
  const auto receive_time = core::fromMillis(1'790'000'000'000);
  Records records(data, size);
  Record record;
  std::uint64_t sent = 0;
  while (records.next(record)) {
    decodeEveryWay(record.payload);
    // Low bits: the topic; bits 3-4: how many frames the multipart had (2 is well formed).
    const std::string topic = kTopics[record.selector & 0x07];
    const std::size_t parts = 1 + ((record.selector >> 3) & 0x03);
    const auto result = pipeline.accept(streamer::Envelope{topic, std::string(record.payload), parts},
                                        receive_time + core::Duration(1000 * static_cast<std::int64_t>(sent)));
    ++sent;
    // Only what the guard let through reaches the engine, and a refusal always says why.
    const bool refused = result.outcome == service::IngestOutcome::Refused;
    if (result.accepted() && !result.verdict.accepted()) __builtin_trap();
    if (refused && (result.verdict.accepted() || result.error.empty())) __builtin_trap();
  }
  const auto& counters = pipeline.counters();
  if (counters.messages != sent || counters.messages != counters.accepted + counters.notAccepted()) __builtin_trap();
  return 0;
}
