// vigil-acm across a Binary Star takeover (issue 16): a primary and a backup engine for one
// unit, one ward feed into both, vigil-acm given both control addresses, a test alert
// manager. The backup has served before, so its journal numbers its rows unlike the
// primary's. bed-01 alarms and is acknowledged through the pair; the alert manager then
// refuses for a while as bed-02 alarms, and the primary is killed with kill -9 while
// vigil-acm holds one transition it could not deliver and the primary has logged more.
// The backup takes over; bed-01 and bed-02 recover and bed-03 alarms. The alert manager
// must end up with every transition of the scenario (the backup's alarm log from the
// scenario's start: it computed everything in shadow) exactly once by content, in order
// per alarm, each under the MSH-10 the backup's copy of the transition gives: the ids are
// the same on both engines. Nothing is repeated under another id (which a receiver could
// not discard); the test also counts repeats under the same id (which it could) and
// expects none. Last, an ORA^R41 status from the alert manager reaches the backup through
// vigil-acm's status listener.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>

#include "acm_support.h"
#include "mllp_client.h"
#include "star_pair.h"
#include "streamer/hl7/hl7_ack.h"
#include "support.h"
#include "tools/vigil-acm/oru_r40.h"
#include "tools/vigil-acm/outbox_cursor.h"

namespace vigil::testing {
namespace {

namespace v1 = vigil::v1;

constexpr std::int64_t kT0 = 1'700'000'000'000;
constexpr std::int64_t kSecond = 1000;
// Before the scenario by more than vigil-acm's catch-up look-back (5 min), within the
// engine's stream-jump tolerance (10 min), so the backup accepts the scenario's first frames.
constexpr std::int64_t kEarlier = kT0 - 8 * 60 * kSecond;

// What an alert manager can tell one transition by: the alert identity, the time and the
// three ACM facets.
std::string contentOf(const v1::AlarmEvent& event) {
  return event.alert_id() + "|" + streamer::hl7::hl7Timestamp(event.event_time_ms()) + "|" +
         acm::eventPhaseName(event.phase()) + "|" + acm::alarmStateName(event.state()) + "|" +
         acm::inactivationStateName(event.inactivation());
}

std::string facetOf(const std::string& message, const std::string& attribute) {
  const auto at = message.find(attribute + "^MDC|");
  if (at == std::string::npos) return {};
  const auto value = message.find('|', message.find('|', at) + 1) + 1;
  return message.substr(value, message.find('|', value) - value);
}

std::string contentOf(const std::string& message) {
  const auto obr3 = acmSegmentField(message, "OBR", 3);
  return obr3.substr(0, obr3.find('^')) + "|" + acmSegmentField(message, "OBR", 7) + "|" +
         facetOf(message, "MDC_ATTR_EVENT_PHASE") + "|" + facetOf(message, "MDC_ATTR_ALARM_STATE") + "|" +
         facetOf(message, "MDC_ATTR_ALARM_INACTIVATION_STATE");
}

bool has(const std::vector<v1::OutboxEntry>& outbox, const std::string& patient, v1::AlarmPhase phase) {
  return std::any_of(outbox.begin(), outbox.end(), [&](const v1::OutboxEntry& entry) {
    return entry.event().patient_id() == patient && entry.event().phase() == phase;
  });
}

// The first message the alert manager received about `patient` that holds `text`.
std::optional<std::string> receivedAbout(TestAlertManager& manager, const std::string& patient,
                                         const std::string& text) {
  for (const auto& message : manager.received()) {
    if (acmSegmentField(message, "PID", 3).rfind(patient + "^", 0) == 0 && message.find(text) != std::string::npos)
      return message;
  }
  return std::nullopt;
}

class AcmFailover : public ::testing::Test {
 protected:
  // The backup served earlier (bed-09 alarmed and recovered): its journal's rows
  // are numbered unlike the primary's, as after any earlier takeover or restart.
  void seedBackupJournal() {
    auto engine = startEngine({"--clock", "stream", "--journal", pair_.journal(pair_.backup()), "--ingest",
                               pair_.endpoint(pair_.backup(), "ingest")});
    WardFeed feed(context_, engine.ingest);
    feed.pump("bed-09", kEarlier, 0.2);
    for (int s = 0; s <= 60; ++s) feed.spo2("bed-09", kEarlier + s * kSecond, s < 30 ? 86 : 97);
    ASSERT_TRUE(waitUntil([&] { return has(wholeOutbox(context_, engine.control), "bed-09", v1::PHASE_START); }, 20s));
    EXPECT_EQ(engine.process->stop(), 0);
  }

  void SetUp() override {
    seedBackupJournal();
    pair_.start(pair_.primary());
    pair_.start(pair_.backup());
    ASSERT_TRUE(pair_.awaitCounter(pair_.backup(), "star.went_passive", 1)) << "the backup never went passive";
    // The backup's alarm log is this test's account of the scenario: it must compute every
    // transition itself, not adopt some inside the primary's core copy (star_resync.h).
    ASSERT_TRUE(pair_.awaitCounter(pair_.backup(), "star.synchronised", 1)) << "the backup never synchronised";
    feed_ = std::make_unique<WardFeed>(context_, pair_.both("ingest"));
  }

  // One second of the ward's data: each bed's SpO2, low or not; then until the backup (the
  // engine that must see everything) has taken the frames in.
  void wardSecond(const std::map<std::string, bool>& low) {
    data_time_ += kSecond;
    for (const auto& [bed, is_low] : low) feed_->spo2(bed, data_time_, is_low ? 86 : 97);
    frames_ += low.size();
    ASSERT_TRUE(
        waitUntil([&] { return pair_.counter(pair_.backup(), "engine.vitals_frames").value_or(0) >= frames_; }, 10s));
  }

  zmq::context_t context_;
  Pair pair_{context_};
  TempDir dir_{"vigil-acm-failover"};
  std::unique_ptr<WardFeed> feed_;
  std::int64_t data_time_ = kT0;
  std::uint64_t frames_ = 0;
};

TEST_F(AcmFailover, KillNineThePrimaryAndTheAlertManagerHasEveryTransitionOnceInOrder) {
  Receiver receiver(0);
  std::atomic<bool> refusing{false};
  TestAlertManager manager(
      [&](std::size_t, const std::string& message) { return refusing ? std::string("AE") : receiver.answer(message); });
  manager.startListening();
  auto acm = startAcm(pair_.both("control"), manager.port(), dir_.file("acm.state"), 0,
                      {"--control-timeout-ms", "300", "--status-listen", "127.0.0.1:0"});

  streamer::ControlClient station(context_, pair_.both("control"));
  // bed-01 desaturates on a running infusion; a station acknowledges it through the pair.
  feed_->pump("bed-01", kT0, 0.2);
  feed_->pump("bed-02", kT0, 0.2);
  feed_->pump("bed-03", kT0, 0.2);
  for (int s = 0; s < 25; ++s) wardSecond({{"bed-01", true}, {"bed-02", false}, {"bed-03", false}});
  ASSERT_TRUE(waitUntil([&] { return receivedAbout(manager, "bed-01", "|start|").has_value(); }, 20s));
  const auto bed01 = acmSegmentField(*receivedAbout(manager, "bed-01", "|start|"), "OBR", 3);
  v1::ControlRequest ack;
  ack.mutable_acknowledge()->set_alert_id(bed01.substr(0, bed01.find('^')));
  ack.mutable_acknowledge()->set_station("station-3");
  // The station's client may not be connected to both engines yet, and ask the passive one
  // twice: it asks again, as a station does (acknowledging twice changes nothing).
  std::string refusal;
  ASSERT_TRUE(waitUntil(
      [&] {
        const auto reply = station.request(ack, 5s);
        refusal = reply ? reply->error() : "no reply";
        return reply && reply->ok();
      },
      10s))
      << refusal;
  // Accepted, not only received: the alert manager answers after it keeps the message.
  ASSERT_TRUE(waitUntil(
      [&] {
        const auto record = receiver.record();
        return std::any_of(record.accepted.begin(), record.accepted.end(), [&](const std::string& id) {
          return record.message_of.at(id).find("|alert-acknowledged|") != std::string::npos;
        });
      },
      20s));

  // The alert manager refuses while bed-02 desaturates: vigil-acm holds the first of the
  // new transitions and retries it, the primary logs the rest (bed-02's start among them);
  // then the primary dies.
  refusing = true;
  const auto received_before = manager.received().size();
  for (int s = 0; s < 25; ++s) wardSecond({{"bed-01", true}, {"bed-02", true}, {"bed-03", false}});
  const auto primaryControl = pair_.endpoint(pair_.primary(), "control");
  ASSERT_TRUE(waitUntil([&] { return has(wholeOutbox(context_, primaryControl), "bed-02", v1::PHASE_START); }, 20s));
  ASSERT_TRUE(waitUntil([&] { return manager.received().size() > received_before; }, 20s)) << "nothing in flight";
  pair_.killHard(pair_.primary());
  refusing = false;

  // bed-01 and bed-02 recover, bed-03 alarms and recovers (its alarm latches, nobody having
  // acknowledged it): the backup takes over on these
  // frames (or on vigil-acm's own requests) and vigil-acm follows it.
  for (int s = 0; s < 90; ++s) {
    wardSecond({{"bed-01", false}, {"bed-02", false}, {"bed-03", s >= 10 && s < 50}});
  }
  std::vector<v1::OutboxEntry> scenario;
  const auto backupControl = pair_.endpoint(pair_.backup(), "control");
  ASSERT_TRUE(waitUntil(
      [&] {
        scenario.clear();
        for (const auto& entry : wholeOutbox(context_, backupControl)) {
          if (entry.event().event_time_ms() >= kT0) scenario.push_back(entry);
        }
        // The last transition of the script: bed-03's alarm latches when it recovers.
        return has(scenario, "bed-03", v1::PHASE_UPDATE) && receiver.record().accepted.size() >= scenario.size();
      },
      30s))
      << "accepted " << receiver.record().accepted.size() << " of the backup's " << scenario.size() << ": " << [&] {
           std::string all;
           for (const auto& entry : scenario) all += contentOf(entry.event()) + "\n";
           return all;
         }();
  // The catch-up ends on the first empty page after the backup's last row of the time.
  streamer::hl7::CounterTable stats;
  EXPECT_TRUE(waitUntil(
      [&] {
        stats = acmStats(acm.stats_address);
        return stats["journal_switches"] == 1 && stats["catching_up"] == 0;
      },
      10s));
  const auto record = receiver.record();

  // IHE PCD-05 through the pair: a nurse accepts bed-02's latched alarm on her phone; the
  // status reaches the engine that is active now, which acknowledges (and so ends) it.
  const auto bed02 = std::find_if(scenario.begin(), scenario.end(), [](const v1::OutboxEntry& e) {
    return e.event().patient_id() == "bed-02" && e.event().state() == v1::STATE_LATCHED;
  });
  ASSERT_NE(bed02, scenario.end());
  MllpClient phone_system(acm.status_port);
  const auto status = phone_system.exchange(
      acmStatusReport("am-1", bed02->event().alert_id(), "accepted", "RN042^Lee^Anna"), Clock::now() + 10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(hl7Field(*status, "MSA", 1), "AA") << *status;
  EXPECT_TRUE(waitUntil(
      [&] {
        const auto outbox = wholeOutbox(context_, backupControl);
        return std::any_of(outbox.begin(), outbox.end(), [&](const v1::OutboxEntry& e) {
          return e.event().alert_id() == bed02->event().alert_id() && e.event().phase() == v1::PHASE_END;
        });
      },
      10s))
      << "the backup did not acknowledge bed-02's alarm";
  const auto status_stats = acmStats(acm.stats_address);
  EXPECT_EQ(status_stats.at("status_engine"), 2u);
  EXPECT_EQ(status_stats.at("status_acknowledged"), 1u);
  EXPECT_EQ(acm.process->stop(), 0);

  EXPECT_EQ(pair_.counter(pair_.backup(), "star.takeovers"), 1u);
  EXPECT_TRUE(std::any_of(scenario.begin(), scenario.end(), [](const v1::OutboxEntry& e) {
    return e.event().patient_id() == "bed-01" && e.event().inactivation() == v1::INACTIVATION_ACKNOWLEDGED;
  })) << "the passive backup logs the transitions of the acknowledgement forwarded to it";
  // Exactly once by content, and under the id the backup's copy gives.
  std::map<std::string, int> times_accepted;
  std::map<std::string, std::vector<std::string>> accepted_per_alarm;
  for (const auto& id : record.accepted) {
    const auto content = contentOf(record.message_of.at(id));
    ++times_accepted[content];
    accepted_per_alarm[content.substr(0, content.find('|'))].push_back(content);
  }
  std::map<std::string, std::vector<std::string>> expected_per_alarm;
  for (const auto& entry : scenario) {
    const auto content = contentOf(entry.event());
    EXPECT_EQ(times_accepted[content], 1) << content;
    const auto id = acm::messageIdFor(acm::transitionKeyOf(entry.event()));
    EXPECT_EQ(record.message_of.count(id), 1u) << content << " not under " << id;
    expected_per_alarm[entry.event().alert_id()].push_back(content);
  }
  EXPECT_EQ(record.accepted.size(), scenario.size()) << "nothing beyond the scenario's transitions";
  EXPECT_EQ(accepted_per_alarm, expected_per_alarm) << "in order per alarm";
  EXPECT_GE(expected_per_alarm.size(), 3u) << "beds 1-3 each alarmed";
  EXPECT_EQ(record.duplicates, 0u) << "no repeat even under the same id";

  EXPECT_EQ(stats.at("engine"), 2u) << "following the backup";
  EXPECT_GE(stats.at("engine_switches"), 1u);
  EXPECT_EQ(stats.at("journal_switches"), 1u);
  EXPECT_GE(stats.at("skipped_delivered"), 3u) << "bed-01's start and acknowledgement, the one held at the kill";
  std::cout << "acm failover: transitions=" << scenario.size() << " received=" << record.received
            << " duplicates=" << record.duplicates << " skipped_delivered=" << stats.at("skipped_delivered")
            << " engine_switches=" << stats.at("engine_switches") << "\n";
}

}  // namespace
}  // namespace vigil::testing
