// Nobody gets in without a key (DESIGN.md sections 1 and 4): the real vigil-engine with
// --keys made by the real vigil-keygen; admitted gateways and stations work as before,
// strangers get nothing in and nothing out, an acknowledgement carries the station key's
// name, and a network-facing engine without keys refuses to start.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "alarms/core/domain.h"
#include "alarms/core/metrics.h"
#include "streamer/control_client.h"
#include "streamer/recording/recording.h"
#include "streamer/security.h"
#include "support.h"
#include "vitals.pb.h"

namespace vigil::testing {
namespace {

namespace fs = std::filesystem;
namespace v1 = vigil::v1;
using namespace std::chrono_literals;

constexpr char kUnit[] = "pacu";

std::string readWholeFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// A counter from the table the engine prints when it stops ("  zap.rejected_ingest  3");
// -1 when the table does not have it.
long stopCounter(const std::string& log, const std::string& name) {
  std::smatch found;
  if (!std::regex_search(log, found,
                         std::regex("\\n\\s*" + std::regex_replace(name, std::regex("\\."), "\\.") + "\\s+(\\d+)"))) {
    return -1;
  }
  return std::stol(found[1]);
}

// The engine with its stderr in a file, read after it stops (the counters of its stop
// line). Endpoints not given in `args` are ephemeral loopback ones.
RunningEngine startEngineLoggingTo(const std::string& log_path, std::vector<std::string> args) {
  std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$@\" 2>'" + log_path + "'", "sh",
                                binary("alarms/vigil-engine")};
  for (const char* endpoint : {"--ingest", "--alerts", "--control"}) {
    if (std::find(args.begin(), args.end(), endpoint) == args.end())
      argv.insert(argv.end(), {endpoint, "tcp://127.0.0.1:*"});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  // As in support.h: no shared default journal between tests running side by side.
  argv.push_back("--no-journal");
  RunningEngine engine{std::make_unique<ChildProcess>(argv), {}, {}, {}};
  const auto match = engine.process->waitForLine(std::regex(R"(listening ingest=(\S+) alerts=(\S+) control=(\S+))"),
                                                 Clock::now() + 10s);
  if (!match) throw std::runtime_error("vigil-engine did not report its endpoints: " + readWholeFile(log_path));
  engine.ingest = (*match)[1];
  engine.alerts = (*match)[2];
  engine.control = (*match)[3];
  return engine;
}

// Handshake outcomes of one client socket, from ZeroMQ's socket monitor. Attach before
// connect(). A refused CURVE client is told so by the server (ZAP status 400).
class HandshakeMonitor {
 public:
  HandshakeMonitor(zmq::context_t& context, zmq::socket_ref socket) : pair_(context, zmq::socket_type::pair) {
    static int instances = 0;
    const std::string endpoint = "inproc://handshake-monitor-" + std::to_string(++instances);
    const int events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                       ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
    if (zmq_socket_monitor(socket.handle(), endpoint.c_str(), events) != 0) throw zmq::error_t();
    pair_.connect(endpoint);
  }

  struct Outcome {
    int event = 0;
    std::uint32_t value = 0;  // the ZAP status code for FAILED_AUTH
  };

  // The first handshake outcome, or nullopt at the deadline.
  std::optional<Outcome> awaitOutcome(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    zmq::pollitem_t item{pair_.handle(), 0, ZMQ_POLLIN, 0};
    if (left.count() <= 0 || zmq::poll(&item, 1, left) <= 0) return std::nullopt;
    const auto frames = streamer::receiveMultipart(pair_);
    if (frames.empty() || frames[0].size() < 6) return std::nullopt;
    Outcome outcome;
    std::uint16_t event = 0;
    std::memcpy(&event, frames[0].data(), sizeof event);
    std::memcpy(&outcome.value, frames[0].data<char>() + 2, sizeof outcome.value);
    outcome.event = event;
    return outcome;
  }

 private:
  zmq::socket_t pair_;
};

// One second of a desaturating patient: SpO2 86 %, below every SpO2 limit.
v1::VitalsFrame lowSpo2Frame(const std::string& patient, std::uint64_t sequence, std::int64_t time_ms) {
  v1::VitalsFrame frame;
  frame.set_patient_id(patient);
  frame.set_unit(kUnit);
  frame.set_device_id("monitor-" + patient);
  frame.set_sequence(sequence);
  frame.set_source_time_ms(time_ms);
  auto* m = frame.add_measurements();
  m->set_code(core::mdc::kSpO2);
  m->set_value(86.0);
  m->set_unit("%");
  return frame;
}

// A gateway written in the test, to control exactly what is sent for which patient.
class TestGateway {
 public:
  TestGateway(zmq::context_t& context, const streamer::ClientSecurity& security, const std::string& endpoint)
      : publisher_(context), monitor_(context, publisher_.handle()) {
    security.apply(publisher_.handle());
    publisher_.connect(endpoint);
  }

  HandshakeMonitor& monitor() { return monitor_; }
  streamer::Publisher& publisher() { return publisher_; }

  // A running pump and 20 s of SpO2 at 86 %: a HIGH spo2-below-90 alarm after 15 s.
  void sendDesaturation(const std::string& patient, std::int64_t start_ms) {
    const auto status = ketaminePump(kUnit, patient, "pump-" + patient, ++sequence_, start_ms, 0.2);
    publisher_.publish(streamer::makeTopic(streamer::TopicKind::Infusion, kUnit, patient), status);
    for (int s = 0; s < 20; ++s) {
      publisher_.publish(streamer::makeTopic(streamer::TopicKind::Vitals, kUnit, patient),
                         lowSpo2Frame(patient, ++sequence_, start_ms + s * 1000));
    }
  }

 private:
  streamer::Publisher publisher_;
  HandshakeMonitor monitor_;
  std::uint64_t sequence_ = 0;
};

bool isDesaturationStartOf(const v1::AlarmEvent& e, const std::string& patient) {
  return e.patient_id() == patient && e.condition() == "spo2-below-90" && e.phase() == v1::PHASE_START;
}

class CurveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "vigil-curve-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    keys_ = (root_ / "keys").string();
    clients_ = (root_ / "clients").string();
    // The layout of vigil-keygen --help: the engine's pair, then each client's pair with
    // its public half copied into the folder of its role. "rogue" is nobody's.
    ASSERT_TRUE(keygen(keys_, "engine"));
    for (const char* name : {"gw-1", "station-3", "rogue"}) ASSERT_TRUE(keygen(clients_, name));
    fs::create_directories(keys_ + "/gateways");
    fs::create_directories(keys_ + "/stations");
    fs::copy_file(clients_ + "/gw-1.pub", keys_ + "/gateways/gw-1.pub");
    fs::copy_file(clients_ + "/station-3.pub", keys_ + "/stations/station-3.pub");
    engine_log_ = (root_ / "engine.log").string();
  }

  void TearDown() override { fs::remove_all(root_); }

  static bool keygen(const std::string& directory, const std::string& name) {
    ChildProcess keygen({binary("tools/vigil-keygen"), "--out", directory, "--name", name});
    return keygen.waitForExit(10s) == 0;
  }

  void startSecureEngine(std::vector<std::string> extra_args = {}) {
    extra_args.insert(extra_args.end(), {"--keys", keys_});
    engine_ = startEngineLoggingTo(engine_log_, extra_args);
  }

  // Stops the engine and returns everything it said on stderr.
  std::string stopEngine() {
    EXPECT_EQ(engine_.process->stop(), 0) << "the engine did not stop cleanly";
    return readWholeFile(engine_log_);
  }

  streamer::ClientSecurity security(const std::string& name) const {
    const auto loaded = streamer::loadClientSecurity({clientKey(name), keys_ + "/engine.pub"});
    if (!loaded.ok()) throw std::runtime_error(loaded.error);
    return *loaded.value;
  }
  std::string clientKey(const std::string& name) const { return clients_ + "/" + name + ".key"; }
  std::string fingerprintOf(const std::string& name) const {
    return streamer::fingerprint(*streamer::readKeyFile(clients_ + "/" + name + ".pub").value);
  }

  // An admitted station subscribed and an admitted gateway connected, both proven by traffic.
  void connectAdmittedPair() {
    station_ = std::make_unique<AlertListener>(context_, engine_.alerts, security("station-3"));
    ASSERT_TRUE(station_->awaitHeartbeat(Clock::now() + 10s)) << "an admitted station got no heartbeat";
    gateway_ = std::make_unique<TestGateway>(context_, security("gw-1"), engine_.ingest);
    ASSERT_TRUE(gateway_->publisher().awaitSubscriber(10s)) << "the engine never subscribed to an admitted gateway";
  }

  std::optional<v1::AlarmEvent> raiseAlarmFor(const std::string& patient) {
    gateway_->sendDesaturation(patient, start_ms_);
    return station_->awaitAlarm([&](const v1::AlarmEvent& e) { return isDesaturationStartOf(e, patient); },
                                Clock::now() + 10s);
  }

  fs::path root_;
  std::string keys_;
  std::string clients_;
  std::string engine_log_;
  zmq::context_t context_;
  RunningEngine engine_;
  std::unique_ptr<AlertListener> station_;
  std::unique_ptr<TestGateway> gateway_;
  const std::int64_t start_ms_ =
      core::toMillis(std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now()));
};

// (a) The real gateway and the real console, each with its own key.
TEST_F(CurveTest, AdmittedGatewayAndConsoleCarryADesaturationAlarmEndToEnd) {
  startSecureEngine({"--clock", "stream"});
  station_ = std::make_unique<AlertListener>(context_, engine_.alerts, security("station-3"));
  ASSERT_TRUE(station_->awaitHeartbeat(Clock::now() + 10s));
  ChildProcess console({binary("tools/vigil-console"), "--json", "--connect", engine_.alerts, "--control",
                        engine_.control, "--key", clientKey("station-3"), "--server-key", keys_ + "/engine.pub"});
  ChildProcess gateway({binary("streamer/vigil-gateway"), "--simulate", "1", "--scenarios", "desaturation", "--speed",
                        "600", "--connect", engine_.ingest, "--key", clientKey("gw-1"), "--server-key",
                        keys_ + "/engine.pub"});
  const auto listed = gateway.waitForLine(std::regex(R"((\S+) desaturation)"), Clock::now() + 10s);
  ASSERT_TRUE(listed) << "the gateway did not list its patient";
  const std::string patient = (*listed)[1];

  const auto alarm = station_->awaitAlarm([&](const v1::AlarmEvent& e) { return isDesaturationStartOf(e, patient); },
                                          Clock::now() + 30s);
  ASSERT_TRUE(alarm) << "no spo2-below-90 alarm from the admitted gateway's patient";
  EXPECT_EQ(alarm->priority(), v1::PRIORITY_HIGH);
  // Whether the console joined before the alarm (a live START) or during it (the
  // snapshot), it prints the alarm.
  const auto printed =
      console.waitForLine(std::regex("\"alertId\":\\s*\"" + alarm->alert_id() + "\""), Clock::now() + 30s);
  EXPECT_TRUE(printed) << "vigil-console with its key printed nothing of " << alarm->alert_id();
  EXPECT_EQ(console.stop(), 0);
  gateway.stop();

  const auto log = stopEngine();
  EXPECT_NE(log.find("admitted gw-1 (" + fingerprintOf("gw-1") + ") on vigil-ingest"), std::string::npos) << log;
  EXPECT_NE(log.find("admitted station-3 (" + fingerprintOf("station-3") + ") on vigil-control"), std::string::npos)
      << log;
  for (const char* domain : {"ingest", "alerts", "control"}) {
    EXPECT_EQ(stopCounter(log, std::string("zap.rejected_") + domain), 0) << log;
  }
}

// (b) A publisher with an unknown key is refused at the handshake and counted; an
// admitted one's alarm, sent after it, comes out.
TEST_F(CurveTest, AStrangersFramesNeverGetIn) {
  startSecureEngine();
  station_ = std::make_unique<AlertListener>(context_, engine_.alerts, security("station-3"));
  ASSERT_TRUE(station_->awaitHeartbeat(Clock::now() + 10s));

  TestGateway rogue(context_, security("rogue"), engine_.ingest);
  const auto outcome = rogue.monitor().awaitOutcome(Clock::now() + 10s);
  ASSERT_TRUE(outcome) << "the stranger's handshake had no outcome";
  EXPECT_EQ(outcome->event, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
  EXPECT_EQ(outcome->value, 400u);
  rogue.sendDesaturation("bed-rogue", start_ms_);

  gateway_ = std::make_unique<TestGateway>(context_, security("gw-1"), engine_.ingest);
  ASSERT_TRUE(gateway_->publisher().awaitSubscriber(10s));
  ASSERT_TRUE(raiseAlarmFor("bed-07")) << "the admitted gateway's alarm did not come out";
  for (const auto& event : station_->seen()) {
    EXPECT_NE(event.patient_id(), "bed-rogue") << "a stranger's frames raised " << event.condition();
  }

  const auto log = stopEngine();
  EXPECT_GE(stopCounter(log, "zap.rejected_ingest"), 1) << log;
  EXPECT_NE(log.find("REJECTED key " + fingerprintOf("rogue") + " on vigil-ingest"), std::string::npos) << log;
  const auto rogue_public = *streamer::readKeyFile(clients_ + "/rogue.pub").value;
  EXPECT_EQ(log.find(rogue_public), std::string::npos) << "the whole key was logged";
}

// (c) Neither a stranger nor a gateway key can acknowledge; the alarm stays unacknowledged.
// A stranger cannot subscribe to the alerts either.
TEST_F(CurveTest, AStrangerOrAGatewayKeyCannotAcknowledge) {
  startSecureEngine();
  connectAdmittedPair();
  const auto alarm = raiseAlarmFor("bed-07");
  ASSERT_TRUE(alarm);

  v1::ControlRequest ack;
  ack.mutable_acknowledge()->set_alert_id(alarm->alert_id());
  ack.mutable_acknowledge()->set_station("station-3");  // claiming someone else's name
  // Waiting out a deadline is the only way to see "never answered": both wait at once.
  auto askAs = [&](const char* key) {
    return std::async(std::launch::async, [this, key, ack] {
      streamer::ControlClient refused(context_, engine_.control, security(key));
      return refused.request(ack, 1500ms).has_value();
    });
  };
  auto stranger = askAs("rogue");
  auto gateway = askAs("gw-1");
  EXPECT_FALSE(stranger.get()) << "a stranger's acknowledgement was answered";
  EXPECT_FALSE(gateway.get()) << "a gateway key's acknowledgement was answered";

  streamer::ControlClient admitted(context_, engine_.control, security("station-3"));
  v1::ControlRequest snapshot_request;
  snapshot_request.mutable_snapshot();
  const auto snapshot = admitted.request(snapshot_request, 5s);
  ASSERT_TRUE(snapshot && snapshot->ok()) << "the admitted station got no snapshot";
  ASSERT_EQ(snapshot->snapshot().alarms_size(), 1);
  EXPECT_EQ(snapshot->snapshot().alarms(0).alert_id(), alarm->alert_id());
  EXPECT_EQ(snapshot->snapshot().alarms(0).inactivation(), v1::INACTIVATION_ENABLED);
  EXPECT_EQ(snapshot->snapshot().alarms(0).acknowledged_by(), "");

  // Nor can a stranger listen to the alert stream.
  streamer::Subscriber eavesdropper(context_);
  HandshakeMonitor eavesdropper_handshake(context_, eavesdropper.handle());
  security("rogue").apply(eavesdropper.handle());
  eavesdropper.connect(engine_.alerts);
  const auto outcome = eavesdropper_handshake.awaitOutcome(Clock::now() + 10s);
  ASSERT_TRUE(outcome) << "the eavesdropper's handshake had no outcome";
  EXPECT_EQ(outcome->event, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);

  const auto log = stopEngine();
  EXPECT_NE(log.find("REJECTED key " + fingerprintOf("rogue") + " on vigil-alerts"), std::string::npos) << log;
  EXPECT_GE(stopCounter(log, "zap.rejected_control"), 2) << log;
  EXPECT_NE(log.find("REJECTED key " + fingerprintOf("gw-1") + " on vigil-control"), std::string::npos) << log;
}

// (d) The acknowledgement is recorded under the key's name, not the one claimed.
TEST_F(CurveTest, AnAdmittedStationsAcknowledgementCarriesItsKeyName) {
  startSecureEngine();
  connectAdmittedPair();
  const auto alarm = raiseAlarmFor("bed-07");
  ASSERT_TRUE(alarm);

  streamer::ControlClient admitted(context_, engine_.control, security("station-3"));
  v1::ControlRequest ack;
  ack.mutable_acknowledge()->set_alert_id(alarm->alert_id());
  ack.mutable_acknowledge()->set_station("charge-nurse-desk");
  const auto reply = admitted.request(ack, 5s);
  ASSERT_TRUE(reply) << "the admitted station's acknowledgement was not answered";
  EXPECT_TRUE(reply->ok()) << reply->error();
  const auto acknowledged = station_->awaitAlarm(
      [&](const v1::AlarmEvent& e) {
        return e.alert_id() == alarm->alert_id() && e.inactivation() == v1::INACTIVATION_ACKNOWLEDGED;
      },
      Clock::now() + 10s);
  ASSERT_TRUE(acknowledged);
  EXPECT_EQ(acknowledged->acknowledged_by(), "station-3");
}

// (e) Without keys only loopback; --insecure opens the network, loudly.
TEST_F(CurveTest, ANetworkEndpointNeedsKeysOrASpokenInsecure) {
  const auto refusal_log = engine_log_ + ".refused";
  ChildProcess refused({"/bin/sh", "-c", "exec \"$@\" 2>'" + refusal_log + "'", "sh", binary("alarms/vigil-engine"),
                        "--ingest", "tcp://0.0.0.0:*", "--alerts", "tcp://127.0.0.1:*", "--control",
                        "tcp://127.0.0.1:*", "--no-journal"});
  const auto code = refused.waitForExit(10s);
  ASSERT_TRUE(code) << "vigil-engine bound 0.0.0.0 without keys";
  EXPECT_EQ(*code, 2);
  EXPECT_NE(readWholeFile(refusal_log).find("refusing to bind tcp://0.0.0.0:*"), std::string::npos)
      << readWholeFile(refusal_log);

  engine_ = startEngineLoggingTo(engine_log_, {"--ingest", "tcp://0.0.0.0:*", "--insecure"});
  EXPECT_NE(engine_.ingest.find("0.0.0.0"), std::string::npos) << engine_.ingest;
  const auto log = stopEngine();
  EXPECT_NE(log.find("RUNNING --insecure: NO AUTHENTICATION"), std::string::npos) << log;

  // With keys the same endpoint is fine.
  startSecureEngine({"--ingest", "tcp://0.0.0.0:*"});
  EXPECT_NE(engine_.ingest.find("0.0.0.0"), std::string::npos) << engine_.ingest;
}

// vigil-replay feeds a keyed engine with a gateway's key, and cannot without one.
TEST_F(CurveTest, ARecordingIsReplayedIntoAKeyedEngineOnlyWithAGatewayKey) {
  const std::string patient = "bed-replayed";
  const auto recording = (root_ / "desaturation.vrec").string();
  {
    v1::RecordingHeader header;
    header.set_format_version(streamer::recording::kFormatVersion);
    streamer::recording::RecordingWriter writer(recording, header);
    std::uint64_t sequence = 0;
    for (int s = 0; s < 20; ++s) {
      const auto frame = lowSpo2Frame(patient, ++sequence, start_ms_ + s * 1000);
      v1::RecordedMessage message;
      message.set_receive_time_ms(start_ms_ + s * 1000);
      message.set_topic(streamer::makeTopic(streamer::TopicKind::Vitals, kUnit, patient));
      message.set_payload(frame.SerializeAsString());
      ASSERT_TRUE(writer.append(message));
    }
    ASSERT_TRUE(writer.flush()) << writer.error();
  }
  startSecureEngine({"--clock", "stream"});
  station_ = std::make_unique<AlertListener>(context_, engine_.alerts, security("station-3"));
  ASSERT_TRUE(station_->awaitHeartbeat(Clock::now() + 10s));

  // Without a key the handshake fails: nobody ever subscribes, the replay gives up.
  ChildProcess unkeyed(
      {binary("tools/vigil-replay"), recording, "--connect", engine_.ingest, "--max", "--wait-s", "1"});
  EXPECT_EQ(unkeyed.waitForExit(10s), 1) << "a replay without keys reached a keyed engine";

  ChildProcess keyed({binary("tools/vigil-replay"), recording, "--connect", engine_.ingest, "--max", "--key",
                      clientKey("gw-1"), "--server-key", keys_ + "/engine.pub"});
  const auto alarm = station_->awaitAlarm([&](const v1::AlarmEvent& e) { return isDesaturationStartOf(e, patient); },
                                          Clock::now() + 10s);
  EXPECT_TRUE(alarm) << "the keyed replay's desaturation never came out";
  EXPECT_EQ(keyed.waitForExit(10s), 0);
}

}  // namespace
}  // namespace vigil::testing
