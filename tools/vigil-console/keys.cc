#include "tools/vigil-console/keys.h"

#include <optional>

namespace vigil::console {
namespace {

constexpr char kEscape = '\x1b';
constexpr char kCtrlL = '\x0c';
constexpr char kDelete = '\x7f';
constexpr char kCtrlH = '\x08';
// Longer than any key's sequence: anything longer is not a key and is dropped whole.
constexpr std::size_t kLongestSequence = 16;

KeyPress plainKey(char c) {
  switch (c) {
    case '\r':
    case '\n': return {Key::Enter, c};
    case kDelete:
    case kCtrlH: return {Key::Backspace, c};
    default: return {Key::Char, c};
  }
}

// Arrow keys come as ESC [ A or, in the terminal's application cursor mode, ESC O A.
std::optional<Key> arrowKey(char final_byte) {
  switch (final_byte) {
    case 'A': return Key::Up;
    case 'B': return Key::Down;
    case 'C': return Key::Right;
    case 'D': return Key::Left;
    default: return std::nullopt;
  }
}

bool isSequenceFinal(char c) { return c >= '@' && c <= '~'; }

}  // namespace

std::vector<KeyPress> KeyDecoder::feed(std::string_view bytes) {
  std::vector<KeyPress> keys;
  if (pending_.empty() && bytes == std::string_view("\x1b", 1)) return {KeyPress{Key::Escape, kEscape}};
  std::string input = pending_ + std::string(bytes);
  pending_.clear();
  std::size_t i = 0;
  while (i < input.size()) {
    if (input[i] != kEscape) {
      keys.push_back(plainKey(input[i]));
      ++i;
      continue;
    }
    if (i + 1 >= input.size()) {
      pending_ = input.substr(i);
      break;
    }
    const char introducer = input[i + 1];
    if (introducer != '[' && introducer != 'O') {
      keys.push_back({Key::Escape, kEscape});  // a lone Escape key, then whatever follows
      ++i;
      continue;
    }
    // Parameters and intermediates, then one final byte (ECMA-48).
    std::size_t end = i + 2;
    while (end < input.size() && !isSequenceFinal(input[end])) ++end;
    if (end >= input.size()) {
      if (input.size() - i <= kLongestSequence) pending_ = input.substr(i);
      break;
    }
    if (end == i + 2) {
      if (const auto key = arrowKey(input[end])) keys.push_back({*key, 0});
    }
    i = end + 1;
  }
  return keys;
}

Command commandFor(const KeyPress& press) {
  switch (press.key) {
    case Key::Up: return Command::Up;
    case Key::Down: return Command::Down;
    case Key::Left: return Command::PreviousPatient;
    case Key::Right: return Command::NextPatient;
    case Key::Enter:
    case Key::Escape:
    case Key::Backspace: return Command::None;
    case Key::Char: break;
  }
  switch (press.ch) {
    case 'k':
    case 'K': return Command::Up;
    case 'j':
    case 'J': return Command::Down;
    case 'h':
    case 'H': return Command::PreviousPatient;
    case 'l':
    case 'L': return Command::NextPatient;
    case 'a':
    case 'A': return Command::Acknowledge;
    case 'p':
    case 'P': return Command::AudioPause;
    case 'e':
    case 'E': return Command::ClinicalEvent;
    case 'q':
    case 'Q': return Command::Quit;
    case kCtrlL: return Command::Redraw;
    default: return Command::None;
  }
}

}  // namespace vigil::console
