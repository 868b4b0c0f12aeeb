// Core snapshots (proto/snapshot.proto): the engine's whole state and the ingest guard's
// sources as a versioned protobuf, and back. A core restored from a snapshot gives exactly
// the outputs the original would have given (tests/alarms/snapshot/core_snapshot_test.cc).
//
// Each part's State has its own pair of functions in core_snapshot.cc; they read the
// parts through their value-level accessors (saved()/restore(), engine_state.h) so that a
// change inside a part touches only its pair here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "alarms/core/engine_state.h"
#include "alarms/core/ingest_guard.h"
#include "snapshot.pb.h"

namespace vigil::snapshot {

// Bumped on any change an older reader could misread; a newer snapshot is refused.
inline constexpr std::uint32_t kCoreSnapshotVersion = 1;

struct CoreState {
  core::EngineState engine;
  core::IngestGuard::Saved guard;
};

v1::CoreSnapshot toProto(const CoreState& state, const std::string& protocol_digest);
// nullopt and `error` for a snapshot of a newer version or one that does not parse.
std::optional<CoreState> fromProto(const v1::CoreSnapshot& snapshot, std::string& error);

// The engine and guard as they are now, and both put back into that state; restore fails
// (false, `error`) on a snapshot that does not fit the engine's protocol.
CoreState capture(const core::Engine& engine, const core::IngestGuard& guard);
bool restore(const CoreState& state, core::Engine& engine, core::IngestGuard& guard, std::string& error);

}  // namespace vigil::snapshot
