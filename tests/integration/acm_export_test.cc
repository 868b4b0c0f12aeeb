// IHE ACM out, end to end (issue 12, part 2): a real vigil-engine with a journal takes a
// scripted ward whose beds desaturate and recover; a real vigil-acm follows the engine's
// outbox and sends each alarm transition as ORU^R40 to a test alert manager that is not
// there at first, then refuses (AE) the first messages, then accepts. vigil-acm is killed
// with kill -9 once and restarted on its state file; the engine is killed once and
// restarted on its journal. Every transition in the journal's alarm log must be accepted
// exactly once per message id, in order per alarm, with the IHE fields.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "../test_alert_manager.h"
#include "acm_support.h"
#include "alarms/core/metrics.h"
#include "mllp_client.h"
#include "streamer/control_client.h"
#include "streamer/hl7/stats_text.h"
#include "support.h"
#include "tools/vigil-acm/outbox_cursor.h"

namespace vigil::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = vigil::v1;

constexpr char kUnit[] = "pacu";
constexpr std::int64_t kT0 = 1'700'000'000'000;

// MSH-10 of the transition an outbox entry holds: from the transition, not the row.
std::string idOf(const v1::OutboxEntry& entry) { return acm::messageIdFor(acm::transitionKeyOf(entry.event())); }

std::string field(const std::string& message, const std::string& segment, std::size_t index) {
  return acmSegmentField(message, segment, index);
}

// Whether bed b's SpO2 is low (85 %) at a second of the ward's script; 97 % otherwise.
using Desaturated = std::function<bool(int bed, int second)>;

// Bed 1 desaturates 5-60 s, bed 2 20-90 s, bed 3 100-170 s (after the engine's restart):
// each a HIGH "SpO2 below 90" that starts after its delay and ends after recovery.
bool threeBeds(int b, int second) {
  const int spans[][2] = {{5, 60}, {20, 90}, {100, 170}};
  return second >= spans[b - 1][0] && second < spans[b - 1][1];
}

v1::VitalsFrame frameAt(int b, int second, bool low) {
  v1::VitalsFrame frame;
  frame.set_patient_id("bed-" + std::to_string(b));
  frame.set_unit(kUnit);
  frame.set_device_id("monitor-" + std::to_string(b));
  frame.set_sequence(static_cast<std::uint64_t>(second) + 1);
  frame.set_source_time_ms(kT0 + second * 1000LL);
  auto* spo2 = frame.add_measurements();
  spo2->set_code(core::mdc::kSpO2);
  spo2->set_value(low ? 85.0 : 97.0);
  return frame;
}

// The scripted ward from second `first` to `last`, one frame a second per bed: the stream
// clock's time, however fast it is sent.
void sendWard(zmq::context_t& context, const std::string& ingest, int first, int last, int beds = 3,
              const Desaturated& low = threeBeds) {
  streamer::Publisher gateway(context);
  gateway.handle().set(zmq::sockopt::xpub_nodrop, 1);
  // The last frames may still be queued when this returns (a busy engine): they are sent,
  // not discarded with the socket.
  gateway.handle().set(zmq::sockopt::linger, 10'000);
  gateway.connect(ingest);
  ASSERT_TRUE(gateway.awaitSubscriber(10s));
  for (int second = first; second <= last; ++second) {
    for (int b = 1; b <= beds; ++b) {
      const auto topic = streamer::makeTopic(streamer::TopicKind::Vitals, kUnit, "bed-" + std::to_string(b));
      const auto payload = frameAt(b, second, low(b, second)).SerializeAsString();
      ASSERT_TRUE(gateway.publishRawWaiting(topic, payload, 5s));
    }
  }
}

class AcmExport : public ::testing::Test {
 protected:
  // `stats_ms`: how often it prints its counters (0: at exit); a test that stops reading
  // its output must not let the pipe fill.
  // The status listener's port and the --stats address are read back from its first line.
  std::unique_ptr<ChildProcess> startExporter(std::uint16_t port, int stats_ms, std::vector<std::string> extra = {}) {
    auto acm = startAcm(control_, port, dir_.file("acm.state"), stats_ms, std::move(extra));
    status_port_ = acm.status_port;
    stats_address_ = acm.stats_address;
    return std::move(acm.process);
  }
  // The counters through `vigil-acm --stats`.
  streamer::hl7::CounterTable exporterStats() { return acmStats(stats_address_); }
  RunningEngine engine(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{"--clock",   "stream", "--journal", dir_.file("journal.db"),
                                  "--control", control_, "--ingest",  ingest_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return startEngine(argv);
  }

  TempDir dir_{"vigil-acm"};
  int status_port_ = 0;
  std::string stats_address_;
  std::string control_ = "ipc://" + dir_.file("control");
  std::string ingest_ = "ipc://" + dir_.file("ingest");
  zmq::context_t context_{1};
};

void killHard(ChildProcess& process) {
  ::kill(process.pid(), SIGKILL);
  process.waitForExit(10s);
}

TEST_F(AcmExport, EveryTransitionArrivesOncePerIdInOrderThroughRefusalsAndKills) {
  Receiver receiver;
  TestAlertManager manager([&receiver](std::size_t, const std::string& message) { return receiver.answer(message); });
  auto running = engine();
  auto exporter = startExporter(manager.port(), 20);
  sendWard(context_, ingest_, 0, 95);

  // The alert manager is not there: vigil-acm counts the refused connections and waits.
  ASSERT_TRUE(exporter->waitForLine(std::regex("connect_failures=[1-9]"), Clock::now() + 10s));
  manager.startListening();
  ASSERT_TRUE(waitUntil([&] { return receiver.record().accepted.size() >= 2; }, 20s));

  killHard(*exporter);
  exporter = startExporter(manager.port(), 0);
  // The engine goes down once the first part of the ward is in its log (bed 2's alarm
  // started), while vigil-acm is still delivering it.
  ASSERT_TRUE(waitUntil(
      [&] {
        const auto outbox = wholeOutbox(context_, control_);
        return std::any_of(outbox.begin(), outbox.end(), [](const v1::OutboxEntry& e) {
          return e.event().patient_id() == "bed-2" && e.event().phase() == v1::PHASE_START;
        });
      },
      20s));
  killHard(*running.process);
  running = engine();
  sendWard(context_, ingest_, 96, 180);

  auto outbox = wholeOutbox(context_, control_);
  ASSERT_TRUE(waitUntil(
      [&] {
        outbox = wholeOutbox(context_, control_);
        return outbox.size() >= 6 && receiver.record().accepted.size() == outbox.size();
      },
      30s));
  exporter->stop();
  const auto record = receiver.record();

  // Every transition of the alarm log accepted exactly once, under its transition's id, in
  // the log's order (so in order per alarm too).
  std::vector<std::string> expected;
  std::map<std::string, int> phases_per_alert;
  for (const auto& entry : outbox) {
    expected.push_back(idOf(entry));
    ++phases_per_alert[entry.event().alert_id()];
  }
  EXPECT_EQ(record.accepted, expected);
  EXPECT_EQ(record.refused, kRefusedFirst);
  EXPECT_GE(phases_per_alert.size(), 3u) << "beds 1-3 each alarmed";
  // Before and after the engine's restart: bed 3's alarm starts only on the second run.
  EXPECT_TRUE(std::any_of(outbox.begin(), outbox.end(), [](const v1::OutboxEntry& e) {
    return e.event().patient_id() == "bed-3" && e.event().phase() == v1::PHASE_START;
  }));
  for (const auto& entry : outbox) {
    const auto& message = record.message_of.at(idOf(entry));
    EXPECT_EQ(field(message, "MSH", 8), "ORU^R40^ORU_R40");
    EXPECT_EQ(field(message, "OBR", 3), entry.event().alert_id() + "^VIGIL") << "alert identity";
    EXPECT_EQ(field(message, "PID", 3), entry.event().patient_id() + "^^^VIGIL^PI");
    EXPECT_EQ(field(message, "PV1", 3), kUnit);
    EXPECT_NE(message.find("MDC_ATTR_EVENT_PHASE"), std::string::npos);
  }
  std::cout << "acm export: transitions=" << outbox.size() << " received=" << record.received
            << " refused=" << record.refused << " duplicates=" << record.duplicates << "\n";
}

// One of the engine's counters, through its control socket.
std::uint64_t engineCounter(zmq::context_t& context, const std::string& control, const std::string& name) {
  streamer::ControlClient client(context, control);
  v1::ControlRequest request;
  request.mutable_stats();
  const auto reply = client.request(request, 5s);
  if (!reply) return 0;
  const auto found = reply->stats().counters().find(name);
  return found == reply->stats().counters().end() ? 0 : found->second;
}

// The alarm as the engine shows it to a station now (the Clone pattern's snapshot).
std::optional<v1::AlarmEvent> currentAlarm(zmq::context_t& context, const std::string& control,
                                           const std::string& alert_id) {
  streamer::ControlClient client(context, control);
  v1::ControlRequest request;
  request.mutable_snapshot();
  const auto reply = client.request(request, 5s);
  if (!reply) return std::nullopt;
  for (const auto& alarm : reply->snapshot().alarms()) {
    if (alarm.alert_id() == alert_id) return alarm;
  }
  return std::nullopt;
}

// The alert identity (OBR-3.1) and the message id of the first ORU^R40 received that matches.
std::optional<std::pair<std::string, std::string>> firstReceived(
    TestAlertManager& manager, const std::function<bool(const std::string&)>& wanted) {
  for (const auto& message : manager.received()) {
    if (!wanted(message)) continue;
    const auto obr3 = acmSegmentField(message, "OBR", 3);
    return std::make_pair(obr3.substr(0, obr3.find('^')), acmMessageId(message));
  }
  return std::nullopt;
}

bool startOf(const std::string& message, const std::string& patient) {
  return acmSegmentField(message, "PID", 3).rfind(patient + "^", 0) == 0 &&
         message.find("MDC_ATTR_EVENT_PHASE^MDC|1.0.0.0.4|start") != std::string::npos;
}

// The alert identity and message id of the ORU^R40 that starts `patient`'s first alarm,
// once the alert manager has it.
std::optional<std::pair<std::string, std::string>> awaitStart(TestAlertManager& manager, const std::string& patient) {
  std::optional<std::pair<std::string, std::string>> found;
  waitUntil(
      [&] {
        return (found = firstReceived(manager, [&](const std::string& m) { return startOf(m, patient); })).has_value();
      },
      20s);
  return found;
}

// IHE PCD-05: the alert manager answers bed 1's alarm with ORA^R41 "accepted by Anna Lee"
// to vigil-acm's status listener. The engine acknowledges the alarm under her name, and
// that acknowledgement goes back to the alert manager as an ORU^R40 of its own.
TEST_F(AcmExport, AnAlarmAcceptedByANurseOnHerPhoneIsAcknowledgedUnderHerNameAndSentOn) {
  TestAlertManager manager([](std::size_t, const std::string&) { return std::string("AA"); });
  manager.startListening();
  auto running = engine();
  auto exporter = startExporter(manager.port(), 0, {"--status-listen", "127.0.0.1:0"});
  ASSERT_NE(status_port_, 0);
  sendWard(context_, ingest_, 0, 40);  // beds 1 and 2 are desaturated at 40 s, bed 3 not yet
  const auto bed1 = awaitStart(manager, "bed-1");
  const auto bed2 = awaitStart(manager, "bed-2");
  ASSERT_TRUE(bed1 && bed2);
  // Plain names, not a structured binding: the lambdas below capture them (C++17).
  const std::string alert = bed1->first;
  const std::string start_id = bed1->second;

  MllpClient phone_system(status_port_);
  ASSERT_TRUE(phone_system.connected());
  const auto accepted =
      phone_system.exchange(acmStatusReport("am-1", alert, "Accepted", "RN042^Lee^Anna", start_id), Clock::now() + 10s);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(hl7Field(*accepted, "MSA", 1), "AA") << *accepted;
  EXPECT_EQ(hl7Field(*accepted, "MSA", 2), "am-1");

  // At the engine, as every station sees it: acknowledged, by her, through the alert manager.
  const auto alarm = currentAlarm(context_, control_, alert);
  ASSERT_TRUE(alarm);
  EXPECT_EQ(alarm->inactivation(), v1::INACTIVATION_ACKNOWLEDGED);
  EXPECT_NE(alarm->acknowledged_by().find("AM (Anna Lee, RN042)"), std::string::npos) << alarm->acknowledged_by();
  // ... and to the alert manager: the acknowledgement as a transition of the same alert.
  ASSERT_TRUE(waitUntil(
      [&] {
        return firstReceived(manager,
                             [&](const std::string& m) {
                               return acmSegmentField(m, "OBR", 3) == alert + "^VIGIL" &&
                                      m.find("|alert-acknowledged|") != std::string::npos;
                             })
            .has_value();
      },
      20s));

  // Only "accepted" acknowledges: bed 2's alarm read on a phone stays as it was.
  const auto read = phone_system.exchange(
      acmStatusReport("am-2", bed2->first, "read", "RN007^Okafor^Chidi", bed2->second), Clock::now() + 10s);
  ASSERT_TRUE(read);
  EXPECT_EQ(hl7Field(*read, "MSA", 1), "AA") << *read;
  EXPECT_EQ(currentAlarm(context_, control_, bed2->first)->inactivation(), v1::INACTIVATION_ENABLED);
  // An alert Vigil never raised: AE, ERR 204 (unknown key identifier) saying so.
  const auto unknown =
      phone_system.exchange(acmStatusReport("am-3", "no-such-alert", "accepted", "RN042^Lee^Anna"), Clock::now() + 10s);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(hl7Field(*unknown, "MSA", 1), "AE");
  EXPECT_EQ(hl7Field(*unknown, "ERR", 3).substr(0, 3), "204");
  EXPECT_NE(hl7Field(*unknown, "ERR", 8).find("no active alarm no-such-alert"), std::string::npos) << *unknown;

  const auto stats = exporterStats();
  EXPECT_EQ(stats.at("status_accepted"), 2u);
  EXPECT_EQ(stats.at("status_acknowledged"), 1u);
  EXPECT_EQ(stats.at("status_not_current"), 1u);
  EXPECT_EQ(stats.at("status_refused_AE_204"), 1u);
  EXPECT_GE(stats.at("acked"), 3u) << "two starts and the acknowledgement";
  EXPECT_EQ(exporter->stop(), 0);

  // The status is in the journal as a control input: an engine restarted on it shows the
  // same acknowledgement, under the same name.
  killHard(*running.process);
  running = engine();
  const auto recovered = currentAlarm(context_, control_, alert);
  ASSERT_TRUE(recovered);
  EXPECT_EQ(recovered->inactivation(), v1::INACTIVATION_ACKNOWLEDGED);
  EXPECT_EQ(recovered->acknowledged_by(), alarm->acknowledged_by());
}

// A protocol without alertManager.acceptedAcknowledges: the alert manager's "accepted"
// is answered AA and journaled, and the alarm stays unacknowledged in Vigil.
TEST_F(AcmExport, WhereTheProtocolDoesNotAllowItAnAcceptedStatusAcknowledgesNothing) {
  auto protocol = readTextFile(VIGIL_DEFAULT_PROTOCOL);
  const std::string allowed = R"("alertManager": { "acceptedAcknowledges": true })";
  ASSERT_NE(protocol.find(allowed), std::string::npos) << "the shipped protocol allows it";
  protocol.replace(protocol.find(allowed), allowed.size(), R"("alertManager": {})");
  const auto protocol_file = dir_.file("protocol.json");
  std::ofstream(protocol_file) << protocol;
  TestAlertManager manager([](std::size_t, const std::string&) { return std::string("AA"); });
  manager.startListening();
  auto running = engine({"--protocol", protocol_file});
  auto exporter = startExporter(manager.port(), 0, {"--status-listen", "127.0.0.1:0"});
  sendWard(context_, ingest_, 0, 40);
  const auto bed1 = awaitStart(manager, "bed-1");
  ASSERT_TRUE(bed1);
  MllpClient phone_system(status_port_);
  const auto accepted = phone_system.exchange(
      acmStatusReport("am-1", bed1->first, "accepted", "RN042^Lee^Anna", bed1->second), Clock::now() + 10s);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(hl7Field(*accepted, "MSA", 1), "AA") << *accepted;
  const auto alarm = currentAlarm(context_, control_, bed1->first);
  ASSERT_TRUE(alarm);
  EXPECT_EQ(alarm->inactivation(), v1::INACTIVATION_ENABLED);
  EXPECT_TRUE(alarm->acknowledged_by().empty());
  const auto stats = exporterStats();
  EXPECT_EQ(stats.at("status_accepted"), 1u);
  EXPECT_EQ(stats.at("status_acknowledged"), 0u);
  EXPECT_EQ(exporter->stop(), 0);
}

// The status listener is hammered like the HL7 gateway's: bytes outside the framing, a
// message over the limit, peers that send nothing or one byte, more connections than the
// limit, invalid UTF-8. None of them stops or slows a good alert manager.
TEST_F(AcmExport, HostilePeersOnTheStatusListenerAreCountedAndClosedWhileAGoodOneIsServed) {
  TestAlertManager manager([](std::size_t, const std::string&) { return std::string("AA"); });
  manager.startListening();
  auto running = engine();
  auto exporter = startExporter(manager.port(), 0,
                                {"--status-listen", "127.0.0.1:0", "--max-message-bytes", "4096", "--max-connections",
                                 "40", "--message-timeout-ms", "8000"});
  sendWard(context_, ingest_, 0, 40);
  const auto bed1 = awaitStart(manager, "bed-1");
  ASSERT_TRUE(bed1);
  MllpClient good(status_port_);
  ASSERT_TRUE(good.connected());
  int sent = 0;
  const auto serve_good = [&] {
    const auto id = "good-" + std::to_string(sent++);
    const auto ack = good.exchange(acmStatusReport(id, bed1->first, "delivered", "RN042^Lee^Anna"), Clock::now() + 4s);
    return ack && hl7Field(*ack, "MSA", 1) == "AA" && hl7Field(*ack, "MSA", 2) == id;
  };
  ASSERT_TRUE(serve_good());

  MllpClient idle(status_port_);
  MllpClient slow(status_port_);
  ASSERT_TRUE(slow.sendRaw("\x0bMSH|^~\\&|SLOW"));
  ASSERT_TRUE(slow.sendRaw("|"));
  {
    MllpClient noisy(status_port_);
    ASSERT_TRUE(noisy.sendRaw(std::string(1000, 'x') + "\r\n\x1c"));
    const auto after_noise =
        noisy.exchange(acmStatusReport("noisy-1", bed1->first, "read", "RN042^Lee^Anna"), Clock::now() + 5s);
    ASSERT_TRUE(after_noise);
    EXPECT_EQ(hl7Field(*after_noise, "MSA", 1), "AA");
  }  // closed: its skipped bytes are counted when the listener sees it go
  MllpClient huge(status_port_);
  ASSERT_TRUE(huge.sendRaw("\x0b" + acmStatusReport("huge-1", bed1->first, "read", std::string(10'000, 'A'))));
  const auto refusal = huge.readReply(Clock::now() + 5s);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(hl7Field(*refusal, "MSA", 1), "AR");
  EXPECT_EQ(hl7Field(*refusal, "MSA", 2), "huge-1");
  EXPECT_TRUE(huge.awaitClosed(Clock::now() + 5s));
  const auto bad_utf8 =
      good.exchange(acmStatusReport("utf8-1", bed1->first, "read", "RN042^L\xe9\xe9"), Clock::now() + 5s);
  ASSERT_TRUE(bad_utf8);
  EXPECT_EQ(hl7Field(*bad_utf8, "MSA", 1), "AE");
  EXPECT_NE(hl7Field(*bad_utf8, "ERR", 8).find("invalid UTF-8"), std::string::npos) << *bad_utf8;
  const auto not_a_status = good.exchange(
      "MSH|^~\\&|AM|WARD|VIGIL||20261203120000||ORU^R01^ORU_R01|oru-1|P|2.6\rPID|||x\r", Clock::now() + 5s);
  ASSERT_TRUE(not_a_status);
  EXPECT_EQ(hl7Field(*not_a_status, "MSA", 1), "AR");

  std::vector<std::unique_ptr<MllpClient>> crowd;
  for (int i = 0; i < 100; ++i) crowd.push_back(std::make_unique<MllpClient>(status_port_));
  ASSERT_TRUE(waitUntil([&] { return exporterStats()["status_connections_refused"] >= 60; }, 10s));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(serve_good()) << "the good peer was not served while the crowd waited";
  EXPECT_TRUE(slow.stillOpen()) << "the slow peer was closed before its deadline: the test timing is off";
  crowd.clear();
  EXPECT_TRUE(idle.awaitClosed(Clock::now() + 10s));
  EXPECT_TRUE(slow.awaitClosed(Clock::now() + 10s));

  EXPECT_TRUE(waitUntil([&] { return exporterStats()["status_bytes_outside_framing"] >= 1000; }, 10s));
  const auto stats = exporterStats();
  EXPECT_GE(stats.at("status_timeouts"), 2u);
  EXPECT_EQ(stats.at("status_oversize"), 1u);
  EXPECT_GE(stats.at("status_connections_refused"), 60u);
  EXPECT_EQ(stats.at("status_refused_AE_102"), 1u);
  EXPECT_EQ(stats.at("status_refused_AR_200"), 1u);
  EXPECT_EQ(stats.at("status_accepted"), static_cast<std::uint64_t>(sent) + 1);  // + noisy
  // The exporter kept delivering throughout.
  EXPECT_EQ(stats.at("refused"), 0u);
  EXPECT_EQ(exporter->stop(), 0) << "vigil-acm did not stop cleanly after the hostile peers";
}

// The alert manager is away for ten minutes of the ward's time (the stream clock: sent as
// fast as the engine takes it, no waiting) while twelve beds desaturate and recover over
// and over; then it comes back. Every queued transition arrives once, in outbox order (so
// in order per alarm), and the rate at which vigil-acm drains the backlog is reported.
TEST_F(AcmExport, AfterAnOutageOfMinutesEveryQueuedTransitionArrivesOnceInOrder) {
  constexpr int kBeds = 12;
  constexpr int kMinutes = 10;
  Receiver receiver(0);
  TestAlertManager manager([&receiver](std::size_t, const std::string& message) { return receiver.answer(message); });
  auto running = engine();
  auto exporter = startExporter(manager.port(), 0);
  // Bed b is low for 40 s of every 90, each bed starting a little later than the one before.
  const auto cycling = [](int b, int second) { return (second + 7 * b) % 90 >= 50; };
  sendWard(context_, ingest_, 0, kMinutes * 60, kBeds, cycling);
  const std::uint64_t frames = kBeds * (kMinutes * 60 + 1);
  ASSERT_TRUE(waitUntil([&] { return engineCounter(context_, control_, "engine.vitals_frames") >= frames; }, 60s));
  auto outbox = wholeOutbox(context_, control_);
  ASSERT_GT(outbox.size(), 100u);
  EXPECT_TRUE(receiver.record().accepted.empty());
  // The exporter's next attempt may come after the engine has taken the whole ward (it is
  // that fast now): wait for it, the manager still away, rather than look once.
  EXPECT_TRUE(waitUntil([&] { return exporterStats()["connect_failures"] >= 1u; }, 30s))
      << "vigil-acm tried while the alert manager was away";

  const auto back = Clock::now();
  manager.startListening();
  ASSERT_TRUE(waitUntil([&] { return receiver.record().accepted.size() >= outbox.size(); }, 120s))
      << receiver.record().accepted.size() << " of " << outbox.size();
  const auto drain_s = std::chrono::duration<double>(Clock::now() - back).count();
  const auto drained = outbox.size();
  // The journal may have committed the last few transitions after the first look.
  ASSERT_TRUE(waitUntil(
      [&] {
        outbox = wholeOutbox(context_, control_);
        return receiver.record().accepted.size() == outbox.size();
      },
      30s));
  const auto record = receiver.record();
  std::vector<std::string> expected;
  for (const auto& entry : outbox) expected.push_back(idOf(entry));
  EXPECT_EQ(record.accepted, expected);
  auto stats = exporterStats();
  std::cout << "acm outage: transitions=" << outbox.size() << " drained_in_s=" << drain_s
            << " transitions_per_s=" << static_cast<double>(drained) / drain_s << " duplicates=" << record.duplicates
            << " connect_failures=" << stats["connect_failures"] << " retried=" << stats["retried"] << "\n";
  EXPECT_EQ(exporter->stop(), 0);
}

}  // namespace
}  // namespace vigil::testing
