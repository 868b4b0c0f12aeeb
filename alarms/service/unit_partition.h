// Care units as the partition of a deployment (issue 16): one engine serves a chosen set
// of units (`--units pacu,icu`) and numbers the alert stream per unit as well, so a station
// that follows one unit of a multi-unit engine checks its order without false gaps.
//
// Pure values: no sockets. The engine service subscribes to unitIngestPrefixes(), refuses
// control inputs for other units through serves(), and stamps every alert-stream message
// with UnitSequences::stamp().
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/core/result.h"

namespace vigil::service {

// The units one engine serves; empty: every unit its ingest brings (a one-engine site).
class UnitSet {
 public:
  UnitSet() = default;
  // "pacu,icu": names as they appear in topics (no '/', not empty, each once).
  static core::Result<UnitSet> parse(std::string_view list);

  bool all() const { return units_.empty(); }
  bool serves(std::string_view unit) const;
  const std::vector<std::string>& units() const { return units_; }
  // "pacu,icu", or "every unit".
  std::string describe() const;

 private:
  std::vector<std::string> units_;
};

// The ingest SUB prefixes for a unit set: "vitals/", "infusion/", "event/" for every unit,
// else "vitals/pacu/", "infusion/pacu/" ... one per kind and unit. The trailing '/' keeps
// "pacu" from taking "pacu2".
std::vector<std::string> unitIngestPrefixes(const UnitSet& units);

// Sequence numbers per unit, next to the stream's one engine-wide sequence. `stamp` gives
// the next number of a unit when a message is made; `released` records the last one sent
// (messages may wait for the journal), which the heartbeat announces.
class UnitSequences {
 public:
  std::uint64_t stamp(const std::string& unit);
  void released(const std::string& unit, std::uint64_t sequence);
  // The last number stamped for the unit (0: none yet); a snapshot is valid at it.
  std::uint64_t lastStamped(const std::string& unit) const;
  const std::map<std::string, std::uint64_t>& lastReleased() const { return released_; }

 private:
  std::map<std::string, std::uint64_t, std::less<>> stamped_;
  std::map<std::string, std::uint64_t> released_;
};

}  // namespace vigil::service
