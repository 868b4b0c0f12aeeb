// CurveZMQ keys for every Vigil process (DESIGN.md sections 1 and 4): key files, Z85,
// fingerprints, the CURVE options of client and server sockets, and the loopback test
// that decides whether an endpoint may be bound without keys.
//
// Key files hold one line, the 40-character Z85 text of a 32-byte key; blank lines and
// lines starting with '#' are ignored. NAME.key holds the secret key (mode 0600),
// NAME.pub the public key. The file stem NAME is the key's identity.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "alarms/core/result.h"

namespace vigil::streamer {

inline constexpr std::size_t kCurveKeyBytes = 32;
inline constexpr std::size_t kCurveKeyZ85Chars = 40;
// Enough of the Z85 public key to tell keys apart in a log, never the whole key:
// `cut -c1-8 NAME.pub` prints the same.
inline constexpr std::size_t kFingerprintChars = 8;

// A value read from a file or flag, or why there is none.
template <typename T>
using Loaded = core::Result<T>;

// Z85 text of binary bytes (a multiple of 4 long); "" otherwise.
std::string z85Encode(std::string_view binary);
// Binary bytes of Z85 text (a multiple of 5 long); nullopt if it is not Z85.
std::optional<std::string> z85Decode(std::string_view text);

// Z85 text of a CURVE key: 40 characters that decode to 32 bytes.
bool isZ85Key(std::string_view text);

struct KeyPair {
  std::string public_z85;
  std::string secret_z85;
};

KeyPair generateKeyPair();
// The public key that belongs to a secret key; nullopt if `secret_z85` is not a key.
std::optional<std::string> publicKeyOf(std::string_view secret_z85);

// The fingerprint of a public key given as Z85 text or as its 32 binary bytes.
std::string fingerprint(std::string_view public_key);

// A key's name is its identity and its file stem: letters, digits, '.', '_', '-', not
// starting with '.', at most 64 characters.
bool isValidKeyName(std::string_view name);

// Reads a key file (see the top of this file): its Z85 key.
Loaded<std::string> readKeyFile(const std::string& path);

enum class Overwrite { Refuse, Replace };
// Writes a key file with the given mode (0600 for secret keys). "" on success, otherwise
// why not; an existing file is an error unless `overwrite` is Replace.
std::string writeKeyFile(const std::string& path, std::string_view key_z85, unsigned mode, Overwrite overwrite);

// The CURVE keys of one client socket, Z85.
struct ClientCurve {
  std::string public_key;
  std::string secret_key;
  std::string server_key;
  // A Binary Star pair whose engines have a key each: the server key of every address, in
  // the order the endpoints "A,B" are given. Empty: server_key for every address (one
  // engine, or a pair sharing its key).
  std::vector<std::string> server_keys = {};

  // The key engine number `endpoint_index` of "A,B" must prove it holds.
  const std::string& serverKeyFor(std::size_t endpoint_index) const;
};

// "A,B" -> {"A", "B"}: the endpoints of an engine pair, or the key files of its two
// engines; empty items are skipped.
std::vector<std::string> splitCommaList(const std::string& list);

// What a client tool's --key / --server-key flags name (gateway, console, record,
// replay); both empty for a plain connection (loopback development).
struct ClientKeyOptions {
  std::string key_file;         // this client's secret key, NAME.key
  std::string server_key_file;  // the engine's public key, engine.pub
  bool configured() const { return !key_file.empty() || !server_key_file.empty(); }
};

inline constexpr char kKeyOptionHelp[] =
    "this client's CurveZMQ secret key file (NAME.key from vigil-keygen; the engine knows it by NAME)";
inline constexpr char kServerKeyOptionHelp[] =
    "the engine's CurveZMQ public key file (engine.pub); for a Binary Star pair whose engines have a key each, "
    "one file per address in the order the endpoints are given (primary.pub,backup.pub)";

// A client's security: CURVE keys, or none for a plain connection.
struct ClientSecurity {
  std::optional<ClientCurve> curve;
  // Must be applied before connect(): options only reach later connections.
  void apply(zmq::socket_ref socket) const;
  // Connects `socket` to every endpoint of "A,B", each with the server key of its own
  // engine; how many. Throws std::invalid_argument when a pair's keys are not one per
  // address (the tools say so and exit).
  std::size_t connectEach(zmq::socket_ref socket, const std::string& endpoints) const;
};

// Loads the files the options name. The public key is derived from the secret key; a
// NAME.pub next to NAME.key must agree with it. Only one of the two flags is an error.
Loaded<ClientSecurity> loadClientSecurity(const ClientKeyOptions& options);

// Makes `socket` a CURVE server with `secret_z85`, authenticated in ZAP domain `domain`.
// Must be applied before bind().
void applyCurveServer(zmq::socket_ref socket, std::string_view secret_z85, std::string_view zap_domain);

// True for endpoints nobody off this machine can reach: tcp on 127.0.0.0/8, [::1] or
// localhost, and ipc:// and inproc://. Everything else (0.0.0.0, *, a NIC's address or
// name, other transports) is not loopback.
bool isLoopbackEndpoint(std::string_view endpoint);

// Why a program may not bind these endpoints, or "" when it may: without CurveZMQ keys
// only loopback, unless the operator accepts the risk with --insecure (and not both).
// `risk` says what a stranger who reached the socket could do. Empty endpoints are unused.
std::string plainBindRefusal(bool have_keys, bool insecure, const std::vector<std::string>& endpoints,
                             std::string_view risk);

}  // namespace vigil::streamer
