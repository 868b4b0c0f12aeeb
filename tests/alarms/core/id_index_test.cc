// The flat id -> handle table (id_index.h) that the engine and the ingest guard look up on
// every frame: it must find exactly what a std::map holds through adds and erases (erase
// shifts probe runs back, the part easiest to get wrong), and give handles out densely.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>

#include "alarms/core/id_index.h"

namespace vigil::core {
namespace {

TEST(IdIndexTest, HandlesAreDenseInTheOrderIdsCame) {
  IdIndex index;
  EXPECT_EQ(index.add("p2"), 0u);
  EXPECT_EQ(index.add("p1"), 1u);
  EXPECT_EQ(index.add("p2"), 0u);  // known: the same handle, nothing added
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.find("p1"), 1u);
  EXPECT_EQ(index.find("p3"), std::nullopt);
  EXPECT_EQ(index.idOf(0), "p2");
  EXPECT_EQ(index.handleBound(), 2u);
}

TEST(IdIndexTest, AnErasedHandleIsGivenOutAgain) {
  IdIndex index;
  index.add("a");
  index.add("b");
  index.erase("a");
  EXPECT_EQ(index.find("a"), std::nullopt);
  EXPECT_EQ(index.find("b"), 1u);
  EXPECT_EQ(index.add("c"), 0u);
  EXPECT_EQ(index.handleBound(), 2u);
  index.erase("never added");  // nothing to do
  EXPECT_EQ(index.size(), 2u);
}

TEST(IdIndexTest, IdsThatDifferOnlyPastAPrefixOrAreEmptyAreDistinct) {
  IdIndex index;
  const auto empty = index.add("");
  const auto with_nul = index.add(std::string_view("a\0b", 3));
  const auto plain = index.add("a");
  EXPECT_NE(empty, with_nul);
  EXPECT_NE(with_nul, plain);
  EXPECT_EQ(index.find(std::string_view("a\0b", 3)), with_nul);
  EXPECT_EQ(index.find(""), empty);
}

// Growth through many thousands of ids, then random erases and re-adds, checked against a
// std::map after every step: a slot lost by a wrong shift shows up as a missing id.
TEST(IdIndexTest, AgreesWithAMapThroughGrowthAndRandomErases) {
  IdIndex index;
  std::map<std::string, IdIndex::Handle> reference;
  std::mt19937 random(13);
  constexpr int kIds = 5000;
  for (int step = 0; step < 60'000; ++step) {
    const std::string id = "bed-" + std::to_string(random() % kIds);
    if (random() % 3 == 0) {
      index.erase(id);
      reference.erase(id);
    } else {
      const auto handle = index.add(id);
      const auto [known, added] = reference.try_emplace(id, handle);
      ASSERT_EQ(known->second, handle) << id;
    }
    if (step % 997 == 0) {
      ASSERT_EQ(index.size(), reference.size());
      for (int i = 0; i < kIds; ++i) {
        const std::string probe = "bed-" + std::to_string(i);
        const auto found = reference.find(probe);
        const auto expected = found == reference.end() ? std::nullopt : std::optional(found->second);
        ASSERT_EQ(index.find(probe), expected) << probe << " at step " << step;
      }
    }
  }
  // Handles stay dense: never more than the most ids held at once.
  std::set<IdIndex::Handle> handles;
  for (const auto& [id, handle] : reference) handles.insert(handle);
  EXPECT_EQ(handles.size(), reference.size());
  EXPECT_LE(index.handleBound(), static_cast<std::size_t>(kIds));
}

}  // namespace
}  // namespace vigil::core
