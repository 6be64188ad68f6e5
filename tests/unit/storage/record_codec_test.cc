// Record codec: round trips, and every malformed input (truncated at any
// length, trailing bytes, unknown version, out-of-range fields, random
// bytes) is rejected without reading out of bounds (run under ASan).
#include "storage/record_codec.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>

namespace claribi::storage {
namespace {

model::Organization sample_org() {
  model::Organization o;
  o.id = 42;
  o.name = "Acme Corp — Ünïcode";
  o.plan = "professional";
  o.ai_credits_remaining = -17;
  o.created_at = 1750000000;
  o.updated_at = std::numeric_limits<int64_t>::max();
  return o;
}

model::User sample_user() {
  model::User u;
  u.id = std::numeric_limits<uint64_t>::max();
  u.org_id = 3;
  u.email = "jane@example.com";
  u.first_name = "Jane";
  u.last_name = std::string(1000, 'S');
  u.role = model::Role::kAdministrator;
  u.is_active = false;
  u.password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA";
  u.credential_version = std::numeric_limits<uint32_t>::max();
  u.created_at = std::numeric_limits<int64_t>::min();
  u.updated_at = 0;
  u.last_login_at = 1750000001;
  u.created_by = 1;
  return u;
}

model::ApiKey sample_key() {
  model::ApiKey k;
  k.id = 7;
  k.org_id = 3;
  k.user_id = 9;
  k.name = "CI key";
  k.prefix = "claribi_sk_live_abcd";
  for (size_t i = 0; i < k.hash.size(); ++i) k.hash[i] = static_cast<uint8_t>(i * 7 + 1);
  k.scopes = model::kAllScopes;
  k.expires_at = 1760000000;
  k.last_used_at = 1;
  k.revoked_at = -1;
  k.created_at = 2;
  k.updated_at = 3;
  k.deleted = true;
  return k;
}

bool same(const model::Organization& a, const model::Organization& b) {
  return a.id == b.id && a.name == b.name && a.plan == b.plan && a.ai_credits_remaining == b.ai_credits_remaining &&
         a.created_at == b.created_at && a.updated_at == b.updated_at;
}
bool same(const model::User& a, const model::User& b) {
  return a.id == b.id && a.org_id == b.org_id && a.email == b.email && a.first_name == b.first_name &&
         a.last_name == b.last_name && a.role == b.role && a.is_active == b.is_active &&
         a.password_hash == b.password_hash && a.credential_version == b.credential_version &&
         a.created_at == b.created_at && a.updated_at == b.updated_at && a.last_login_at == b.last_login_at &&
         a.created_by == b.created_by;
}
bool same(const model::ApiKey& a, const model::ApiKey& b) {
  return a.id == b.id && a.org_id == b.org_id && a.user_id == b.user_id && a.name == b.name &&
         a.prefix == b.prefix && a.hash == b.hash && a.scopes == b.scopes && a.expires_at == b.expires_at &&
         a.last_used_at == b.last_used_at && a.revoked_at == b.revoked_at && a.created_at == b.created_at &&
         a.updated_at == b.updated_at && a.deleted == b.deleted;
}

template <typename T>
void expect_round_trip(const T& in) {
  std::string bytes = encode(in);
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), kRecordFormatVersion);
  T out;
  ASSERT_TRUE(decode(bytes, &out));
  EXPECT_TRUE(same(in, out));
  // The buffer-reusing form produces the same bytes.
  std::string reused = "old contents";
  encode(in, &reused);
  EXPECT_EQ(reused, bytes);
}

template <typename T>
void expect_rejects_malformed(const T& in) {
  const std::string bytes = encode(in);
  T out;
  for (size_t len = 0; len < bytes.size(); ++len) {
    // A copy of exactly `len` bytes, so ASan catches any read past it.
    std::string truncated = bytes.substr(0, len);
    std::string_view view(truncated.data(), len);
    EXPECT_FALSE(decode(view, &out)) << "accepted a record truncated to " << len << " of " << bytes.size();
  }
  EXPECT_FALSE(decode(bytes + '\0', &out)) << "accepted trailing bytes";
  std::string future = bytes;
  future[0] = static_cast<char>(kRecordFormatVersion + 1);
  EXPECT_FALSE(decode(future, &out)) << "accepted an unknown version";
  future[0] = 0;
  EXPECT_FALSE(decode(future, &out)) << "accepted version 0";
}

TEST(StorageRecordCodec, OrganizationRoundTrips) {
  expect_round_trip(sample_org());
  expect_round_trip(model::Organization{});
}

TEST(StorageRecordCodec, UserRoundTrips) {
  expect_round_trip(sample_user());
  expect_round_trip(model::User{});
  for (auto role : {model::Role::kViewer, model::Role::kEditor, model::Role::kAdministrator}) {
    model::User u = sample_user();
    u.role = role;
    expect_round_trip(u);
  }
}

TEST(StorageRecordCodec, ApiKeyRoundTrips) {
  expect_round_trip(sample_key());
  expect_round_trip(model::ApiKey{});
}

TEST(StorageRecordCodec, RejectsTruncatedTrailingAndUnknownVersion) {
  expect_rejects_malformed(sample_org());
  expect_rejects_malformed(sample_user());
  expect_rejects_malformed(sample_key());
  expect_rejects_malformed(model::User{});
}

TEST(StorageRecordCodec, RejectsOutOfRangeFields) {
  model::User u;  // all varints one byte: fields are at known offsets
  u.email = "a";
  std::string bytes = encode(u);
  // version, id, org_id, email(len+1), first(len), last(len), role, is_active
  const size_t role_at = 1 + 1 + 1 + 2 + 1 + 1;
  ASSERT_EQ(bytes[role_at], 0);
  model::User out;
  std::string bad = bytes;
  bad[role_at] = 3;  // no such role
  EXPECT_FALSE(decode(bad, &out));
  bad = bytes;
  bad[role_at + 1] = 2;  // bool must be 0 or 1
  EXPECT_FALSE(decode(bad, &out));
  // A string length that runs past the end.
  bad = bytes;
  bad[3] = 100;
  EXPECT_FALSE(decode(bad, &out));
  // An 11-byte varint (overflows 64 bits).
  std::string overflow(1, static_cast<char>(kRecordFormatVersion));
  overflow.append(10, static_cast<char>(0xff));
  overflow.push_back(1);
  EXPECT_FALSE(decode(overflow, &out));
  // credential_version (a uint32) encoded as 2^32.
  const size_t cred_at = role_at + 3;  // role, is_active, password_hash(len 0)
  ASSERT_EQ(bytes[cred_at], 1);
  ASSERT_TRUE(decode(bytes, &out));
  bad = bytes.substr(0, cred_at) + std::string("\x80\x80\x80\x80\x10", 5) + bytes.substr(cred_at + 1);
  EXPECT_FALSE(decode(bad, &out));
  bad = bytes.substr(0, cred_at) + std::string("\xff\xff\xff\xff\x0f", 5) + bytes.substr(cred_at + 1);
  ASSERT_TRUE(decode(bad, &out));  // 2^32 - 1 is the largest allowed
  EXPECT_EQ(out.credential_version, 0xffffffffu);
}

TEST(StorageRecordCodec, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  model::Organization o;
  model::User u;
  model::ApiKey k;
  const std::string seeds[] = {encode(sample_org()), encode(sample_user()), encode(sample_key())};
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    if (i % 2 == 0) {
      s.resize(rng() % 64);
      for (auto& c : s) c = static_cast<char>(rng());
      if (!s.empty()) s[0] = static_cast<char>(kRecordFormatVersion);
    } else {  // flip a few bytes of a valid record
      s = seeds[i % 3];
      for (int f = 0; f < 3; ++f) s[rng() % s.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    (void)decode(s, &o);
    (void)decode(s, &u);
    (void)decode(s, &k);
  }
}

}  // namespace
}  // namespace claribi::storage
