// Key encoding: big-endian ids sort numerically, an organization's keys form
// one contiguous prefix, and the batch type round-trips its operations.
#include "storage/keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "storage/batch.h"

namespace claribi::storage {
namespace {

TEST(StorageKeys, IdKeyIsEightBytesBigEndianAndDecodes) {
  std::string k = id_key(0x0102030405060708ULL);
  ASSERT_EQ(k.size(), 8u);
  EXPECT_EQ(k, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  uint64_t id = 0;
  ASSERT_TRUE(decode_id_key(k, &id));
  EXPECT_EQ(id, 0x0102030405060708ULL);
  EXPECT_FALSE(decode_id_key(k.substr(0, 7), &id));
  EXPECT_FALSE(decode_id_key(k + "x", &id));
}

TEST(StorageKeys, OrgKeyIsOrgThenIdAndDecodes) {
  std::string k = org_key(7, 0xffffffffffffffffULL);
  ASSERT_EQ(k.size(), 16u);
  EXPECT_EQ(k.substr(0, 8), org_prefix(7));
  uint64_t org = 0, id = 0;
  ASSERT_TRUE(decode_org_key(k, &org, &id));
  EXPECT_EQ(org, 7u);
  EXPECT_EQ(id, 0xffffffffffffffffULL);
  EXPECT_FALSE(decode_org_key(k.substr(1), &org, &id));

  char buf[kOrgKeySize];
  EXPECT_EQ(org_key(7, 0xffffffffffffffffULL, buf), k);
  char buf8[kIdKeySize];
  EXPECT_EQ(id_key(12345, buf8), id_key(12345));
}

TEST(StorageKeys, BytewiseOrderIsNumericOrder) {
  std::mt19937_64 rng(42);
  std::vector<uint64_t> ids = {0, 1, 255, 256, 65535, 65536, (1ULL << 63) - 1, 1ULL << 63, ~0ULL};
  for (int i = 0; i < 2000; ++i) ids.push_back(rng() >> (rng() % 64));
  for (size_t i = 0; i + 1 < ids.size(); ++i) {
    uint64_t a = ids[i], b = ids[i + 1];
    EXPECT_EQ(a < b, id_key(a) < id_key(b)) << a << " vs " << b;
  }
  // Sorting keys bytewise gives the ids in numeric order.
  std::vector<std::string> keys;
  for (auto id : ids) keys.push_back(id_key(id));
  std::sort(keys.begin(), keys.end());
  std::sort(ids.begin(), ids.end());
  for (size_t i = 0; i < ids.size(); ++i) {
    uint64_t id = 0;
    ASSERT_TRUE(decode_id_key(keys[i], &id));
    EXPECT_EQ(id, ids[i]);
  }
}

TEST(StorageKeys, OrgPrefixGroupsAnOrganizationsKeys) {
  // Every key of org 2 sorts after every key of org 1 and before org 3's,
  // whatever the record ids, so org 2 is one contiguous range.
  std::vector<std::string> keys;
  for (uint64_t org : {1ULL, 2ULL, 3ULL, 256ULL})
    for (uint64_t id : {1ULL, 300ULL, 70000ULL, ~0ULL}) keys.push_back(org_key(org, id));
  std::sort(keys.begin(), keys.end());
  std::string p = org_prefix(2);
  auto first = std::find_if(keys.begin(), keys.end(), [&](const std::string& k) { return k.starts_with(p); });
  auto last = std::find_if(first, keys.end(), [&](const std::string& k) { return !k.starts_with(p); });
  EXPECT_EQ(last - first, 4);
  EXPECT_EQ(std::count_if(keys.begin(), keys.end(), [&](const std::string& k) { return k.starts_with(p); }), 4);
  EXPECT_LT(org_key(1, ~0ULL), org_key(2, 0));
}

TEST(StorageKeys, PrefixSuccessor) {
  EXPECT_EQ(prefix_successor("abc"), "abd");
  EXPECT_EQ(prefix_successor(std::string("a\xff\xff", 3)), "b");
  EXPECT_EQ(prefix_successor(std::string("\xff\xff", 2)), "");
  EXPECT_EQ(prefix_successor(""), "");
  EXPECT_EQ(prefix_successor(org_prefix(1)), org_prefix(2));
}

TEST(StorageBatch, RecordsOperationsInOrder) {
  Batch b;
  EXPECT_TRUE(b.empty());
  b.Put(Family::kUsers, "k1", "v1");
  b.Delete(Family::kApiKeys, "k2");
  b.Put(Family::kMeta, std::string(300, 'k'), std::string(100000, 'v'));
  b.Put(Family::kReports, "", "");
  ASSERT_EQ(b.count(), 4u);

  std::vector<Batch::Op> ops(b.begin(), b.end());
  ASSERT_EQ(ops.size(), 4u);
  EXPECT_EQ(ops[0].type, Batch::OpType::kPut);
  EXPECT_EQ(ops[0].family, Family::kUsers);
  EXPECT_EQ(ops[0].key, "k1");
  EXPECT_EQ(ops[0].value, "v1");
  EXPECT_EQ(ops[1].type, Batch::OpType::kDelete);
  EXPECT_EQ(ops[1].family, Family::kApiKeys);
  EXPECT_EQ(ops[1].key, "k2");
  EXPECT_EQ(ops[2].key, std::string(300, 'k'));
  EXPECT_EQ(ops[2].value.size(), 100000u);
  EXPECT_EQ(ops[3].family, Family::kReports);
  EXPECT_TRUE(ops[3].key.empty());

  Batch c = b.Copy();
  c.Append(b);
  EXPECT_EQ(c.count(), 8u);
  Batch moved = std::move(c);
  EXPECT_EQ(moved.count(), 8u);
  EXPECT_EQ(std::distance(moved.begin(), moved.end()), 8);
  moved.Clear();
  EXPECT_TRUE(moved.empty());
  EXPECT_EQ(moved.begin(), moved.end());
}

}  // namespace
}  // namespace claribi::storage
