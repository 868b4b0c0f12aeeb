#include "tools/vigil-keygen/keygen.h"

#include <filesystem>
#include <system_error>

namespace vigil::keygen {
namespace fs = std::filesystem;
using streamer::Overwrite;

namespace {

constexpr unsigned kSecretMode = 0600;
constexpr unsigned kPublicMode = 0644;

}  // namespace

streamer::Loaded<WrittenPair> writeKeyPair(const std::string& directory, const std::string& name,
                                           const streamer::KeyPair& pair, Overwrite overwrite) {
  if (!streamer::isValidKeyName(name)) {
    return {std::nullopt, "'" + name + "' is not a key name (letters, digits, '.', '_', '-'; not starting with '.')"};
  }
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) return {std::nullopt, "cannot create " + directory + ": " + error.message()};
  WrittenPair written{(fs::path(directory) / (name + ".key")).string(),
                      (fs::path(directory) / (name + ".pub")).string()};
  if (overwrite == Overwrite::Refuse) {
    for (const auto& path : {written.secret_path, written.public_path}) {
      if (fs::exists(path)) return {std::nullopt, path + " exists (use --force to replace the pair)"};
    }
  }
  if (auto failed = streamer::writeKeyFile(written.secret_path, pair.secret_z85, kSecretMode, overwrite);
      !failed.empty()) {
    return {std::nullopt, failed};
  }
  if (auto failed = streamer::writeKeyFile(written.public_path, pair.public_z85, kPublicMode, overwrite);
      !failed.empty()) {
    return {std::nullopt, failed};
  }
  return {written, {}};
}

streamer::Loaded<std::string> fingerprintOfFile(const std::string& path) {
  const auto key = streamer::readKeyFile(path);
  if (!key.ok()) return {std::nullopt, key.error};
  if (fs::path(path).extension() == ".key") return {streamer::fingerprint(*streamer::publicKeyOf(*key.value)), {}};
  return {streamer::fingerprint(*key.value), {}};
}

}  // namespace vigil::keygen
