#include "tools/vigil-console/terminal.h"

#include <array>
#include <cerrno>
#include <csignal>
#include <system_error>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace vigil::console {
namespace {

constexpr std::string_view kEnterScreen = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J";
constexpr std::string_view kLeaveScreen = "\x1b[0m\x1b[?25h\x1b[?1049l";
constexpr std::array<int, 4> kSignals{SIGINT, SIGTERM, SIGHUP, SIGWINCH};

// The write end of the one SignalPipe, for the handler; -1 when there is none.
volatile std::sig_atomic_t g_signal_fd = -1;

extern "C" void noteSignal(int signal_number) {
  const int saved_errno = errno;
  const auto byte = static_cast<unsigned char>(signal_number);
  if (g_signal_fd >= 0) [[maybe_unused]]
    auto written = ::write(g_signal_fd, &byte, 1);
  errno = saved_errno;
}

void setNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

TerminalSize terminalSize() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0 && size.ws_row > 0) {
    return TerminalSize{size.ws_col, size.ws_row};
  }
  return TerminalSize{};
}

bool writeAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const auto written = ::write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

TerminalScreen::TerminalScreen(bool raw_keyboard) {
  if (raw_keyboard && ::tcgetattr(STDIN_FILENO, &saved_) == 0) {
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    raw.c_cc[VSUSP] = _POSIX_VDISABLE;  // a stopped station would show nothing: no Ctrl-Z
    raw_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0;
  }
  writeAll(STDOUT_FILENO, kEnterScreen);
}

TerminalScreen::~TerminalScreen() {
  writeAll(STDOUT_FILENO, kLeaveScreen);
  if (raw_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
}

SignalPipe::SignalPipe() {
  int fds[2];
  if (::pipe(fds) != 0) throw std::system_error(errno, std::generic_category(), "signal pipe");
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  setNonBlocking(read_fd_);
  setNonBlocking(write_fd_);
  g_signal_fd = write_fd_;
  struct sigaction action {};
  action.sa_handler = noteSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking wait returns and the loop sees the pipe
  for (int signal_number : kSignals) ::sigaction(signal_number, &action, nullptr);
}

SignalPipe::~SignalPipe() {
  for (int signal_number : kSignals) ::signal(signal_number, SIG_DFL);
  g_signal_fd = -1;
  ::close(read_fd_);
  ::close(write_fd_);
}

SignalPipe::Received SignalPipe::drain() {
  Received received;
  unsigned char byte = 0;
  while (::read(read_fd_, &byte, 1) == 1) {
    if (byte == SIGWINCH) {
      received.resized = true;
    } else {
      received.stop = true;
    }
  }
  return received;
}

}  // namespace vigil::console
