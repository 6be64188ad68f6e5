// Tests of load_or_create_jwt_secret: creation (0600, 64 hex chars, atomic,
// no leftovers), reuse, trimming and rejection of short secrets.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "auth/jwt.h"

namespace claribi::auth {
namespace {

class JwtSecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/claribi_auth_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/jwt_secret";
  }
  void TearDown() override {
    for (const std::string& name : entries()) ::unlink((dir_ + "/" + name).c_str());
    ::rmdir(dir_.c_str());
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(dir_.c_str())) {
      while (dirent* e = ::readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.push_back(e->d_name);
      ::closedir(d);
    }
    return names;
  }
  void write_file(const std::string& content) { std::ofstream(path_, std::ios::binary) << content; }
  std::string read_file() const {
    std::ifstream in(path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::string dir_, path_;
};

TEST_F(JwtSecretTest, CreatesOwnerOnlyFileOnceAndReusesIt) {
  Result<std::string> first = load_or_create_jwt_secret(path_);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->size(), 64u);
  EXPECT_EQ(first->find_first_not_of("0123456789abcdef"), std::string::npos) << *first;
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(read_file(), *first);
  EXPECT_EQ(entries(), std::vector<std::string>{"jwt_secret"});  // no temporary file left behind

  Result<std::string> second = load_or_create_jwt_secret(path_);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(*second, *first);
}

TEST_F(JwtSecretTest, DifferentFilesGetDifferentSecrets) {
  Result<std::string> a = load_or_create_jwt_secret(path_);
  Result<std::string> b = load_or_create_jwt_secret(dir_ + "/other_secret");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST_F(JwtSecretTest, ReadsExistingSecretTrimmingTrailingNewline) {
  const std::string secret = "an operator's own secret, at least 32 bytes long";
  write_file(secret + "\n");
  Result<std::string> r = load_or_create_jwt_secret(path_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, secret);
  write_file(secret + "\r\n");
  EXPECT_EQ(*load_or_create_jwt_secret(path_), secret);
}

TEST_F(JwtSecretTest, RejectsShortSecretWithoutReplacingIt) {
  write_file(std::string(31, 'k') + "\n");
  Result<std::string> r = load_or_create_jwt_secret(path_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(read_file(), std::string(31, 'k') + "\n");
  write_file(std::string(32, 'k'));
  EXPECT_TRUE(load_or_create_jwt_secret(path_).ok());
}

TEST_F(JwtSecretTest, FailsInMissingDirectory) {
  Result<std::string> r = load_or_create_jwt_secret(dir_ + "/no/such/dir/secret");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace claribi::auth
