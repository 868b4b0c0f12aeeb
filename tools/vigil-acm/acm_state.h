// vigil-acm's resume point: the outbox position of the last transition the alert manager
// acknowledged. Written atomically (temp file, fsync, rename, fsync of the folder), so a
// kill -9 at any moment leaves either the old or the new position, never a torn file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vigil::acm {

// 0 when the file does not exist yet (nothing acknowledged); nullopt and `error` when it
// exists but cannot be read or does not hold a position (the operator must look).
std::optional<std::uint64_t> loadPosition(const std::string& path, std::string& error);

// false and `error` when the position could not be made durable.
bool savePosition(const std::string& path, std::uint64_t position, std::string& error);

}  // namespace vigil::acm
