// Keyboard bytes from a raw-mode terminal to key presses, and key presses to the board's
// commands. Pure, so tests can feed it bytes; an escape sequence split across two reads is
// completed by the next read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vigil::console {

enum class Key { Up, Down, Left, Right, Enter, Escape, Backspace, Char };

struct KeyPress {
  Key key = Key::Char;
  char ch = 0;  // for Key::Char: the printable character or control byte

  bool operator==(const KeyPress&) const = default;
};

class KeyDecoder {
 public:
  // Every key in `bytes`, in order; sequences that mean nothing here are skipped. A read
  // that is exactly one Escape byte is the Escape key (a terminal sends a key's sequence
  // in one write); an Escape at the end of a longer read waits for the next read.
  std::vector<KeyPress> feed(std::string_view bytes);

 private:
  std::string pending_;  // the start of an escape sequence still waiting for its end
};

// What a key means on the board (no prompt open).
enum class Command {
  None,
  Up,    // previous alarm
  Down,  // next alarm
  PreviousPatient,
  NextPatient,
  Acknowledge,    // the selected alarm
  AudioPause,     // the selected patient's alarms
  ClinicalEvent,  // open the entry prompt for the selected patient
  Quit,
  Redraw,
};

Command commandFor(const KeyPress& press);

}  // namespace vigil::console
