// The journal's tables (DESIGN.md section 4, CLINICAL.md section 6): the engine's inputs
// in the order it applied them (what recovery replays), and the alarm log required by
// IEC 60601-1-8 6.12 (transitions, acknowledgements, advice, pump changes).
#pragma once

#include <optional>
#include <string>

#include "alarms/service/journal_sqlite.h"

namespace vigil::service {

// Bumped on any change a reader of an older version could misread; an engine refuses a
// journal of a newer version rather than replaying it wrongly, and migrates an older one.
//   1: inputs, sessions and the alarm, acknowledgement, advice and pump logs.
//   2: + snapshots (core snapshots, so recovery replays only the inputs after the latest),
//      and incremental auto-vacuum, so pruned pages go back to the file system.
inline constexpr int kJournalSchemaVersion = 2;
// The oldest version this engine migrates (writer) or reads as it is (reader).
inline constexpr int kOldestJournalSchemaVersion = 1;

// CreateIfEmpty (the writer): creates the tables in an empty database and migrates an
// older journal to this version. CheckOnly (readers): any version from the oldest on.
enum class SchemaAction { CreateIfEmpty, CheckOnly };

// Creates, migrates or checks. nullopt when usable; otherwise a sentence for the operator.
std::optional<std::string> prepareSchema(sqlite::Database& db, SchemaAction action);

// The schema version of an open journal (0 when it cannot be read).
int schemaVersion(sqlite::Database& db);

// Connection settings every journal connection uses; nullopt or the reason it failed.
std::optional<std::string> configureConnection(sqlite::Database& db, bool writer);

}  // namespace vigil::service
