// vigil-keygen's pair writing: both files, the secret one private, nothing overwritten
// unless asked, names that are identities.
#include "tools/vigil-keygen/keygen.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>

namespace vigil::keygen {
namespace {

namespace fs = std::filesystem;
using streamer::generateKeyPair;
using streamer::Overwrite;
using streamer::readKeyFile;

class KeygenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "vigil-keygen-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }

  static unsigned modeOf(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 ? (info.st_mode & 0777) : 0;
  }

  fs::path root_;
};

TEST_F(KeygenTest, WritesTheSecretKey0600AndThePublicKeyUnderTheName) {
  const auto pair = generateKeyPair();
  const auto dir = (root_ / "new" / "folder").string();
  const auto written = writeKeyPair(dir, "station-3", pair, Overwrite::Refuse);
  ASSERT_TRUE(written.ok()) << written.error;
  EXPECT_EQ(written.value->secret_path, dir + "/station-3.key");
  EXPECT_EQ(written.value->public_path, dir + "/station-3.pub");
  EXPECT_EQ(readKeyFile(written.value->secret_path).value, pair.secret_z85);
  EXPECT_EQ(readKeyFile(written.value->public_path).value, pair.public_z85);
  EXPECT_EQ(modeOf(written.value->secret_path), 0600u);
  EXPECT_EQ(modeOf(written.value->public_path) & 0600u, 0600u);
}

TEST_F(KeygenTest, RefusesToReplaceEitherFileWithoutForceAndLeavesBothAsTheyWere) {
  const auto first = generateKeyPair();
  ASSERT_TRUE(writeKeyPair(root_.string(), "gw-1", first, Overwrite::Refuse).ok());
  fs::remove(root_ / "gw-1.key");  // only the public half left: still nothing is written
  const auto refused = writeKeyPair(root_.string(), "gw-1", generateKeyPair(), Overwrite::Refuse);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.error.find("--force"), std::string::npos) << refused.error;
  EXPECT_FALSE(fs::exists(root_ / "gw-1.key"));
  EXPECT_EQ(readKeyFile((root_ / "gw-1.pub").string()).value, first.public_z85);
}

TEST_F(KeygenTest, ForceReplacesThePair) {
  ASSERT_TRUE(writeKeyPair(root_.string(), "gw-1", generateKeyPair(), Overwrite::Refuse).ok());
  const auto second = generateKeyPair();
  ASSERT_TRUE(writeKeyPair(root_.string(), "gw-1", second, Overwrite::Replace).ok());
  EXPECT_EQ(readKeyFile((root_ / "gw-1.key").string()).value, second.secret_z85);
  EXPECT_EQ(readKeyFile((root_ / "gw-1.pub").string()).value, second.public_z85);
}

TEST_F(KeygenTest, RefusesNamesThatAreNotPlainFileStems) {
  for (const char* name : {"", "../engine", ".hidden", "a/b", "two words"}) {
    const auto refused = writeKeyPair(root_.string(), name, generateKeyPair(), Overwrite::Refuse);
    EXPECT_FALSE(refused.ok()) << name;
  }
  EXPECT_TRUE(fs::is_empty(root_));
}

TEST_F(KeygenTest, TheFingerprintOfBothHalvesIsTheEnginesLogFingerprint) {
  const auto pair = generateKeyPair();
  ASSERT_TRUE(writeKeyPair(root_.string(), "station-3", pair, Overwrite::Refuse).ok());
  const auto from_public = fingerprintOfFile((root_ / "station-3.pub").string());
  const auto from_secret = fingerprintOfFile((root_ / "station-3.key").string());
  ASSERT_TRUE(from_public.ok() && from_secret.ok());
  EXPECT_EQ(*from_public.value, pair.public_z85.substr(0, 8));
  EXPECT_EQ(*from_secret.value, *from_public.value);
  EXPECT_FALSE(fingerprintOfFile((root_ / "nobody.pub").string()).ok());
}

}  // namespace
}  // namespace vigil::keygen
