// The terminal and process glue of the interactive console: raw keyboard, the alternate
// screen, the window size and signals. Everything here restores what it changed, also
// when the console stops on SIGINT or SIGTERM.
#pragma once

#include <string_view>

#include <termios.h>

namespace vigil::console {

struct TerminalSize {
  int width = 80;
  int height = 24;
};

// The size of the terminal on stdout, or 80x24 when it is not a terminal.
TerminalSize terminalSize();

// Writes everything or reports false (the terminal went away).
bool writeAll(int fd, std::string_view text);

// While it lives: the alternate screen buffer with the cursor hidden, and, when
// `raw_keyboard`, stdin without line buffering or echo so single keys arrive at once
// (reads never block: VMIN = VTIME = 0). Ctrl-C still raises SIGINT. The destructor puts
// the terminal back as it found it.
class TerminalScreen {
 public:
  explicit TerminalScreen(bool raw_keyboard);
  ~TerminalScreen();
  TerminalScreen(const TerminalScreen&) = delete;
  TerminalScreen& operator=(const TerminalScreen&) = delete;

  bool rawKeyboard() const { return raw_; }

 private:
  bool raw_ = false;
  termios saved_{};
};

// The self-pipe trick: SIGINT, SIGTERM, SIGHUP and SIGWINCH become bytes on a pipe that
// the main loop polls next to its sockets, so a signal wakes the loop instead of racing it.
class SignalPipe {
 public:
  struct Received {
    bool stop = false;     // SIGINT, SIGTERM or SIGHUP
    bool resized = false;  // SIGWINCH
  };

  SignalPipe();
  ~SignalPipe();
  SignalPipe(const SignalPipe&) = delete;
  SignalPipe& operator=(const SignalPipe&) = delete;

  int fd() const { return read_fd_; }
  // Reads every signal noted so far (non-blocking).
  Received drain();

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
};

}  // namespace vigil::console
