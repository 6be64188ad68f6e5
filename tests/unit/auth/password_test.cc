// Tests of argon2id password hashing: PHC format, verification, malformed
// input, and the dummy hash used for unknown emails.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "auth/password.h"

namespace claribi::auth {
namespace {

// Cheap parameters for the tests that do not check the defaults.
constexpr Argon2Params kFast{1, 64, 1};

TEST(Password, DefaultParamsGiveTheOwaspPhcString) {
  Result<std::string> h = hash_password("correct horse battery staple", Argon2Params{});
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(h->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *h;
  // 16-byte salt and 32-byte hash, unpadded base64: 22 and 43 characters.
  const size_t salt_start = h->rfind('$', h->rfind('$') - 1) + 1;
  EXPECT_EQ(h->rfind('$') - salt_start, 22u) << *h;
  EXPECT_EQ(h->size() - h->rfind('$') - 1, 43u) << *h;
  EXPECT_TRUE(verify_password("correct horse battery staple", *h));
  EXPECT_FALSE(verify_password("correct horse battery stapl", *h));
}

TEST(Password, WrongPasswordFails) {
  Result<std::string> h = hash_password("s3cret", kFast);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(verify_password("s3cret", *h));
  EXPECT_FALSE(verify_password("S3cret", *h));
  EXPECT_FALSE(verify_password("", *h));
  EXPECT_FALSE(verify_password(std::string("s3cret\0", 7), *h));
}

TEST(Password, SaltsDiffer) {
  Result<std::string> a = hash_password("same", kFast), b = hash_password("same", kFast);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(verify_password("same", *a));
  EXPECT_TRUE(verify_password("same", *b));
}

TEST(Password, EmptyAndBinaryPasswords) {
  Result<std::string> empty = hash_password("", kFast);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(verify_password("", *empty));
  const std::string binary("a\0b\xff", 4);
  Result<std::string> h = hash_password(binary, kFast);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(verify_password(binary, *h));
  EXPECT_FALSE(verify_password("a", *h));
}

TEST(Password, MalformedPhcIsFalse) {
  Result<std::string> h = hash_password("pw", kFast);
  ASSERT_TRUE(h.ok());
  const std::string good = *h;
  std::string argon2i = good;
  argon2i.replace(0, 10, "$argon2i$");
  for (const std::string& bad :
       {std::string(), std::string("$argon2id$"), std::string("plaintext"), argon2i, good.substr(0, good.size() - 5),
        good + "$", good.substr(0, good.rfind('$')), std::string("$argon2id$v=19$m=64,t=1,p=1$$"),
        std::string("$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA"), good + std::string("\0", 1),
        "$2b$12$" + good.substr(7)}) {
    EXPECT_FALSE(verify_password("pw", bad)) << bad;
  }
}

TEST(Password, InvalidParamsAreAnError) {
  Result<std::string> h = hash_password("pw", Argon2Params{0, 64, 1});
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kInternal);
}

TEST(Password, DummyHashIsComputedOncePerParamsAndIsThreadSafe) {
  std::vector<const std::string*> seen(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) threads.emplace_back([&, i] { seen[i] = &dummy_password_hash(kFast); });
  for (auto& t : threads) t.join();
  for (const std::string* s : seen) EXPECT_EQ(s, seen[0]);
  EXPECT_EQ(seen[0]->rfind("$argon2id$v=19$m=64,t=1,p=1$", 0), 0u) << *seen[0];
  EXPECT_FALSE(verify_password("", *seen[0]));
  const std::string& other = dummy_password_hash(Argon2Params{});
  EXPECT_EQ(other.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << other;
  EXPECT_EQ(&dummy_password_hash(kFast), seen[0]);
}

}  // namespace
}  // namespace claribi::auth
