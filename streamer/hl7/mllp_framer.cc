#include "streamer/hl7/mllp_framer.h"

namespace vigil::streamer::hl7 {
namespace {

// What an oversize notice keeps of the message: enough for MSH, bounded.
constexpr std::size_t kOversizeHeadBytes = 4096;

std::string headOf(const std::string& message) {
  const auto segment_end = message.find_first_of("\r\n");
  return message.substr(0, std::min(segment_end, kOversizeHeadBytes));
}

}  // namespace

std::string mllpFrame(std::string_view message) {
  std::string framed;
  framed.reserve(message.size() + 3);
  framed.push_back(kMllpStart);
  framed.append(message);
  framed.push_back(kMllpEnd);
  framed.push_back(kMllpTrailer);
  return framed;
}

void MllpFramer::feed(std::string_view bytes, std::vector<MllpFrame>& out) {
  for (const char byte : bytes) {
    switch (state_) {
      case State::Outside:
        if (byte == kMllpStart) {
          state_ = State::Inside;
          message_.clear();
        } else {
          ++counters_.bytes_outside_framing;
        }
        break;
      case State::Inside: inside(byte, out); break;
      case State::AfterEnd:
        if (byte != kMllpTrailer) ++counters_.missing_trailers;
        finishMessage(out);
        state_ = State::Outside;
        if (byte != kMllpTrailer) feed(std::string_view(&byte, 1), out);
        break;
      case State::Discarding:
        if (byte == kMllpEnd) state_ = State::DiscardingAfterEnd;
        break;
      case State::DiscardingAfterEnd:
        state_ = byte == kMllpEnd ? State::DiscardingAfterEnd : State::Outside;
        if (byte == kMllpStart) state_ = State::Inside, message_.clear();
        break;
    }
  }
}

void MllpFramer::inside(char byte, std::vector<MllpFrame>& out) {
  if (byte == kMllpEnd) {
    state_ = State::AfterEnd;
    return;
  }
  if (byte == kMllpStart) {  // the sender gave up on the previous message
    ++counters_.abandoned_messages;
    message_.clear();
    return;
  }
  if (message_.size() >= max_message_bytes_) {
    ++counters_.oversize_messages;
    out.push_back({MllpFrame::Kind::Oversize, headOf(message_)});
    message_.clear();
    message_.shrink_to_fit();
    state_ = State::Discarding;
    return;
  }
  message_.push_back(byte);
}

void MllpFramer::finishMessage(std::vector<MllpFrame>& out) {
  out.push_back({MllpFrame::Kind::Message, std::move(message_)});
  message_.clear();
}

}  // namespace vigil::streamer::hl7
