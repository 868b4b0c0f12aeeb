// Key files, Z85, fingerprints, client key loading and the loopback rule.
#include "streamer/security.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace vigil::streamer {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "vigil-security-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

void writeText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

unsigned modeOf(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return 0;
  return info.st_mode & 0777;
}

TEST(Z85, EncodesTheSpecificationsExample) {
  // ZeroMQ RFC 32's test vector.
  const std::string bytes{'\x86', '\x4F', '\xD2', '\x6F', '\xB5', '\x59', '\xF7', '\x5B'};
  EXPECT_EQ(z85Encode(bytes), "HelloWorld");
  EXPECT_EQ(z85Decode("HelloWorld"), bytes);
}

TEST(Z85, RefusesWrongLengthsAndCharacters) {
  EXPECT_EQ(z85Encode("abc"), "");
  EXPECT_FALSE(z85Decode("Hello1"));
  EXPECT_FALSE(z85Decode("Hell\"World"));  // '"' is not in the Z85 alphabet
}

TEST(CurveKeys, AGeneratedPairIsTwoDifferentKeysAndThePublicDerivesFromTheSecret) {
  const auto pair = generateKeyPair();
  EXPECT_TRUE(isZ85Key(pair.public_z85));
  EXPECT_TRUE(isZ85Key(pair.secret_z85));
  EXPECT_NE(pair.public_z85, pair.secret_z85);
  EXPECT_EQ(publicKeyOf(pair.secret_z85), pair.public_z85);
  EXPECT_NE(generateKeyPair().secret_z85, pair.secret_z85);
  EXPECT_FALSE(publicKeyOf("too short"));
}

TEST(CurveKeys, IsZ85KeyWantsFortyCharactersOfZ85) {
  const auto key = generateKeyPair().public_z85;
  EXPECT_TRUE(isZ85Key(key));
  EXPECT_FALSE(isZ85Key(key.substr(0, 35)));
  EXPECT_FALSE(isZ85Key(key + "HelloWorld"));
  EXPECT_FALSE(isZ85Key(std::string(40, ' ')));
}

TEST(Fingerprint, IsTheFirstEightZ85CharactersWhetherGivenAsTextOrBytes) {
  const auto key = generateKeyPair().public_z85;
  const auto print = fingerprint(key);
  EXPECT_EQ(print, key.substr(0, kFingerprintChars));
  EXPECT_EQ(fingerprint(*z85Decode(key)), print);
  EXPECT_LT(print.size(), key.size());  // never the whole key
  EXPECT_EQ(fingerprint("not a key"), "not-a-key");
}

TEST(KeyNames, AreFileStemsWithoutPathsOrHiddenFiles) {
  EXPECT_TRUE(isValidKeyName("station-3"));
  EXPECT_TRUE(isValidKeyName("gw_pacu.2"));
  EXPECT_FALSE(isValidKeyName(""));
  EXPECT_FALSE(isValidKeyName(".hidden"));
  EXPECT_FALSE(isValidKeyName("../engine"));
  EXPECT_FALSE(isValidKeyName("a b"));
  EXPECT_FALSE(isValidKeyName(std::string(65, 'a')));
}

TEST(KeyFiles, WriteThenReadGivesTheKeyBack) {
  TempDir dir;
  const auto key = generateKeyPair().secret_z85;
  ASSERT_EQ(writeKeyFile(dir.file("a.key"), key, 0600, Overwrite::Refuse), "");
  const auto read = readKeyFile(dir.file("a.key"));
  ASSERT_TRUE(read.ok()) << read.error;
  EXPECT_EQ(*read.value, key);
  EXPECT_EQ(modeOf(dir.file("a.key")), 0600u);
}

TEST(KeyFiles, ReadingSkipsCommentsAndBlankLines) {
  TempDir dir;
  const auto key = generateKeyPair().public_z85;
  writeText(dir.file("a.pub"), "# station 3, ward B\n\n  " + key + "  \r\n");
  const auto read = readKeyFile(dir.file("a.pub"));
  ASSERT_TRUE(read.ok()) << read.error;
  EXPECT_EQ(*read.value, key);
}

TEST(KeyFiles, ReadingRefusesMissingEmptyDoubleAndNonKeyFilesWithTheReason) {
  TempDir dir;
  const auto missing = readKeyFile(dir.file("none.pub"));
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.error.find("cannot read"), std::string::npos) << missing.error;

  writeText(dir.file("empty.pub"), "# nothing\n");
  EXPECT_NE(readKeyFile(dir.file("empty.pub")).error.find("no key"), std::string::npos);

  const auto key = generateKeyPair().public_z85;
  writeText(dir.file("two.pub"), key + "\n" + key + "\n");
  EXPECT_NE(readKeyFile(dir.file("two.pub")).error.find("more than one key"), std::string::npos);

  writeText(dir.file("junk.pub"), "hello\n");
  EXPECT_NE(readKeyFile(dir.file("junk.pub")).error.find("not a CurveZMQ key"), std::string::npos);
}

TEST(KeyFiles, WritingRefusesAnExistingFileUnlessToldToReplaceIt) {
  TempDir dir;
  const auto first = generateKeyPair().secret_z85;
  const auto second = generateKeyPair().secret_z85;
  ASSERT_EQ(writeKeyFile(dir.file("a.key"), first, 0600, Overwrite::Refuse), "");
  const auto refused = writeKeyFile(dir.file("a.key"), second, 0600, Overwrite::Refuse);
  EXPECT_NE(refused.find("exists"), std::string::npos) << refused;
  EXPECT_EQ(*readKeyFile(dir.file("a.key")).value, first);

  ASSERT_EQ(writeKeyFile(dir.file("a.key"), second, 0600, Overwrite::Replace), "");
  EXPECT_EQ(*readKeyFile(dir.file("a.key")).value, second);
}

TEST(KeyFiles, AReplacedSecretKeyEndsUp0600WhateverTheOldFileWas) {
  TempDir dir;
  writeText(dir.file("a.key"), "old\n");
  ASSERT_EQ(::chmod(dir.file("a.key").c_str(), 0644), 0);
  ASSERT_EQ(writeKeyFile(dir.file("a.key"), generateKeyPair().secret_z85, 0600, Overwrite::Replace), "");
  EXPECT_EQ(modeOf(dir.file("a.key")), 0600u);
}

class ClientSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writeText(dir_.file("station.key"), client_.secret_z85 + "\n");
    writeText(dir_.file("station.pub"), client_.public_z85 + "\n");
    writeText(dir_.file("engine.pub"), server_.public_z85 + "\n");
  }
  TempDir dir_;
  KeyPair client_ = generateKeyPair();
  KeyPair server_ = generateKeyPair();
};

TEST_F(ClientSecurityTest, NoFlagsMeansAPlainConnection) {
  const auto loaded = loadClientSecurity({});
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded.value->curve);
}

TEST_F(ClientSecurityTest, LoadsTheOwnPairAndTheServerKey) {
  const auto loaded = loadClientSecurity({dir_.file("station.key"), dir_.file("engine.pub")});
  ASSERT_TRUE(loaded.ok()) << loaded.error;
  ASSERT_TRUE(loaded.value->curve);
  EXPECT_EQ(loaded.value->curve->secret_key, client_.secret_z85);
  EXPECT_EQ(loaded.value->curve->public_key, client_.public_z85);
  EXPECT_EQ(loaded.value->curve->server_key, server_.public_z85);
}

TEST_F(ClientSecurityTest, OneFlagWithoutTheOtherIsAnError) {
  EXPECT_NE(loadClientSecurity({dir_.file("station.key"), ""}).error.find("--server-key"), std::string::npos);
  EXPECT_NE(loadClientSecurity({"", dir_.file("engine.pub")}).error.find("--key"), std::string::npos);
}

TEST_F(ClientSecurityTest, APublicFileThatDoesNotBelongToTheSecretIsAnError) {
  writeText(dir_.file("station.pub"), generateKeyPair().public_z85 + "\n");
  const auto loaded = loadClientSecurity({dir_.file("station.key"), dir_.file("engine.pub")});
  EXPECT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error.find("does not belong"), std::string::npos) << loaded.error;
}

TEST_F(ClientSecurityTest, AMissingKeyFileIsAnError) {
  EXPECT_FALSE(loadClientSecurity({dir_.file("nobody.key"), dir_.file("engine.pub")}).ok());
  EXPECT_FALSE(loadClientSecurity({dir_.file("station.key"), dir_.file("nothing.pub")}).ok());
}

TEST_F(ClientSecurityTest, AnEnginePairWithAKeyEachGivesOneServerKeyPerAddress) {
  const auto backup = generateKeyPair();
  writeText(dir_.file("backup.pub"), backup.public_z85 + "\n");
  const auto loaded =
      loadClientSecurity({dir_.file("station.key"), dir_.file("engine.pub") + "," + dir_.file("backup.pub")});
  ASSERT_TRUE(loaded.ok()) << loaded.error;
  const auto& curve = *loaded.value->curve;
  EXPECT_EQ(curve.serverKeyFor(0), server_.public_z85);
  EXPECT_EQ(curve.serverKeyFor(1), backup.public_z85);
  EXPECT_FALSE(
      loadClientSecurity({dir_.file("station.key"), dir_.file("engine.pub") + "," + dir_.file("none.pub")}).ok());
}

TEST_F(ClientSecurityTest, ServerKeysThatAreNeitherOneNorOnePerAddressAreRefusedAtConnect) {
  writeText(dir_.file("backup.pub"), generateKeyPair().public_z85 + "\n");
  const auto loaded =
      loadClientSecurity({dir_.file("station.key"), dir_.file("engine.pub") + "," + dir_.file("backup.pub")});
  ASSERT_TRUE(loaded.ok()) << loaded.error;
  zmq::context_t context;
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  EXPECT_THROW(loaded.value->connectEach(socket, "tcp://127.0.0.1:5"), std::invalid_argument);
  EXPECT_EQ(loaded.value->connectEach(socket, "tcp://127.0.0.1:5,tcp://127.0.0.1:6"), 2u);
  // One key serves any number of addresses (one engine, or a pair sharing its key).
  const auto one = loadClientSecurity({dir_.file("station.key"), dir_.file("engine.pub")});
  zmq::socket_t other(context, zmq::socket_type::dealer);
  EXPECT_EQ(one.value->connectEach(other, "tcp://127.0.0.1:5,tcp://127.0.0.1:6"), 2u);
}

TEST(Loopback, OnlyLoopbackTcpIpcAndInprocCount) {
  for (const char* endpoint : {"tcp://127.0.0.1:7401", "tcp://127.0.0.1:*", "tcp://127.1.2.3:9", "tcp://localhost:7401",
                               "tcp://LOCALHOST:1", "tcp://[::1]:7401", "ipc:///tmp/vigil.sock", "inproc://engine"}) {
    EXPECT_TRUE(isLoopbackEndpoint(endpoint)) << endpoint;
  }
  for (const char* endpoint : {"tcp://0.0.0.0:7401", "tcp://*:7401", "tcp://10.0.0.5:7401", "tcp://128.0.0.1:1",
                               "tcp://eth0:7401", "tcp://[::]:7401", "tcp://localhost.example.org:1", "tcp://127.0.0.1",
                               "pgm://eth0;239.192.1.1:5555", "ws://127.0.0.1:80", "127.0.0.1:7401", ""}) {
    EXPECT_FALSE(isLoopbackEndpoint(endpoint)) << endpoint;
  }
}

}  // namespace
}  // namespace vigil::streamer
