// The small modal prompt in which a nurse enters a clinical observation for the selected
// patient (sedation RASS, side effects, the NEWS2 inputs a monitor cannot measure). Pure:
// it takes key presses and yields the event to send, so tests drive it without a terminal.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/vigil-console/keys.h"
#include "vitals.pb.h"

namespace vigil::console {

// RASS (Richmond Agitation-Sedation Scale) runs from -5 (unrousable) to +4 (combative).
inline constexpr int kRassMin = -5;
inline constexpr int kRassMax = 4;
// Input sanity, not a clinical rule: no oxygen delivery device goes past this.
inline constexpr double kOxygenMaxLitresPerMinute = 60.0;

class EventPrompt {
 public:
  enum class Status { Open, Cancelled, Done };

  EventPrompt(std::string patient_id, std::string unit);

  // One key; Escape cancels at any step, Backspace erases input or goes back one step.
  Status feed(const KeyPress& press);
  Status status() const { return status_; }

  // What to show: a title, the question with the input so far, and an error if the last
  // input was refused.
  std::vector<std::string> lines() const;

  // When Done: the observation, with patient, unit, kind and its value set; the console
  // adds who entered it, from where and when.
  const std::optional<vigil::v1::ClinicalEvent>& event() const { return event_; }

 private:
  enum class Step { Kind, Rass, Severity, Acvpu, Oxygen, OxygenFlow, Scale2, Confirm };

  void chooseKind(char c);
  void typeText(const KeyPress& press);
  void submitText();
  void chooseOption(char c);
  void back();
  void confirm(vigil::v1::ClinicalEvent event);
  std::string question() const;

  std::string patient_id_;
  std::string unit_;
  Step step_ = Step::Kind;
  Status status_ = Status::Open;
  vigil::v1::ClinicalEvent draft_;
  std::string text_;
  std::string error_;
  std::optional<vigil::v1::ClinicalEvent> event_;
};

// "sedation RASS -2", "hallucination severe", "oxygen 2 L/min", "SpO2 scale 2 off" ...
std::string describeClinicalEvent(const vigil::v1::ClinicalEvent& event);

}  // namespace vigil::console
