// Every counter struct names each of its fields exactly once (alarms/core/counters.h). A
// field added to a struct and not to its visitFields() never reaches the stats topic; these
// tests fail instead.
#include "alarms/core/counters.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <map>
#include <set>
#include <string>

#include "alarms/core/engine.h"
#include "alarms/core/ingest_guard.h"
#include "alarms/service/engine_service.h"
#include "alarms/service/ingest_pipeline.h"
#include "alarms/service/journal.h"
#include "alarms/service/zap.h"
#include "streamer/station/station_state.h"

namespace vigil {
namespace {

template <typename Counters>
class CounterStruct : public ::testing::Test {};

using AllCounterStructs =
    ::testing::Types<core::EngineCounters, core::IngestGuardCounters, service::IngestCounters, service::ServiceCounters,
                     service::JournalCounters, service::ZapCounters, streamer::station::StationCounters>;
TYPED_TEST_SUITE(CounterStruct, AllCounterStructs);

// What one struct's visitFields() reported.
struct Visited {
  std::size_t calls = 0;
  std::set<std::string> names;
  std::set<const void*> fields;  // addresses: each field once, none outside the struct
  bool outside = false;
};

template <typename Counters>
Visited visitAll(const Counters& counters) {
  Visited visited;
  const auto* begin = reinterpret_cast<const unsigned char*>(&counters);
  counters.visitFields([&](std::string_view name, const std::uint64_t& field) {
    ++visited.calls;
    visited.names.emplace(name);
    visited.fields.insert(&field);
    const auto* at = reinterpret_cast<const unsigned char*>(&field);
    if (at < begin || at + sizeof(field) > begin + sizeof(Counters)) visited.outside = true;
  });
  return visited;
}

TYPED_TEST(CounterStruct, VisitsEveryFieldOnceByAUniqueName) {
  const TypeParam counters{};
  const auto visited = visitAll(counters);
  // The structs hold nothing but uint64_t counters: the visited fields must fill them.
  EXPECT_EQ(visited.fields.size() * sizeof(std::uint64_t), sizeof(TypeParam))
      << "a field of this counter struct is missing from its visitFields()";
  EXPECT_EQ(visited.calls, visited.fields.size()) << "a field is visited twice";
  EXPECT_EQ(visited.names.size(), visited.calls) << "two fields share a name";
  EXPECT_FALSE(visited.outside) << "visitFields() reported something that is not one of the struct's fields";
  for (const auto& name : visited.names) {
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"), std::string::npos) << name;
  }
}

TYPED_TEST(CounterStruct, VisitedValueIsTheFieldsValue) {
  TypeParam counters{};
  // Give every field a distinct value through the addresses the visitor reports.
  std::uint64_t next = 1;
  for (const void* field : visitAll(counters).fields) *static_cast<std::uint64_t*>(const_cast<void*>(field)) = next++;
  std::set<std::uint64_t> seen;
  core::visitPrefixed(counters, "x.", [&](std::string_view name, std::uint64_t value) {
    EXPECT_EQ(name.substr(0, 2), "x.");
    seen.insert(value);
  });
  EXPECT_EQ(seen.size(), next - 1);
  EXPECT_EQ(seen.count(0), 0u);
}

TEST(Counters, PrefixedNamesAreTheFieldNames) {
  service::ZapCounters zap;
  zap.malformed = 3;
  std::map<std::string, std::uint64_t> named;
  core::visitPrefixed(zap, "zap.",
                      [&](std::string_view name, std::uint64_t value) { named[std::string(name)] = value; });
  EXPECT_EQ(named.at("zap.malformed"), 3u);
  EXPECT_EQ(named.at("zap.admitted"), 0u);
  EXPECT_EQ(named.at("zap.rejected_peer"), 0u);  // the Binary Star peer's state socket
  EXPECT_EQ(named.size(), 7u);
}

}  // namespace
}  // namespace vigil
