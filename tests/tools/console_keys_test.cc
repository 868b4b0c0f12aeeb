// The console's keys, its clinical-event prompt and the requests they send, driven without
// a terminal.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tools/vigil-console/keys.h"
#include "tools/vigil-console/prompt.h"
#include "tools/vigil-console/requests.h"

namespace vigil::console {
namespace {

namespace v1 = vigil::v1;

std::vector<KeyPress> only(Key key, char ch) { return {KeyPress{key, ch}}; }

std::vector<Command> commandsOf(const std::vector<KeyPress>& presses) {
  std::vector<Command> commands;
  for (const auto& press : presses) commands.push_back(commandFor(press));
  return commands;
}

TEST(KeyDecoderTest, ArrowsLettersAndSplitSequences) {
  KeyDecoder keys;
  EXPECT_EQ(commandsOf(keys.feed("\x1b[A\x1b[Bjkaq")),
            (std::vector<Command>{Command::Up, Command::Down, Command::Down, Command::Up, Command::Acknowledge,
                                  Command::Quit}));
  EXPECT_TRUE(keys.feed("\x1b[").empty());
  EXPECT_EQ(keys.feed("B"), only(Key::Down, 0));
  EXPECT_EQ(keys.feed("\x1bOA"), only(Key::Up, 0));
  EXPECT_EQ(commandsOf(keys.feed("\x1b[D\x1b[Chl")),
            (std::vector<Command>{Command::PreviousPatient, Command::NextPatient, Command::PreviousPatient,
                                  Command::NextPatient}));
  // Other sequences (F5) do nothing and do not swallow what follows.
  EXPECT_EQ(commandsOf(keys.feed("\x1b[15~q")), std::vector<Command>{Command::Quit});
}

TEST(KeyDecoderTest, EscapeEnterBackspaceAndTheNewCommands) {
  KeyDecoder keys;
  EXPECT_EQ(keys.feed("\x1b"), only(Key::Escape, '\x1b')) << "the Escape key alone";
  EXPECT_EQ(keys.feed("\r"), only(Key::Enter, '\r'));
  EXPECT_EQ(keys.feed("\x7f"), only(Key::Backspace, '\x7f'));
  EXPECT_EQ(keys.feed("\x1bx").front().key, Key::Escape) << "Escape followed by a key";
  EXPECT_EQ(commandsOf(keys.feed("pe\x0cz")),
            (std::vector<Command>{Command::AudioPause, Command::ClinicalEvent, Command::Redraw, Command::None}));
}

// Feeds text to a prompt as single key presses, the way a terminal delivers them.
EventPrompt::Status type(EventPrompt& prompt, const std::string& text) {
  KeyDecoder keys;
  auto status = prompt.status();
  for (const auto& press : keys.feed(text)) status = prompt.feed(press);
  return status;
}

TEST(EventPromptTest, SedationTakesARassScoreFromMinusFiveToPlusFour) {
  EventPrompt prompt("bed-3", "pacu");
  EXPECT_EQ(type(prompt, "1"), EventPrompt::Status::Open);
  EXPECT_EQ(type(prompt, "-6\r"), EventPrompt::Status::Open);
  EXPECT_NE(prompt.lines().back().find("-5 to +4"), std::string::npos) << "a refused score says why";
  type(prompt,
       "\x7f\x7f"
       "+5\r");
  EXPECT_EQ(prompt.status(), EventPrompt::Status::Open);
  type(prompt,
       "\x7f\x7f"
       "-3\r");
  EXPECT_NE(prompt.lines()[1].find("sedation RASS -3"), std::string::npos) << prompt.lines()[1];
  EXPECT_EQ(type(prompt, "\r"), EventPrompt::Status::Done);
  const auto& event = prompt.event();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->kind(), v1::SEDATION_SCORE);
  EXPECT_EQ(event->rass_score(), -3);
  EXPECT_EQ(event->patient_id(), "bed-3");
  EXPECT_EQ(event->unit(), "pacu");
}

TEST(EventPromptTest, EveryRassScoreIsAccepted) {
  for (int score = kRassMin; score <= kRassMax; ++score) {
    EventPrompt prompt("bed-1", "pacu");
    type(prompt, "1" + std::to_string(score) + "\ry");
    ASSERT_EQ(prompt.status(), EventPrompt::Status::Done) << score;
    EXPECT_EQ(prompt.event()->rass_score(), score);
  }
}

TEST(EventPromptTest, SideEffectsTakeMildOrSevere) {
  const std::vector<std::pair<char, v1::ClinicalEventKind>> kinds{
      {'2', v1::HALLUCINATION}, {'3', v1::DYSPHORIA}, {'4', v1::NIGHTMARE}};
  for (const auto& [key, kind] : kinds) {
    EventPrompt prompt("bed-1", "pacu");
    type(prompt, std::string(1, key) + "x");  // x is neither
    EXPECT_EQ(prompt.status(), EventPrompt::Status::Open);
    type(prompt, "s\r");
    ASSERT_EQ(prompt.status(), EventPrompt::Status::Done) << key;
    EXPECT_EQ(prompt.event()->kind(), kind);
    EXPECT_EQ(prompt.event()->severity(), v1::SEVERE);
  }
  EventPrompt mild("bed-1", "pacu");
  type(mild, "2m\r");
  EXPECT_EQ(mild.event()->severity(), v1::MILD);
  EXPECT_EQ(describeClinicalEvent(*mild.event()), "hallucination mild");
}

TEST(EventPromptTest, NauseaAndVomitingNeedOnlyAConfirmation) {
  EventPrompt nausea("bed-1", "pacu");
  EXPECT_EQ(type(nausea, "5y"), EventPrompt::Status::Done);
  EXPECT_EQ(nausea.event()->kind(), v1::NAUSEA);
  EventPrompt vomiting("bed-1", "pacu");
  EXPECT_EQ(type(vomiting, "6\r"), EventPrompt::Status::Done);
  EXPECT_EQ(vomiting.event()->kind(), v1::VOMITING);
}

TEST(EventPromptTest, ConsciousnessTakesAnAcvpuLetter) {
  const std::vector<std::pair<char, v1::Acvpu>> levels{{'a', v1::ACVPU_ALERT},
                                                       {'c', v1::ACVPU_NEW_CONFUSION},
                                                       {'v', v1::ACVPU_VOICE},
                                                       {'p', v1::ACVPU_PAIN},
                                                       {'U', v1::ACVPU_UNRESPONSIVE}};
  for (const auto& [letter, level] : levels) {
    EventPrompt prompt("bed-1", "pacu");
    type(prompt, "7" + std::string(1, letter) + "\r");
    ASSERT_EQ(prompt.status(), EventPrompt::Status::Done) << letter;
    EXPECT_EQ(prompt.event()->kind(), v1::CONSCIOUSNESS);
    EXPECT_EQ(prompt.event()->acvpu(), level);
  }
}

TEST(EventPromptTest, OxygenOnTakesAFlowAndOffMeansAir) {
  EventPrompt on("bed-1", "pacu");
  type(on,
       "81"
       "0\r");
  EXPECT_EQ(on.status(), EventPrompt::Status::Open) << "0 L/min is not on oxygen";
  type(on,
       "\x7f"
       "2.5\r\r");
  ASSERT_EQ(on.status(), EventPrompt::Status::Done);
  EXPECT_EQ(on.event()->kind(), v1::SUPPLEMENTAL_OXYGEN);
  EXPECT_DOUBLE_EQ(on.event()->oxygen_l_per_min(), 2.5);
  EXPECT_EQ(describeClinicalEvent(*on.event()), "oxygen 2.5 L/min");

  EventPrompt off("bed-1", "pacu");
  type(off, "80\r");
  ASSERT_EQ(off.status(), EventPrompt::Status::Done);
  EXPECT_EQ(off.event()->oxygen_l_per_min(), 0.0);
  EXPECT_EQ(describeClinicalEvent(*off.event()), "oxygen off (air)");
}

TEST(EventPromptTest, SpO2ScaleTwoOnAndOff) {
  EventPrompt on("bed-1", "pacu");
  type(on, "91\r");
  ASSERT_EQ(on.status(), EventPrompt::Status::Done);
  EXPECT_EQ(on.event()->kind(), v1::SPO2_SCALE_2);
  EXPECT_TRUE(on.event()->enabled());
  EventPrompt off("bed-1", "pacu");
  type(off, "90\r");
  ASSERT_EQ(off.status(), EventPrompt::Status::Done);
  EXPECT_FALSE(off.event()->enabled());
}

TEST(EventPromptTest, EscapeCancelsAtAnyStepAndNoCancelsTheConfirmation) {
  EventPrompt at_menu("bed-1", "pacu");
  EXPECT_EQ(type(at_menu, "\x1b"), EventPrompt::Status::Cancelled);
  EventPrompt typing("bed-1", "pacu");
  type(typing, "1-2");
  EXPECT_EQ(type(typing, "\x1b"), EventPrompt::Status::Cancelled);
  EXPECT_FALSE(typing.event().has_value());
  EventPrompt confirming("bed-1", "pacu");
  EXPECT_EQ(type(confirming, "5n"), EventPrompt::Status::Cancelled);
  EXPECT_FALSE(confirming.event().has_value());
}

TEST(EventPromptTest, BackspaceGoesBackToTheMenu) {
  EventPrompt prompt("bed-1", "pacu");
  type(prompt,
       "2\x7f"
       "5\r");
  ASSERT_EQ(prompt.status(), EventPrompt::Status::Done);
  EXPECT_EQ(prompt.event()->kind(), v1::NAUSEA);
}

TEST(EventPromptTest, TheMenuShowsEveryChoiceWithinEightyColumns) {
  EventPrompt prompt("bed-1", "pacu");
  std::string all;
  for (const auto& line : prompt.lines()) {
    EXPECT_LE(line.size() + 1, 80u) << line;  // the screen indents prompt lines by one
    all += line;
  }
  for (const char* choice : {"1 sedation", "2 hallucination", "3 dysphoria", "4 nightmare", "5 nausea", "6 vomiting",
                             "7 consciousness", "8 oxygen", "9 SpO2 scale 2"}) {
    EXPECT_NE(all.find(choice), std::string::npos) << choice;
  }
}

TEST(EventPromptTest, AKeyOutsideTheMenuIsRefusedWithAHint) {
  EventPrompt prompt("bed-1", "pacu");
  type(prompt, "x");
  EXPECT_EQ(prompt.status(), EventPrompt::Status::Open);
  EXPECT_NE(prompt.lines().back().find("1 to 9"), std::string::npos);
  EXPECT_NE(prompt.lines().front().find("bed-1"), std::string::npos);
}

TEST(RequestsTest, ClinicalEventCarriesStationNurseTimeAndSequence) {
  v1::ClinicalEvent entered;
  entered.set_patient_id("bed-2");
  entered.set_unit("pacu");
  entered.set_kind(v1::SEDATION_SCORE);
  entered.set_rass_score(-2);
  const auto request =
      clinicalEventRequest(entered, "console@ward", "nurse.k", core::fromMillis(1'700'000'000'123), 42);
  ASSERT_TRUE(request.has_clinical_event());
  const auto& event = request.clinical_event();
  EXPECT_EQ(event.source_id(), "console@ward");
  EXPECT_EQ(event.entered_by(), "nurse.k");
  EXPECT_EQ(event.source_time_ms(), 1'700'000'000'123);
  EXPECT_EQ(event.sequence(), 42u);
  EXPECT_EQ(event.rass_score(), -2);
  EXPECT_EQ(event.patient_id(), "bed-2");

  const auto unnamed = clinicalEventRequest(entered, "console@ward", "", core::fromMillis(0), 43);
  EXPECT_EQ(unnamed.clinical_event().entered_by(), "console@ward") << "without --nurse the station enters it";
}

TEST(RequestsTest, AudioPauseNamesThePatientUnitAndStation) {
  PatientRow patient;
  patient.patient_id = "bed-7";
  patient.unit = "pacu";
  const auto request = audioPauseRequest(patient, "console@ward");
  ASSERT_TRUE(request.has_audio_pause());
  EXPECT_EQ(request.audio_pause().patient_id(), "bed-7");
  EXPECT_EQ(request.audio_pause().unit(), "pacu");
  EXPECT_EQ(request.audio_pause().station(), "console@ward");
}

TEST(RequestsTest, AcknowledgeNamesTheAlarmAndStation) {
  Row row;
  row.alarm.alert_id = "bed-7/spo2-below-90/1";
  const auto request = acknowledgeRequest(row, "console@ward");
  ASSERT_TRUE(request.has_acknowledge());
  EXPECT_EQ(request.acknowledge().alert_id(), "bed-7/spo2-below-90/1");
  EXPECT_EQ(request.acknowledge().station(), "console@ward");
}

}  // namespace
}  // namespace vigil::console
