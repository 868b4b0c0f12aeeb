// The journal's alarm log read as an outbox for vigil-acm (IHE ACM, issue 12): every alarm
// transition the journal has committed, by position (the log row's id), oldest first.
// Positions are stable over engine restarts (recovery replays with the journal detached,
// so no row is logged twice), which lets an exporter resume from the last position its
// alert manager acknowledged. Read through its own read-only connection: it sees only
// committed rows, so nothing is exported that a crash could still take back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alerts.pb.h"

namespace vigil::service {

inline constexpr std::uint32_t kOutboxDefaultEvents = 100;
inline constexpr std::uint32_t kOutboxMaxEvents = 1000;

// What to read. The plain outbox: every row after `after_position`. A catch-up page
// (until_position set, issue 16): the rows after after_position up to until_position
// whose data time is at or after from_event_time_ms.
struct OutboxQuery {
  std::uint64_t after_position = 0;
  std::uint64_t until_position = 0;  // 0: no end, and no data-time filter
  std::int64_t from_event_time_ms = 0;
  std::uint32_t max_events = 0;  // 0: the default; capped
};

std::vector<v1::OutboxEntry> readOutbox(const std::string& journal_path, const OutboxQuery& query, std::string& error);

// Names one journal for OutboxReply.journal_id: this host, the journal's path and its
// creation time (journal_schema.created_ms). The two engines of a pair never share one,
// and a journal keeps its name over restarts, so an exporter knows whose positions it holds.
std::string journalIdentity(const std::string& journal_path, std::int64_t created_ms);

// Up to `max_events` (0: the default; capped) transitions after `after_position`. An
// unreadable journal comes back in `error` with whatever was read before it.
std::vector<v1::OutboxEntry> readOutbox(const std::string& journal_path, std::uint64_t after_position,
                                        std::uint32_t max_events, std::string& error);

// The control reply to an OutboxRequest, naming this journal and its last row;
// `journal_path` empty: the engine runs without a journal, so there is no outbox (refused
// with a reason, not an empty list). A request whose journal_id names another journal (the
// peer's, before a Binary Star takeover) gets the first page of a catch-up by data time.
v1::ControlReply outboxReply(const std::string& journal_path, const v1::OutboxRequest& request);

}  // namespace vigil::service
