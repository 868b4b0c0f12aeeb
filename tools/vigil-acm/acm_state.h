// vigil-acm's resume point (outbox_cursor.h): the journal and position of the last
// transition handled, a catch-up under way, and the transitions delivered lately. Written
// atomically (temp file, fsync, rename, fsync of the folder), so a kill -9 at any moment
// leaves either the old or the new state, never a torn file.
//
//   vigil-acm state 2
//   journal host:/var/lib/vigil/pacu.db@1764780000000
//   position 1234
//   catch-up 80 1764780300000        (only while catching up on a journal that took over)
//   watermark 1764780600000
//   delivered 1764780590000 9f0c1e2d3b4a5968
//
// The first vigil-acm wrote the position alone, one number: that file is still read, as
// a position in whichever journal answers first (the engine it was written against).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "tools/vigil-acm/outbox_cursor.h"

namespace vigil::acm {

struct AcmState {
  OutboxPosition at;
  std::int64_t watermark_ms = 0;
  std::multimap<std::int64_t, std::uint64_t> delivered;  // data time -> transition hash
};

// An empty state when the file does not exist yet (nothing delivered); nullopt and
// `error` when it exists but cannot be read or is not a state file (the operator must look).
std::optional<AcmState> loadState(const std::string& path, std::string& error);

// false and `error` when the state could not be made durable.
bool saveState(const std::string& path, const AcmState& state, std::string& error);

}  // namespace vigil::acm
