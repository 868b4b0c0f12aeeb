// vigil-acm's side of IHE PCD-05: an alert manager's ORA^R41 read into the engine's
// AlertStatusRequest, and the ACK each message gets (AA once the engine took it; AE/AR
// with the reason otherwise), counted.
#include "tools/vigil-acm/status_listener.h"

#include <gtest/gtest.h>

#include <vector>

#include "../test_alert_manager.h"

namespace vigil::acm {
namespace {

using testing::acmSegmentField;
using testing::acmStatusReport;

constexpr char kNurse[] = "RN042^Lee^Anna";

std::string msa(const std::string& ack, std::size_t index) { return acmSegmentField(ack, "MSA", index); }
std::string err(const std::string& ack, std::size_t index) { return acmSegmentField(ack, "ERR", index); }

TEST(AlertStatus, ReadsTheAlertTheStatusAndTheNurse) {
  const auto read = readAlertStatus(acmStatusReport("am-1", "bed-1/spo2-low", "Accepted", kNurse, "VIGIL-ACM-7"));
  ASSERT_EQ(read.verdict.acknowledgement, "AA") << read.verdict.error_text;
  EXPECT_EQ(read.request.alert_id(), "bed-1/spo2-low");
  EXPECT_EQ(read.request.status(), v1::ALERT_STATUS_ACCEPTED);
  EXPECT_EQ(read.request.nurse(), "Anna Lee, RN042");
  EXPECT_EQ(read.request.alert_manager(), "AM");
  EXPECT_EQ(read.request.message_id(), "am-1");
}

TEST(AlertStatus, TakesEachStatusWordAndACodedOne) {
  const std::vector<std::pair<std::string, v1::AlertStatusKind>> words{
      {"Received", v1::ALERT_STATUS_RECEIVED},   {"delivered", v1::ALERT_STATUS_DELIVERED},
      {"READ", v1::ALERT_STATUS_READ},           {"rejected", v1::ALERT_STATUS_REJECTED},
      {"Cancelled", v1::ALERT_STATUS_CANCELLED}, {"acc^Accepted^L", v1::ALERT_STATUS_ACCEPTED}};
  for (const auto& [word, kind] : words) {
    const auto read = readAlertStatus(acmStatusReport("am-1", "a-1", word, kNurse));
    EXPECT_EQ(read.request.status(), kind) << word;
    EXPECT_EQ(alertStatusWord(kind).empty(), false);
  }
  // A nurse given by id alone is still a nurse.
  EXPECT_EQ(readAlertStatus(acmStatusReport("am-1", "a-1", "accepted", "RN042")).request.nurse(), "RN042");
}

struct Refusal {
  std::string message;
  std::string code;      // MSA-1
  std::string error;     // ERR-3.1 (HL7 table 0357)
  std::string location;  // ERR-2
  std::string words;     // in ERR-8
};

TEST(AlertStatus, RefusesWhatIsNotAUsableStatusSayingWhy) {
  const auto good = acmStatusReport("am-1", "a-1", "accepted", kNurse);
  auto oru = good;
  oru.replace(oru.find("ORA^R41^ORA_R41"), 15, "ORU^R40^ORU_R40");
  auto ora_other = good;
  ora_other.replace(ora_other.find("ORA^R41^ORA_R41"), 15, "ORA^R33^ORA_R33");
  auto version3 = good;
  version3.replace(version3.find("|P|2.6|"), 7, "|P|3.0|");
  const std::vector<Refusal> refusals{
      {oru, "AR", "200", "MSH^1^9", "ORU\\S\\R40 (this listener takes IHE PCD-05"},
      {ora_other, "AR", "201", "MSH^1^9", "ORA\\S\\R33"},
      {version3, "AR", "203", "MSH^1^12", "version"},
      {"PID|||x\r", "AR", "100", "MSH^1", "no MSH"},
      {acmStatusReport("am-1", "", "accepted", kNurse), "AE", "101", "OBR^1^3", "OBR-3"},
      {acmStatusReport("am-1", "a-1", "snoozed", kNurse), "AE", "103", "PRT^1^3", "unknown alert status 'snoozed'"},
      {acmStatusReport("am-1", "a-1", "accepted", ""), "AE", "101", "PRT^1^5", "nurse"},
      {acmStatusReport("am-1", "a-1", "accepted", "RN042^L\xe9"), "AE", "102", "MSH^1^18", "invalid UTF-8"},
      {acmStatusReport("", "a-1", "accepted", kNurse), "AR", "101", "MSH^1^10", "MSH-10"},
  };
  for (const auto& refusal : refusals) {
    int forwarded = 0;
    StatusHandler handler(
        [&](const v1::ControlRequest&) -> std::optional<v1::ControlReply> {
          ++forwarded;
          return std::nullopt;
        },
        [] { return 0; });
    const auto ack = handler.handle(refusal.message);
    EXPECT_EQ(msa(ack, 1), refusal.code) << ack;
    EXPECT_EQ(err(ack, 3).substr(0, 3), refusal.error) << ack;
    EXPECT_EQ(err(ack, 2), refusal.location) << ack;
    EXPECT_NE(err(ack, 8).find(refusal.words), std::string::npos) << ack;
    EXPECT_EQ(forwarded, 0) << "a refused status never reaches the engine";
    EXPECT_EQ(handler.counters().errors + handler.counters().rejected, 1u);
    EXPECT_EQ(handler.counters().refusal_reasons.at(refusal.code + " " + refusal.error), 1u);
  }
}

class Engine {
 public:
  std::optional<v1::ControlReply> answer(const v1::ControlRequest& request) {
    requests.push_back(request);
    if (!answers) return std::nullopt;
    v1::ControlReply reply;
    reply.set_ok(request.alert_status().alert_id() == "live");
    if (!reply.ok()) reply.set_error("no active alarm " + request.alert_status().alert_id() + ", nor a latched one");
    reply.mutable_alert_status()->set_acknowledged(reply.ok() &&
                                                   request.alert_status().status() == v1::ALERT_STATUS_ACCEPTED);
    return reply;
  }
  std::vector<v1::ControlRequest> requests;
  bool answers = true;
};

TEST(StatusHandler, ForwardsOnceAndAnswersAsTheEngineDid) {
  Engine engine;
  StatusHandler handler([&](const v1::ControlRequest& request) { return engine.answer(request); },
                        [] { return 1'764'763'200'000; });
  const auto accepted = handler.handle(acmStatusReport("am-1", "live", "accepted", kNurse, "VIGIL-ACM-3"));
  EXPECT_EQ(msa(accepted, 1), "AA") << accepted;
  EXPECT_EQ(msa(accepted, 2), "am-1");
  EXPECT_EQ(acmSegmentField(accepted, "MSH", 8), "ACK^R41^ACK");
  ASSERT_EQ(engine.requests.size(), 1u);
  EXPECT_EQ(engine.requests[0].alert_status().nurse(), "Anna Lee, RN042");

  // Its ACK was lost: the same MSH-10 again is acknowledged, not forwarded again.
  EXPECT_EQ(msa(handler.handle(acmStatusReport("am-1", "live", "accepted", kNurse)), 1), "AA");
  EXPECT_EQ(engine.requests.size(), 1u);

  const auto ended = handler.handle(acmStatusReport("am-2", "ended", "read", kNurse));
  EXPECT_EQ(msa(ended, 1), "AE");
  EXPECT_EQ(err(ended, 3).substr(0, 3), "204") << "unknown key identifier";
  EXPECT_NE(err(ended, 8).find("no active alarm ended"), std::string::npos) << ended;

  engine.answers = false;
  const auto unanswered = handler.handle(acmStatusReport("am-3", "live", "delivered", kNurse));
  EXPECT_EQ(msa(unanswered, 1), "AE");
  EXPECT_NE(err(unanswered, 8).find("send the status again"), std::string::npos) << unanswered;
  // Not remembered as done: sent again once the engine is back, it goes through.
  engine.answers = true;
  EXPECT_EQ(msa(handler.handle(acmStatusReport("am-3", "live", "delivered", kNurse)), 1), "AA");

  const auto oversize = handler.refuseOversize(acmStatusReport("am-4", "live", "read", kNurse).substr(0, 60), 64);
  EXPECT_EQ(msa(oversize, 1), "AR");
  EXPECT_NE(oversize.find("larger than the limit of 64 bytes"), std::string::npos);

  const auto& counters = handler.counters();
  EXPECT_EQ(counters.messages, 6u);
  EXPECT_EQ(counters.accepted, 3u);
  EXPECT_EQ(counters.duplicates, 1u);
  EXPECT_EQ(counters.acknowledged, 1u);
  EXPECT_EQ(counters.not_current, 1u);
  EXPECT_EQ(counters.engine_unanswered, 1u);
  EXPECT_EQ(counters.oversize, 1u);
  EXPECT_EQ(counters.errors, 2u);
  EXPECT_EQ(counters.rejected, 1u);
  streamer::hl7::CounterTable table;
  handler.addCounters(table);
  EXPECT_EQ(table.at("status_refused_AE_204"), 1u);
  EXPECT_EQ(table.at("status_acknowledged"), 1u);
}

}  // namespace
}  // namespace vigil::acm
