#include "tools/vigil-console/keys.h"

#include <optional>

namespace vigil::console {
namespace {

constexpr char kEscape = '\x1b';
constexpr char kCtrlL = '\x0c';
// Longer than any key's sequence: anything longer is not a key and is dropped whole.
constexpr std::size_t kLongestSequence = 16;

std::optional<Key> plainKey(char c) {
  switch (c) {
    case 'k': case 'K': return Key::Up;
    case 'j': case 'J': return Key::Down;
    case 'a': case 'A': return Key::Acknowledge;
    case 'q': case 'Q': return Key::Quit;
    case kCtrlL: return Key::Redraw;
    default: return std::nullopt;
  }
}

// Arrow keys come as ESC [ A or, in the terminal's application cursor mode, ESC O A.
std::optional<Key> arrowKey(char final_byte) {
  if (final_byte == 'A') return Key::Up;
  if (final_byte == 'B') return Key::Down;
  return std::nullopt;
}

bool isSequenceFinal(char c) { return c >= '@' && c <= '~'; }

}  // namespace

std::vector<Key> KeyDecoder::feed(std::string_view bytes) {
  std::vector<Key> keys;
  std::string input = pending_ + std::string(bytes);
  pending_.clear();
  std::size_t i = 0;
  while (i < input.size()) {
    if (input[i] != kEscape) {
      if (const auto key = plainKey(input[i])) keys.push_back(*key);
      ++i;
      continue;
    }
    if (i + 1 >= input.size()) {
      pending_ = input.substr(i);
      break;
    }
    const char introducer = input[i + 1];
    if (introducer != '[' && introducer != 'O') {
      ++i;  // a lone Escape key: nothing to do, read on from the next byte
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
      if (const auto key = arrowKey(input[end])) keys.push_back(*key);
    }
    i = end + 1;
  }
  return keys;
}

}  // namespace vigil::console
