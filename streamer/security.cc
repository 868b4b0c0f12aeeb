#include "streamer/security.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vigil::streamer {
namespace {

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::string systemError(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool isLoopbackHost(std::string_view host) {
  if (equalsIgnoringCase(host, "localhost") || host == "[::1]") return true;
  in_addr address{};
  const std::string text(host);
  if (inet_pton(AF_INET, text.c_str(), &address) != 1) return false;
  return (ntohl(address.s_addr) >> 24) == 127;
}

// NAME.pub next to NAME.key, if the secret key file is named that way.
std::optional<std::string> publicFileBeside(const std::string& key_file) {
  const std::filesystem::path path(key_file);
  if (path.extension() != ".key") return std::nullopt;
  auto beside = path;
  beside.replace_extension(".pub");
  return beside.string();
}

}  // namespace

std::string z85Encode(std::string_view binary) {
  if (binary.size() % 4 != 0) return {};
  std::string text(binary.size() * 5 / 4 + 1, '\0');
  if (zmq_z85_encode(text.data(), reinterpret_cast<const std::uint8_t*>(binary.data()), binary.size()) == nullptr) {
    return {};
  }
  text.pop_back();  // the terminating NUL
  return text;
}

std::optional<std::string> z85Decode(std::string_view text) {
  if (text.size() % 5 != 0) return std::nullopt;
  // zmq_z85_decode reads a NUL-terminated string.
  const std::string terminated(text);
  std::string binary(text.size() * 4 / 5, '\0');
  if (zmq_z85_decode(reinterpret_cast<std::uint8_t*>(binary.data()), terminated.c_str()) == nullptr) {
    return std::nullopt;
  }
  return binary;
}

bool isZ85Key(std::string_view text) {
  if (text.size() != kCurveKeyZ85Chars) return false;
  const auto binary = z85Decode(text);
  return binary && binary->size() == kCurveKeyBytes;
}

KeyPair generateKeyPair() {
  char public_key[kCurveKeyZ85Chars + 1] = {};
  char secret_key[kCurveKeyZ85Chars + 1] = {};
  if (zmq_curve_keypair(public_key, secret_key) != 0) throw zmq::error_t();
  return KeyPair{public_key, secret_key};
}

std::optional<std::string> publicKeyOf(std::string_view secret_z85) {
  if (!isZ85Key(secret_z85)) return std::nullopt;
  const std::string secret(secret_z85);
  char public_key[kCurveKeyZ85Chars + 1] = {};
  if (zmq_curve_public(public_key, secret.c_str()) != 0) return std::nullopt;
  return std::string(public_key);
}

std::string fingerprint(std::string_view public_key) {
  const std::string text = public_key.size() == kCurveKeyBytes ? z85Encode(public_key) : std::string(public_key);
  if (!isZ85Key(text)) return "not-a-key";
  return text.substr(0, kFingerprintChars);
}

bool isValidKeyName(std::string_view name) {
  constexpr std::size_t kMaxNameChars = 64;
  if (name.empty() || name.size() > kMaxNameChars || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

Loaded<std::string> readKeyFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return {std::nullopt, systemError("cannot read", path)};
  std::optional<std::string> key;
  std::string line;
  while (std::getline(file, line)) {
    const auto text = trimmed(line);
    if (text.empty() || text.front() == '#') continue;
    if (key) return {std::nullopt, path + ": more than one key in the file"};
    key = std::string(text);
  }
  if (!key) return {std::nullopt, path + ": no key in the file"};
  if (!isZ85Key(*key)) return {std::nullopt, path + ": not a CurveZMQ key (40 Z85 characters expected)"};
  return {key, {}};
}

std::string writeKeyFile(const std::string& path, std::string_view key_z85, unsigned mode, Overwrite overwrite) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite == Overwrite::Refuse ? O_EXCL : O_TRUNC);
  const int fd = ::open(path.c_str(), flags, static_cast<mode_t>(mode));
  if (fd < 0) {
    if (errno == EEXIST) return path + " exists (use --force to replace it)";
    return systemError("cannot create", path);
  }
  // The mode given to open() is filtered by the umask and ignored for an existing file:
  // a secret key must end up 0600 whatever was there before. Set it before writing.
  std::string error;
  const std::string text = std::string(key_z85) + "\n";
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    error = systemError("cannot set the mode of", path);
  } else if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    error = systemError("cannot write", path);
  }
  if (::close(fd) != 0 && error.empty()) error = systemError("cannot write", path);
  return error;
}

void ClientSecurity::apply(zmq::socket_ref socket) const {
  if (!curve) return;
  socket.set(zmq::sockopt::curve_serverkey, curve->server_key);
  socket.set(zmq::sockopt::curve_publickey, curve->public_key);
  socket.set(zmq::sockopt::curve_secretkey, curve->secret_key);
}

const std::string& ClientCurve::serverKeyFor(std::size_t endpoint_index) const {
  return server_keys.empty() ? server_key : server_keys.at(endpoint_index);
}

std::vector<std::string> splitCommaList(const std::string& list) {
  std::vector<std::string> split;
  std::size_t start = 0;
  for (;;) {
    const auto comma = list.find(',', start);
    auto one = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!one.empty()) split.push_back(std::move(one));
    if (comma == std::string::npos) return split;
    start = comma + 1;
  }
}

std::size_t ClientSecurity::connectEach(zmq::socket_ref socket, const std::string& endpoints) const {
  const auto each = splitCommaList(endpoints);
  if (curve && !curve->server_keys.empty() && curve->server_keys.size() != each.size()) {
    throw std::invalid_argument(std::to_string(curve->server_keys.size()) + " server keys for " +
                                std::to_string(each.size()) + " endpoints (" + endpoints +
                                "): give one --server-key for all, or one per address");
  }
  for (std::size_t i = 0; i < each.size(); ++i) {
    if (curve) socket.set(zmq::sockopt::curve_serverkey, curve->serverKeyFor(i));
    socket.connect(each[i]);
  }
  return each.size();
}

namespace {

// Each file of "a.pub,b.pub", in order.
Loaded<std::vector<std::string>> readServerKeys(const std::string& files) {
  std::vector<std::string> keys;
  for (const auto& file : splitCommaList(files)) {
    auto key = readKeyFile(file);
    if (!key.ok()) return {std::nullopt, key.error};
    keys.push_back(std::move(*key.value));
  }
  if (keys.empty()) return {std::nullopt, "--server-key names no file"};
  return {std::move(keys), {}};
}

}  // namespace

Loaded<ClientSecurity> loadClientSecurity(const ClientKeyOptions& options) {
  if (!options.configured()) return {ClientSecurity{}, {}};
  if (options.key_file.empty()) return {std::nullopt, "--server-key needs --key (this client's own secret key)"};
  if (options.server_key_file.empty()) return {std::nullopt, "--key needs --server-key (the engine's engine.pub)"};
  auto secret = readKeyFile(options.key_file);
  if (!secret.ok()) return {std::nullopt, secret.error};
  auto servers = readServerKeys(options.server_key_file);
  if (!servers.ok()) return {std::nullopt, servers.error};
  ClientCurve curve{*publicKeyOf(*secret.value), *secret.value, servers.value->front()};
  if (servers.value->size() > 1) curve.server_keys = std::move(*servers.value);
  if (const auto beside = publicFileBeside(options.key_file); beside && std::filesystem::exists(*beside)) {
    const auto stored = readKeyFile(*beside);
    if (!stored.ok()) return {std::nullopt, stored.error};
    if (*stored.value != curve.public_key) {
      return {std::nullopt, *beside + " does not belong to " + options.key_file + " (the key pair is mixed up)"};
    }
  }
  return {ClientSecurity{std::move(curve)}, {}};
}

void applyCurveServer(zmq::socket_ref socket, std::string_view secret_z85, std::string_view zap_domain) {
  socket.set(zmq::sockopt::curve_server, true);
  socket.set(zmq::sockopt::curve_secretkey, secret_z85);
  socket.set(zmq::sockopt::zap_domain, zap_domain);
}

bool isLoopbackEndpoint(std::string_view endpoint) {
  const auto separator = endpoint.find("://");
  if (separator == std::string_view::npos) return false;
  const auto transport = endpoint.substr(0, separator);
  if (transport == "ipc" || transport == "inproc") return true;
  if (transport != "tcp") return false;
  const auto address = endpoint.substr(separator + 3);
  const auto port = address.rfind(':');
  if (port == std::string_view::npos) return false;
  return isLoopbackHost(address.substr(0, port));
}

std::string plainBindRefusal(bool have_keys, bool insecure, const std::vector<std::string>& endpoints,
                             std::string_view risk) {
  if (have_keys) return insecure ? "--insecure and --keys contradict each other: choose one" : "";
  if (insecure) return "";
  for (const auto& endpoint : endpoints) {
    if (!endpoint.empty() && !isLoopbackEndpoint(endpoint)) {
      return "refusing to bind " + endpoint + " without CurveZMQ keys: anyone who can reach it could " +
             std::string(risk) +
             ". Give --keys DIR (see vigil-keygen --help), bind 127.0.0.1, or accept the risk with --insecure";
    }
  }
  return "";
}

}  // namespace vigil::streamer
