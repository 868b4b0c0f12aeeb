#include "tools/vigil-pk/schedule.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "alarms/core/pk.h"

namespace vigil::tools {
namespace {

// Runs `parse` and returns the ParseError message, or "" when it did not throw.
template <typename Parse>
std::string parseErrorOf(Parse parse) {
  try {
    parse();
  } catch (const ParseError& error) {
    return error.what();
  }
  return "";
}

TEST(ParseScheduleTest, ReadsRateChangesInOrder) {
  const Schedule schedule = parseSchedule("0:0.1, 30:0.2,60:0,90.5:1e-1");
  ASSERT_EQ(schedule.size(), 4u);
  EXPECT_EQ(schedule[0].minute, 0.0);
  EXPECT_EQ(schedule[0].rate_mg_per_kg_per_h, 0.1);
  EXPECT_EQ(schedule[1].minute, 30.0);
  EXPECT_EQ(schedule[1].rate_mg_per_kg_per_h, 0.2);
  EXPECT_EQ(schedule[2].rate_mg_per_kg_per_h, 0.0);
  EXPECT_EQ(schedule[3].minute, 90.5);
  EXPECT_EQ(schedule[3].rate_mg_per_kg_per_h, 0.1);
}

TEST(ParseScheduleTest, NamesTheBadItem) {
  EXPECT_NE(parseErrorOf([] { parseSchedule("0:0.1,30"); }).find("'30'"), std::string::npos);
  EXPECT_NE(parseErrorOf([] { parseSchedule("0:0.1,30:x"); }).find("'30:x'"), std::string::npos);
  EXPECT_NE(parseErrorOf([] { parseSchedule("0:0.1,y:1"); }).find("'y:1'"), std::string::npos);
  EXPECT_NE(parseErrorOf([] { parseSchedule("0:-0.1"); }).find("negative rate"), std::string::npos);
  EXPECT_NE(parseErrorOf([] { parseSchedule("-5:0.1"); }).find("negative minute"), std::string::npos);
  EXPECT_NE(parseErrorOf([] { parseSchedule("30:0.1,10:0.2"); }).find("'10:0.2'"), std::string::npos);
  EXPECT_NE(parseErrorOf([] { parseSchedule("10:0.1,10:0.2"); }).find("ascending"), std::string::npos);
  EXPECT_NE(parseErrorOf([] { parseSchedule("0:0.1,,20:0"); }).find("item 2"), std::string::npos);
  EXPECT_NE(parseErrorOf([] { parseSchedule("0:0.1 junk"); }).find("'0:0.1 junk'"), std::string::npos);
  EXPECT_NE(parseErrorOf([] { parseSchedule("0:inf"); }), "");
  EXPECT_NE(parseErrorOf([] { parseSchedule(""); }), "");
}

TEST(ParseMinutesTest, ReadsAscendingMinutes) {
  EXPECT_EQ(parseMinutes("0, 60,240.5"), (std::vector<double>{0.0, 60.0, 240.5}));
}

TEST(ParseMinutesTest, RejectsNonAscendingAndMalformedMinutes) {
  EXPECT_NE(parseErrorOf([] { parseMinutes("60,30"); }).find("'30'"), std::string::npos);
  EXPECT_NE(parseErrorOf([] { parseMinutes("60,60"); }).find("ascending"), std::string::npos);
  EXPECT_NE(parseErrorOf([] { parseMinutes("60,abc"); }).find("'abc'"), std::string::npos);
  EXPECT_NE(parseErrorOf([] { parseMinutes("-1"); }).find("negative"), std::string::npos);
  EXPECT_NE(parseErrorOf([] { parseMinutes(" "); }), "");
}

TEST(SimulateTest, MatchesThePkStateAcrossRateChanges) {
  const core::PkCoefficients coefficients{core::PkParameters{}};
  const Schedule schedule = {{10.0, 0.5}, {30.0, 0.2}, {60.0, 0.0}};
  const std::vector<ConcentrationRow> rows = simulate(coefficients, schedule, {5.0, 30.0, 45.0, 90.0});
  ASSERT_EQ(rows.size(), 4u);

  EXPECT_EQ(rows[0].concentrations.cp_ug_per_ml, 0.0);  // before the infusion starts

  core::PkState expected(coefficients);
  expected.advance(20.0, 0.5);
  EXPECT_NEAR(rows[1].concentrations.cp_ug_per_ml, expected.concentrations().cp_ug_per_ml, 1e-15);
  expected.advance(15.0, 0.2);
  EXPECT_NEAR(rows[2].concentrations.cp_ug_per_ml, expected.concentrations().cp_ug_per_ml, 1e-15);
  expected.advance(15.0, 0.2);
  expected.advance(30.0, 0.0);
  EXPECT_NEAR(rows[3].concentrations.cp_ug_per_ml, expected.concentrations().cp_ug_per_ml, 1e-15);
  EXPECT_NEAR(rows[3].concentrations.ce_ug_per_ml, expected.concentrations().ce_ug_per_ml, 1e-15);
}

TEST(DoseTest, IntegratesTheScheduleUpToTheLastMinute) {
  const Schedule schedule = {{0.0, 0.1}, {30.0, 0.2}, {60.0, 0.0}};
  // 0.1 mg/kg/h for 30 min + 0.2 for 30 min = 0.15 mg/kg.
  EXPECT_DOUBLE_EQ(doseMgPerKg(schedule, 120.0), 0.15);
  EXPECT_DOUBLE_EQ(doseMgPerKg(schedule, 45.0), 0.1);
  EXPECT_DOUBLE_EQ(doseMgPerKg({{0.0, 0.35}}, 240.0), 1.4);
  EXPECT_DOUBLE_EQ(doseMgPerKg({{100.0, 0.35}}, 50.0), 0.0);
}

TEST(FormatCsvTest, PrintsHeaderAndFourDecimals) {
  const std::vector<ConcentrationRow> rows = {
      {60.0, {.cp_ug_per_ml = 0.123456, .ce_ug_per_ml = 0.12124}},
      {90.5, {.cp_ug_per_ml = 0.0, .ce_ug_per_ml = 1.0}},
  };
  EXPECT_EQ(formatCsv(rows), "minute,cp_ug_per_ml,ce_ug_per_ml\n60,0.1235,0.1212\n90.5,0.0000,1.0000\n");
}

}  // namespace
}  // namespace vigil::tools
