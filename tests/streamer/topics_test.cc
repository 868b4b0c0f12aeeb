#include "streamer/topics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil::streamer {
namespace {

const std::vector<TopicKind> kPatientKinds{TopicKind::Vitals, TopicKind::Infusion, TopicKind::Event, TopicKind::Alert,
                                           TopicKind::Status};

TEST(TopicsTest, KindNamesAreTheWireNames) {
  EXPECT_EQ(topicKindName(TopicKind::Vitals), "vitals");
  EXPECT_EQ(topicKindName(TopicKind::Infusion), "infusion");
  EXPECT_EQ(topicKindName(TopicKind::Event), "event");
  EXPECT_EQ(topicKindName(TopicKind::Alert), "alert");
  EXPECT_EQ(topicKindName(TopicKind::Status), "status");
  EXPECT_EQ(topicKindName(TopicKind::Heartbeat), "heartbeat");
}

TEST(TopicsTest, MakesKindUnitPatient) {
  EXPECT_EQ(makeTopic(TopicKind::Vitals, "pacu", "bed-01"), "vitals/pacu/bed-01");
  EXPECT_EQ(makeTopic(TopicKind::Infusion, "pacu", "bed-01"), "infusion/pacu/bed-01");
  EXPECT_EQ(makeTopic(TopicKind::Alert, "ward-7", "P01"), "alert/ward-7/P01");
  // A heartbeat belongs to no unit or patient.
  EXPECT_EQ(makeTopic(TopicKind::Heartbeat, "pacu", "bed-01"), "heartbeat");
}

TEST(TopicsTest, PrefixSelectsAKindOrAKindOfOneUnit) {
  EXPECT_EQ(topicPrefix(TopicKind::Alert), "alert/");
  EXPECT_EQ(topicPrefix(TopicKind::Alert, "pacu"), "alert/pacu/");
  EXPECT_EQ(topicPrefix(TopicKind::Heartbeat), "heartbeat");
  EXPECT_EQ(topicPrefix(TopicKind::Heartbeat, "pacu"), "heartbeat");
  // The prefix really is a prefix of the topics it should select, and not of a unit that
  // merely starts the same ("pacu" vs "pacu2").
  const std::string topic = makeTopic(TopicKind::Vitals, "pacu", "bed-01");
  EXPECT_EQ(topic.rfind(topicPrefix(TopicKind::Vitals, "pacu"), 0), 0u);
  EXPECT_NE(makeTopic(TopicKind::Vitals, "pacu2", "bed-01").rfind(topicPrefix(TopicKind::Vitals, "pacu"), 0), 0u);
  EXPECT_NE(makeTopic(TopicKind::Vitals, "pacu", "bed-01").rfind(topicPrefix(TopicKind::Alert), 0), 0u);
}

TEST(TopicsTest, ParseInvertsMakeForEveryKind) {
  for (const auto kind : kPatientKinds) {
    const auto parsed = parseTopic(makeTopic(kind, "pacu", "bed-07"));
    ASSERT_TRUE(parsed.has_value()) << topicKindName(kind);
    EXPECT_EQ(parsed->kind, kind);
    EXPECT_EQ(parsed->unit, "pacu");
    EXPECT_EQ(parsed->patient_id, "bed-07");
  }
  const auto heartbeat = parseTopic("heartbeat");
  ASSERT_TRUE(heartbeat.has_value());
  EXPECT_EQ(heartbeat->kind, TopicKind::Heartbeat);
  EXPECT_TRUE(heartbeat->unit.empty());
  EXPECT_TRUE(heartbeat->patient_id.empty());
}

TEST(TopicsTest, RejectsAnUnknownKind) {
  EXPECT_FALSE(parseTopic("vital/pacu/bed-01").has_value());
  EXPECT_FALSE(parseTopic("VITALS/pacu/bed-01").has_value());
  EXPECT_FALSE(parseTopic("stats/pacu/bed-01").has_value());
  EXPECT_FALSE(parseTopic("unknown").has_value());
}

TEST(TopicsTest, RejectsMissingOrEmptyParts) {
  EXPECT_FALSE(parseTopic("").has_value());
  EXPECT_FALSE(parseTopic("vitals").has_value());
  EXPECT_FALSE(parseTopic("vitals/").has_value());
  EXPECT_FALSE(parseTopic("vitals/pacu").has_value());
  EXPECT_FALSE(parseTopic("vitals/pacu/").has_value());
  EXPECT_FALSE(parseTopic("vitals//bed-01").has_value());
  EXPECT_FALSE(parseTopic("/pacu/bed-01").has_value());
}

TEST(TopicsTest, RejectsAnExtraSlash) {
  EXPECT_FALSE(parseTopic("vitals/pacu/bed-01/").has_value());
  EXPECT_FALSE(parseTopic("vitals/pacu/bed/01").has_value());
  EXPECT_FALSE(parseTopic("heartbeat/").has_value());
  EXPECT_FALSE(parseTopic("heartbeat/pacu/bed-01").has_value());
}

TEST(Topics, StatsIsEngineWideAndAdviceIsPerPatient) {
  EXPECT_EQ(makeTopic(TopicKind::Stats, "pacu", "bed-01"), "stats");
  EXPECT_EQ(makeTopic(TopicKind::Advice, "pacu", "bed-01"), "advice/pacu/bed-01");
  ASSERT_TRUE(parseTopic("stats"));
  EXPECT_EQ(parseTopic("stats")->kind, TopicKind::Stats);
  EXPECT_FALSE(parseTopic("stats/pacu/bed-01"));
  const auto advice = parseTopic("advice/pacu/bed-01");
  ASSERT_TRUE(advice);
  EXPECT_EQ(advice->kind, TopicKind::Advice);
  EXPECT_EQ(advice->patient_id, "bed-01");
}

}  // namespace
}  // namespace vigil::streamer
