// vigil-acm's cursor over a Binary Star pair's outboxes, with plain values: what names one
// transition on either engine, which transitions are remembered as delivered, and how a
// reply from another journal turns into a catch-up (outbox_cursor.h).
#include "tools/vigil-acm/outbox_cursor.h"

#include <gtest/gtest.h>

namespace vigil::acm {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kT0 = 1'700'000'000'000;

v1::AlarmEvent transition(const std::string& alert, std::int64_t at, v1::AlarmPhase phase) {
  v1::AlarmEvent event;
  event.set_alert_id(alert);
  event.set_patient_id("bed-1");
  event.set_title("SpO2 low");
  event.set_priority(v1::PRIORITY_HIGH);
  event.set_phase(phase);
  event.set_state(v1::STATE_ACTIVE);
  event.set_event_time_ms(at);
  return event;
}

TEST(AcmTransitionKey, IsTheSameOnBothEnginesAndDiffersWithWhatChanged) {
  const auto on_a = transition("bed-1/spo2-below-90/1", kT0, v1::PHASE_START);
  auto on_b = on_a;
  // What each engine stamps on its own: epoch, sequences, publication time.
  on_b.set_engine_epoch(99);
  on_b.set_sequence(1234);
  on_b.set_unit_sequence(77);
  on_b.set_published_wall_time_ms(kT0 + 5);
  EXPECT_EQ(transitionKeyOf(on_a), transitionKeyOf(on_b));
  EXPECT_EQ(messageIdFor(transitionKeyOf(on_a)), messageIdFor(transitionKeyOf(on_b)));

  auto acknowledged = on_a;
  acknowledged.set_phase(v1::PHASE_UPDATE);
  acknowledged.set_inactivation(v1::INACTIVATION_ACKNOWLEDGED);
  auto later = on_a;
  later.set_event_time_ms(kT0 + 1);
  auto escalated = on_a;
  escalated.set_phase(v1::PHASE_ESCALATE);
  auto other_alarm = on_a;
  other_alarm.set_alert_id("bed-1/spo2-below-90/2");
  for (const auto& different : {acknowledged, later, escalated, other_alarm}) {
    EXPECT_NE(transitionKeyOf(different).hash, transitionKeyOf(on_a).hash) << different.ShortDebugString();
  }
  const auto id = messageIdFor(transitionKeyOf(on_a));
  EXPECT_EQ(id.rfind("VIGIL-ACM-", 0), 0u);
  EXPECT_EQ(id.size(), 26u) << "16 hex digits: well within MSH-10's 199 characters";
  EXPECT_EQ(hashText(0x9f0c1e2d3b4a5968ULL), "9f0c1e2d3b4a5968");
  EXPECT_EQ(hashText(7), "0000000000000007");
}

TEST(AcmDeliveredTransitions, RemembersTheLookBackBehindTheLatestDataTimeAtMostCapacity) {
  DeliveredTransitions delivered(10s, 3);
  EXPECT_EQ(delivered.catchUpFrom(), 0) << "nothing delivered: a catch-up reads the whole outbox";
  const TransitionKey first{1, kT0}, second{2, kT0 + 5'000}, third{3, kT0 + 12'000};
  delivered.add(first);
  delivered.add(second);
  EXPECT_TRUE(delivered.contains(first));
  EXPECT_FALSE(delivered.contains(TransitionKey{1, kT0 + 1}));
  EXPECT_EQ(delivered.watermark(), kT0 + 5'000);
  delivered.add(third);
  EXPECT_EQ(delivered.catchUpFrom(), kT0 + 2'000);
  EXPECT_FALSE(delivered.contains(first)) << "older than the look-back: forgotten";
  EXPECT_TRUE(delivered.contains(second));
  // A late transition (data time before the latest) is remembered, the watermark stays.
  delivered.add(TransitionKey{4, kT0 + 11'000});
  delivered.add(TransitionKey{5, kT0 + 11'500});
  EXPECT_EQ(delivered.watermark(), kT0 + 12'000);
  EXPECT_EQ(delivered.byTime().size(), 3u) << "at most the capacity, the oldest forgotten first";
  EXPECT_FALSE(delivered.contains(second));

  DeliveredTransitions restored(10s, 3);
  restored.restore(kT0 + 12'000, delivered.byTime());
  EXPECT_TRUE(restored.contains(third));
  EXPECT_EQ(restored.catchUpFrom(), delivered.catchUpFrom());
}

v1::OutboxReply replyFrom(const std::string& journal, std::uint64_t last, bool catch_up, int entries) {
  v1::OutboxReply reply;
  reply.set_journal_id(journal);
  reply.set_last_position(last);
  reply.set_catch_up(catch_up);
  for (int i = 0; i < entries; ++i) reply.add_entries()->set_position(last - static_cast<std::uint64_t>(i));
  return reply;
}

TEST(AcmOutboxPosition, AnotherJournalStartsACatchUpThatAnEmptyPageEnds) {
  OutboxPosition at;
  // The first answer names the journal; positions are its own.
  auto request = outboxRequestFor(at, 0, 50);
  EXPECT_EQ(request.journal_id(), "");
  EXPECT_EQ(request.max_events(), 50u);
  EXPECT_FALSE(followReply(at, replyFrom("A", 10, false, 2), 0));
  EXPECT_EQ(at, (OutboxPosition{"A", 0, 0, 0}));
  at.position = 10;

  request = outboxRequestFor(at, kT0, 50);
  EXPECT_EQ(request.journal_id(), "A");
  EXPECT_EQ(request.after_position(), 10u);
  EXPECT_EQ(request.until_position(), 0u);
  EXPECT_EQ(request.from_event_time_ms(), kT0) << "for an engine with another journal";
  EXPECT_FALSE(followReply(at, replyFrom("A", 12, false, 2), kT0)) << "the same journal: no switch";

  // B took over: its rows from kT0 on, up to its row 40.
  EXPECT_TRUE(followReply(at, replyFrom("B", 40, true, 3), kT0));
  EXPECT_EQ(at, (OutboxPosition{"B", 0, 40, kT0}));
  at.position = 35;
  finishPage(at, replyFrom("B", 41, false, 3));
  EXPECT_EQ(at.catch_up_until, 40u) << "a page with rows: the catch-up goes on";
  request = outboxRequestFor(at, kT0 + 9'000, 50);
  EXPECT_EQ(request.after_position(), 35u);
  EXPECT_EQ(request.until_position(), 40u);
  EXPECT_EQ(request.from_event_time_ms(), kT0) << "the catch-up's own start, not the newer one";
  finishPage(at, replyFrom("B", 41, false, 0));
  EXPECT_EQ(at, (OutboxPosition{"B", 40, 0, 0}));

  // An engine too old to name its journal: positions as they were.
  EXPECT_FALSE(followReply(at, replyFrom("", 3, false, 1), kT0));
  EXPECT_EQ(at.journal, "B");
  // B dies too, A is back: its catch-up, counted as a switch again.
  EXPECT_TRUE(followReply(at, replyFrom("A", 0, true, 0), kT0));
  finishPage(at, replyFrom("A", 0, true, 0));
  EXPECT_EQ(at, (OutboxPosition{"A", 0, 0, 0})) << "an empty journal: its plain outbox from the start";
}

}  // namespace
}  // namespace vigil::acm
