// vigil-report --journal: an engine's journal (read-only, through the service's
// JournalReader) gives the inputs to replay and what only a live ward has: who
// acknowledged which alarm, and when.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "recording.pb.h"
#include "tools/vigil-report/burden.h"

namespace vigil::tools::report {

struct JournalContents {
  std::vector<vigil::v1::RecordedMessage> inputs;  // the ingest inputs, in apply order
  AckFigures acknowledgements;
};

// nullopt and `error` when the file is not a readable journal.
std::optional<JournalContents> readJournal(const std::string& path, std::string& error);

}  // namespace vigil::tools::report
