// MLLP (HL7 v2 Minimal Lower Layer Protocol) framing: <VT> message <FS><CR>. Pure bytes in,
// whole messages out; what does not fit the framing is counted, never silently dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::streamer::hl7 {

inline constexpr char kMllpStart = '\x0b';  // VT
inline constexpr char kMllpEnd = '\x1c';    // FS
inline constexpr char kMllpTrailer = '\r';  // CR after FS

// The bytes of one framed message.
std::string mllpFrame(std::string_view message);

struct MllpFrame {
  enum class Kind { Message, Oversize };
  Kind kind = Kind::Message;
  // The message; for Oversize only its first bytes (up to the first segment's end, so the
  // MSH can still be read for a refusal).
  std::string text;
};

struct MllpFramerCounters {
  std::uint64_t bytes_outside_framing = 0;  // before a <VT>, or a stray <CR>/<LF> between frames
  std::uint64_t oversize_messages = 0;
  std::uint64_t abandoned_messages = 0;  // a <VT> arrived before the previous message ended
  std::uint64_t missing_trailers = 0;    // <FS> not followed by <CR>: the message is kept
};

class MllpFramer {
 public:
  explicit MllpFramer(std::size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

  // Appends every message (or oversize notice) completed by `bytes` to `out`.
  void feed(std::string_view bytes, std::vector<MllpFrame>& out);

  const MllpFramerCounters& counters() const { return counters_; }
  // True while a message has started and not ended.
  bool inMessage() const { return state_ != State::Outside; }

 private:
  enum class State { Outside, Inside, AfterEnd, Discarding, DiscardingAfterEnd };
  void inside(char byte, std::vector<MllpFrame>& out);
  void finishMessage(std::vector<MllpFrame>& out);

  std::size_t max_message_bytes_;
  State state_ = State::Outside;
  std::string message_;
  MllpFramerCounters counters_;
};

}  // namespace vigil::streamer::hl7
