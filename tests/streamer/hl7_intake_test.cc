// The HL7 listener's pieces without sockets: MLLP framing, the ACK and its ERR segment,
// and the intake's verdicts, dedupe and per-device numbering.
#include "streamer/hl7/hl7_intake.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "streamer/hl7/hl7_ack.h"
#include "streamer/hl7/mllp_framer.h"
#include "vitals.pb.h"

namespace vigil::streamer::hl7 {
namespace {

std::string segmentField(const std::string& message, const std::string& segment, std::size_t index) {
  std::size_t start = 0;
  while (start < message.size()) {
    auto end = message.find('\r', start);
    if (end == std::string::npos) end = message.size();
    const auto line = message.substr(start, end - start);
    if (line.rfind(segment + "|", 0) == 0) {
      std::vector<std::string> fields;
      std::size_t from = 0;
      for (std::size_t i = 0; i <= line.size(); ++i) {
        if (i == line.size() || line[i] == '|') fields.push_back(line.substr(from, i - from)), from = i + 1;
      }
      if (segment == "MSH") fields.insert(fields.begin() + 1, "|");
      return index < fields.size() ? fields[index] : "";
    }
    start = end + 1;
  }
  return "";
}

const std::string kHeader = "MSH|^~\\&|GW^1^EUI-64|FAC|||20240101120000+0000||ORU^R01^ORU_R01|";
const std::string kBody =
    "|P|2.6\rPID|||P1^^^H^PI\rPV1||I|ICU^2^3\r"
    "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|/min^/min^UCUM|||||R|||20240101120000+0000\r";

std::string message(const std::string& id) { return kHeader + id + kBody; }

struct Published {
  std::string topic;
  std::string payload;
};

class IntakeTest : public ::testing::Test {
 protected:
  Hl7Intake intake_{[this](std::string_view topic, std::string_view payload) {
                      if (!engine_up_) return false;
                      published_.push_back({std::string(topic), std::string(payload)});
                      return true;
                    },
                    [] { return std::int64_t{0}; }};
  std::vector<Published> published_;
  bool engine_up_ = true;
};

TEST_F(IntakeTest, AcceptedMessageIsPublishedUnderItsLocationAndAcknowledgedAA) {
  const auto ack = intake_.handle(message("m1"));
  EXPECT_EQ(segmentField(ack, "MSA", 1), "AA");
  EXPECT_EQ(segmentField(ack, "MSA", 2), "m1");
  EXPECT_EQ(segmentField(ack, "MSH", 5), "GW^1^EUI-64");
  EXPECT_EQ(segmentField(ack, "MSH", 6), "FAC");
  EXPECT_EQ(segmentField(ack, "MSH", 9), "ACK^R01^ACK");
  EXPECT_EQ(segmentField(ack, "MSH", 7), "19700101000000+0000");
  ASSERT_EQ(published_.size(), 1u);
  EXPECT_EQ(published_[0].topic, "vitals/ICU/P1");
  v1::VitalsFrame frame;
  ASSERT_TRUE(frame.ParseFromString(published_[0].payload));
  EXPECT_EQ(frame.measurements(0).value(), 72.0);
  EXPECT_EQ(frame.sequence(), 1u);
}

TEST_F(IntakeTest, EachDeviceIsNumberedAcrossMessages) {
  intake_.handle(message("m1"));
  intake_.handle(message("m2"));
  ASSERT_EQ(published_.size(), 2u);
  v1::VitalsFrame second;
  ASSERT_TRUE(second.ParseFromString(published_[1].payload));
  EXPECT_EQ(second.sequence(), 2u);
}

TEST_F(IntakeTest, DuplicatesAreKeyedBySenderAndMessageId) {
  intake_.handle(message("m1"));
  EXPECT_EQ(segmentField(intake_.handle(message("m1")), "MSA", 1), "AA");
  EXPECT_EQ(published_.size(), 1u);
  EXPECT_EQ(intake_.counters().duplicates, 1u);
  auto other_sender = message("m1");
  other_sender.replace(other_sender.find("GW^1"), 4, "GW^2");
  intake_.handle(other_sender);
  EXPECT_EQ(published_.size(), 2u);
}

TEST_F(IntakeTest, AFailedForwardIsAnAEAndTheResendIsPublished) {
  engine_up_ = false;
  const auto ack = intake_.handle(message("m1"));
  EXPECT_EQ(segmentField(ack, "MSA", 1), "AE");
  EXPECT_EQ(segmentField(ack, "ERR", 3).substr(0, 4), "207^");
  EXPECT_EQ(intake_.counters().publish_failures, 1u);
  engine_up_ = true;
  EXPECT_EQ(segmentField(intake_.handle(message("m1")), "MSA", 1), "AA");
  EXPECT_EQ(published_.size(), 1u);
}

struct Verdict {
  std::string name;
  std::string message;
  std::string ack;
  std::string code;
  std::string location;
  std::string reason;
};

TEST_F(IntakeTest, EachRefusalSaysWhyWithItsTable0357Code) {
  const std::vector<Verdict> cases{
      {"no MSH", "PID|||P1\r", "AR", "100", "MSH^1", "does not start with a readable MSH"},
      {"version", kHeader + "v|P|3.0\rPID|||P1\r", "AR", "203", "MSH^1^12", "unsupported HL7 version '3.0'"},
      {"type", "MSH|^~\\&|GW||||20240101||ADT^A01|a1|P|2.5\rPID|||P1\r", "AR", "200", "MSH^1^9",
       "unsupported message type ADT^A01"},
      {"event", "MSH|^~\\&|GW||||20240101||ORU^R40^ORU_R40|a2|P|2.6\rPID|||P1\r", "AR", "201", "MSH^1^9",
       "alarm reports go to an alert manager"},
      {"no id", kHeader + kBody, "AR", "101", "MSH^1^10", "MSH-10 is empty"},
      {"no patient", kHeader + "p1|P|2.6\rOBX|1|NM|147842^^MDC|1|72|/min|||||R\r", "AE", "101", "PID^1^3",
       "no patient"},
      {"unreadable value", kHeader + "u1|P|2.6\rPID|||P1\rOBX|7|NM|147842^MDC_ECG_HEART_RATE^MDC|1|7z2|/min|||||R\r",
       "AE", "102", "OBX^7^5", "unreadable numeric value in OBX 7"},
      {"utf-8", kHeader + "x1|P|2.6|||AL|NE||UNICODE UTF-8\rPID|||P\xc3\x28\r", "AE", "102", "MSH^1^18",
       "invalid UTF-8 at byte"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto ack = intake_.handle(c.message);
    EXPECT_EQ(segmentField(ack, "MSA", 1), c.ack) << ack;
    EXPECT_EQ(segmentField(ack, "ERR", 2), c.location);
    EXPECT_EQ(segmentField(ack, "ERR", 3).substr(0, 4), c.code + "^");
    EXPECT_EQ(segmentField(ack, "ERR", 4), "E");
    // The reason is escaped for HL7: '^' becomes \S\.
    std::string escaped_reason = escapeField(c.reason);
    EXPECT_NE(segmentField(ack, "ERR", 8).find(escaped_reason), std::string::npos) << ack;
  }
  EXPECT_TRUE(published_.empty());
  EXPECT_EQ(intake_.counters().rejected, 5u);
  EXPECT_EQ(intake_.counters().errors, 3u);
}

TEST(Hl7Ack, FieldsAreEscapedAndControlCharactersRemoved) {
  EXPECT_EQ(escapeField("a|b^c~d\\e&f\rg"), "a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f g");
  EXPECT_EQ(hl7Timestamp(1'704'110'400'123), "20240101120000+0000");
}

TEST(MllpFramer, MessagesSplitAnywhereAreReassembled) {
  const std::string stream = mllpFrame("MSH|one") + mllpFrame("MSH|two");
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    MllpFramer framer(1024);
    std::vector<MllpFrame> out;
    for (std::size_t i = 0; i < stream.size(); i += chunk) framer.feed(stream.substr(i, chunk), out);
    ASSERT_EQ(out.size(), 2u) << chunk;
    EXPECT_EQ(out[0].text, "MSH|one");
    EXPECT_EQ(out[1].text, "MSH|two");
    EXPECT_EQ(framer.counters().bytes_outside_framing, 0u);
  }
}

TEST(MllpFramer, WhatDoesNotFitTheFramingIsCounted) {
  MllpFramer framer(16);
  std::vector<MllpFrame> out;
  framer.feed("junk\x0bMSH|lost\x0bMSH|kept\x1cX", out);  // junk, a restart, a missing CR
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "MSH|kept");
  EXPECT_EQ(framer.counters().bytes_outside_framing, 5u);  // "junk" and the X after the frame
  EXPECT_EQ(framer.counters().abandoned_messages, 1u);
  EXPECT_EQ(framer.counters().missing_trailers, 1u);
  framer.feed("\x0bMSH|first-segment\rthen far too much\x1c\r\x0bMSH|ok\x1c\r", out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].kind, MllpFrame::Kind::Oversize);
  EXPECT_EQ(out[1].text, "MSH|first-segmen");  // the head, cut at the limit
  EXPECT_EQ(out[2].text, "MSH|ok");            // the stream recovers after the oversize message
  EXPECT_EQ(framer.counters().oversize_messages, 1u);
}

}  // namespace
}  // namespace vigil::streamer::hl7

namespace vigil::streamer::hl7 {
namespace {

// Thousands of damaged messages (bytes flipped, cut, separators doubled, framing bytes
// inside): every one is answered with an ACK that names the message, never a crash.
TEST(IntakeHostile, EveryDamagedMessageGetsAWellFormedAck) {
  std::vector<std::string> published;
  Hl7Intake intake([&](std::string_view topic, std::string_view) { return published.emplace_back(topic), true; },
                   [] { return std::int64_t{0}; });
  const std::string original = message("h0");
  std::uint32_t state = 12345;
  const auto next = [&state] { return state = state * 1664525u + 1013904223u; };
  const char specials[] = {'|', '^', '~', '\\', '&', '\r', '\x0b', '\x1c', '\xff', '\xc3', '\0', 'A'};
  for (int i = 0; i < 5000; ++i) {
    std::string damaged = original;
    for (int k = 0; k < 1 + static_cast<int>(next() % 4); ++k) {
      const auto at = next() % damaged.size();
      switch (next() % 3) {
        case 0: damaged[at] = specials[next() % sizeof specials]; break;
        case 1: damaged.erase(at, next() % 8); break;
        default: damaged.insert(at, std::string(1 + next() % 3, specials[next() % sizeof specials])); break;
      }
      if (damaged.empty()) damaged = "X";
    }
    const auto ack = intake.handle(damaged);
    ASSERT_EQ(ack.rfind("MSH|^~\\&|VIGIL|", 0), 0u) << i;
    const auto code = segmentField(ack, "MSA", 1);
    ASSERT_TRUE(code == "AA" || code == "AE" || code == "AR") << i << ": " << ack;
    if (code != "AA") {
      ASSERT_FALSE(segmentField(ack, "ERR", 3).empty()) << i;
    }
  }
  const auto& counters = intake.counters();
  EXPECT_EQ(counters.accepted + counters.duplicates + counters.errors + counters.rejected, 5000u);
  EXPECT_GT(counters.errors + counters.rejected, 1000u);  // the damage was real
}

}  // namespace
}  // namespace vigil::streamer::hl7
