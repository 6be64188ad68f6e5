// Tests of API keys: format, uniqueness, checksum, well-formedness, hashing
// and the display prefix (API.md §4).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "auth/api_key.h"
#include "auth/crypto.h"

namespace claribi::auth {
namespace {

constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// Independent reference for the checksum: CRC-32 in base62, 6 digits, MSD first.
std::string checksum(std::string_view random32) {
  uint64_t v = crc32(random32);
  std::string s(6, '0');
  for (int i = 5; i >= 0; --i, v /= 62) s[static_cast<size_t>(i)] = kBase62[v % 62];
  return s;
}

TEST(ApiKey, GeneratedKeysHaveTheDocumentedShape) {
  for (int i = 0; i < 200; ++i) {
    const std::string key = generate_api_key();
    ASSERT_EQ(key.size(), 54u);
    EXPECT_EQ(key.substr(0, 16), "claribi_sk_live_");
    EXPECT_EQ(key.find_first_not_of(kBase62, 16), std::string::npos) << key;
    EXPECT_EQ(key.substr(48), checksum(key.substr(16, 32))) << key;
    EXPECT_TRUE(api_key_well_formed(key)) << key;
  }
}

TEST(ApiKey, GeneratedKeysAreUniqueAndUseTheWholeAlphabet) {
  std::set<std::string> keys;
  std::set<char> chars;
  for (int i = 0; i < 1000; ++i) {
    std::string key = generate_api_key();
    for (char c : key.substr(16, 32)) chars.insert(c);
    keys.insert(std::move(key));
  }
  EXPECT_EQ(keys.size(), 1000u);
  EXPECT_EQ(chars.size(), 62u);  // 32000 draws: every digit appears (P(miss) ~ 1e-220)
}

TEST(ApiKey, RandomDigitsAreUnbiased) {
  // byte % 62 without rejection would make the 8 digits '0'..'7' (256 % 62 == 8)
  // 25% more frequent than the rest. Over 64000 digits the two groups' mean
  // counts differ by about 1% by chance; 10% is about 9 standard deviations.
  std::map<char, int> counts;
  for (int i = 0; i < 2000; ++i)
    for (char c : generate_api_key().substr(16, 32)) ++counts[c];
  double low = 0, high = 0;
  for (size_t i = 0; i < kBase62.size(); ++i) (i < 8 ? low : high) += counts[kBase62[i]];
  const double ratio = (low / 8) / (high / 54);
  EXPECT_NEAR(ratio, 1.0, 0.1);
}

TEST(ApiKey, KnownChecksums) {
  // From Python: zlib.crc32 of the 32 characters, written in base62 (6 digits, MSD first).
  EXPECT_TRUE(api_key_well_formed("claribi_sk_live_0123456789ABCDEFGHIJKLMNOPQRSTUV1ggZdL"));  // 0x5C339A43
  EXPECT_TRUE(api_key_well_formed("claribi_sk_live_000000000000000000000000000000002wjyrI"));  // 0xA0F292D0
  EXPECT_TRUE(api_key_well_formed("claribi_sk_live_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz4W8LJS"));  // 0xF6B9A94A
  EXPECT_FALSE(api_key_well_formed("claribi_sk_live_0123456789ABCDEFGHIJKLMNOPQRSTUV1ggZdl"));
  EXPECT_FALSE(api_key_well_formed("claribi_sk_live_0123456789ABCDEFGHIJKLMNOPQRSTUV0ggZdL"));
}

TEST(ApiKey, RejectsEveryOneCharacterTypo) {
  const std::string key = generate_api_key();
  for (size_t i = 16; i < key.size(); ++i) {
    for (char c : kBase62) {
      if (c == key[i]) continue;
      std::string typo = key;
      typo[i] = c;
      EXPECT_FALSE(api_key_well_formed(typo)) << typo;
    }
  }
  // Two adjacent characters swapped.
  for (size_t i = 16; i + 1 < key.size(); ++i) {
    if (key[i] == key[i + 1]) continue;
    std::string swapped = key;
    std::swap(swapped[i], swapped[i + 1]);
    EXPECT_FALSE(api_key_well_formed(swapped)) << swapped;
  }
}

TEST(ApiKey, RejectsWrongPrefixLengthOrAlphabet) {
  const std::string key = generate_api_key();
  const std::string secret = key.substr(16);
  EXPECT_FALSE(api_key_well_formed(""));
  EXPECT_FALSE(api_key_well_formed(secret));
  EXPECT_FALSE(api_key_well_formed("claribi_sk_test_" + secret));
  EXPECT_FALSE(api_key_well_formed("Claribi_sk_live_" + secret));
  EXPECT_FALSE(api_key_well_formed("claribi_pk_live_" + secret));
  EXPECT_FALSE(api_key_well_formed(key + "0"));
  EXPECT_FALSE(api_key_well_formed(key.substr(0, 53)));
  EXPECT_FALSE(api_key_well_formed(" " + key));
  EXPECT_FALSE(api_key_well_formed(key + "\n"));
  // Characters outside base62, with a checksum recomputed so only the alphabet is wrong.
  for (char bad : {'-', '_', '+', '/', '=', ' ', '\0', '\xc3'}) {
    std::string random = secret.substr(0, 32);
    random[7] = bad;
    EXPECT_FALSE(api_key_well_formed("claribi_sk_live_" + random + checksum(random))) << int(bad);
  }
}

TEST(ApiKey, HashIsSha256OfTheFullKeyText) {
  const std::string key = generate_api_key();
  EXPECT_EQ(hash_api_key(key), sha256(key));
  EXPECT_NE(hash_api_key(key), sha256(key.substr(16)));
  EXPECT_NE(hash_api_key(key), hash_api_key(generate_api_key()));
}

// The per-thread memo behind hash_presented_api_key must never change an
// answer: same hash as the direct path, typos of a remembered key still
// rejected, more keys than slots still right.
TEST(ApiKey, PresentedKeyHashAgreesWithCheckThenHash) {
  const std::string key = generate_api_key();
  for (int i = 0; i < 3; ++i) {
    model::KeyHash h{};
    ASSERT_TRUE(hash_presented_api_key(key, &h));
    EXPECT_EQ(h, hash_api_key(key));
  }
  for (size_t i = 16; i < key.size(); ++i) {
    std::string typo = key;
    typo[i] = typo[i] == 'a' ? 'b' : 'a';
    model::KeyHash untouched{};
    untouched[0] = 0x5a;
    model::KeyHash h = untouched;
    EXPECT_FALSE(hash_presented_api_key(typo, &h)) << typo;
    EXPECT_EQ(h, untouched);
  }
  model::KeyHash h{};
  EXPECT_FALSE(hash_presented_api_key(key.substr(1), &h));
  EXPECT_FALSE(hash_presented_api_key(key + "0", &h));
  EXPECT_FALSE(hash_presented_api_key("", &h));
  std::vector<std::string> many;
  for (int i = 0; i < 600; ++i) many.push_back(generate_api_key());
  for (int round = 0; round < 2; ++round) {
    for (const std::string& k : many) {
      ASSERT_TRUE(hash_presented_api_key(k, &h));
      ASSERT_EQ(h, hash_api_key(k));
    }
  }
}

TEST(ApiKey, DisplayPrefixIsTheFirst24Characters) {
  const std::string key = generate_api_key();
  EXPECT_EQ(api_key_display_prefix(key), key.substr(0, 24));
  EXPECT_EQ(api_key_display_prefix(key).size(), 24u);
  EXPECT_EQ(api_key_display_prefix("short"), "short");
}

}  // namespace
}  // namespace claribi::auth
