#include "tools/vigil-console/render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace vigil::console {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
namespace v1 = vigil::v1;

const SteadyTime kStart{std::chrono::hours(1)};
const core::TimePoint kWallStart = core::fromMillis(1'700'000'000'000);

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

// Visible columns of a rendered line: escape sequences take none.
int visibleColumns(const std::string& line) {
  int columns = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\x1b') {
      while (i < line.size() && !(line[i] >= '@' && line[i] <= '~' && line[i] != '[')) ++i;
      continue;
    }
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++columns;
  }
  return columns;
}

Row desaturation() {
  Row row;
  auto& alarm = row.alarm;
  alarm.alert_id = "P03-SPO2-1";
  alarm.patient_id = "P03";
  alarm.title = "SpO2 low";
  alarm.priority = core::Priority::High;
  alarm.state = core::AlarmState::Active;
  alarm.start_time = kWallStart - 192s;
  alarm.trigger.metric = "SPO2";
  alarm.trigger.value = 86;
  alarm.trigger.unit = "%";
  alarm.trigger.limit = "< 90 %";
  alarm.advice.action = core::AdviceAction::StopAndCall;
  return row;
}

class RenderScreenTest : public ::testing::Test {
 protected:
  std::string render(SteadyTime now) {
    ScreenContext context;
    context.width = 120;
    context.height = 30;
    context.wall_now = kWallStart;
    context.engine_now = kWallStart;
    context.steady_now = now;
    context.station = "console@test";
    return renderScreen(board, context);
  }

  void SetUp() override {
    state.applySnapshot(v1::Snapshot{});
    board.refresh();
  }

  void heartbeatAt(SteadyTime when) {
    v1::Heartbeat beat;
    beat.set_sequence(sequence);
    state.onHeartbeat(beat, when);
    board.refresh();
  }

  void apply(v1::AlarmEvent event) {
    event.set_sequence(++sequence);
    state.apply(event);
    board.refresh();
  }

  StationState state{"", kStart};
  StationView board{state};
  std::uint64_t sequence = 0;
};

TEST(FormatRowTest, HighRowIsRedWithAdviceValueLimitAndAge) {
  const auto text = joined(formatRow(desaturation(), false, 120, kWallStart));
  EXPECT_THAT(text, HasSubstr(kHighStyle));
  EXPECT_THAT(std::string(kHighStyle), HasSubstr(";41m"));  // red background
  EXPECT_THAT(text, HasSubstr("HIGH"));
  EXPECT_THAT(text, HasSubstr("P03"));
  EXPECT_THAT(text, HasSubstr("SPO2 86 % (< 90 %)"));
  EXPECT_THAT(text, HasSubstr("STOP_AND_CALL"));
  EXPECT_THAT(text, HasSubstr("03:12"));
  EXPECT_THAT(text, HasSubstr("active"));
}

TEST(FormatRowTest, MediumIsYellowAndLowIsCyan) {
  auto row = desaturation();
  row.alarm.priority = core::Priority::Medium;
  const auto medium = joined(formatRow(row, false, 120, kWallStart));
  EXPECT_THAT(medium, HasSubstr("\x1b[30;43m"));
  EXPECT_THAT(medium, Not(HasSubstr(";41m")));
  row.alarm.priority = core::Priority::Low;
  EXPECT_THAT(joined(formatRow(row, false, 120, kWallStart)), HasSubstr("\x1b[30;46m"));
}

TEST(FormatRowTest, ReduceShowsTheTargetRate) {
  auto row = desaturation();
  row.alarm.advice.action = core::AdviceAction::Reduce;
  row.alarm.advice.target_rate_mg_per_kg_per_h = 0.15;
  EXPECT_THAT(joined(formatRow(row, false, 120, kWallStart)), HasSubstr("REDUCE to 0.15 mg/kg/h"));
  row.alarm.advice.target_rate_ml_per_h = 10.5;
  EXPECT_EQ(formatAdvice(row.alarm.advice), "REDUCE to 0.15 mg/kg/h (10.5 mL/h)");
}

TEST(FormatRowTest, DoseRelationOnlyWhenLikelyDoseRelated) {
  auto row = desaturation();
  row.alarm.dose.minutes_since_last_increase = 12.4;
  row.alarm.dose.ce_ug_per_ml = 0.456;
  EXPECT_THAT(joined(formatRow(row, false, 160, kWallStart)), Not(HasSubstr("dose-related")));

  row.alarm.dose.likely_dose_related = true;
  const auto text = joined(formatRow(row, false, 160, kWallStart));
  EXPECT_THAT(text, HasSubstr("likely dose-related"));
  EXPECT_THAT(text, HasSubstr("12 min since dose increase"));
  EXPECT_THAT(text, HasSubstr("Ce 0.46 ug/mL"));

  row.alarm.dose.minutes_since_last_increase = -1;
  EXPECT_THAT(formatDoseRelation(row.alarm.dose), HasSubstr("no dose increase yet"));
}

TEST(FormatRowTest, DoseRelationTakesAThirdLineRatherThanBeingCut) {
  auto row = desaturation();
  row.alarm.dose.likely_dose_related = true;
  row.alarm.dose.minutes_since_last_increase = 14;
  row.alarm.dose.ce_ug_per_ml = 0.38;
  const auto wide = formatRow(row, false, 160, kWallStart);
  ASSERT_EQ(wide.size(), 2u);
  EXPECT_THAT(wide[1], HasSubstr("Ce 0.38 ug/mL)"));

  const auto narrow = formatRow(row, false, 80, kWallStart);
  ASSERT_EQ(narrow.size(), 3u);
  EXPECT_THAT(narrow[1], HasSubstr("STOP_AND_CALL"));
  EXPECT_THAT(narrow[2], HasSubstr("likely dose-related (14 min since dose increase, Ce 0.38 ug/mL)"));
}

TEST(FormatRowTest, LinesNeverExceedTheWidth) {
  auto row = desaturation();
  row.alarm.title = std::string(200, 'x');
  row.alarm.dose.likely_dose_related = true;
  for (int width : {20, 40, 80}) {
    for (const auto& line : formatRow(row, true, width, kWallStart)) EXPECT_LE(visibleColumns(line), width) << line;
  }
}

TEST(FormatAgeTest, MinutesAndSecondsSinceStart) {
  EXPECT_EQ(formatAge(kWallStart, kWallStart + 59s), "00:59");
  EXPECT_EQ(formatAge(kWallStart, kWallStart + 125min + 3s), "125:03");
  EXPECT_EQ(formatAge(kWallStart, kWallStart - 5s), "00:00");  // clock skew: never negative
}

TEST_F(RenderScreenTest, LiveLinkShowsHeartbeatAgeAndNoSilentBanner) {
  heartbeatAt(kStart);
  const auto screen = render(kStart + 300ms);
  EXPECT_THAT(screen, HasSubstr("engine live, heartbeat 0.3 s ago"));
  EXPECT_THAT(screen, Not(HasSubstr("ENGINE SILENT")));
}

TEST_F(RenderScreenTest, EngineSilentAppearsWhenHeartbeatsStop) {
  heartbeatAt(kStart);
  EXPECT_THAT(render(kStart + 2999ms), Not(HasSubstr("ENGINE SILENT")));
  const auto screen = render(kStart + 3001ms);
  EXPECT_THAT(screen, HasSubstr("ENGINE SILENT"));
  EXPECT_THAT(screen, HasSubstr(kSilentStyle));
}

TEST_F(RenderScreenTest, EngineSilentWhenNoHeartbeatEverCame) {
  const auto starting = render(kStart + 1s);
  EXPECT_THAT(starting, HasSubstr("waiting for the engine's heartbeat"));
  EXPECT_THAT(starting, Not(HasSubstr("ENGINE SILENT")));
  EXPECT_THAT(render(kStart + 4s), HasSubstr("ENGINE SILENT: no heartbeat since start (4.0 s)"));
}

TEST_F(RenderScreenTest, HeaderCountsAndRowsInPriorityOrder) {
  heartbeatAt(kStart);
  v1::AlarmEvent high;
  high.set_alert_id("h");
  high.set_patient_id("P-HIGH");
  high.set_priority(v1::PRIORITY_HIGH);
  high.set_phase(v1::PHASE_START);
  high.set_start_time_ms(core::toMillis(kWallStart) + 1000);
  auto low = high;
  low.set_alert_id("l");
  low.set_patient_id("P-LOW");
  low.set_priority(v1::PRIORITY_LOW);
  low.set_start_time_ms(core::toMillis(kWallStart));
  apply(low);
  apply(high);

  const auto screen = render(kStart + 100ms);
  EXPECT_THAT(screen, HasSubstr(" HIGH 1 "));
  EXPECT_THAT(screen, HasSubstr(" MEDIUM 0 "));
  EXPECT_THAT(screen, HasSubstr(" LOW 1 "));
  ASSERT_NE(screen.find("P-HIGH"), std::string::npos);
  EXPECT_LT(screen.find("P-HIGH"), screen.find("P-LOW"));
}

TEST_F(RenderScreenTest, DroppedMessagesAreShownAsACounter) {
  state.counters().undecodable = 4;
  EXPECT_THAT(render(kStart), HasSubstr("dropped: 4 undecodable"));
}

TEST_F(RenderScreenTest, ManyAlarmsScrollToKeepTheSelectionVisible) {
  heartbeatAt(kStart);
  for (int i = 0; i < 40; ++i) {
    v1::AlarmEvent event;
    event.set_alert_id("id" + std::to_string(100 + i));
    event.set_patient_id("PAT" + std::to_string(100 + i));
    event.set_priority(v1::PRIORITY_LOW);
    event.set_phase(v1::PHASE_START);
    event.set_start_time_ms(i);
    apply(event);
  }
  board.moveSelection(39);
  const auto screen = render(kStart);
  EXPECT_THAT(screen, HasSubstr("PAT139"));
  EXPECT_THAT(screen, Not(HasSubstr("PAT100")));
  EXPECT_THAT(screen, HasSubstr("more alarm(s) not shown"));
  int lines = 1;
  for (char c : screen) lines += c == '\n';
  EXPECT_LE(lines, 30);
}

TEST_F(RenderScreenTest, EngineSilentIsTheFirstLineUnderTheHeaderWhateverElseIsShown) {
  heartbeatAt(kStart);
  v1::PatientStatus status;
  status.set_patient_id("bed-1");
  status.set_sequence(++sequence);
  state.apply(status);
  board.refresh();
  ScreenContext context;
  context.width = 100;
  context.height = 20;
  context.steady_now = kStart + 4s;
  context.notice = "resynchronised (gap of 3)";
  context.prompt = {"Clinical event for bed-1", "Which observation?"};
  const auto screen = renderScreen(board, context);
  const auto second_line = screen.find("\r\n") + 2;
  EXPECT_THAT(screen, HasSubstr("ENGINE SILENT: no heartbeat for 4.0 s"));
  EXPECT_EQ(screen.find(kSilentStyle), second_line) << "the banner is the second line, above notices and prompts";
}

TEST_F(RenderScreenTest, PatientsShowTheirAdviceWithRateAndReasonAndNews2) {
  heartbeatAt(kStart);
  v1::AdviceEvent advice;
  advice.set_patient_id("bed-4");
  advice.mutable_advice()->set_action(v1::ADVICE_REDUCE);
  advice.mutable_advice()->set_target_rate_mg_per_kg_per_h(0.15);
  advice.mutable_advice()->set_target_rate_ml_per_h(10.5);
  advice.mutable_advice()->set_reason("SpO2 < 94 % after an increase");
  advice.set_sequence(++sequence);
  state.apply(advice);
  v1::PatientStatus status;
  status.set_patient_id("bed-4");
  status.mutable_news2()->set_total(6);
  status.mutable_news2()->set_band(v1::NEWS2_MEDIUM);
  status.set_sequence(++sequence);
  state.apply(status);
  v1::PatientStatus incomplete;
  incomplete.set_patient_id("bed-5");
  incomplete.set_sequence(++sequence);
  state.apply(incomplete);
  board.refresh();

  const auto screen = render(kStart + 100ms);
  EXPECT_THAT(screen, HasSubstr("PATIENTS"));
  EXPECT_THAT(screen, HasSubstr("bed-4"));
  EXPECT_THAT(screen, HasSubstr("NEWS2 6 MEDIUM"));
  EXPECT_THAT(screen, HasSubstr("REDUCE to 0.15 mg/kg/h (10.5 mL/h)"));
  EXPECT_THAT(screen, HasSubstr("(SpO2 < 94 % after an increase)"));
  EXPECT_THAT(screen, HasSubstr("NEWS2 incomplete"));
}

TEST(FormatPatientTest, NoAdviceNoStatusAndAlarmCount) {
  PatientRow patient;
  patient.patient_id = "bed-9";
  patient.alarms = 2;
  const auto line = formatPatient(patient, false, 100);
  EXPECT_THAT(line, HasSubstr("NEWS2 -"));
  EXPECT_THAT(line, HasSubstr("advice: none"));
  EXPECT_THAT(line, HasSubstr("2 alarm(s)"));
  EXPECT_LE(visibleColumns(formatPatient(patient, true, 30)), 30);
}

TEST(FormatNews2Test, BandTotalAndScaleTwo) {
  core::News2 news2;
  news2.total = 7;
  news2.band = core::News2Band::High;
  EXPECT_EQ(formatNews2(news2), "NEWS2 7 HIGH");
  news2.spo2_scale = 2;
  EXPECT_EQ(formatNews2(news2), "NEWS2 7 HIGH (SpO2 scale 2)");
  news2.band = core::News2Band::Unknown;
  EXPECT_EQ(formatNews2(news2), "NEWS2 incomplete");
}

TEST_F(RenderScreenTest, ResyncNoticeAndCountersAreShown) {
  heartbeatAt(kStart);
  state.counters().gaps = 2;
  state.counters().messages_missed = 40;
  state.counters().resyncs = 2;
  ScreenContext context;
  context.width = 160;
  context.height = 24;
  context.steady_now = kStart;
  context.notice = "resynchronised (gap of 31)";
  const auto screen = renderScreen(board, context);
  EXPECT_THAT(screen, HasSubstr("resynchronised (gap of 31)"));
  EXPECT_THAT(screen, HasSubstr("gaps 2 (40 missed), resyncs 2"));
  EXPECT_EQ(formatSyncCounters(StationCounters{}), "");
}

TEST_F(RenderScreenTest, AnOpenPromptIsShownAboveTheFooter) {
  heartbeatAt(kStart);
  ScreenContext context;
  context.width = 100;
  context.height = 24;
  context.steady_now = kStart;
  context.prompt = {"Clinical event for bed-1", "RASS score (-5 .. +4), Enter: -2_"};
  const auto screen = renderScreen(board, context);
  EXPECT_THAT(screen, HasSubstr("RASS score (-5 .. +4), Enter: -2_"));
  EXPECT_THAT(screen, HasSubstr("Enter confirms, Esc cancels"));
  EXPECT_THAT(screen, Not(HasSubstr("q: quit")));
  EXPECT_LT(screen.find("Clinical event for bed-1"), screen.find("Enter confirms"));
  int lines = 1;
  for (char c : screen) lines += c == '\n';
  EXPECT_EQ(lines, 24);
}

TEST_F(RenderScreenTest, FooterNamesTheNewKeys) {
  const auto screen = render(kStart);
  EXPECT_THAT(screen, HasSubstr("p: audio pause patient"));
  EXPECT_THAT(screen, HasSubstr("e: clinical event"));
}

}  // namespace
}  // namespace vigil::console
