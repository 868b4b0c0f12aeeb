// libFuzzer target: the protocol loader (core::parseProtocol) on arbitrary text. A
// protocol file is written by people: whatever it says, the loader answers with a
// protocol or with errors, never with a crash, and never with both or neither.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "alarms/core/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto load = vigil::core::parseProtocol(std::string_view(reinterpret_cast<const char*>(data), size));
  if (load.protocol.has_value() == !load.errors.empty()) __builtin_trap();
  return 0;
}
