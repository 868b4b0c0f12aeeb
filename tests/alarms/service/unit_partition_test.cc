// --units and the per-unit sequences (issue 16). Expected prefixes are written out by hand
// from the topic scheme of DESIGN.md section 1, not computed with topicPrefix().
#include "alarms/service/unit_partition.h"

#include <gtest/gtest.h>

namespace vigil::service {
namespace {

using Prefixes = std::vector<std::string>;

TEST(UnitSet, AListOfUnitsServesExactlyThose) {
  const auto parsed = UnitSet::parse("pacu,icu");
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_TRUE(parsed.value->serves("pacu"));
  EXPECT_TRUE(parsed.value->serves("icu"));
  EXPECT_FALSE(parsed.value->serves("pacu2")) << "a name, not a prefix";
  EXPECT_FALSE(parsed.value->serves("ic"));
  EXPECT_FALSE(parsed.value->serves(""));
  EXPECT_EQ(parsed.value->describe(), "pacu,icu");
}

TEST(UnitSet, NoListServesEveryUnit) {
  const UnitSet every;
  EXPECT_TRUE(every.all());
  EXPECT_TRUE(every.serves("anything"));
  EXPECT_EQ(every.describe(), "every unit");
}

TEST(UnitSet, BadListsAreRefusedWithTheReason) {
  for (const auto& [list, reason] : std::vector<std::pair<std::string, std::string>>{{"", "empty"},
                                                                                     {"pacu,", "empty"},
                                                                                     {",pacu", "empty"},
                                                                                     {"pacu,,icu", "empty"},
                                                                                     {"pa/cu", "'/'"},
                                                                                     {"pacu,icu,pacu", "twice"}}) {
    const auto parsed = UnitSet::parse(list);
    EXPECT_FALSE(parsed.ok()) << list;
    EXPECT_NE(parsed.error.find(reason), std::string::npos) << list << ": " << parsed.error;
  }
}

TEST(UnitIngestPrefixes, EveryUnitTakesEachInputKind) {
  EXPECT_EQ(unitIngestPrefixes(UnitSet{}), (Prefixes{"vitals/", "infusion/", "event/"}));
}

TEST(UnitIngestPrefixes, ChosenUnitsTakeEachKindOfTheirsOnlyWithTheSeparator) {
  EXPECT_EQ(unitIngestPrefixes(*UnitSet::parse("pacu,icu").value),
            (Prefixes{"vitals/pacu/", "vitals/icu/", "infusion/pacu/", "infusion/icu/", "event/pacu/", "event/icu/"}));
}

TEST(UnitSequences, EachUnitCountsFromOneOnItsOwn) {
  UnitSequences sequences;
  EXPECT_EQ(sequences.stamp("pacu"), 1u);
  EXPECT_EQ(sequences.stamp("icu"), 1u);
  EXPECT_EQ(sequences.stamp("pacu"), 2u);
  EXPECT_EQ(sequences.lastStamped("pacu"), 2u);
  EXPECT_EQ(sequences.lastStamped("ccu"), 0u);
}

TEST(UnitSequences, ReleasedIsWhatWasSentNotWhatWasStamped) {
  UnitSequences sequences;
  (void)sequences.stamp("pacu");
  (void)sequences.stamp("pacu");
  sequences.released("pacu", 1);  // the second still waits for the journal
  EXPECT_EQ(sequences.lastReleased(), (std::map<std::string, std::uint64_t>{{"pacu", 1}}));
}

}  // namespace
}  // namespace vigil::service
