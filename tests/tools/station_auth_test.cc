// Nurse sign-in's parts without sockets (tools/vigil-station/auth.h): PBKDF2 records and
// their verification, the users file and --add-user's atomic 0600 write, the attempt
// limiter and the session store, each driven with the time passed in.
#include "tools/vigil-station/auth.h"

#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <sys/stat.h>

namespace vigil::station {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kFastIterations = kMinPbkdf2Iterations;  // the real figure is slow by design

std::string hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : bytes) out += {kDigits[byte >> 4], kDigits[byte & 0xf]};
  return out;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "vigil-station-auth-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::size_t entries() const { return std::distance(fs::directory_iterator(path_), fs::directory_iterator()); }

 private:
  fs::path path_;
};

TEST(StationPassword, IsPbkdf2HmacSha256) {
  // The published PBKDF2-HMAC-SHA-256 vectors for "password"/"salt", 1 and 2 iterations.
  PasswordRecord one{"n", 1, "salt", {}};
  PasswordRecord two{"n", 2, "salt", {}};
  auto expect = [](PasswordRecord record, const std::string& hash_hex) {
    const auto parsed = parseRecord("n:pbkdf2-sha256:1000:73616c7473616c7473616c7473616c74:" + hash_hex);
    ASSERT_TRUE(parsed.record) << parsed.error;
    record.hash = parsed.record->hash;
    EXPECT_TRUE(verifyPassword(record, "password"));
    EXPECT_FALSE(verifyPassword(record, "passwore"));
  };
  expect(one, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
  expect(two, "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43");
}

TEST(StationPassword, ARecordVerifiesItsOwnPasswordOnlyAndSaltsEachTime) {
  const auto first = makePasswordRecord("RN Lee", "correct horse", kFastIterations);
  const auto second = makePasswordRecord("RN Lee", "correct horse", kFastIterations);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->salt.size(), kSaltBytes);
  EXPECT_EQ(first->hash.size(), kHashBytes);
  EXPECT_NE(first->salt, second->salt);
  EXPECT_NE(first->hash, second->hash) << "the same password hashed twice gave the same line";
  EXPECT_TRUE(verifyPassword(*first, "correct horse"));
  EXPECT_FALSE(verifyPassword(*first, "correct horsE"));
  EXPECT_FALSE(verifyPassword(*first, ""));
  EXPECT_FALSE(verifyPassword(*first, std::string(kMaxPassword + 1, 'x')));

  const auto line = formatRecord(*first);
  EXPECT_EQ(line.rfind("RN Lee:pbkdf2-sha256:1000:" + hex(first->salt) + ":", 0), 0u) << line;
  const auto parsed = parseRecord(line);
  ASSERT_TRUE(parsed.record) << parsed.error;
  EXPECT_TRUE(verifyPassword(*parsed.record, "correct horse"));
}

TEST(StationPassword, MalformedLinesAreRefusedWithAReason) {
  const std::string salt(32, 'a');
  const std::string hash(64, 'b');
  const struct {
    std::string line;
    const char* mentions;
  } cases[] = {
      {"RN Lee:pbkdf2-sha256:1000:" + salt, "wants NAME"},
      {"RN Lee:md5:1000:" + salt + ":" + hash, "unknown scheme"},
      {"RN Lee:pbkdf2-sha256:999:" + salt + ":" + hash, "at least 1000"},
      {"RN Lee:pbkdf2-sha256:lots:" + salt + ":" + hash, "iterations"},
      {"RN Lee:pbkdf2-sha256:1000:abcd:" + hash, "salt"},
      {"RN Lee:pbkdf2-sha256:1000:" + salt + ":" + hash + "0", "hash"},
      {"RN Lee:pbkdf2-sha256:1000:" + salt + ":" + std::string(64, 'z'), "hex"},
      {":pbkdf2-sha256:1000:" + salt + ":" + hash, "empty"},
      {"RN\tLee:pbkdf2-sha256:1000:" + salt + ":" + hash, "control"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.line);
    const auto parsed = parseRecord(c.line);
    EXPECT_FALSE(parsed.record);
    EXPECT_NE(parsed.error.find(c.mentions), std::string::npos) << parsed.error;
  }
}

TEST(StationUsersFile, AddUserWritesA0600FileAtomicallyAndReplacesAPassword) {
  TempDir dir;
  const auto path = dir.file("users");
  ASSERT_EQ(addUser(path, "RN Lee", "first", kFastIterations), "");
  ASSERT_EQ(addUser(path, "RN Kim", "kim's", kFastIterations), "");
  ASSERT_EQ(addUser(path, "RN Lee", "second", kFastIterations), "");
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(dir.entries(), 1u) << "a temporary file was left behind";

  const auto file = loadUsersFile(path);
  ASSERT_TRUE(file.ok()) << file.error;
  ASSERT_EQ(file.users.size(), 2u);
  EXPECT_TRUE(verifyPassword(file.users.at("RN Lee"), "second"));
  EXPECT_FALSE(verifyPassword(file.users.at("RN Lee"), "first"));
  EXPECT_TRUE(verifyPassword(file.users.at("RN Kim"), "kim's"));

  EXPECT_NE(addUser(path, "RN:Lee", "x", kFastIterations), "");
  EXPECT_NE(addUser(path, "RN Lee", "", kFastIterations), "");
  EXPECT_EQ(loadUsersFile(path).users.size(), 2u) << "a refused --add-user changed the file";
}

TEST(StationUsersFile, ABadFileNamesItsLineAndAMissingOneSaysHowToMakeIt) {
  TempDir dir;
  const auto path = dir.file("users");
  const auto line = formatRecord(*makePasswordRecord("RN Lee", "pw", kFastIterations));
  std::ofstream(path) << "# nurses\n\n" << line << "\n" << line << "\n";
  const auto twice = loadUsersFile(path);
  EXPECT_FALSE(twice.ok());
  EXPECT_NE(twice.error.find(path + ":4: the nurse is named twice"), std::string::npos) << twice.error;

  std::ofstream(path) << line << "\nnonsense\n";
  EXPECT_NE(loadUsersFile(path).error.find(path + ":2:"), std::string::npos);

  const auto missing = loadUsersFile(dir.file("absent"));
  EXPECT_NE(missing.error.find("--add-user"), std::string::npos) << missing.error;
}

TEST(StationAttemptLimiter, LocksAKeyOutAfterTooManyFailuresInTheWindow) {
  AttemptLimiter limiter({3, 60s, 300s});
  const auto start = Clock::now();
  limiter.recordFailure("RN Lee", start);
  limiter.recordFailure("RN Lee", start + 1s);
  EXPECT_EQ(limiter.lockedFor("RN Lee", start + 2s), 0s);
  limiter.recordFailure("RN Lee", start + 2s);
  EXPECT_EQ(limiter.lockedFor("RN Lee", start + 2s), 300s);
  EXPECT_EQ(limiter.lockedFor("RN Lee", start + 100s), 202s);
  EXPECT_EQ(limiter.lockedFor("RN Kim", start + 100s), 0s) << "another key is not locked with it";
  EXPECT_EQ(limiter.lockedFor("RN Lee", start + 302s), 0s) << "the lock-out ends";
}

TEST(StationAttemptLimiter, FailuresOutsideTheWindowAndBeforeASuccessDoNotCount) {
  AttemptLimiter limiter({3, 60s, 300s});
  const auto start = Clock::now();
  limiter.recordFailure("a", start);
  limiter.recordFailure("a", start + 30s);
  limiter.recordFailure("a", start + 61s);  // the first has left the window
  EXPECT_EQ(limiter.lockedFor("a", start + 61s), 0s);
  limiter.recordSuccess("a");
  limiter.recordFailure("a", start + 62s);
  limiter.recordFailure("a", start + 63s);
  EXPECT_EQ(limiter.lockedFor("a", start + 63s), 0s);
  limiter.recordFailure("a", start + 64s);
  EXPECT_GT(limiter.lockedFor("a", start + 64s), 0s);
}

TEST(StationAttemptLimiter, AFloodOfNamesDoesNotGrowItWithoutBound) {
  AttemptLimiter limiter({3, 60s, 300s});
  const auto start = Clock::now();
  for (std::size_t i = 0; i < 3 * AttemptLimiter::kMaxKeys; ++i) {
    limiter.recordFailure("name-" + std::to_string(i), start + std::chrono::seconds(i / 100));
  }
  EXPECT_LE(limiter.keys(), AttemptLimiter::kMaxKeys + 1);
}

TEST(StationSessions, ARandomIdNamesTheNurseUntilIdleOrEnded) {
  SessionStore sessions(1800s, 100);
  const auto start = Clock::now();
  const auto lee = sessions.create("RN Lee", start);
  const auto kim = sessions.create("RN Kim", start);
  EXPECT_EQ(lee.size(), 64u);
  EXPECT_NE(lee, kim);
  EXPECT_EQ(sessions.use(lee, start + 1000s), "RN Lee");
  EXPECT_EQ(sessions.use(lee, start + 2700s), "RN Lee") << "use refreshes the idle time";
  EXPECT_EQ(sessions.use(kim, start + 2700s), std::nullopt) << "idle past 30 min";
  EXPECT_EQ(sessions.use(kim, start + 2701s), std::nullopt) << "an expired session stays ended";
  EXPECT_EQ(sessions.use(std::string(64, '0'), start), std::nullopt) << "a forged id";
  EXPECT_EQ(sessions.use("", start), std::nullopt);
  sessions.end(lee);
  EXPECT_EQ(sessions.use(lee, start + 2701s), std::nullopt) << "signed out";
  EXPECT_EQ(sessions.size(), 0u);
}

TEST(StationSessions, AFullStoreEndsTheLeastRecentlyUsed) {
  SessionStore sessions(1800s, 2);
  const auto start = Clock::now();
  const auto first = sessions.create("a", start);
  const auto second = sessions.create("b", start + 1s);
  ASSERT_TRUE(sessions.use(first, start + 2s));
  const auto third = sessions.create("c", start + 3s);
  EXPECT_EQ(sessions.size(), 2u);
  EXPECT_TRUE(sessions.use(first, start + 4s));
  EXPECT_FALSE(sessions.use(second, start + 4s));
  EXPECT_TRUE(sessions.use(third, start + 4s));
}

TEST(StationSessions, IdsDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(randomHex(32));
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(StationSignInText, CookiesAndFormsAreReadStrictly) {
  EXPECT_EQ(cookieValue("a=1; vigil_session=abc; b=2", "vigil_session"), "abc");
  EXPECT_EQ(cookieValue("xvigil_session=abc", "vigil_session"), "");
  EXPECT_EQ(cookieValue("", "vigil_session"), "");
  const auto form = parseForm("name=RN+Lee&password=a%26b%3D%25&extra");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->at("name"), "RN Lee");
  EXPECT_EQ(form->at("password"), "a&b=%");
  EXPECT_EQ(form->at("extra"), "");
  EXPECT_FALSE(parseForm("password=%zz"));
  EXPECT_FALSE(parseForm("password=%4"));
}

}  // namespace
}  // namespace vigil::station
