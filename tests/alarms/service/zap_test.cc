// The engine's key directory, the ZAP decision, the acknowledger's name, and the ZAP
// handler on real sockets: an admitted key's name arrives as the User-Id, a refused key
// never gets a message in and is counted.
#include "alarms/service/zap.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "streamer/zmq_io.h"

namespace vigil::service {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using streamer::generateKeyPair;
using streamer::KeyPair;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "vigil-zap-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const {
    fs::create_directories((path_ / name).parent_path());
    return (path_ / name).string();
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

void writeText(const std::string& path, const std::string& text) { std::ofstream(path) << text << "\n"; }

std::string binaryKey(const KeyPair& pair) { return *streamer::z85Decode(pair.public_z85); }

ZapRequest curveRequest(std::string domain, std::string key) {
  return ZapRequest{"1.0", "7", std::move(domain), "127.0.0.1", "", "CURVE", {std::move(key)}};
}

// ---- the key directory

class EngineKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writeText(dir_.file("engine.key"), engine_.secret_z85);
    writeText(dir_.file("engine.pub"), engine_.public_z85);
    writeText(dir_.file("gateways/gw-1.pub"), gateway_.public_z85);
    writeText(dir_.file("stations/station-3.pub"), station_.public_z85);
  }
  TempDir dir_;
  KeyPair engine_ = generateKeyPair();
  KeyPair gateway_ = generateKeyPair();
  KeyPair station_ = generateKeyPair();
};

TEST_F(EngineKeysTest, LoadsTheEnginePairAndTheAdmittedKeysByName) {
  const auto keys = loadEngineKeys(dir_.path());
  ASSERT_TRUE(keys.ok()) << keys.error;
  EXPECT_EQ(keys.value->secret_key, engine_.secret_z85);
  EXPECT_EQ(keys.value->public_key, engine_.public_z85);
  ASSERT_EQ(keys.value->admitted.gateways.size(), 1u);
  EXPECT_EQ(keys.value->admitted.gateways.at(binaryKey(gateway_)), "gw-1");
  ASSERT_EQ(keys.value->admitted.stations.size(), 1u);
  EXPECT_EQ(keys.value->admitted.stations.at(binaryKey(station_)), "station-3");
}

TEST_F(EngineKeysTest, MissingRoleFoldersAdmitNobodyOfThatRole) {
  fs::remove_all(dir_.path() + "/gateways");
  const auto keys = loadEngineKeys(dir_.path());
  ASSERT_TRUE(keys.ok()) << keys.error;
  EXPECT_TRUE(keys.value->admitted.gateways.empty());
  EXPECT_EQ(keys.value->admitted.stations.size(), 1u);
}

TEST_F(EngineKeysTest, WithoutEngineKeyThereIsNothingToServeWith) {
  fs::remove(dir_.path() + "/engine.key");
  const auto keys = loadEngineKeys(dir_.path());
  EXPECT_FALSE(keys.ok());
  EXPECT_NE(keys.error.find("engine.key"), std::string::npos) << keys.error;
}

TEST_F(EngineKeysTest, AnEnginePubOfAnotherPairIsRefused) {
  writeText(dir_.file("engine.pub"), generateKeyPair().public_z85);
  const auto keys = loadEngineKeys(dir_.path());
  EXPECT_FALSE(keys.ok());
  EXPECT_NE(keys.error.find("does not belong"), std::string::npos) << keys.error;
}

TEST_F(EngineKeysTest, OneKeyUnderTwoNamesIsRefused) {
  writeText(dir_.file("stations/station-4.pub"), station_.public_z85);
  const auto keys = loadEngineKeys(dir_.path());
  EXPECT_FALSE(keys.ok());
  EXPECT_NE(keys.error.find("same key"), std::string::npos) << keys.error;
}

TEST_F(EngineKeysTest, ABadAdmittedKeyIsAnErrorNotSkipped) {
  writeText(dir_.file("gateways/broken.pub"), "not a key");
  const auto keys = loadEngineKeys(dir_.path());
  EXPECT_FALSE(keys.ok());
  EXPECT_NE(keys.error.find("broken.pub"), std::string::npos) << keys.error;
}

TEST_F(EngineKeysTest, OnlyPubFilesAreAdmitted) {
  writeText(dir_.file("stations/station-9.key"), generateKeyPair().secret_z85);
  writeText(dir_.file("stations/notes.txt"), "hello");
  const auto keys = loadEngineKeys(dir_.path());
  ASSERT_TRUE(keys.ok()) << keys.error;
  EXPECT_EQ(keys.value->admitted.stations.size(), 1u);
}

TEST_F(EngineKeysTest, ThePeerNamedByPeerKeyIsAdmittedAsThePeer) {
  const auto peer = generateKeyPair();
  writeText(dir_.file("peers/backup.pub"), peer.public_z85);
  writeText(dir_.file("peers/old-backup.pub"), generateKeyPair().public_z85);
  const auto keys = loadEngineKeys(dir_.path(), "backup");
  ASSERT_TRUE(keys.ok()) << keys.error;
  ASSERT_TRUE(keys.value->peer);
  EXPECT_EQ(keys.value->peer->name, "backup");
  EXPECT_EQ(keys.value->peer->public_key, peer.public_z85);
  ASSERT_EQ(keys.value->admitted.peers.size(), 1u) << "only the named peer, not every file of peers/";
  EXPECT_EQ(keys.value->admitted.peers.at(binaryKey(peer)), "backup");
  EXPECT_FALSE(loadEngineKeys(dir_.path()).value->peer) << "no --peer-key, no peer";
}

TEST_F(EngineKeysTest, APeerKeyThatIsMissingOrPassesForAStationIsRefused) {
  const auto missing = loadEngineKeys(dir_.path(), "backup");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.error.find("peers/backup.pub"), std::string::npos) << missing.error;
  // A station's key as the peer's: that station could forward as the active engine.
  writeText(dir_.file("peers/backup.pub"), station_.public_z85);
  const auto stations_key = loadEngineKeys(dir_.path(), "backup");
  EXPECT_FALSE(stations_key.ok());
  EXPECT_NE(stations_key.error.find("same key as station-3.pub"), std::string::npos) << stations_key.error;
  // A station of the peer's name would get the peer's User-Id on control.
  writeText(dir_.file("peers/station-3.pub"), generateKeyPair().public_z85);
  const auto stations_name = loadEngineKeys(dir_.path(), "station-3");
  EXPECT_FALSE(stations_name.ok());
  EXPECT_NE(stations_name.error.find("also an admitted client's name"), std::string::npos) << stations_name.error;
  EXPECT_FALSE(loadEngineKeys(dir_.path(), "../engine").ok()) << "a name, never a path";
}

// ---- the decision

class ZapDecisionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keyring_.gateways.emplace(binaryKey(gateway_), "gw-1");
    keyring_.stations.emplace(binaryKey(station_), "station-3");
  }
  Keyring keyring_;
  KeyPair gateway_ = generateKeyPair();
  KeyPair station_ = generateKeyPair();
};

TEST_F(ZapDecisionTest, AGatewayKeyIsAdmittedOnIngestUnderItsName) {
  const auto decision = decideZap(curveRequest(kIngestZapDomain, binaryKey(gateway_)), keyring_);
  EXPECT_TRUE(decision.admitted());
  EXPECT_EQ(decision.status_code, "200");
  EXPECT_EQ(decision.user_id, "gw-1");
}

TEST_F(ZapDecisionTest, AStationKeyIsAdmittedOnAlertsAndControl) {
  for (const char* domain : {kAlertsZapDomain, kControlZapDomain}) {
    const auto decision = decideZap(curveRequest(domain, binaryKey(station_)), keyring_);
    EXPECT_TRUE(decision.admitted()) << domain;
    EXPECT_EQ(decision.user_id, "station-3") << domain;
  }
}

TEST_F(ZapDecisionTest, EachRoleIsRefusedOnTheOthersDomains) {
  for (const char* domain : {kAlertsZapDomain, kControlZapDomain}) {
    const auto decision = decideZap(curveRequest(domain, binaryKey(gateway_)), keyring_);
    EXPECT_EQ(decision.status_code, "400") << domain;
    EXPECT_EQ(decision.status_text, "not an admitted station key");
    EXPECT_EQ(decision.user_id, "");
  }
  const auto decision = decideZap(curveRequest(kIngestZapDomain, binaryKey(station_)), keyring_);
  EXPECT_EQ(decision.status_code, "400");
  EXPECT_EQ(decision.status_text, "not an admitted gateway key");
}

TEST_F(ZapDecisionTest, AnUnknownKeyIsRefusedEverywhere) {
  const auto stranger = binaryKey(generateKeyPair());
  for (const char* domain : {kIngestZapDomain, kAlertsZapDomain, kControlZapDomain}) {
    EXPECT_EQ(decideZap(curveRequest(domain, stranger), keyring_).status_code, "400") << domain;
  }
}

TEST_F(ZapDecisionTest, WrongDomainMechanismCredentialsOrVersionAreNotAdmitted) {
  EXPECT_EQ(decideZap(curveRequest("other", binaryKey(station_)), keyring_).status_text, "unknown domain");
  auto plain = curveRequest(kControlZapDomain, binaryKey(station_));
  plain.mechanism = "PLAIN";
  plain.credentials = {"station-3", "password"};
  EXPECT_EQ(decideZap(plain, keyring_).status_code, "400");
  auto null = curveRequest(kControlZapDomain, binaryKey(station_));
  null.mechanism = "NULL";
  null.credentials.clear();
  EXPECT_EQ(decideZap(null, keyring_).status_code, "400");
  auto z85_instead_of_bytes = curveRequest(kControlZapDomain, station_.public_z85);
  EXPECT_EQ(decideZap(z85_instead_of_bytes, keyring_).status_text, "malformed CURVE credentials");
  auto future = curveRequest(kControlZapDomain, binaryKey(station_));
  future.version = "2.0";
  EXPECT_EQ(decideZap(future, keyring_).status_code, "500");
}

TEST_F(ZapDecisionTest, OnlyThePeersKeyIsAdmittedOnThePeerStateAndItIsKnownByNameOnControl) {
  const auto peer = generateKeyPair();
  keyring_.peers.emplace(binaryKey(peer), "backup");
  for (const char* domain : {kPeerZapDomain, kControlZapDomain}) {
    const auto decision = decideZap(curveRequest(domain, binaryKey(peer)), keyring_);
    EXPECT_TRUE(decision.admitted()) << domain;
    EXPECT_EQ(decision.user_id, "backup") << domain;
  }
  for (const auto& key : {binaryKey(station_), binaryKey(gateway_), binaryKey(generateKeyPair())}) {
    const auto decision = decideZap(curveRequest(kPeerZapDomain, key), keyring_);
    EXPECT_EQ(decision.status_code, "400");
    EXPECT_EQ(decision.status_text, "not an admitted peer engine key");
  }
  for (const char* domain : {kIngestZapDomain, kAlertsZapDomain}) {
    EXPECT_EQ(decideZap(curveRequest(domain, binaryKey(peer)), keyring_).status_code, "400") << domain;
  }
}

TEST(ZapRequestParsing, TakesTheSixFixedFramesAndTheCredentials) {
  const auto request = parseZapRequest({"1.0", "1", "vigil-ingest", "10.1.2.3", "", "CURVE", "KEY"});
  ASSERT_TRUE(request);
  EXPECT_EQ(request->request_id, "1");
  EXPECT_EQ(request->domain, "vigil-ingest");
  EXPECT_EQ(request->address, "10.1.2.3");
  EXPECT_EQ(request->mechanism, "CURVE");
  EXPECT_EQ(request->credentials, std::vector<std::string>{"KEY"});
  EXPECT_FALSE(parseZapRequest({"1.0", "1", "vigil-ingest", "10.1.2.3", ""}));
}

TEST(ZapDomains, NamesRoundTrip) {
  for (const auto domain : {ZapDomain::Ingest, ZapDomain::Alerts, ZapDomain::Control, ZapDomain::Peer}) {
    EXPECT_EQ(parseZapDomain(zapDomainName(domain)), domain);
  }
  EXPECT_FALSE(parseZapDomain("vigil"));
}

TEST(Acknowledger, TheAuthenticatedIdentityWinsOverTheClaimedName) {
  EXPECT_EQ(acknowledgerName(std::string("station-3"), "impostor"), "station-3");
  EXPECT_EQ(acknowledgerName(std::nullopt, "bed-station"), "bed-station (unauthenticated)");
  EXPECT_EQ(acknowledgerName(std::nullopt, ""), "unnamed station (unauthenticated)");
  EXPECT_EQ(acknowledgerName(std::string(), "bed-station"), "bed-station (unauthenticated)");
}

TEST(Acknowledger, TheSignedInNurseGoesWithTheKeysName) {
  EXPECT_EQ(acknowledgerName(std::string("station-3"), "impostor", "RN Lee"), "station-3 (RN Lee)");
  EXPECT_EQ(acknowledgerName(std::nullopt, "bed-station", "RN Lee"), "bed-station (RN Lee) (unauthenticated)");
  EXPECT_EQ(acknowledgerName(std::nullopt, "", "RN Lee"), "unnamed station (RN Lee) (unauthenticated)");
  EXPECT_EQ(acknowledgerName(std::string("station-3"), "impostor", ""), "station-3");
}

// ---- the handler on real sockets

// A CURVE ROUTER in the control domain with its ZAP handler, both driven by this thread.
class ZapHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keyring_.stations.emplace(binaryKey(station_), "station-3");
    zap_ = std::make_unique<ZapHandler>(context_, keyring_, log_);
    streamer::applyCurveServer(server_, engine_.secret_z85, kControlZapDomain);
    server_.set(zmq::sockopt::linger, 0);
    endpoint_ = streamer::bindResolved(server_, "tcp://127.0.0.1:*");
  }

  std::unique_ptr<zmq::socket_t> client(const KeyPair& pair) {
    auto socket = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
    socket->set(zmq::sockopt::linger, 0);
    streamer::ClientSecurity{streamer::ClientCurve{pair.public_z85, pair.secret_z85, engine_.public_z85}}.apply(
        *socket);
    socket->connect(endpoint_);
    return socket;
  }

  // Answers ZAP requests until the server receives a message or the deadline passes.
  std::vector<zmq::message_t> serveUntilMessage(std::chrono::steady_clock::time_point deadline) {
    while (std::chrono::steady_clock::now() < deadline) {
      zmq::pollitem_t items[] = {{zap_->handle().handle(), 0, ZMQ_POLLIN, 0}, {server_.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 2, 50ms);
      if (items[0].revents & ZMQ_POLLIN) zap_->handleOne();
      if (items[1].revents & ZMQ_POLLIN) return streamer::receiveMultipart(server_);
    }
    return {};
  }

  // Answers ZAP requests until `done` holds or the deadline passes.
  bool serveUntil(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline) {
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      zmq::pollitem_t item{zap_->handle().handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 50ms);
      if (item.revents & ZMQ_POLLIN) zap_->handleOne();
    }
    return true;
  }

  zmq::context_t context_;
  std::ostringstream log_;
  Keyring keyring_;
  KeyPair engine_ = generateKeyPair();
  KeyPair station_ = generateKeyPair();
  std::unique_ptr<ZapHandler> zap_;
  zmq::socket_t server_{context_, zmq::socket_type::router};
  std::string endpoint_;
};

TEST_F(ZapHandlerTest, AnAdmittedKeysMessagesCarryItsNameAsUserId) {
  auto station = client(station_);
  station->send(zmq::str_buffer("hello"), zmq::send_flags::none);
  const auto frames = serveUntilMessage(std::chrono::steady_clock::now() + 10s);
  ASSERT_EQ(frames.size(), 2u) << "the admitted client's message never arrived";
  EXPECT_EQ(frames[1].to_string(), "hello");
  const char* user_id = zmq_msg_gets(const_cast<zmq::message_t&>(frames[1]).handle(), "User-Id");
  ASSERT_NE(user_id, nullptr);
  EXPECT_STREQ(user_id, "station-3");
  EXPECT_EQ(zap_->counters().admitted, 1u);
  EXPECT_EQ(zap_->counters().rejected(), 0u);
  EXPECT_NE(log_.str().find("admitted station-3 (" + station_.public_z85.substr(0, 8) + ")"), std::string::npos)
      << log_.str();
}

TEST_F(ZapHandlerTest, AnUnknownKeyIsRefusedCountedAndLoggedByFingerprintOnly) {
  const auto stranger = generateKeyPair();
  auto rogue = client(stranger);
  rogue->send(zmq::str_buffer("let me in"), zmq::send_flags::dontwait);
  ASSERT_TRUE(serveUntil([&] { return zap_->counters().rejected_control > 0; }, std::chrono::steady_clock::now() + 10s))
      << "the stranger's handshake never reached the ZAP handler";
  // The admitted station is the barrier: once its message is through, the rogue's would
  // have been too, had it been let in.
  auto station = client(station_);
  station->send(zmq::str_buffer("hello"), zmq::send_flags::none);
  const auto frames = serveUntilMessage(std::chrono::steady_clock::now() + 10s);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1].to_string(), "hello");
  EXPECT_EQ(zap_->counters().rejected_ingest, 0u);
  EXPECT_EQ(zap_->counters().rejected_alerts, 0u);
  const auto log = log_.str();
  EXPECT_NE(log.find("REJECTED key " + stranger.public_z85.substr(0, 8) + " on vigil-control"), std::string::npos)
      << log;
  EXPECT_EQ(log.find(stranger.public_z85), std::string::npos) << "the whole key was logged";
}

}  // namespace
}  // namespace vigil::service
