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

// Up to `max_events` (0: the default; capped) transitions after `after_position`. An
// unreadable journal comes back in `error` with whatever was read before it.
std::vector<v1::OutboxEntry> readOutbox(const std::string& journal_path, std::uint64_t after_position,
                                        std::uint32_t max_events, std::string& error);

// The control reply to an OutboxRequest; `journal_path` empty: the engine runs without a
// journal, so there is no outbox (refused with a reason, not an empty list).
v1::ControlReply outboxReply(const std::string& journal_path, const v1::OutboxRequest& request);

}  // namespace vigil::service
