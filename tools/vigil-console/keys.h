// Keyboard bytes from a raw-mode terminal to console commands. Pure, so tests can feed it
// bytes; an escape sequence split across two reads is completed by the next read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vigil::console {

enum class Key { Up, Down, Acknowledge, Quit, Redraw };

class KeyDecoder {
 public:
  // Every command in `bytes`, in order; bytes that mean nothing here are skipped.
  std::vector<Key> feed(std::string_view bytes);

 private:
  std::string pending_;  // the start of an escape sequence still waiting for its end
};

}  // namespace vigil::console
