// The journal's alarm log as vigil-acm's outbox: committed transitions only, by a position
// that survives reopening the journal, with the fields an ORU^R40 needs.
#include "alarms/service/journal_outbox.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <climits>
#include <filesystem>

#include "alarms/service/journal.h"

namespace vigil::service {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kT0 = 1'700'000'000'000;

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "vigil-outbox-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    path_ = (dir_ / "journal.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Journal> openJournal() {
    JournalOptions options;
    options.max_batch_delay = 60s;  // only a flush commits: uncommitted rows stay uncommitted
    std::string error;
    auto journal = Journal::open(path_, options, error);
    EXPECT_TRUE(journal) << error;
    return journal;
  }

  std::vector<v1::OutboxEntry> read(std::uint64_t after, std::uint32_t max = 0) {
    std::string error;
    auto entries = readOutbox(path_, after, max, error);
    EXPECT_EQ(error, "");
    return entries;
  }

  std::filesystem::path dir_;
  std::string path_;
};

core::AlarmEvent spo2Alarm(core::Phase phase, std::int64_t at) {
  core::AlarmEvent event;
  event.alert_id = "bed-1/spo2-below-90/" + std::to_string(kT0);
  event.patient_id = "bed-1";
  event.unit = "pacu";
  event.condition = "spo2-below-90";
  event.title = "SpO2 low";
  event.kind = core::AlarmKind::Physiological;
  event.priority = core::Priority::High;
  event.phase = phase;
  event.state = phase == core::Phase::End ? core::AlarmState::Inactive : core::AlarmState::Active;
  event.event_time = core::fromMillis(at);
  event.start_time = core::fromMillis(kT0);
  event.trigger.metric = "SPO2";
  event.trigger.value = 87.0;
  event.trigger.unit = "%";
  event.trigger.limit = "< 90";
  event.trigger.limit_value = 90.0;
  event.advice.action = core::AdviceAction::Pause;
  event.advice.reason = "SpO2 87 % < 90 %";
  return event;
}

TEST_F(OutboxTest, GivesCommittedTransitionsInOrderWithTheirFields) {
  auto journal = openJournal();
  journal->logAlarms({spo2Alarm(core::Phase::Start, kT0), spo2Alarm(core::Phase::Escalate, kT0 + 1000)}, 42);
  journal->flush();
  auto acknowledged = spo2Alarm(core::Phase::Update, kT0 + 2000);
  acknowledged.inactivation = core::Inactivation::Acknowledged;
  acknowledged.acknowledged_by = "nurse-anna";
  acknowledged.acknowledged_time = core::fromMillis(kT0 + 2000);
  journal->logAlarms({acknowledged}, 42);
  EXPECT_EQ(read(0).size(), 2u) << "a row the journal has not committed is not exported";
  journal->flush();

  const auto entries = read(0);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_LT(entries[0].position(), entries[1].position());
  EXPECT_LT(entries[1].position(), entries[2].position());
  const auto& start = entries[0].event();
  EXPECT_EQ(start.alert_id(), "bed-1/spo2-below-90/" + std::to_string(kT0));
  EXPECT_EQ(start.phase(), v1::PHASE_START);
  EXPECT_EQ(start.priority(), v1::PRIORITY_HIGH);
  EXPECT_EQ(start.engine_epoch(), 42u);
  EXPECT_EQ(start.event_time_ms(), kT0);
  EXPECT_EQ(start.trigger().code(), 150456u) << "MDC_PULS_OXIM_SAT_O2, from the metric's name";
  EXPECT_DOUBLE_EQ(start.trigger().value(), 87.0);
  EXPECT_EQ(start.trigger().unit(), "%");
  EXPECT_EQ(start.trigger().limit(), "< 90");
  EXPECT_EQ(start.advice().action(), v1::ADVICE_PAUSE);
  EXPECT_EQ(start.advice().reason(), "SpO2 87 % < 90 %");
  EXPECT_EQ(entries[1].event().phase(), v1::PHASE_ESCALATE);
  EXPECT_EQ(entries[2].event().inactivation(), v1::INACTIVATION_ACKNOWLEDGED);
  EXPECT_EQ(entries[2].event().acknowledged_by(), "nurse-anna");
}

TEST_F(OutboxTest, ResumesAfterAPositionAndHonoursTheLimit) {
  auto journal = openJournal();
  journal->logAlarms({spo2Alarm(core::Phase::Start, kT0), spo2Alarm(core::Phase::Escalate, kT0 + 1000),
                      spo2Alarm(core::Phase::End, kT0 + 2000)},
                     1);
  journal->flush();
  const auto all = read(0);
  ASSERT_EQ(all.size(), 3u);
  const auto next = read(all[0].position(), 1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].position(), all[1].position());
  EXPECT_EQ(next[0].event().phase(), v1::PHASE_ESCALATE);
  EXPECT_TRUE(read(all[2].position()).empty());
}

TEST_F(OutboxTest, PositionsSurviveReopeningTheJournal) {
  auto journal = openJournal();
  journal->logAlarms({spo2Alarm(core::Phase::Start, kT0)}, 1);
  journal->close();
  journal.reset();
  const auto before = read(0);
  ASSERT_EQ(before.size(), 1u);
  journal = openJournal();
  journal->logAlarms({spo2Alarm(core::Phase::End, kT0 + 5000)}, 2);
  journal->flush();
  const auto after = read(0);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].position(), before[0].position());
  EXPECT_GT(after[1].position(), before[0].position());
  EXPECT_EQ(after[1].event().engine_epoch(), 2u);
}

// Binary Star (issue 16): the reply names this journal; a request holding another
// journal's position gets the rows from a data time on, up to the last row, and pages
// through them on this journal's positions.
TEST_F(OutboxTest, APositionOfAnotherJournalIsCaughtUpByDataTime) {
  auto journal = openJournal();
  // Logged out of data-time order, as two patients' frames can be.
  journal->logAlarms({spo2Alarm(core::Phase::Start, kT0), spo2Alarm(core::Phase::Escalate, kT0 + 9000),
                      spo2Alarm(core::Phase::Update, kT0 + 4000), spo2Alarm(core::Phase::End, kT0 + 12000)},
                     1);
  journal->flush();
  const auto all = read(0);
  ASSERT_EQ(all.size(), 4u);

  v1::OutboxRequest own;
  own.set_after_position(all[0].position());
  const auto first = outboxReply(path_, own);
  ASSERT_TRUE(first.ok()) << first.error();
  const auto identity = first.outbox().journal_id();
  EXPECT_NE(identity.find("journal.db@"), std::string::npos) << identity;
  EXPECT_EQ(first.outbox().last_position(), all[3].position());
  EXPECT_FALSE(first.outbox().catch_up());
  EXPECT_EQ(first.outbox().entries_size(), 3);
  own.set_journal_id(identity);
  own.set_from_event_time_ms(kT0 + 100'000);  // ignored: the position is this journal's
  EXPECT_EQ(outboxReply(path_, own).outbox().entries_size(), 3);

  v1::OutboxRequest other;
  other.set_journal_id("another-host:/var/lib/vigil/b.db@1");
  other.set_after_position(all[3].position() + 50);  // a row number that means nothing here
  other.set_from_event_time_ms(kT0 + 4000);
  other.set_max_events(2);
  const auto caught = outboxReply(path_, other);
  ASSERT_TRUE(caught.ok()) << caught.error();
  EXPECT_TRUE(caught.outbox().catch_up());
  EXPECT_EQ(caught.outbox().journal_id(), identity);
  EXPECT_EQ(caught.outbox().last_position(), all[3].position());
  ASSERT_EQ(caught.outbox().entries_size(), 2);
  EXPECT_EQ(caught.outbox().entries(0).position(), all[1].position()) << "kT0 is before the data time asked";
  EXPECT_EQ(caught.outbox().entries(1).position(), all[2].position());

  // The next page, on this journal's positions; rows after until_position are not in it.
  journal->logAlarms({spo2Alarm(core::Phase::Start, kT0 + 13000)}, 1);
  journal->flush();
  v1::OutboxRequest page;
  page.set_journal_id(identity);
  page.set_after_position(all[2].position());
  page.set_until_position(caught.outbox().last_position());
  page.set_from_event_time_ms(kT0 + 4000);
  const auto rest = outboxReply(path_, page);
  ASSERT_EQ(rest.outbox().entries_size(), 1);
  EXPECT_EQ(rest.outbox().entries(0).position(), all[3].position());
  EXPECT_FALSE(rest.outbox().catch_up());
  EXPECT_GT(rest.outbox().last_position(), all[3].position());

  // Positions and times no engine wrote: nothing, not everything, and no error.
  v1::OutboxRequest hostile;
  hostile.set_journal_id(identity);
  hostile.set_after_position(UINT64_MAX);
  EXPECT_TRUE(outboxReply(path_, hostile).ok());
  EXPECT_EQ(outboxReply(path_, hostile).outbox().entries_size(), 0) << "past every row";
  hostile.set_after_position(0);
  hostile.set_until_position(UINT64_MAX);
  hostile.set_from_event_time_ms(INT64_MIN);
  EXPECT_EQ(outboxReply(path_, hostile).outbox().entries_size(), 5);
  hostile.set_journal_id(std::string(100'000, '\xff'));
  hostile.set_from_event_time_ms(INT64_MAX);
  const auto nothing_that_late = outboxReply(path_, hostile);
  EXPECT_TRUE(nothing_that_late.ok());
  EXPECT_TRUE(nothing_that_late.outbox().catch_up());
  EXPECT_EQ(nothing_that_late.outbox().entries_size(), 0);
}

TEST_F(OutboxTest, RefusesWithAReasonWithoutAJournalOrWithAMissingFile) {
  const auto without = outboxReply("", v1::OutboxRequest{});
  EXPECT_FALSE(without.ok());
  EXPECT_NE(without.error().find("without a journal"), std::string::npos) << without.error();
  const auto missing = outboxReply(path_ + ".missing", v1::OutboxRequest{});
  EXPECT_FALSE(missing.ok());
  EXPECT_FALSE(missing.error().empty());
}

}  // namespace
}  // namespace vigil::service
