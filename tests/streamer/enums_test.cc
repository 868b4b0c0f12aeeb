// The one enum table (streamer/enums.h): every wire value the .proto declares has a row
// (but the "unspecified" values an alarm event must not carry), every row round-trips
// through its wire value and its name, and nothing is listed twice.
#include "streamer/enums.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace vigil::streamer {
namespace {

template <typename Domain>
class EnumTableTest : public ::testing::Test {};

using AllEnums = ::testing::Types<core::Priority, core::AlarmKind, core::Phase, core::AlarmState, core::Inactivation,
                                  core::AdviceAction, core::News2Band, core::Quality, core::PumpState,
                                  core::ClinicalEventKind, core::Acvpu, core::Severity>;
TYPED_TEST_SUITE(EnumTableTest, AllEnums);

// Wire values with no row on purpose: an alarm event always has a kind and a phase.
bool deliberatelyWithoutRow(const google::protobuf::EnumValueDescriptor& value) {
  return value.name() == "KIND_UNSPECIFIED" || value.name() == "PHASE_UNSPECIFIED";
}

TYPED_TEST(EnumTableTest, EveryRowRoundTripsThroughWireAndName) {
  for (const auto& row : EnumTable<TypeParam>::rows) {
    EXPECT_EQ(fromWire<TypeParam>(static_cast<int>(row.wire)), row.value) << row.name;
    EXPECT_EQ(toWire(row.value), row.wire) << row.name;
    EXPECT_EQ(nameOf(row.value), row.name);
    EXPECT_EQ(fromName<TypeParam>(row.name), row.value) << row.name;
    EXPECT_FALSE(wordsOf(row.value).empty()) << row.name;
  }
}

TYPED_TEST(EnumTableTest, NoValueWireValueOrNameIsListedTwice) {
  std::set<int> values;
  std::set<int> wires;
  std::set<std::string_view> names;
  for (const auto& row : EnumTable<TypeParam>::rows) {
    EXPECT_TRUE(values.insert(static_cast<int>(row.value)).second) << row.name;
    EXPECT_TRUE(wires.insert(static_cast<int>(row.wire)).second) << row.name;
    EXPECT_TRUE(names.insert(row.name).second) << row.name;
  }
  // The domain enums count from 0 without holes: rows 0..n-1 are every domain value.
  EXPECT_EQ(*values.begin(), 0);
  EXPECT_EQ(*values.rbegin(), static_cast<int>(values.size()) - 1);
}

TYPED_TEST(EnumTableTest, EveryWireValueOfTheProtoHasARow) {
  using Wire = typename EnumTable<TypeParam>::WireType;
  const auto* descriptor = google::protobuf::GetEnumDescriptor<Wire>();
  int expected_rows = 0;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const auto& value = *descriptor->value(i);
    if (deliberatelyWithoutRow(value)) {
      EXPECT_FALSE(fromWire<TypeParam>(value.number()).has_value()) << value.name();
      continue;
    }
    ++expected_rows;
    EXPECT_TRUE(fromWire<TypeParam>(value.number()).has_value()) << value.name() << " has no row";
  }
  EXPECT_EQ(EnumTable<TypeParam>::rows.size(), static_cast<std::size_t>(expected_rows));
}

TYPED_TEST(EnumTableTest, AnUnknownWireValueIsNoValueAndShowsAsTheSafeOne) {
  constexpr int kNever = 1000;
  EXPECT_FALSE(fromWire<TypeParam>(kNever).has_value());
  EXPECT_FALSE(fromWire<TypeParam>(-1).has_value());
  EXPECT_EQ(fromWireOrShownAs<TypeParam>(kNever), EnumTable<TypeParam>::shown_as);
  EXPECT_FALSE(fromName<TypeParam>("NO_SUCH_NAME").has_value());
}

TEST(EnumTable, StationsShowTheSafeReadingOfAnUnknownValue) {
  EXPECT_EQ(EnumTable<core::Priority>::shown_as, core::Priority::High);
  EXPECT_EQ(EnumTable<core::AlarmState>::shown_as, core::AlarmState::Active);
  EXPECT_EQ(EnumTable<core::Inactivation>::shown_as, core::Inactivation::Enabled);
  EXPECT_EQ(EnumTable<core::AdviceAction>::shown_as, core::AdviceAction::None);
  EXPECT_EQ(EnumTable<core::News2Band>::shown_as, core::News2Band::Unknown);
}

TEST(EnumTable, NamesAndWordsAreTheOnesJournalsAndConsolesShow) {
  EXPECT_EQ(nameOf(core::Priority::High), "HIGH");
  EXPECT_EQ(nameOf(core::AdviceAction::StopAndCall), "STOP_AND_CALL");
  EXPECT_EQ(nameOf(core::Phase::DeEscalate), "DE_ESCALATE");
  EXPECT_EQ(nameOf(core::Inactivation::AudioPaused), "AUDIO_PAUSED");
  EXPECT_EQ(nameOf(core::PumpState::Running), "RUNNING");
  EXPECT_EQ(nameOf(core::News2Band::LowMedium), "LOW_MEDIUM");
  EXPECT_EQ(wordsOf(core::Acvpu::Voice), "responds to voice");
  EXPECT_EQ(wordsOf(core::Severity::Mild), "mild");
  EXPECT_EQ(nameOf(static_cast<core::Priority>(77)), "?");
}

}  // namespace
}  // namespace vigil::streamer
