// One browser's bounded send queue (issue 11: a slow browser loses superseded numerics,
// never an alarm transition). A patient's status and the link report are superseded by
// the next one: a newer one replaces the one still waiting, so a slow browser gets the
// latest. Alarm, advice, reply and full-picture messages are never dropped: when more of
// them wait than the bound, the browser cannot keep up even so, and the caller
// disconnects it (the page reconnects and resyncs from a full picture).
//
// Pure: no sockets. The WebSocket session (web_server.cc) owns one and writes its front.
#pragma once

#include <cstddef>
#include <deque>
#include <string>

namespace vigil::station {

struct Outgoing {
  // "" for a message that must be delivered; otherwise a key ("status/<patient>",
  // "link") under which a newer message supersedes an older one still waiting.
  std::string supersede_key;
  std::string text;
};

enum class Enqueued { Queued, Superseded, Overflow };

class SendQueue {
 public:
  explicit SendQueue(std::size_t max_undroppable) : max_undroppable_(max_undroppable) {}

  // Overflow: the message was not queued and the browser must be disconnected.
  Enqueued push(Outgoing message);
  // A full picture makes everything waiting obsolete.
  void replaceAllWith(Outgoing full_picture);

  bool empty() const { return waiting_.empty(); }
  std::size_t size() const { return waiting_.size(); }
  // Takes the front out: from then on it is being written and can no longer be replaced.
  Outgoing pop();

  std::size_t superseded() const { return superseded_; }

 private:
  std::deque<Outgoing> waiting_;
  std::size_t max_undroppable_;
  std::size_t undroppable_ = 0;
  std::size_t superseded_ = 0;
};

}  // namespace vigil::station
