// The Binary Star rules of the ZeroMQ guide (chapter 4) as binary_star.h states them,
// driven by hand with plain time values. Each test is one row of the guide's table or one
// of the failures it guards against; to add one, name the events and the expected state.
#include "alarms/service/binary_star.h"

#include <gtest/gtest.h>

namespace vigil::service {
namespace {

using namespace std::chrono_literals;
using Time = BinaryStar::TimePoint;

constexpr auto kTimeout = 2000ms;
const Time kStart{std::chrono::hours(1)};

TEST(BinaryStar, PrimaryAndBackupStartingTogetherEndActiveAndPassive) {
  BinaryStar primary(StarRole::Primary, kTimeout, kStart);
  BinaryStar backup(StarRole::Backup, kTimeout, kStart);
  EXPECT_TRUE(primary.onPeer(backup.state(), kStart + 100ms).took_over);
  EXPECT_TRUE(backup.onPeer(primary.state(), kStart + 200ms).went_passive);
  EXPECT_EQ(primary.state(), StarState::Active);
  EXPECT_EQ(backup.state(), StarState::Passive);
}

TEST(BinaryStar, ThePassiveTakesOverOnlyAfterThePeerTimeoutAndOnlyWhileItHearsClients) {
  BinaryStar backup(StarRole::Backup, kTimeout, kStart);
  backup.onPeer(StarState::Active, kStart + 1s);  // last heartbeat of the primary
  EXPECT_TRUE(backup.onClient(kStart + 2s).refused) << "the primary is alive";
  EXPECT_TRUE(backup.onClient(kStart + 3s - 1ms).refused) << "one millisecond before the timeout";
  EXPECT_EQ(backup.state(), StarState::Passive) << "silence alone never makes it active";
  const auto verdict = backup.onClient(kStart + 3s);
  EXPECT_TRUE(verdict.took_over);
  EXPECT_TRUE(backup.active());
}

TEST(BinaryStar, ABackupCutOffFromEverythingStaysPassive) {
  BinaryStar backup(StarRole::Backup, kTimeout, kStart);
  backup.onPeer(StarState::Active, kStart);
  // No peer, no clients for an hour: no event, so no takeover (split brain prevented).
  EXPECT_EQ(backup.state(), StarState::Passive);
  EXPECT_FALSE(backup.peerAlive(kStart + 1h));
}

TEST(BinaryStar, ABackupThatNeverHeardItsPeerRefusesClients) {
  BinaryStar backup(StarRole::Backup, kTimeout, kStart);
  EXPECT_TRUE(backup.onClient(kStart + 1h).refused);
  EXPECT_EQ(backup.state(), StarState::Backup);
}

TEST(BinaryStar, ARestartedPrimaryHearsTheActiveBackupAndRejoinsAsPassive) {
  BinaryStar restarted(StarRole::Primary, kTimeout, kStart);
  EXPECT_TRUE(restarted.onClient(kStart + 500ms).refused) << "not before a whole timeout without a peer";
  EXPECT_TRUE(restarted.onPeer(StarState::Active, kStart + 900ms).went_passive);
  EXPECT_TRUE(restarted.onClient(kStart + 1s).refused);
  EXPECT_EQ(restarted.state(), StarState::Passive);
}

TEST(BinaryStar, APrimaryAloneServesAfterAWholeTimeoutWithoutAPeer) {
  BinaryStar primary(StarRole::Primary, kTimeout, kStart);
  EXPECT_TRUE(primary.onClient(kStart + kTimeout - 1ms).refused);
  EXPECT_TRUE(primary.onClient(kStart + kTimeout).took_over);
}

TEST(BinaryStar, TheActiveKeepsServingWhenTheOtherRestartsAndThePassiveTakesOverFromARestartingPeer) {
  BinaryStar active(StarRole::Primary, kTimeout, kStart);
  active.onPeer(StarState::Backup, kStart);
  EXPECT_FALSE(active.onPeer(StarState::Backup, kStart + 5s).went_passive);
  EXPECT_TRUE(active.active());
  BinaryStar passive(StarRole::Backup, kTimeout, kStart);
  passive.onPeer(StarState::Active, kStart);
  EXPECT_TRUE(passive.onPeer(StarState::Primary, kStart + 5s).took_over) << "the primary restarted";
}

TEST(BinaryStar, TwoActivesOrTwoPassivesAreReportedAsFaults) {
  BinaryStar active(StarRole::Primary, kTimeout, kStart);
  active.onPeer(StarState::Backup, kStart);
  EXPECT_EQ(active.onPeer(StarState::Active, kStart + 1s).fault, "dual actives");
  BinaryStar passive(StarRole::Backup, kTimeout, kStart);
  passive.onPeer(StarState::Active, kStart);
  EXPECT_EQ(passive.onPeer(StarState::Passive, kStart + 1s).fault, "dual passives");
  EXPECT_EQ(passive.state(), StarState::Passive);
}

TEST(BinaryStar, StateNamesGoBothWays) {
  for (const auto state : {StarState::Primary, StarState::Backup, StarState::Active, StarState::Passive}) {
    EXPECT_EQ(parseStarState(starStateName(state)), state);
  }
  EXPECT_FALSE(parseStarState("leader"));
}

}  // namespace
}  // namespace vigil::service
