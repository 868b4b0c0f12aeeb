// vigil-engine's command line: what it accepts, what it refuses and why.
#include "alarms/service/engine_options.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

namespace vigil::service {
namespace {

ParsedEngineOptions parse(std::initializer_list<const char*> flags) {
  std::vector<const char*> argv{"vigil-engine"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return parseEngineOptions(static_cast<int>(argv.size()), argv.data());
}

TEST(EngineOptions, DefaultsAreALiveLoopbackEngineWithAJournal) {
  const auto parsed = parse({});
  ASSERT_TRUE(parsed.value) << parsed.error;
  EXPECT_EQ(parsed.value->config.clock_mode, ClockMode::Wall);
  EXPECT_EQ(parsed.value->config.ingest_endpoint, "tcp://127.0.0.1:7401");
  EXPECT_EQ(parsed.value->journal_path, "vigil.db");
  EXPECT_EQ(bindRefusal(*parsed.value), "");
}

TEST(EngineOptions, ContradictionsAndNonsenseAreRefusedWithTheReason) {
  EXPECT_NE(parse({"--clock", "sundial"}).error.find("--clock must be wall or stream"), std::string::npos);
  EXPECT_NE(parse({"--journal", "a.db", "--no-journal"}).error.find("contradict"), std::string::npos);
  EXPECT_NE(parse({"--no-journal", "--history", "bed-01"}).error.find("cannot go with --no-journal"),
            std::string::npos);
  EXPECT_NE(parse({"--history", "bed-01", "--since", "yesterday"}).error.find("neither ISO 8601"), std::string::npos);
  EXPECT_NE(parse({"--stats-interval-ms", "-1"}).error.find("cannot be negative"), std::string::npos);
  EXPECT_FALSE(parse({"--no-such-flag"}).value);
}

TEST(EngineOptions, UnitsNarrowTheEngineAndBadListsAreRefused) {
  const auto parsed = parse({"--units", "pacu,icu"});
  ASSERT_TRUE(parsed.value) << parsed.error;
  EXPECT_EQ(parsed.value->config.units.units(), (std::vector<std::string>{"pacu", "icu"}));
  EXPECT_TRUE(parse({}).value->config.units.all());
  EXPECT_NE(parse({"--units", "pacu,,icu"}).error.find("empty unit name"), std::string::npos);
}

TEST(EngineOptions, TheNetworkNeedsKeysOrASpokenInsecure) {
  const auto open = parse({"--ingest", "tcp://0.0.0.0:7401"});
  ASSERT_TRUE(open.value) << open.error;
  EXPECT_NE(bindRefusal(*open.value).find("refusing to bind tcp://0.0.0.0:7401"), std::string::npos);
  const auto insecure = parse({"--ingest", "tcp://0.0.0.0:7401", "--insecure"});
  ASSERT_TRUE(insecure.value);
  EXPECT_EQ(bindRefusal(*insecure.value), "");
  const auto both = parse({"--keys", "k", "--insecure"});
  ASSERT_TRUE(both.value);
  EXPECT_NE(bindRefusal(*both.value).find("contradict"), std::string::npos);
}

TEST(EngineOptions, StatsTakesAStationsKeys) {
  const auto parsed = parse({"--stats", "tcp://10.0.0.5:7403", "--key", "st.key", "--server-key", "engine.pub"});
  ASSERT_TRUE(parsed.value) << parsed.error;
  EXPECT_EQ(parsed.value->stats_endpoint, "tcp://10.0.0.5:7403");
  EXPECT_EQ(parsed.value->stats_keys.key_file, "st.key");
  EXPECT_EQ(parsed.value->stats_keys.server_key_file, "engine.pub");
}

TEST(EngineOptions, HelpListsTheFlags) {
  const auto parsed = parse({"--help"});
  ASSERT_TRUE(parsed.value);
  EXPECT_TRUE(parsed.value->help);
  EXPECT_NE(parsed.help.find("--journal"), std::string::npos);
}

TEST(EngineOptions, StarNamesARoleThePeerAndItsTimeout) {
  const auto parsed =
      parse({"--star", "backup", "--peer-state-bind", "tcp://127.0.0.1:7411", "--peer-state-connect",
             "tcp://127.0.0.1:7410", "--peer-control", "tcp://127.0.0.1:7503", "--peer-timeout-ms", "800"});
  ASSERT_TRUE(parsed.value) << parsed.error;
  const auto& star = parsed.value->config.star;
  ASSERT_TRUE(star);
  EXPECT_EQ(star->role, StarRole::Backup);
  EXPECT_EQ(star->state_bind, "tcp://127.0.0.1:7411");
  EXPECT_EQ(star->state_connect, "tcp://127.0.0.1:7410");
  EXPECT_EQ(star->peer_control, "tcp://127.0.0.1:7503");
  EXPECT_EQ(star->peer_timeout, std::chrono::milliseconds(800));
  EXPECT_EQ(star->forward_timeout, std::chrono::milliseconds(200));
  EXPECT_FALSE(parse({}).value->config.star) << "a single engine unless --star is given";
}

TEST(EngineOptions, AHalfConfiguredStarIsRefused) {
  EXPECT_NE(parse({"--star", "tertiary", "--peer-state-bind", "a", "--peer-state-connect", "b", "--peer-control", "c"})
                .error.find("primary or backup, not 'tertiary'"),
            std::string::npos);
  EXPECT_NE(parse({"--star", "primary", "--peer-state-bind", "tcp://127.0.0.1:7410"}).error.find("--star needs"),
            std::string::npos);
  EXPECT_NE(parse({"--peer-state-bind", "tcp://127.0.0.1:7410"}).error.find("go with --star"), std::string::npos);
  EXPECT_NE(parse({"--peer-timeout-ms", "500"}).error.find("go with --star"), std::string::npos);
  EXPECT_NE(parse({"--star", "primary", "--peer-state-bind", "a", "--peer-state-connect", "b", "--peer-control", "c",
                   "--peer-timeout-ms", "0"})
                .error.find("must be positive"),
            std::string::npos);
}

TEST(EngineOptions, WithKeysAStarEngineNamesItsPeersKey) {
  const auto parsed = parse({"--keys", "/etc/vigil/a", "--star", "primary", "--peer-state-bind", "tcp://10.1.0.11:7420",
                             "--peer-state-connect", "tcp://10.1.0.12:7420", "--peer-control", "tcp://10.1.0.12:7403",
                             "--peer-key", "engine-b"});
  ASSERT_TRUE(parsed.value) << parsed.error;
  EXPECT_EQ(parsed.value->config.star->peer_key_name, "engine-b");
  EXPECT_EQ(bindRefusal(*parsed.value), "") << "with keys the peer link may cross the network";
  EXPECT_NE(parse({"--keys", "/etc/vigil/a", "--star", "primary", "--peer-state-bind", "a", "--peer-state-connect", "b",
                   "--peer-control", "c"})
                .error.find("needs --peer-key NAME"),
            std::string::npos);
  EXPECT_NE(parse({"--star", "primary", "--peer-state-bind", "a", "--peer-state-connect", "b", "--peer-control", "c",
                   "--peer-key", "engine-b"})
                .error.find("--peer-key goes with --keys"),
            std::string::npos);
  EXPECT_NE(parse({"--keys", "/etc/vigil/a", "--peer-key", "engine-b"}).error.find("go with --star"),
            std::string::npos);
}

TEST(EngineOptions, APeerOnTheNetworkNeedsKeysToo) {
  const auto parsed = parse({"--star", "primary", "--peer-state-bind", "tcp://0.0.0.0:7410", "--peer-state-connect",
                             "tcp://127.0.0.1:7411", "--peer-control", "tcp://127.0.0.1:7503"});
  ASSERT_TRUE(parsed.value) << parsed.error;
  EXPECT_NE(bindRefusal(*parsed.value).find("refusing to bind tcp://0.0.0.0:7410"), std::string::npos);
}

}  // namespace
}  // namespace vigil::service
