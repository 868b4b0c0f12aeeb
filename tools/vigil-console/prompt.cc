#include "tools/vigil-console/prompt.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "streamer/enums.h"

namespace vigil::console {
namespace v1 = vigil::v1;
namespace {

// Two lines, so that an 80-column terminal shows every choice.
constexpr const char* kKindMenu = "Which observation? 1 sedation (RASS)  2 hallucination  3 dysphoria  4 nightmare";
constexpr const char* kKindMenuMore = "  5 nausea  6 vomiting  7 consciousness (ACVPU)  8 oxygen  9 SpO2 scale 2";

std::optional<int> parseInteger(const std::string& text) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;  // "+2" is how RASS is written
  int value = 0;
  const auto [end, error] = std::from_chars(first, last, value);
  if (error != std::errc{} || end != last || first == last) return std::nullopt;
  return value;
}

std::optional<double> parseNumber(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string litres(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

std::string withSeverity(const std::string& what, v1::Severity severity) {
  const auto known = streamer::fromWire<core::Severity>(severity);
  if (!known || *known == core::Severity::Unspecified) return what;
  return what + " " + std::string(streamer::wordsOf(*known));
}

std::string acvpuWords(v1::Acvpu level) {
  return std::string(streamer::wordsOf(streamer::fromWireOrShownAs<core::Acvpu>(level)));
}

}  // namespace

EventPrompt::EventPrompt(std::string patient_id, std::string unit)
    : patient_id_(std::move(patient_id)), unit_(std::move(unit)) {
  draft_.set_patient_id(patient_id_);
  draft_.set_unit(unit_);
}

EventPrompt::Status EventPrompt::feed(const KeyPress& press) {
  if (status_ != Status::Open) return status_;
  if (press.key == Key::Escape) {
    status_ = Status::Cancelled;
    return status_;
  }
  error_.clear();
  const bool text_step = step_ == Step::Rass || step_ == Step::OxygenFlow;
  if (text_step) {
    typeText(press);
  } else if (press.key == Key::Backspace) {
    back();
  } else if (step_ == Step::Confirm) {
    if (press.key == Key::Enter || press.ch == 'y' || press.ch == 'Y') {
      event_ = draft_;
      status_ = Status::Done;
    } else if (press.ch == 'n' || press.ch == 'N') {
      status_ = Status::Cancelled;
    }
  } else if (press.key == Key::Char) {
    step_ == Step::Kind ? chooseKind(press.ch) : chooseOption(press.ch);
  }
  return status_;
}

void EventPrompt::chooseKind(char c) {
  const auto kinds = {v1::SEDATION_SCORE, v1::HALLUCINATION, v1::DYSPHORIA,           v1::NIGHTMARE,   v1::NAUSEA,
                      v1::VOMITING,       v1::CONSCIOUSNESS, v1::SUPPLEMENTAL_OXYGEN, v1::SPO2_SCALE_2};
  if (c < '1' || c > '9') {
    error_ = "choose 1 to 9";
    return;
  }
  const auto kind = *(kinds.begin() + (c - '1'));
  draft_ = v1::ClinicalEvent{};
  draft_.set_patient_id(patient_id_);
  draft_.set_unit(unit_);
  draft_.set_kind(kind);
  text_.clear();
  switch (kind) {
    case v1::SEDATION_SCORE: step_ = Step::Rass; break;
    case v1::HALLUCINATION:
    case v1::DYSPHORIA:
    case v1::NIGHTMARE: step_ = Step::Severity; break;
    case v1::CONSCIOUSNESS: step_ = Step::Acvpu; break;
    case v1::SUPPLEMENTAL_OXYGEN: step_ = Step::Oxygen; break;
    case v1::SPO2_SCALE_2: step_ = Step::Scale2; break;
    default: confirm(draft_); break;  // nausea, vomiting: nothing more to ask
  }
}

void EventPrompt::typeText(const KeyPress& press) {
  if (press.key == Key::Backspace) {
    if (text_.empty()) {
      back();
    } else {
      text_.pop_back();
    }
    return;
  }
  if (press.key == Key::Enter) {
    submitText();
    return;
  }
  const char c = press.ch;
  const bool allowed =
      press.key == Key::Char && (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.');
  if (allowed && text_.size() < 8) text_ += c;
}

void EventPrompt::submitText() {
  if (step_ == Step::Rass) {
    const auto score = parseInteger(text_);
    if (!score || *score < kRassMin || *score > kRassMax) {
      error_ = "RASS is a whole number from -5 to +4";
      return;
    }
    draft_.set_rass_score(*score);
    confirm(draft_);
    return;
  }
  const auto flow = parseNumber(text_);
  if (!flow || *flow <= 0.0 || *flow > kOxygenMaxLitresPerMinute) {
    error_ = "a flow above 0 and at most " + litres(kOxygenMaxLitresPerMinute) + " L/min";
    return;
  }
  draft_.set_oxygen_l_per_min(*flow);
  confirm(draft_);
}

void EventPrompt::chooseOption(char key) {
  const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(key)));
  switch (step_) {
    case Step::Severity:
      if (c == 'm' || c == 's') {
        draft_.set_severity(c == 'm' ? v1::MILD : v1::SEVERE);
        return confirm(draft_);
      }
      error_ = "m: mild, s: severe";
      return;
    case Step::Acvpu: {
      const std::string letters = "acvpu";
      const auto at = letters.find(c);
      if (at != std::string::npos) {
        draft_.set_acvpu(static_cast<v1::Acvpu>(v1::ACVPU_ALERT + static_cast<int>(at)));
        return confirm(draft_);
      }
      error_ = "a, c, v, p or u";
      return;
    }
    case Step::Oxygen:
      if (c == '1' || c == 'y') {
        step_ = Step::OxygenFlow;
        text_.clear();
      } else if (c == '0' || c == 'n') {
        draft_.set_oxygen_l_per_min(0.0);  // back on air
        confirm(draft_);
      } else {
        error_ = "1: on oxygen, 0: off (air)";
      }
      return;
    case Step::Scale2:
      if (c == '1' || c == 'y' || c == '0' || c == 'n') {
        draft_.set_enabled(c == '1' || c == 'y');
        return confirm(draft_);
      }
      error_ = "1: use scale 2, 0: back to scale 1";
      return;
    default: return;
  }
}

void EventPrompt::back() {
  switch (step_) {
    case Step::Kind: return;
    case Step::OxygenFlow: step_ = Step::Oxygen; break;
    default: step_ = Step::Kind; break;
  }
  text_.clear();
}

void EventPrompt::confirm(v1::ClinicalEvent event) {
  draft_ = std::move(event);
  step_ = Step::Confirm;
}

std::string EventPrompt::question() const {
  switch (step_) {
    case Step::Kind: return kKindMenu;
    case Step::Rass: return "RASS score (-5 .. +4), Enter: " + text_ + "_";
    case Step::Severity: return describeClinicalEvent(draft_) + ": m mild, s severe";
    case Step::Acvpu: return "ACVPU: a alert, c new confusion, v voice, p pain, u unresponsive";
    case Step::Oxygen: return "Supplemental oxygen: 1 on, 0 off (air)";
    case Step::OxygenFlow: return "Oxygen flow in L/min, Enter: " + text_ + "_";
    case Step::Scale2: return "SpO2 scale 2 (hypercapnic respiratory failure, prescribed): 1 on, 0 off";
    case Step::Confirm: return "Send \"" + describeClinicalEvent(draft_) + "\"? Enter or y: send, n: cancel";
  }
  return "";
}

std::vector<std::string> EventPrompt::lines() const {
  std::vector<std::string> lines{"Clinical event for " + patient_id_ + (unit_.empty() ? "" : " (" + unit_ + ")") +
                                     "   Esc: cancel  Backspace: back",
                                 question()};
  if (step_ == Step::Kind) lines.push_back(kKindMenuMore);
  if (!error_.empty()) lines.push_back("! " + error_);
  return lines;
}

std::string describeClinicalEvent(const v1::ClinicalEvent& event) {
  switch (event.kind()) {
    case v1::SEDATION_SCORE: {
      const int score = event.rass_score();
      return "sedation RASS " + std::string(score > 0 ? "+" : "") + std::to_string(score);
    }
    case v1::HALLUCINATION: return withSeverity("hallucination", event.severity());
    case v1::DYSPHORIA: return withSeverity("dysphoria", event.severity());
    case v1::NIGHTMARE: return withSeverity("nightmare", event.severity());
    case v1::NAUSEA: return "nausea";
    case v1::VOMITING: return "vomiting";
    case v1::CONSCIOUSNESS: return "consciousness (ACVPU): " + acvpuWords(event.acvpu());
    case v1::SUPPLEMENTAL_OXYGEN:
      return event.oxygen_l_per_min() > 0.0 ? "oxygen " + litres(event.oxygen_l_per_min()) + " L/min"
                                            : "oxygen off (air)";
    case v1::SPO2_SCALE_2: return event.enabled() ? "SpO2 scale 2 on" : "SpO2 scale 2 off (scale 1)";
    default: return "unspecified observation";
  }
}

}  // namespace vigil::console
