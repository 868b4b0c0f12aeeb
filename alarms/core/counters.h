// Counters are declared once. Every counter struct (EngineCounters, IngestGuardCounters,
// the service's, the journal's, ZAP's, a station's) has a member
//
//   template <typename Visit> void visitFields(Visit&& visit) const;
//
// that calls visit("name", field) for each of its fields, right under their declarations.
// The stats topic, `vigil-engine --stats` and the tests all read the counters through it,
// so a field cannot be published under two names or forgotten by one list and not another;
// tests/alarms/core/counters_test.cc fails when a field is left out of visitFields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::core {

// Visits every field of `counters` as "<prefix><field name>".
template <typename Counters, typename Visit>
void visitPrefixed(const Counters& counters, std::string_view prefix, Visit&& visit) {
  std::string name(prefix);
  counters.visitFields([&](std::string_view field, const std::uint64_t& value) {
    name.resize(prefix.size());
    name += field;
    visit(std::string_view(name), value);
  });
}

}  // namespace vigil::core
