// The journal's tables (DESIGN.md section 4, CLINICAL.md section 6): the engine's inputs
// in the order it applied them (what recovery replays), and the alarm log required by
// IEC 60601-1-8 6.12 (transitions, acknowledgements, advice, pump changes).
#pragma once

#include <optional>
#include <string>

#include "alarms/service/journal_sqlite.h"

namespace vigil::service {

// Bumped on any change a reader of an older version could misread; an engine refuses a
// journal whose version it does not know rather than replaying it wrongly.
inline constexpr int kJournalSchemaVersion = 1;

enum class SchemaAction { CreateIfEmpty, CheckOnly };

// Creates the tables in an empty database or checks that an existing one is a Vigil
// journal of this version. nullopt when usable; otherwise a sentence for the operator.
std::optional<std::string> prepareSchema(sqlite::Database& db, SchemaAction action);

// Connection settings every journal connection uses; nullopt or the reason it failed.
std::optional<std::string> configureConnection(sqlite::Database& db, bool writer);

}  // namespace vigil::service
