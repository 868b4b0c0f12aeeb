// The engine's counters as a Stats message and as the table `vigil-engine --stats` prints.
#include "alarms/service/stats.h"

#include <gtest/gtest.h>

namespace vigil::service {
namespace {

TEST(Stats, BuilderCollectsEveryVisitedCounterByName) {
  StatsBuilder builder(42, core::fromMillis(1'000));
  const auto visit = builder.visitor();
  visit("ingest.messages", 7);
  visit("guard.duplicates", 2);
  core::EngineCounters engine;
  engine.vitals_frames = 5;
  core::visitPrefixed(engine, "engine.", visit);
  const auto stats = builder.take();
  EXPECT_EQ(stats.engine_epoch(), 42u);
  EXPECT_EQ(stats.wall_time_ms(), 1'000);
  EXPECT_EQ(stats.counters().at("ingest.messages"), 7u);
  EXPECT_EQ(stats.counters().at("guard.duplicates"), 2u);
  EXPECT_EQ(stats.counters().at("engine.vitals_frames"), 5u);
  EXPECT_EQ(stats.counters().at("engine.acknowledgements"), 0u);
}

TEST(Stats, TableIsSortedGroupedAndAligned) {
  vigil::v1::Stats stats;
  stats.set_engine_epoch(9);
  (*stats.mutable_counters())["ingest.messages"] = 3514;
  (*stats.mutable_counters())["guard.duplicates"] = 585;
  (*stats.mutable_counters())["guard.accepted"] = 526;
  const auto table = formatStatsTable(stats);
  EXPECT_NE(table.find("engine epoch 9"), std::string::npos);
  EXPECT_NE(table.find("3 counters"), std::string::npos);
  const auto accepted = table.find("guard.accepted");
  const auto duplicates = table.find("guard.duplicates");
  const auto messages = table.find("ingest.messages");
  ASSERT_NE(messages, std::string::npos);
  EXPECT_LT(accepted, duplicates);
  EXPECT_LT(duplicates, messages);
  EXPECT_NE(table.find("\n\n  ingest.messages"), std::string::npos) << "a blank line between groups:\n" << table;
  // Values line up in one column.
  const auto column = [&](std::size_t at) { return table.find_first_of("0123456789", at) - table.rfind('\n', at); };
  EXPECT_EQ(column(accepted), column(messages));
}

}  // namespace
}  // namespace vigil::service
