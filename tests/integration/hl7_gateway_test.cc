// vigil-hl7-gateway as a device gateway sees it: every shared HL7 message sent over MLLP
// gets the ACK it deserves and publishes exactly the values in it; a repeated message id
// is acknowledged and not published twice; hostile peers (bytes outside framing, oversize,
// idle and slow connections, too many connections, invalid UTF-8) are counted and closed
// while a well-behaved client keeps being served.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>

#include "mllp_client.h"
#include "process.h"
#include "streamer/hl7/stats_text.h"
#include "streamer/topics.h"
#include "streamer/zmq_io.h"
#include "support.h"
#include "vitals.pb.h"

namespace vigil::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

fs::path dataDir() {
  if (const char* dir = std::getenv("VIGIL_DATA_DIR")) return dir;
  const auto beside_repo = fs::path(VIGIL_SOURCE_DIR) / "../shared/data";
  return fs::exists(beside_repo) ? beside_repo : fs::path("/work/shared/data");
}

std::int64_t utcMs(int year, unsigned month, unsigned day, int hour, int minute, int second) {
  const auto date = std::chrono::sys_days(std::chrono::year(year) / month / day);
  return std::chrono::duration_cast<std::chrono::milliseconds>(date.time_since_epoch()).count() +
         ((hour * 60LL + minute) * 60 + second) * 1000;
}

// A gateway publishing to a subscriber the test binds (standing in for the engine's ingest).
class GatewayHarness {
 public:
  explicit GatewayHarness(std::vector<std::string> extra_args = {}) : ingest_(context_) {
    const auto endpoint = ingest_.bind("tcp://127.0.0.1:*");
    ingest_.subscribe("");
    std::vector<std::string> argv{binary("tools/vigil-hl7-gateway"),
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--connect",
                                  endpoint,
                                  "--stats-interval-ms",
                                  "0"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    process_ = std::make_unique<ChildProcess>(argv);
    const auto match = awaitListening(Clock::now() + 15s);
    if (!match) throw std::runtime_error("vigil-hl7-gateway did not report its address");
    port_ = std::stoi((*match)[1]);
    stats_address_ = (*match)[2];
  }

  int port() const { return port_; }

  // The next `count` published messages, in order; fewer if the deadline passes.
  std::vector<streamer::Envelope> published(std::size_t count, Clock::time_point deadline) {
    std::vector<streamer::Envelope> messages;
    while (messages.size() < count) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) break;
      if (auto envelope = ingest_.receive(left)) messages.push_back(std::move(*envelope));
    }
    return messages;
  }

  // The counters through `vigil-hl7-gateway --stats`.
  streamer::hl7::CounterTable stats() {
    ChildProcess cli({binary("tools/vigil-hl7-gateway"), "--stats", stats_address_});
    const auto line = cli.readLine(Clock::now() + 10s);
    EXPECT_EQ(cli.waitForExit(10s), std::optional<int>(0));
    return line ? streamer::hl7::parseCounters(*line) : streamer::hl7::CounterTable{};
  }

  // Waits until a counter reaches `value` (the gateway counts as it goes).
  bool awaitCounter(const std::string& name, std::uint64_t value, Clock::time_point deadline) {
    while (Clock::now() < deadline) {
      if (stats()[name] >= value) return true;
    }
    return false;
  }

  ChildProcess& process() { return *process_; }

 private:
  // ZeroMQ attaches a new connection (and sends our subscription on it) only when this
  // thread calls into the socket, and the gateway listens only once subscribed: so the
  // socket is touched between short waits for the line.
  std::optional<std::smatch> awaitListening(Clock::time_point deadline) {
    const std::regex listening(R"(listening mllp=127\.0\.0\.1:(\d+) stats=(\S+))");
    while (Clock::now() < deadline) {
      (void)ingest_.handle().get(zmq::sockopt::events);
      if (auto match = process_->waitForLine(listening, std::min(deadline, Clock::now() + 20ms))) return match;
    }
    return std::nullopt;
  }

  zmq::context_t context_{1};
  streamer::Subscriber ingest_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
  std::string stats_address_;
};

v1::VitalsFrame frameOf(const streamer::Envelope& envelope) {
  v1::VitalsFrame frame;
  EXPECT_TRUE(frame.ParseFromString(envelope.payload)) << envelope.topic;
  return frame;
}

v1::PumpStatus pumpOf(const streamer::Envelope& envelope) {
  v1::PumpStatus status;
  EXPECT_TRUE(status.ParseFromString(envelope.payload)) << envelope.topic;
  return status;
}

// value and unit of a code in a frame; NaN and "" when absent.
std::pair<double, std::string> reading(const v1::VitalsFrame& frame, std::uint32_t code) {
  for (const auto& m : frame.measurements()) {
    if (m.code() == code) return {m.value(), m.unit()};
  }
  return {std::nan(""), ""};
}

struct SharedMessage {
  std::string file;
  std::string ack;                  // MSA-1
  std::string reason;               // a part of ERR-8 for AE/AR
  std::vector<std::string> topics;  // what it publishes, in order
};

// Every message of ../shared/data/hl7, with what a person reading it expects.
const std::vector<SharedMessage> kSharedMessages{
    {"E.1.1_pcd01_philips_physio_monitor.hl7",
     "AA",
     "",
     {"vitals/HO_Surgery/HO2009001", "vitals/HO_Surgery/HO2009001"}},
    {"E.1.2_pcd01_acme_gateway_episodic_nibp.hl7", "AA", "", {"vitals/COLWELL/12345"}},
    {"E.3.1_pcd04_ORU_R40_mindray_low_spo2_start.hl7", "AR", "alarm reports go to an alert manager", {}},
    {"E.3.2a_pcd04_ORU_R40_bbraun_occlusion_start.hl7", "AR", "alarm reports go to an alert manager", {}},
    {"E.3.2b_pcd04_ORU_R40_bbraun_occlusion_end.hl7", "AR", "alarm reports go to an alert manager", {}},
    {"M.1.2.2_pcd10_ORU_R42_infusion_delivery_start.hl7", "AA", "", {"infusion/3_West_ICU/HO2009002"}},
    {"vendor/bbraun_spacestation_syringe_pcd01.hl7", "AA", "", {"infusion/hl7/Unknown_Patient"}},
    {"vendor/mindray_vs900_pcd01_demo.hl7", "AA", "", {"vitals/INTER/2eefgghy", "vitals/INTER/2eefgghy"}},
};

void expectValues(const std::string& file, const std::vector<streamer::Envelope>& out) {
  if (file.rfind("E.1.1", 0) == 0) {
    const auto nibp = frameOf(out[0]);  // OBX-14 11:50:00, MSH-7 zone +0000
    EXPECT_EQ(nibp.source_time_ms(), utcMs(2015, 1, 22, 11, 50, 0));
    EXPECT_EQ(reading(nibp, 150021), std::make_pair(117.0, std::string("mm[Hg]")));
    EXPECT_EQ(reading(nibp, 150022), std::make_pair(82.0, std::string("mm[Hg]")));
    EXPECT_EQ(reading(nibp, 150023), std::make_pair(90.0, std::string("mm[Hg]")));
    const auto rest = frameOf(out[1]);  // OBR-7 18:26:56
    EXPECT_EQ(rest.source_time_ms(), utcMs(2015, 1, 22, 18, 26, 56));
    EXPECT_EQ(reading(rest, 147842), std::make_pair(80.0, std::string("/min")));
    EXPECT_EQ(reading(rest, 150456), std::make_pair(99.0, std::string("%")));
    EXPECT_EQ(reading(rest, 151562), std::make_pair(30.0, std::string("/min")));
    EXPECT_EQ(rest.device_id(), "PAT_DEVICE_PHILIPS_C");
    EXPECT_EQ(rest.unit(), "HO_Surgery");             // PV1-3 point of care
    EXPECT_EQ(nibp.sequence() + 1, rest.sequence());  // one count per device
  } else if (file.rfind("E.1.2", 0) == 0) {
    const auto frame = frameOf(out[0]);
    EXPECT_EQ(frame.source_time_ms(), utcMs(2011, 6, 2, 4, 58, 42));
    EXPECT_EQ(reading(frame, 150021), std::make_pair(111.0, std::string("mm[Hg]")));
    EXPECT_EQ(reading(frame, 150022), std::make_pair(60.0, std::string("mm[Hg]")));
    EXPECT_EQ(reading(frame, 150023), std::make_pair(80.0, std::string("mm[Hg]")));
    EXPECT_EQ(reading(frame, 149546), std::make_pair(63.0, std::string("/min")));
    EXPECT_EQ(frame.patient_id(), "12345");
  } else if (file.rfind("M.1.2.2", 0) == 0) {
    const auto pump = pumpOf(out[0]);
    EXPECT_EQ(pump.drug(), "Dopamine");
    EXPECT_DOUBLE_EQ(pump.rate_ml_per_h(), 15.4);
    EXPECT_NEAR(pump.dose_rate_mg_per_kg_per_h(), 0.3, 1e-12);  // 5 ug/kg/min
    EXPECT_DOUBLE_EQ(pump.concentration_mg_per_ml(), 1.6);
    EXPECT_DOUBLE_EQ(pump.patient_weight_kg(), 82.0);
    EXPECT_EQ(pump.state(), v1::PUMP_RUNNING);
    EXPECT_EQ(pump.source_time_ms(), utcMs(2015, 10, 15, 18, 21, 6));  // 13:21:06-0500
  } else if (file == "vendor/bbraun_spacestation_syringe_pcd01.hl7") {
    const auto pump = pumpOf(out[0]);
    EXPECT_EQ(pump.state(), v1::PUMP_STOPPED);                            // pump-status-not-infusing
    EXPECT_EQ(pump.device_id(), "3107c7c4-59d7-54b7-b500-8d716e5ca2cb");  // MDC_ATTR_SYS_ID
  } else if (file == "vendor/mindray_vs900_pcd01_demo.hl7") {
    const auto cuff = frameOf(out[0]);
    EXPECT_EQ(reading(cuff, 150301).first, 166.0);
    EXPECT_EQ(reading(cuff, 150302).first, 100.0);
    EXPECT_EQ(reading(cuff, 150303).first, 122.0);
    EXPECT_EQ(reading(frameOf(out[1]), 150456), std::make_pair(100.0, std::string("%")));
  }
}

TEST(Hl7Gateway, EverySharedMessageGetsItsAckAndPublishesItsValues) {
  if (!fs::exists(dataDir() / "hl7")) GTEST_SKIP() << "no data folder at " << dataDir();
  GatewayHarness gateway;
  MllpClient client(gateway.port());
  ASSERT_TRUE(client.connected());
  std::size_t published_total = 0;
  for (const auto& shared : kSharedMessages) {
    SCOPED_TRACE(shared.file);
    const auto message = readTextFile((dataDir() / "hl7" / shared.file).string());
    const auto ack = client.exchange(message, Clock::now() + 10s);
    ASSERT_TRUE(ack) << "no ACK";
    EXPECT_EQ(hl7Field(*ack, "MSH", 9), "ACK^" + hl7Field(message, "MSH", 9).substr(4, 3) + "^ACK");
    EXPECT_EQ(hl7Field(*ack, "MSA", 1), shared.ack);
    EXPECT_EQ(hl7Field(*ack, "MSA", 2), hl7Field(message, "MSH", 10));  // the message id
    EXPECT_EQ(hl7Field(*ack, "MSH", 5), hl7Field(message, "MSH", 3));   // back to the sender
    if (!shared.reason.empty()) {
      EXPECT_NE(hl7Field(*ack, "ERR", 8).find(shared.reason), std::string::npos) << *ack;
    }
    if (shared.ack == "AA") {
      EXPECT_EQ(hl7Field(*ack, "ERR", 0), "") << "an AA carries no ERR";
    }
    // The refused ones publish nothing: the next message's output would follow theirs.
    const auto out = gateway.published(shared.topics.size(), Clock::now() + 10s);
    ASSERT_EQ(out.size(), shared.topics.size());
    for (std::size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].topic, shared.topics[i]);
    expectValues(shared.file, out);
    published_total += out.size();
  }
  const auto stats = gateway.stats();
  EXPECT_EQ(stats.at("published"), published_total);
  EXPECT_EQ(stats.at("accepted"), 5u);
  EXPECT_EQ(stats.at("rejected"), 3u);
  EXPECT_EQ(stats.at("refused_AR_201"), 3u);
  EXPECT_EQ(gateway.process().stop(), 0);
}

TEST(Hl7Gateway, ARepeatedMessageIdIsAcknowledgedButPublishedOnce) {
  if (!fs::exists(dataDir() / "hl7")) GTEST_SKIP() << "no data folder at " << dataDir();
  GatewayHarness gateway;
  const auto nibp = readTextFile((dataDir() / "hl7/E.1.2_pcd01_acme_gateway_episodic_nibp.hl7").string());
  const auto monitor = readTextFile((dataDir() / "hl7/E.1.1_pcd01_philips_physio_monitor.hl7").string());
  {
    MllpClient first(gateway.port());
    ASSERT_EQ(hl7Field(*first.exchange(nibp, Clock::now() + 10s), "MSA", 1), "AA");
  }
  MllpClient again(gateway.port());  // the sender reconnected and resent: no ACK reached it
  ASSERT_EQ(hl7Field(*again.exchange(nibp, Clock::now() + 10s), "MSA", 1), "AA");
  ASSERT_EQ(hl7Field(*again.exchange(monitor, Clock::now() + 10s), "MSA", 1), "AA");
  const auto out = gateway.published(3, Clock::now() + 10s);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].topic, "vitals/COLWELL/12345");
  EXPECT_EQ(out[1].topic, "vitals/HO_Surgery/HO2009001");  // not the NIBP a second time
  EXPECT_EQ(gateway.stats().at("duplicates"), 1u);
}

std::string vitalsMessage(const std::string& id, const std::string& patient, std::int64_t second,
                          const std::string& extra_pid_text = "", const std::string& charset = "UNICODE UTF-8") {
  char time[32];
  std::snprintf(time, sizeof time, "2024010112%02lld%02lld", static_cast<long long>((second / 60) % 60),
                static_cast<long long>(second % 60));
  return "MSH|^~\\&|TEST_GW^1^EUI-64|TEST|||" + std::string(time) + "+0000||ORU^R01^ORU_R01|" + id +
         "|P|2.6|||AL|NE||" + charset + "\rPID|||" + patient + "^^^H^PI||Doe^" + extra_pid_text + "\rPV1||I|WARD^1^" +
         patient + "\rOBR|1|||182777000^monitoring of patient^SCT|||" + time +
         "+0000\rOBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|/min^/min^UCUM|||||R\r"
         "OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.2|97|%^%^UCUM|||||R\r";
}

TEST(Hl7Gateway, HostilePeersAreCountedAndClosedWhileAGoodClientIsServed) {
  GatewayHarness gateway({"--max-message-bytes", "4096", "--max-connections", "40", "--message-timeout-ms", "8000"});
  MllpClient good(gateway.port());
  ASSERT_TRUE(good.connected());
  int sent = 0;
  const auto serve_good = [&] {
    // Generous for a loaded test machine; an unserved client would wait for its deadline.
    const auto ack = good.exchange(vitalsMessage("good-" + std::to_string(sent), "good", sent), Clock::now() + 4s);
    ++sent;
    return ack && hl7Field(*ack, "MSA", 1) == "AA";
  };
  ASSERT_TRUE(serve_good());

  // Slow and idle peers: one sends nothing, one a message start and one more byte.
  MllpClient idle(gateway.port());
  MllpClient slow(gateway.port());
  ASSERT_TRUE(slow.sendRaw("\x0bMSH|^~\\&|SLOW"));
  ASSERT_TRUE(slow.sendRaw("|"));
  // Bytes outside the framing, then a good message on the same connection.
  MllpClient noisy(gateway.port());
  ASSERT_TRUE(noisy.sendRaw(std::string(1000, 'x') + "\r\n\x1c"));
  const auto after_noise = noisy.exchange(vitalsMessage("noisy-1", "noisy", 1), Clock::now() + 5s);
  ASSERT_TRUE(after_noise);
  EXPECT_EQ(hl7Field(*after_noise, "MSA", 1), "AA");
  // Oversize: AR naming the limit, then the connection is closed.
  MllpClient huge(gateway.port());
  ASSERT_TRUE(huge.sendRaw("\x0b" + vitalsMessage("huge-1", "huge", 1) + std::string(10'000, 'A')));
  const auto refusal = huge.readReply(Clock::now() + 5s);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(hl7Field(*refusal, "MSA", 1), "AR");
  EXPECT_EQ(hl7Field(*refusal, "MSA", 2), "huge-1");
  EXPECT_NE(refusal->find("larger than the limit of 4096 bytes"), std::string::npos) << *refusal;
  EXPECT_TRUE(huge.awaitClosed(Clock::now() + 5s));
  // Invalid UTF-8 where MSH-18 says UTF-8: AE with the reason; in ISO 8859-1 the byte is a letter.
  const auto bad_utf8 = good.exchange(vitalsMessage("utf8-1", "good", 100, "J\xe9r\xf4me"), Clock::now() + 5s);
  ASSERT_TRUE(bad_utf8);
  EXPECT_EQ(hl7Field(*bad_utf8, "MSA", 1), "AE");
  EXPECT_NE(hl7Field(*bad_utf8, "ERR", 8).find("invalid UTF-8"), std::string::npos) << *bad_utf8;
  const auto latin1 =
      good.exchange(vitalsMessage("latin1-1", "good", 101, "J\xe9r\xf4me", "8859/1"), Clock::now() + 5s);
  ASSERT_TRUE(latin1);
  EXPECT_EQ(hl7Field(*latin1, "MSA", 1), "AA");

  // Many connections beyond the limit: the extra ones are closed at once, the good one is served.
  std::vector<std::unique_ptr<MllpClient>> crowd;
  for (int i = 0; i < 100; ++i) crowd.push_back(std::make_unique<MllpClient>(gateway.port()));
  ASSERT_TRUE(gateway.awaitCounter("connections_refused", 60, Clock::now() + 10s));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(serve_good()) << "the good client was not served while the crowd waited";
  EXPECT_TRUE(slow.stillOpen()) << "the slow peer was closed before its deadline: the test timing is off";
  crowd.clear();

  // The slow and idle peers are closed at their deadline, counted.
  EXPECT_TRUE(idle.awaitClosed(Clock::now() + 10s));
  EXPECT_TRUE(slow.awaitClosed(Clock::now() + 10s));
  // A new connection: the good one's own deadline may fall now too, as it should.
  MllpClient late(gateway.port());
  const auto late_ack = late.exchange(vitalsMessage("late-1", "late", 1), Clock::now() + 5s);
  ASSERT_TRUE(late_ack);
  EXPECT_EQ(hl7Field(*late_ack, "MSA", 1), "AA");
  const auto stats = gateway.stats();
  EXPECT_GE(stats.at("timeouts"), 2u);
  EXPECT_GE(stats.at("bytes_outside_framing"), 1000u);
  EXPECT_EQ(stats.at("oversize"), 1u);
  EXPECT_GE(stats.at("connections_refused"), 60u);
  EXPECT_EQ(stats.at("refused_AE_102"), 1u);                              // the invalid UTF-8
  EXPECT_EQ(stats.at("accepted"), static_cast<std::uint64_t>(sent) + 3);  // + noisy, latin1, late
  EXPECT_EQ(gateway.process().stop(), 0) << "the gateway did not stop cleanly after the hostile peers";
}

// With CURVE the gateway publishes under its own gateway key; a key the engine does not
// admit never gets a subscription, so the gateway refuses to listen rather than ACK into
// the void.
TEST(Hl7Gateway, PublishesWithAGatewayKeyAndRefusesToListenWithAnUnknownOne) {
  std::string pattern = (fs::temp_directory_path() / "vigil-hl7-curve-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path root = pattern;
  const auto keygen = [](const fs::path& directory, const std::string& name) {
    ChildProcess tool({binary("tools/vigil-keygen"), "--out", directory.string(), "--name", name});
    return tool.waitForExit(10s) == std::optional<int>(0);
  };
  ASSERT_TRUE(keygen(root / "keys", "engine"));
  ASSERT_TRUE(keygen(root / "clients", "hl7-gw"));
  ASSERT_TRUE(keygen(root / "clients", "rogue"));
  ASSERT_TRUE(keygen(root / "clients", "desk"));  // a station, to read the engine's counters
  fs::create_directories(root / "keys/gateways");
  fs::create_directories(root / "keys/stations");
  fs::copy_file(root / "clients/hl7-gw.pub", root / "keys/gateways/hl7-gw.pub");
  fs::copy_file(root / "clients/desk.pub", root / "keys/stations/desk.pub");
  auto engine = startEngine({"--keys", (root / "keys").string(), "--clock", "stream"});
  const auto gateway_args = [&](const std::string& name) {
    return std::vector<std::string>{binary("tools/vigil-hl7-gateway"),
                                    "--listen",
                                    "127.0.0.1:0",
                                    "--connect",
                                    engine.ingest,
                                    "--key",
                                    (root / "clients" / (name + ".key")).string(),
                                    "--server-key",
                                    (root / "keys/engine.pub").string(),
                                    "--engine-wait-ms",
                                    "1500",
                                    "--stats-interval-ms",
                                    "0"};
  };
  {
    ChildProcess gateway(gateway_args("hl7-gw"));
    const auto listening = gateway.waitForLine(std::regex(R"(listening mllp=127\.0\.0\.1:(\d+))"), Clock::now() + 15s);
    ASSERT_TRUE(listening);
    MllpClient client(std::stoi((*listening)[1]));
    const auto ack = client.exchange(vitalsMessage("curve-1", "p1", 0), Clock::now() + 10s);
    ASSERT_TRUE(ack);
    EXPECT_EQ(hl7Field(*ack, "MSA", 1), "AA");
    std::uint64_t accepted = 0;
    for (const auto deadline = Clock::now() + 20s; Clock::now() < deadline && accepted < 1;) {
      ChildProcess cli({binary("alarms/vigil-engine"), "--stats", engine.control, "--key",
                        (root / "clients/desk.key").string(), "--server-key", (root / "keys/engine.pub").string()});
      if (const auto row = cli.waitForLine(std::regex(R"(ingest\.accepted\s+(\d+))"), Clock::now() + 10s)) {
        accepted = std::stoull((*row)[1]);
      }
      cli.waitForExit(10s);
    }
    EXPECT_EQ(accepted, 1u) << "the engine did not accept the frame published under the gateway key";
  }
  ChildProcess rogue(gateway_args("rogue"));
  EXPECT_EQ(rogue.waitForExit(15s), std::optional<int>(1));
  fs::remove_all(root);
}

}  // namespace
}  // namespace vigil::testing
