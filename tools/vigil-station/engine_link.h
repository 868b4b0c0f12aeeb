// vigil-station's side of the engine, off the web thread so that no browser ever waits on
// the engine (issue 11): a feed thread owns the shared StationClient (streamer/station,
// Clone pattern: subscribe, snapshot, updates in sequence, resync by itself) and posts
// what changed to the web thread's io_context; a control thread sends the nurses'
// requests one at a time on its own ControlClient (ZeroMQ sockets belong to one thread)
// and posts each answer, or its timeout, back.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "alerts.pb.h"
#include "streamer/station/station_client.h"
#include "tools/vigil-station/ward_model.h"

namespace vigil::station {

using streamer::station::SteadyTime;

// What the feed thread last knew about the link, for the web thread's silence check.
struct FeedReport {
  std::optional<SteadyTime> last_heartbeat;
  std::int64_t engine_time_ms = 0;
  std::uint64_t resyncs = 0;
  std::uint64_t gaps = 0;
  std::uint64_t faults = 0;
  std::string snapshot_error;  // the last failed snapshot request, "" once one succeeds
};

// The answer to one control request: a reply, or why there is none.
struct ControlOutcome {
  std::optional<vigil::v1::ControlReply> reply;
  std::string error;  // set when there is no reply (timeout, not sent)
  std::chrono::milliseconds took{0};
};

struct EngineLinkHandlers {
  // All three run on the io_context.
  std::function<void(std::vector<WardUpdate> updates, std::int64_t received_ms)> updates;
  std::function<void(std::vector<WardUpdate> picture)> picture;
  std::function<void(FeedReport report)> report;
};

class EngineLink {
 public:
  // At most this many requests wait for the control thread; more are refused at once.
  static constexpr std::size_t kMaxWaitingRequests = 64;

  EngineLink(boost::asio::io_context& io, streamer::station::StationOptions options, EngineLinkHandlers handlers);
  ~EngineLink();  // stops and joins both threads
  EngineLink(const EngineLink&) = delete;
  EngineLink& operator=(const EngineLink&) = delete;

  // Never blocks: `done` runs later on the io_context.
  void request(vigil::v1::ControlRequest request, std::function<void(ControlOutcome)> done);

  const streamer::station::StationOptions& options() const { return options_; }

 private:
  struct Waiting {
    vigil::v1::ControlRequest request;
    std::function<void(ControlOutcome)> done;
    SteadyTime queued_at;
  };

  void runFeed();
  void pumpOnce(streamer::station::StationClient& client);
  void runControl();
  ControlOutcome send(streamer::ControlClient& client, Waiting& waiting);

  boost::asio::io_context& io_;
  streamer::station::StationOptions options_;
  EngineLinkHandlers handlers_;
  zmq::context_t context_;
  std::atomic<bool> stopping_{false};

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Waiting> waiting_;

  // Feed thread only.
  SteadyTime last_report_{};
  std::string snapshot_error_;
  std::thread feed_;
  std::thread control_;
};

std::int64_t wallMillis();

}  // namespace vigil::station
