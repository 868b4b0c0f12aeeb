#include "alarms/service/journal_rows.h"

namespace vigil::service {

std::string_view inputKindName(InputKind kind) {
  switch (kind) {
    case InputKind::Ingest: return "ingest";
    case InputKind::Control: return "control";
    case InputKind::Tick: return "tick";
  }
  return "?";
}

std::optional<InputKind> inputKindFromName(std::string_view name) {
  for (auto kind : {InputKind::Ingest, InputKind::Control, InputKind::Tick}) {
    if (inputKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

}  // namespace vigil::service
