// Who may talk to the engine (DESIGN.md section 4, security): its CurveZMQ keys, and the
// ZAP handler (ZeroMQ RFC 27) that admits gateway keys on ingest and station keys on
// alerts and control. The decision is a pure function of the request and the keyring;
// ZapHandler only moves frames between it and the inproc://zeromq.zap.01 socket.
//
// Key directory (vigil-engine --keys DIR):
//   DIR/engine.key, DIR/engine.pub   the engine's pair (engine.pub optional, checked if there)
//   DIR/gateways/NAME.pub            admitted on the ingest domain
//   DIR/stations/NAME.pub            admitted on the alerts and control domains
//   DIR/peers/NAME.pub               with --star and --peer-key NAME: the other engine of the
//                                    Binary Star pair (its engine.pub), admitted on the peer
//                                    state domain and on control, where only it may forward
// NAME (the file stem) becomes the ZeroMQ User-Id of the connection.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "streamer/security.h"

namespace vigil::service {

// One ZAP domain per engine socket, so a key is admitted only where its role belongs.
enum class ZapDomain { Ingest, Alerts, Control, Peer };
inline constexpr char kIngestZapDomain[] = "vigil-ingest";
inline constexpr char kAlertsZapDomain[] = "vigil-alerts";
inline constexpr char kControlZapDomain[] = "vigil-control";
inline constexpr char kPeerZapDomain[] = "vigil-peer";  // the Binary Star state PUB
inline constexpr char kZapEndpoint[] = "inproc://zeromq.zap.01";

std::string_view zapDomainName(ZapDomain domain);
std::optional<ZapDomain> parseZapDomain(std::string_view name);

// Admitted public keys, as their 32 binary bytes (what ZAP hands over), to their names.
struct Keyring {
  std::map<std::string, std::string> gateways;
  std::map<std::string, std::string> stations;
  std::map<std::string, std::string> peers;  // the Binary Star peer, when there is one
};

// The other engine of a Binary Star pair: the name its forwards must come under, and its
// public key, which is also the server key this engine's peer clients expect.
struct PeerKey {
  std::string name;
  std::string public_key;  // Z85
};

struct EngineKeys {
  std::string secret_key;  // Z85
  std::string public_key;  // Z85
  Keyring admitted;
  std::optional<PeerKey> peer;
};

// Reads the key directory described at the top of this file. Missing gateways/ or
// stations/ folders mean nobody of that role is admitted; a bad or duplicated key is an
// error, never skipped. `peer_name` (--peer-key) names DIR/peers/NAME.pub, which must be
// there; "" admits no peer. Only that one file of peers/ is read.
streamer::Loaded<EngineKeys> loadEngineKeys(const std::string& directory, const std::string& peer_name = "");

// A ZAP request, the frames after the empty delimiter (RFC 27).
struct ZapRequest {
  std::string version;
  std::string request_id;
  std::string domain;
  std::string address;
  std::string routing_id;
  std::string mechanism;
  std::vector<std::string> credentials;
};

// nullopt when fewer than the six fixed frames arrived.
std::optional<ZapRequest> parseZapRequest(const std::vector<std::string>& frames);

struct ZapDecision {
  std::string status_code;  // "200" admitted, "400" refused, "500" not understood
  std::string status_text;
  std::string user_id;  // the admitted key's name
  bool admitted() const { return status_code == "200"; }
};

ZapDecision decideZap(const ZapRequest& request, const Keyring& keyring);

// The name an acknowledgement is recorded under: the authenticated identity (ZAP
// User-Id) when there is one, otherwise the name the station claims, marked as such.
std::string acknowledgerName(const std::optional<std::string>& authenticated, std::string_view claimed);
// The same with the nurse the station signed in: "station-7 (RN Lee)". The nurse is the
// station's word; the station part is still the key's name when there is one.
std::string acknowledgerName(const std::optional<std::string>& authenticated, std::string_view claimed,
                             std::string_view nurse);

struct ZapCounters {
  std::uint64_t admitted = 0;
  std::uint64_t rejected_ingest = 0;
  std::uint64_t rejected_alerts = 0;
  std::uint64_t rejected_control = 0;
  std::uint64_t rejected_peer = 0;
  std::uint64_t rejected_unknown_domain = 0;
  std::uint64_t malformed = 0;

  // Every field, by name (alarms/core/counters.h).
  template <typename Visit>
  void visitFields(Visit&& visit) const {
    visit("admitted", admitted);
    visit("rejected_ingest", rejected_ingest);
    visit("rejected_alerts", rejected_alerts);
    visit("rejected_control", rejected_control);
    visit("rejected_peer", rejected_peer);
    visit("rejected_unknown_domain", rejected_unknown_domain);
    visit("malformed", malformed);
  }
  std::uint64_t rejected() const {
    return rejected_ingest + rejected_alerts + rejected_control + rejected_peer + rejected_unknown_domain + malformed;
  }
};

// The ZAP socket of the engine's ZeroMQ context. It must exist before the CURVE server
// sockets accept anyone: without a handler libzmq lets every CURVE client in.
class ZapHandler {
 public:
  ZapHandler(zmq::context_t& context, Keyring keyring, std::ostream& log);

  zmq::socket_ref handle() { return socket_; }
  // Answers one waiting request (non-blocking; nothing happens when none is waiting).
  void handleOne();
  const ZapCounters& counters() const { return counters_; }

 private:
  void count(const ZapRequest& request, const ZapDecision& decision);
  std::uint64_t& rejectedCounter(std::optional<ZapDomain> domain);
  void logRejection(const ZapRequest& request, const ZapDecision& decision);

  zmq::socket_t socket_;
  Keyring keyring_;
  std::ostream& log_;
  ZapCounters counters_;
  // Rejections so far per domain and key fingerprint: a refused client retries every
  // reconnect interval, so a key is logged at its 1st, 2nd, 4th, 8th ... rejection.
  std::map<std::string, std::uint64_t> rejections_by_key_;
};

}  // namespace vigil::service
