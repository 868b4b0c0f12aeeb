// JOURNAL FAILING (journal_watch.h): raised on every unit while the journal holds refused
// rows, updated when rows are lost, ended once everything is written.
#include "alarms/service/journal_watch.h"

#include <gtest/gtest.h>

namespace vigil::service {
namespace {

core::TimePoint at(std::int64_t s) { return core::fromMillis(1'700'000'000'000 + s * 1000); }

JournalCounters failing(std::uint64_t held, std::uint64_t lost) {
  JournalCounters counters;
  counters.failing = 1;
  counters.rows_unwritten = held;
  counters.rows_lost = lost;
  return counters;
}

TEST(JournalWatch, RaisesHighOnEveryUnitUpdatesOnLossAndEndsWhenWritten) {
  JournalWatch watch(core::AlarmSystemSettings{});
  core::AlarmEvents out;
  watch.check(JournalCounters{}, "", {"icu", "pacu"}, at(0), out);
  EXPECT_TRUE(out.empty()) << "a healthy journal raises nothing";

  watch.check(failing(40, 0), "database or disk is full", {"icu", "pacu"}, at(1), out);
  ASSERT_EQ(out.size(), 2u);
  for (const auto& event : out) {
    EXPECT_EQ(event.phase, core::Phase::Start);
    EXPECT_EQ(event.priority, core::Priority::High);
    EXPECT_EQ(event.kind, core::AlarmKind::Technical);
    EXPECT_EQ(event.patient_id, "vigil-engine");
    EXPECT_NE(event.title.find("JOURNAL FAILING"), std::string::npos);
    EXPECT_NE(event.trigger.limit.find("database or disk is full; 40 rows held in memory, 0 lost"), std::string::npos)
        << event.trigger.limit;
  }
  EXPECT_EQ(out[0].unit, "icu");
  EXPECT_EQ(out[1].unit, "pacu");
  EXPECT_EQ(watch.alarms().size(), 2u);

  out.clear();
  watch.check(failing(80, 0), "database or disk is full", {"icu", "pacu"}, at(2), out);
  EXPECT_TRUE(out.empty()) << "still failing, nothing lost: no new event";

  watch.check(failing(100, 7), "database or disk is full", {"icu", "pacu"}, at(3), out);
  ASSERT_EQ(out.size(), 2u) << "a loss is stated at once";
  EXPECT_NE(out[0].trigger.limit.find("7 lost"), std::string::npos) << out[0].trigger.limit;
  EXPECT_NE(out[0].title.find("7 journal rows lost"), std::string::npos) << out[0].title;
  EXPECT_DOUBLE_EQ(out[0].trigger.value, 7.0);

  out.clear();
  JournalCounters recovered;
  recovered.rows_lost = 7;
  watch.check(recovered, "", {"icu", "pacu"}, at(4), out);
  ASSERT_EQ(out.size(), 2u);
  for (const auto& event : out) EXPECT_EQ(event.phase, core::Phase::End);
  EXPECT_TRUE(watch.alarms().empty());
}

}  // namespace
}  // namespace vigil::service
