// The middle of vigil-station, on the web thread: the ward picture (WardModel) fed by the
// EngineLink, the browsers connected to it, the nurses' requests from the page turned
// into control requests, and the counters of everything refused or dropped.
//
// The page's messages (JSON text over the WebSocket):
//   {"type":"ack","id":N,"alertId":"...","nurse":"..."}
//   {"type":"pause","id":N,"patientId":"...","unit":"...","nurse":"..."}
//   {"type":"entry","id":N,"nurse":"...","event":{ClinicalEvent in protobuf JSON}}
//   {"type":"trend","id":N,"patientId":"..."}  (the reply carries "trend": a Trend in protobuf JSON)
// each answered by {"type":"reply","id":N,"ok":bool,"error":"...","tookMs":T}. The
// station's own name goes with every request, and the nurse's: the signed-in nurse when
// sign-in is on (the page's "nurse" is then ignored), else the name typed on the page.
// The engine records "station (nurse)", the station part from its CURVE key if it has one.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tools/vigil-station/engine_link.h"
#include "tools/vigil-station/send_queue.h"
#include "tools/vigil-station/ward_model.h"

namespace vigil::station {

class BrowserSession;

struct HubCounters {
  std::uint64_t browsers_connected = 0;  // now
  std::uint64_t browsers_total = 0;
  std::uint64_t browsers_dropped_slow = 0;   // too many undroppable messages waiting
  std::uint64_t browsers_dropped_stuck = 0;  // one write took too long
  std::uint64_t updates_received = 0;
  std::uint64_t pictures_received = 0;
  std::uint64_t messages_sent = 0;  // queued to browsers
  std::uint64_t superseded = 0;     // statuses replaced by a newer one before being sent
  std::uint64_t page_malformed = 0;
  std::uint64_t page_oversized = 0;
  std::uint64_t page_unknown_alarm = 0;
  std::uint64_t page_unknown_type = 0;
  std::uint64_t forged_origin = 0;
  std::uint64_t bad_http = 0;
  std::uint64_t requests_sent = 0;
  std::uint64_t requests_ok = 0;
  std::uint64_t requests_refused = 0;  // the engine answered "no"
  std::uint64_t requests_failed = 0;   // no answer in time, or not sent
};

class WardHub {
 public:
  WardHub(boost::asio::io_context& io, std::string station_name, std::string unit);

  // The EngineLink's handlers, all on the io_context.
  EngineLinkHandlers handlers();
  void attach(EngineLink& link) { link_ = &link; }
  void start();  // the once-a-second link report and stuck-browser check

  void join(const std::shared_ptr<BrowserSession>& session);
  void leave(std::uint64_t session_id);
  void onPageMessage(BrowserSession& session, const std::string& text);

  void countOversized() { ++counters_.page_oversized; }
  void countForgedOrigin() { ++counters_.forged_origin; }
  void countBadHttp() { ++counters_.bad_http; }
  void countSlowDrop() { ++counters_.browsers_dropped_slow; }

  LinkReport link() const;
  std::string statsJson() const;
  const HubCounters& counters() const { return counters_; }

 private:
  void onUpdates(std::vector<WardUpdate> updates, std::int64_t received_ms);
  void onPicture(std::vector<WardUpdate> picture);
  void onReport(FeedReport report);
  void tick();
  void broadcast(const Outgoing& message);
  void broadcastLink();
  void reply(BrowserSession& session, std::int64_t id, const ControlOutcome& outcome);
  void replyError(BrowserSession& session, std::int64_t id, const std::string& error);
  void sendRequest(BrowserSession& session, std::int64_t id, vigil::v1::ControlRequest request);

  boost::asio::steady_timer timer_;
  std::string station_name_;
  std::string unit_;
  EngineLink* link_ = nullptr;
  WardModel model_;
  FeedReport feed_;
  bool was_silent_ = false;
  std::chrono::steady_clock::time_point started_;
  std::map<std::uint64_t, std::shared_ptr<BrowserSession>> sessions_;
  std::uint64_t clinical_event_sequence_ = 0;
  HubCounters counters_;
};

}  // namespace vigil::station
