// How many HL7 messages per second vigil-hl7-gateway carries into a real engine over one
// MLLP connection and over ten at once, each message waiting for its ACK as MLLP senders
// do. The figures are printed (README "HL7 in"); the test checks that every acknowledged
// message reached the engine: the engine's accepted count equals the frames sent.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "mllp_client.h"
#include "process.h"
#include "support.h"

namespace vigil::testing {
namespace {

using namespace std::chrono_literals;

// One frame's worth of PCD-01 for `patient` at second `second` of 2024-01-01 12:00 UTC.
std::string pcd01(const std::string& sender, const std::string& patient, int second) {
  char time[32];
  std::snprintf(time, sizeof time, "20240101%02d%02d%02d", 12 + second / 3600, (second / 60) % 60, second % 60);
  return "MSH|^~\\&|" + sender + "||||" + time + "+0000||ORU^R01^ORU_R01|" + sender + "-" + std::to_string(second) +
         "|P|2.6\rPID|||" + patient + "^^^H^PI\rPV1||I|BENCH^1^1\rOBR|1|||182777000^monitoring of patient^SCT|||" +
         time +
         "+0000\rOBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|/min^/min^UCUM|||||R\r"
         "OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.2|97|%^%^UCUM|||||R\r";
}

// Sends `count` messages one after the other, each after the previous ACK; the AAs.
int sendInTurn(int port, const std::string& sender, int first_second, int count) {
  MllpClient client(port);
  int acknowledged = 0;
  for (int i = 0; i < count && client.connected(); ++i) {
    const auto ack = client.exchange(pcd01(sender, sender, first_second + i), Clock::now() + 10s);
    if (!ack || hl7Field(*ack, "MSA", 1) != "AA") break;
    ++acknowledged;
  }
  return acknowledged;
}

std::uint64_t engineAccepted(const std::string& control) {
  ChildProcess cli({binary("alarms/vigil-engine"), "--stats", control});
  const auto line = cli.waitForLine(std::regex(R"(ingest\.accepted\s+(\d+))"), Clock::now() + 10s);
  cli.waitForExit(10s);
  return line ? std::stoull((*line)[1]) : 0;
}

double perSecond(int messages, Clock::duration took) { return messages / std::chrono::duration<double>(took).count(); }

TEST(Hl7Throughput, OneAndTenConnectionsIntoARealEngine) {
  // Stream clock, and tolerances wide enough that ten senders advancing at their own pace
  // never look like clock trouble: this measures transport, not the ingest guard.
  auto engine = startEngine({"--clock", "stream", "--backwards-tolerance-ms", "36000000", "--future-tolerance-ms",
                             "36000000", "--stream-jump-ms", "36000000", "--stale-tolerance-ms", "36000000"});
  ChildProcess gateway({binary("tools/vigil-hl7-gateway"), "--listen", "127.0.0.1:0", "--connect", engine.ingest,
                        "--stats-interval-ms", "0"});
  const auto listening = gateway.waitForLine(std::regex(R"(listening mllp=127\.0\.0\.1:(\d+))"), Clock::now() + 15s);
  ASSERT_TRUE(listening);
  const int port = std::stoi((*listening)[1]);

  constexpr int kOneConnection = 2000;
  auto start = Clock::now();
  ASSERT_EQ(sendInTurn(port, "single", 0, kOneConnection), kOneConnection);
  const double single_rate = perSecond(kOneConnection, Clock::now() - start);

  constexpr int kConnections = 10;
  constexpr int kEach = 400;
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> senders;
  start = Clock::now();
  for (int c = 0; c < kConnections; ++c) {
    senders.emplace_back([&, c] { acknowledged += sendInTurn(port, "multi" + std::to_string(c), 0, kEach); });
  }
  for (auto& sender : senders) sender.join();
  const double multi_rate = perSecond(acknowledged.load(), Clock::now() - start);
  ASSERT_EQ(acknowledged.load(), kConnections * kEach);

  // Every acknowledged message is one frame the engine must accept.
  const std::uint64_t sent = kOneConnection + kConnections * kEach;
  std::uint64_t accepted = 0;
  const auto deadline = Clock::now() + 30s;
  while (Clock::now() < deadline && (accepted = engineAccepted(engine.control)) < sent) {
  }
  EXPECT_EQ(accepted, sent);
  std::cout << "hl7 throughput: one connection " << static_cast<int>(single_rate) << " msg/s, ten connections "
            << static_cast<int>(multi_rate) << " msg/s; engine ingest.accepted " << accepted << " of " << sent
            << std::endl;
  RecordProperty("one_connection_msgs_per_s", static_cast<int>(single_rate));
  RecordProperty("ten_connections_msgs_per_s", static_cast<int>(multi_rate));
  EXPECT_EQ(gateway.stop(), 0);
}

}  // namespace
}  // namespace vigil::testing
