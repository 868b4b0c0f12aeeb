// The one shape of "a value, or why there is none", for every step that can fail on input
// it does not control: decoding a wire message, loading a key, parsing a command line.
// [[nodiscard]]: a result dropped on the floor is a refusal nobody counted.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace vigil::core {

template <typename T>
struct [[nodiscard]] Result {
  std::optional<T> value;
  std::string error;  // why there is no value; may also note something about a good one

  bool ok() const { return value.has_value(); }

  static Result failure(std::string why) {
    Result result;
    result.error = std::move(why);
    return result;
  }
};

}  // namespace vigil::core
