#include "alarms/service/zap.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "streamer/zmq_io.h"

namespace vigil::service {
namespace fs = std::filesystem;

namespace {

constexpr char kZapVersion[] = "1.0";
constexpr char kCurveMechanism[] = "CURVE";
// Distinct keys whose rejections are remembered for log throttling; beyond this the
// memory starts afresh rather than growing with every key an attacker invents.
constexpr std::size_t kRememberedRejectedKeys = 4096;

ZapDecision refuse(std::string text) { return {"400", std::move(text), {}}; }

// The name an admitted key has in a domain: gateways on ingest, stations on alerts, the
// Binary Star peer on its state socket, stations and the peer on control (the peer hands
// over what its stations asked for there).
std::optional<std::string> admittedName(ZapDomain domain, const Keyring& keyring, const std::string& key) {
  const auto lookup = [&key](const std::map<std::string, std::string>& admitted) -> std::optional<std::string> {
    const auto found = admitted.find(key);
    if (found == admitted.end()) return std::nullopt;
    return found->second;
  };
  switch (domain) {
    case ZapDomain::Ingest: return lookup(keyring.gateways);
    case ZapDomain::Alerts: return lookup(keyring.stations);
    case ZapDomain::Control: {
      auto station = lookup(keyring.stations);
      return station ? station : lookup(keyring.peers);
    }
    case ZapDomain::Peer: return lookup(keyring.peers);
  }
  return std::nullopt;
}

std::string_view roleOf(ZapDomain domain) {
  switch (domain) {
    case ZapDomain::Ingest: return "gateway";
    case ZapDomain::Peer: return "peer engine";
    default: return "station";
  }
}

bool isPowerOfTwo(std::uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

// Every NAME.pub of a folder into `admitted`; a missing folder admits nobody.
std::string loadPublicKeys(const fs::path& folder, std::map<std::string, std::string>& admitted) {
  std::error_code error;
  if (!fs::is_directory(folder, error)) return {};
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    if (entry.path().extension() == ".pub") files.push_back(entry.path());
  }
  if (error) return "cannot list " + folder.string() + ": " + error.message();
  std::sort(files.begin(), files.end());  // the same error first on every start
  for (const auto& file : files) {
    const auto name = file.stem().string();
    if (!streamer::isValidKeyName(name)) return file.string() + ": '" + name + "' is not a key name";
    const auto key = streamer::readKeyFile(file.string());
    if (!key.ok()) return key.error;
    const auto [place, added] = admitted.emplace(*streamer::z85Decode(*key.value), name);
    if (!added) return file.string() + " is the same key as " + place->second + ".pub: one key, one identity";
  }
  return {};
}

// DIR/peers/NAME.pub into the keyring. Its name and key must be nobody else's: on the
// control domain the name is what lets a PeerForward in, so a station of that name, or a
// station holding that key, would pass for the peer.
std::string admitPeer(const fs::path& root, const std::string& name, EngineKeys& keys) {
  const auto path = (root / "peers" / (name + ".pub")).string();
  if (!streamer::isValidKeyName(name)) return "--peer-key '" + name + "' is not a key name";
  const auto key = streamer::readKeyFile(path);
  if (!key.ok()) return key.error + " (the peer engine's engine.pub, copied there as " + name + ".pub)";
  const auto binary = *streamer::z85Decode(*key.value);
  for (const auto* admitted : {&keys.admitted.gateways, &keys.admitted.stations}) {
    if (const auto found = admitted->find(binary); found != admitted->end()) {
      return path + " is the same key as " + found->second + ".pub: a peer engine's key must be its own";
    }
    if (std::any_of(admitted->begin(), admitted->end(), [&](const auto& entry) { return entry.second == name; })) {
      return path + ": '" + name + "' is also an admitted client's name; name the peer apart";
    }
  }
  keys.admitted.peers.emplace(binary, name);
  keys.peer = PeerKey{name, *key.value};
  return {};
}

}  // namespace

std::string_view zapDomainName(ZapDomain domain) {
  switch (domain) {
    case ZapDomain::Ingest: return kIngestZapDomain;
    case ZapDomain::Alerts: return kAlertsZapDomain;
    case ZapDomain::Control: return kControlZapDomain;
    case ZapDomain::Peer: return kPeerZapDomain;
  }
  return "unknown";
}

std::optional<ZapDomain> parseZapDomain(std::string_view name) {
  for (const auto domain : {ZapDomain::Ingest, ZapDomain::Alerts, ZapDomain::Control, ZapDomain::Peer}) {
    if (zapDomainName(domain) == name) return domain;
  }
  return std::nullopt;
}

streamer::Loaded<EngineKeys> loadEngineKeys(const std::string& directory, const std::string& peer_name) {
  const fs::path root(directory);
  const auto secret = streamer::readKeyFile((root / "engine.key").string());
  if (!secret.ok()) return {std::nullopt, secret.error};
  EngineKeys keys{*secret.value, *streamer::publicKeyOf(*secret.value), {}, std::nullopt};
  if (std::error_code error; fs::exists(root / "engine.pub", error)) {
    const auto stored = streamer::readKeyFile((root / "engine.pub").string());
    if (!stored.ok()) return {std::nullopt, stored.error};
    if (*stored.value != keys.public_key) {
      return {std::nullopt, (root / "engine.pub").string() + " does not belong to engine.key"};
    }
  }
  if (auto error = loadPublicKeys(root / "gateways", keys.admitted.gateways); !error.empty())
    return {std::nullopt, error};
  if (auto error = loadPublicKeys(root / "stations", keys.admitted.stations); !error.empty())
    return {std::nullopt, error};
  if (!peer_name.empty()) {
    if (auto error = admitPeer(root, peer_name, keys); !error.empty()) return {std::nullopt, error};
  }
  return {std::move(keys), {}};
}

std::optional<ZapRequest> parseZapRequest(const std::vector<std::string>& frames) {
  constexpr std::size_t kFixedFrames = 6;
  if (frames.size() < kFixedFrames) return std::nullopt;
  ZapRequest request{frames[0], frames[1], frames[2], frames[3], frames[4], frames[5], {}};
  request.credentials.assign(frames.begin() + kFixedFrames, frames.end());
  return request;
}

ZapDecision decideZap(const ZapRequest& request, const Keyring& keyring) {
  if (request.version != kZapVersion) return {"500", "unsupported ZAP version", {}};
  const auto domain = parseZapDomain(request.domain);
  if (!domain) return refuse("unknown domain");
  // NULL or PLAIN on a CURVE socket is a misconfigured server, never a client to admit.
  if (request.mechanism != kCurveMechanism) return refuse("CURVE required");
  if (request.credentials.size() != 1 || request.credentials[0].size() != streamer::kCurveKeyBytes) {
    return refuse("malformed CURVE credentials");
  }
  auto name = admittedName(*domain, keyring, request.credentials[0]);
  if (!name) return refuse("not an admitted " + std::string(roleOf(*domain)) + " key");
  return {"200", "OK", std::move(*name)};
}

std::string acknowledgerName(const std::optional<std::string>& authenticated, std::string_view claimed) {
  if (authenticated && !authenticated->empty()) return *authenticated;
  const std::string name = claimed.empty() ? "unnamed station" : std::string(claimed);
  return name + " (unauthenticated)";
}

std::string acknowledgerName(const std::optional<std::string>& authenticated, std::string_view claimed,
                             std::string_view nurse) {
  if (nurse.empty()) return acknowledgerName(authenticated, claimed);
  const std::string with_nurse = " (" + std::string(nurse) + ")";
  if (authenticated && !authenticated->empty()) return *authenticated + with_nurse;
  return acknowledgerName(authenticated, (claimed.empty() ? "unnamed station" : std::string(claimed)) + with_nurse);
}

ZapHandler::ZapHandler(zmq::context_t& context, Keyring keyring, std::ostream& log)
    : socket_(context, zmq::socket_type::router), keyring_(std::move(keyring)), log_(log) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind(kZapEndpoint);
}

void ZapHandler::handleOne() {
  auto frames = streamer::receiveMultipart(socket_);
  // [routing id][empty][request...]: libzmq frames its ZAP requests like a REQ socket.
  if (frames.size() < 2) return;
  std::vector<std::string> request_frames;
  for (std::size_t i = 2; i < frames.size(); ++i) request_frames.push_back(frames[i].to_string());
  const auto request = parseZapRequest(request_frames);
  if (!request) {
    // Without a request id there is nothing to answer; libzmq only sends whole requests.
    ++counters_.malformed;
    log_ << "vigil-engine: ZAP request with " << request_frames.size() << " frames ignored" << std::endl;
    return;
  }
  const auto decision = decideZap(*request, keyring_);
  count(*request, decision);
  const std::string reply[] = {kZapVersion,          request->request_id, decision.status_code,
                               decision.status_text, decision.user_id,    ""};
  (void)socket_.send(frames[0], zmq::send_flags::sndmore | zmq::send_flags::dontwait);
  (void)socket_.send(zmq::message_t{}, zmq::send_flags::sndmore | zmq::send_flags::dontwait);
  for (std::size_t i = 0; i < std::size(reply); ++i) {
    const auto more = i + 1 < std::size(reply) ? zmq::send_flags::sndmore : zmq::send_flags::none;
    // The inproc ZAP pipe has no high-water mark; a refused send means libzmq is gone.
    (void)socket_.send(zmq::buffer(reply[i]), more | zmq::send_flags::dontwait);
  }
}

void ZapHandler::count(const ZapRequest& request, const ZapDecision& decision) {
  if (decision.admitted()) {
    ++counters_.admitted;
    log_ << "vigil-engine: admitted " << decision.user_id << " (" << streamer::fingerprint(request.credentials[0])
         << ") on " << request.domain << " from " << request.address << std::endl;
    return;
  }
  ++rejectedCounter(parseZapDomain(request.domain));
  logRejection(request, decision);
}

std::uint64_t& ZapHandler::rejectedCounter(std::optional<ZapDomain> domain) {
  if (!domain) return counters_.rejected_unknown_domain;
  switch (*domain) {
    case ZapDomain::Ingest: return counters_.rejected_ingest;
    case ZapDomain::Alerts: return counters_.rejected_alerts;
    case ZapDomain::Control: return counters_.rejected_control;
    case ZapDomain::Peer: return counters_.rejected_peer;
  }
  return counters_.rejected_unknown_domain;
}

void ZapHandler::logRejection(const ZapRequest& request, const ZapDecision& decision) {
  const std::string print =
      request.credentials.size() == 1 ? streamer::fingerprint(request.credentials[0]) : std::string("no-key");
  if (rejections_by_key_.size() >= kRememberedRejectedKeys) rejections_by_key_.clear();
  const auto times = ++rejections_by_key_[request.domain + " " + print];
  if (!isPowerOfTwo(times)) return;
  log_ << "vigil-engine: REJECTED key " << print << " on " << request.domain << " from " << request.address << ": "
       << decision.status_text << " (rejection " << times << " of this key)" << std::endl;
}

}  // namespace vigil::service
