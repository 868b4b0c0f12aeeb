// vigil-acm's ORU^R40 against the IHE ACM examples in ../shared/data/hl7: the same OBX
// codes, value types, facet values and OBX-8 flags for the same alarm, and an alert
// identity that stays the same from start to end.
#include "tools/vigil-acm/oru_r40.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

namespace vigil::acm {
namespace {

namespace fs = std::filesystem;

fs::path dataDir() {
  if (const char* dir = std::getenv("VIGIL_DATA_DIR")) return dir;
  const auto beside_repo = fs::path(VIGIL_SOURCE_DIR) / "../shared/data";
  return fs::exists(beside_repo) ? beside_repo : fs::path("/work/shared/data");
}

using Fields = std::vector<std::string>;

// The segments of a message, each split into fields (MSH numbered the HL7 way).
std::vector<Fields> segmentsOf(const std::string& message) {
  std::vector<Fields> segments;
  std::istringstream lines(message);
  std::string line;
  while (std::getline(lines, line, '\r')) {
    if (!line.empty() && line.back() == '\n') line.pop_back();
    if (line.empty()) continue;
    Fields fields;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i) {
      if (i == line.size() || line[i] == '|') fields.push_back(line.substr(start, i - start)), start = i + 1;
    }
    if (fields[0] == "MSH") fields.insert(fields.begin() + 1, "|");
    segments.push_back(fields);
  }
  return segments;
}

std::string field(const Fields& fields, std::size_t index) { return index < fields.size() ? fields[index] : ""; }
std::string code(const std::string& coded) { return coded.substr(0, coded.find('^')); }

// OBX by its OBX-3 code.
std::map<std::string, Fields> observations(const std::string& message) {
  std::map<std::string, Fields> by_code;
  for (const auto& segment : segmentsOf(message)) {
    if (segment[0] == "OBX") by_code[code(field(segment, 3))] = segment;
  }
  return by_code;
}

Fields segment(const std::string& message, const std::string& name) {
  for (const auto& s : segmentsOf(message)) {
    if (s[0] == name) return s;
  }
  return {};
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The E.3.1 alarm as the engine would report it: SpO2 88 % below 90 %, medium priority.
v1::AlarmEvent lowSpo2Start() {
  v1::AlarmEvent event;
  event.set_alert_id("HO2009001/spo2-below-90/1326315897000");
  event.set_patient_id("HO2009001");
  event.set_unit("OR");
  event.set_condition("spo2-below-90");
  event.set_title("Low SpO2");
  event.set_kind(v1::KIND_PHYSIOLOGICAL);
  event.set_priority(v1::PRIORITY_MEDIUM);
  event.set_phase(v1::PHASE_START);
  event.set_state(v1::STATE_ACTIVE);
  event.set_inactivation(v1::INACTIVATION_ENABLED);
  event.set_event_time_ms(1326315897000);  // 2012-01-11 21:04:57 UTC = 15:04:57-0600
  auto* trigger = event.mutable_trigger();
  trigger->set_code(150456);
  trigger->set_metric("MDC_PULS_OXIM_SAT_O2");
  trigger->set_value(88);
  trigger->set_unit("%");
  trigger->set_limit("< 90 %");
  trigger->set_limit_value(90);
  event.mutable_advice()->set_action(v1::ADVICE_PAUSE);
  event.mutable_advice()->set_reason("SpO2 88 % below 90 %, likely dose-related");
  return event;
}

TEST(OruR40, LowSpo2StartHasTheObxLayoutOfIheExampleE31) {
  const auto example_path = dataDir() / "hl7/E.3.1_pcd04_ORU_R40_mindray_low_spo2_start.hl7";
  if (!fs::exists(example_path)) GTEST_SKIP() << "no data folder at " << dataDir();
  const auto example = observations(readFile(example_path));
  const auto ours_text = buildOruR40(lowSpo2Start(), {"ACM-41", "AM", ""});
  const auto ours = observations(ours_text);
  for (const auto& [obx_code, theirs] : example) {
    SCOPED_TRACE("OBX-3 " + obx_code);
    ASSERT_TRUE(ours.count(obx_code)) << ours_text;
    const auto& mine = ours.at(obx_code);
    EXPECT_EQ(field(mine, 2), field(theirs, 2));  // value type
    EXPECT_EQ(field(mine, 3).substr(0, field(mine, 3).find("^MDC")),
              field(theirs, 3).substr(0, field(theirs, 3).find("^MDC")));  // code and reference id
    EXPECT_EQ(field(mine, 8), field(theirs, 8));                           // L~PM~SP
    // E.3.1's last OBX is one field short (its OBX-3 lacks "^MDC"): compare where it has F.
    if (!field(theirs, 11).empty()) {
      EXPECT_EQ(field(mine, 11), field(theirs, 11));
    }
    if (obx_code != "196670") {
      EXPECT_EQ(field(mine, 5), field(theirs, 5));  // 88, start, active, enabled
    }
    EXPECT_EQ(field(mine, 6).empty(), field(theirs, 6).empty());  // a unit where the example has one
  }
  EXPECT_EQ(field(ours.at("196670"), 5), "Low SpO2");
  EXPECT_EQ(field(ours.at("150456"), 6), "%^%^UCUM");
  EXPECT_EQ(field(ours.at("150456"), 7), "90-");  // the low limit in force
  EXPECT_EQ(field(ours.at("150456"), 14), "20120111210457+0000");
  EXPECT_EQ(field(ours.at("0"), 5), "PAUSE the infusion: SpO2 88 % below 90 %, likely dose-related");
  const auto msh = segment(ours_text, "MSH");
  EXPECT_EQ(field(msh, 9), "ORU^R40^ORU_R40");
  EXPECT_EQ(field(msh, 10), "ACM-41");
  EXPECT_EQ(field(msh, 21), "IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4.1^ISO");
  EXPECT_EQ(field(segment(ours_text, "PID"), 3), "HO2009001^^^VIGIL^PI");
  EXPECT_EQ(field(segment(ours_text, "PV1"), 3), "OR");
  EXPECT_EQ(field(segment(ours_text, "OBR"), 4), "196616^MDC_EVT_ALARM^MDC");
}

TEST(OruR40, ATechnicalAlarmEndsUnderTheSameIdentityLikeE32) {
  const auto example_path = dataDir() / "hl7/E.3.2b_pcd04_ORU_R40_bbraun_occlusion_end.hl7";
  if (!fs::exists(example_path)) GTEST_SKIP() << "no data folder at " << dataDir();
  const auto example = observations(readFile(example_path));
  auto start = lowSpo2Start();
  start.set_kind(v1::KIND_TECHNICAL);
  start.set_title("Sensor off");
  start.mutable_trigger()->set_limit("");
  start.mutable_trigger()->set_limit_value(0);
  auto end = start;
  end.set_phase(v1::PHASE_END);
  end.set_state(v1::STATE_INACTIVE);
  end.set_event_time_ms(start.event_time_ms() + 9000);
  const auto started = buildOruR40(start, {"ACM-7", "AM", ""});
  const auto ended = buildOruR40(end, {"ACM-9", "AM", ""});
  // The alert identity (OBR-3) is constant; the transition's id (OBR-2, MSH-10) is not.
  EXPECT_EQ(field(segment(started, "OBR"), 3), field(segment(ended, "OBR"), 3));
  EXPECT_NE(field(segment(started, "OBR"), 2), field(segment(ended, "OBR"), 2));
  const auto ours = observations(ended);
  for (const char* facet : {"68481", "68482", "68483"}) {
    SCOPED_TRACE(facet);
    ASSERT_TRUE(ours.count(facet));
    EXPECT_EQ(field(ours.at(facet), 5), field(example.at(facet), 5));  // end, inactive, enabled
  }
  EXPECT_EQ(field(ours.at("196616"), 8), "PM~ST");                       // generic alarm, technical source
  EXPECT_EQ(field(ours.at("68480"), 2), field(example.at("68480"), 2));  // alert source as CWE
}

TEST(OruR40, FacetNamesAndAdviceWords) {
  EXPECT_EQ(eventPhaseName(v1::PHASE_ESCALATE), "escalate");
  EXPECT_EQ(eventPhaseName(v1::PHASE_DE_ESCALATE), "deescalate");
  EXPECT_EQ(alarmStateName(v1::STATE_LATCHED), "latched");
  EXPECT_EQ(inactivationStateName(v1::INACTIVATION_ACKNOWLEDGED), "alert-acknowledged");
  EXPECT_EQ(inactivationStateName(v1::INACTIVATION_AUDIO_PAUSED), "audio-paused");
  v1::Advice reduce;
  reduce.set_action(v1::ADVICE_REDUCE);
  reduce.set_target_rate_mg_per_kg_per_h(0.15);
  reduce.set_target_rate_ml_per_h(10.5);
  EXPECT_EQ(adviceInWords(reduce), "REDUCE the dose to 0.15 mg/kg/h (10.5 mL/h)");
  // Delimiters in the engine's text cannot break the message.
  auto event = lowSpo2Start();
  event.set_title("a|b^c");
  const auto text = buildOruR40(event, {"ACM-1", "AM", ""});
  EXPECT_EQ(field(observations(text).at("196670"), 5), "a\\F\\b\\S\\c");
}

}  // namespace
}  // namespace vigil::acm
