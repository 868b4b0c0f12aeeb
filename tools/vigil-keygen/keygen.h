// vigil-keygen's work, apart from its flags: writing a named CurveZMQ key pair.
#pragma once

#include <string>

#include "streamer/security.h"

namespace vigil::keygen {

struct WrittenPair {
  std::string secret_path;  // DIR/NAME.key
  std::string public_path;  // DIR/NAME.pub
};

// Writes DIR/NAME.key (the secret key, mode 0600) and DIR/NAME.pub (the public key),
// creating DIR if needed. Unless `overwrite` is Replace, nothing is written when either
// file exists: a half-replaced pair would lock its owner out.
streamer::Loaded<WrittenPair> writeKeyPair(const std::string& directory, const std::string& name,
                                           const streamer::KeyPair& pair, streamer::Overwrite overwrite);

// The fingerprint of the key in a .pub or .key file (a .key's public key is derived),
// as the engine logs it.
streamer::Loaded<std::string> fingerprintOfFile(const std::string& path);

}  // namespace vigil::keygen
