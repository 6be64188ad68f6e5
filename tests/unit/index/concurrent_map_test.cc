// ConcurrentMap, single-threaded behaviour: lookups, replacement, erase,
// growth through many resizes, tombstone reuse and purge, heterogeneous
// lookup, and that every node the map drops is freed once reclaimed.
#include "index/concurrent_map.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

#include "index/hashers.h"
#include "model/records.h"

namespace claribi::index {
namespace {

// A value that counts how many instances are alive.
struct Counted {
  static inline std::atomic<int64_t> live{0};
  uint64_t v = 0;
  explicit Counted(uint64_t x) : v(x) { ++live; }
  Counted(const Counted& o) : v(o.v) { ++live; }
  Counted(Counted&& o) noexcept : v(o.v) { ++live; }
  Counted& operator=(const Counted&) = default;
  ~Counted() { --live; }
};

using U64Map = ConcurrentMap<uint64_t, Counted, U64Hasher>;

class ConcurrentMapTest : public ::testing::Test {
 protected:
  void SetUp() override { Counted::live = 0; }
  void TearDown() override { EXPECT_EQ(Counted::live.load(), 0) << "a node leaked or was freed twice"; }
  Qsbr qsbr_{4};
};

TEST_F(ConcurrentMapTest, FindUpsertErase) {
  U64Map m(qsbr_);
  EXPECT_EQ(m.find(uint64_t{1}), nullptr);
  EXPECT_TRUE(m.upsert(1, Counted(10)));
  EXPECT_TRUE(m.upsert(2, Counted(20)));
  ASSERT_NE(m.find(uint64_t{1}), nullptr);
  EXPECT_EQ(m.find(uint64_t{1})->v, 10u);
  EXPECT_EQ(m.find(uint64_t{2})->v, 20u);
  EXPECT_EQ(m.find(uint64_t{3}), nullptr);
  EXPECT_EQ(m.size(), 2u);

  EXPECT_FALSE(m.upsert(1, Counted(11)));  // replace
  EXPECT_EQ(m.find(uint64_t{1})->v, 11u);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(qsbr_.pending(), 1u);  // the old node of key 1

  EXPECT_TRUE(m.erase(uint64_t{1}));
  EXPECT_FALSE(m.erase(uint64_t{1}));
  EXPECT_FALSE(m.erase(uint64_t{99}));
  EXPECT_EQ(m.find(uint64_t{1}), nullptr);
  EXPECT_EQ(m.find(uint64_t{2})->v, 20u);
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m.tombstones(), 1u);

  qsbr_.reclaim();  // no reader online: both dropped nodes go
  EXPECT_EQ(qsbr_.pending(), 0u);
  EXPECT_EQ(Counted::live.load(), 1);
}

TEST_F(ConcurrentMapTest, ReplacedNodeStaysValidForAnOnlineReader) {
  U64Map m(qsbr_);
  m.upsert(5, Counted(50));
  const int r = qsbr_.register_reader();
  qsbr_.online(r);
  const Counted* before = m.find(uint64_t{5});
  m.upsert(5, Counted(51));
  m.erase(uint64_t{5});
  qsbr_.reclaim();
  EXPECT_EQ(before->v, 50u);  // still readable: the reader has not quiesced
  EXPECT_EQ(qsbr_.pending(), 2u);
  EXPECT_EQ(m.find(uint64_t{5}), nullptr);
  qsbr_.quiescent(r);
  EXPECT_EQ(qsbr_.reclaim(), 2u);
  qsbr_.offline(r);
}

TEST_F(ConcurrentMapTest, GrowthThroughManyResizesKeepsEveryEntry) {
  U64Map m(qsbr_);
  const size_t n = 100'000;
  size_t resizes = 0;
  size_t cap = m.capacity();
  for (uint64_t k = 0; k < n; ++k) {
    ASSERT_TRUE(m.upsert(k * 7919, Counted(k)));
    if (m.capacity() != cap) {
      ++resizes;
      cap = m.capacity();
      EXPECT_LE(m.size() * 2, cap);
    }
  }
  EXPECT_GE(resizes, 10u);
  EXPECT_EQ(m.size(), n);
  EXPECT_LE(m.size() * 2, m.capacity());  // load factor <= 0.5
  for (uint64_t k = 0; k < n; ++k) {
    const Counted* c = m.find(k * 7919);
    ASSERT_NE(c, nullptr) << k;
    EXPECT_EQ(c->v, k);
  }
  EXPECT_EQ(m.find(uint64_t{1}), nullptr);
  EXPECT_EQ(qsbr_.pending(), resizes);  // the old tables, not the nodes
  qsbr_.reclaim();
  EXPECT_EQ(Counted::live.load(), static_cast<int64_t>(n));
}

TEST_F(ConcurrentMapTest, ReserveAvoidsGrowth) {
  U64Map m(qsbr_, 1000);
  const size_t cap = m.capacity();
  EXPECT_GE(cap, 2000u);
  for (uint64_t k = 0; k < 1000; ++k) m.upsert(k, Counted(k));
  EXPECT_EQ(m.capacity(), cap);
  m.reserve(10'000);
  EXPECT_GE(m.capacity(), 20'000u);
  for (uint64_t k = 0; k < 1000; ++k) ASSERT_EQ(m.find(k)->v, k);
}

TEST_F(ConcurrentMapTest, EraseThenReinsertReusesTheTombstone) {
  U64Map m(qsbr_);
  for (uint64_t k = 0; k < 6; ++k) m.upsert(k, Counted(k));
  const size_t cap = m.capacity();
  for (int round = 0; round < 1000; ++round) {
    ASSERT_TRUE(m.erase(uint64_t{3}));
    ASSERT_EQ(m.find(uint64_t{3}), nullptr);
    ASSERT_TRUE(m.upsert(3, Counted(1000 + round)));
    ASSERT_EQ(m.find(uint64_t{3})->v, 1000u + round);
    ASSERT_EQ(m.tombstones(), 0u);  // same key, same hash: slot reused
  }
  EXPECT_EQ(m.capacity(), cap);
  EXPECT_EQ(m.size(), 6u);
  qsbr_.reclaim();
}

TEST_F(ConcurrentMapTest, TombstonesArePurgedByRebuildAndByGrowth) {
  U64Map m(qsbr_);
  for (uint64_t k = 0; k < 1000; ++k) m.upsert(k, Counted(k));
  const size_t cap = m.capacity();
  for (uint64_t k = 0; k < 1000; k += 2) m.erase(k);
  EXPECT_EQ(m.tombstones(), 500u);
  m.rebuild();
  EXPECT_EQ(m.tombstones(), 0u);
  EXPECT_EQ(m.capacity(), cap);
  for (uint64_t k = 0; k < 1000; ++k) {
    if (k % 2) {
      ASSERT_EQ(m.find(k)->v, k);
    } else {
      ASSERT_EQ(m.find(k), nullptr);
    }
  }

  // Churn of distinct keys: tombstones pile up until an insert finds the
  // table half used, then the rebuild drops them, at a bounded capacity.
  uint64_t next = 1'000'000;
  size_t max_cap = 0;
  for (int i = 0; i < 50'000; ++i) {
    m.upsert(next, Counted(next));
    ASSERT_TRUE(m.erase(next));
    ++next;
    max_cap = std::max(max_cap, m.capacity());
    ASSERT_LE((m.size() + m.tombstones()) * 2, m.capacity());
  }
  EXPECT_LE(max_cap, 4096u);
  EXPECT_EQ(m.size(), 500u);
  qsbr_.reclaim();
}

TEST_F(ConcurrentMapTest, MatchesAReferenceMapUnderRandomOperations) {
  U64Map m(qsbr_);
  std::unordered_map<uint64_t, uint64_t> ref;
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200'000; ++i) {
    const uint64_t k = rng() % 5000;
    const int op = static_cast<int>(rng() % 3);
    if (op == 2) {
      EXPECT_EQ(m.erase(k), ref.erase(k) == 1);
    } else {
      const uint64_t v = rng();
      EXPECT_EQ(m.upsert(k, Counted(v)), !ref.contains(k));
      ref[k] = v;
    }
    if (i % 1000 == 0) qsbr_.reclaim();
  }
  EXPECT_EQ(m.size(), ref.size());
  for (uint64_t k = 0; k < 5000; ++k) {
    const Counted* c = m.find(k);
    auto it = ref.find(k);
    if (it == ref.end()) {
      EXPECT_EQ(c, nullptr);
    } else {
      ASSERT_NE(c, nullptr);
      EXPECT_EQ(c->v, it->second);
    }
  }
  size_t seen = 0;
  m.for_each([&](uint64_t k, const Counted& c) {
    ++seen;
    EXPECT_EQ(ref.at(k), c.v);
  });
  EXPECT_EQ(seen, ref.size());
  qsbr_.reclaim();
  EXPECT_EQ(Counted::live.load(), static_cast<int64_t>(ref.size()));
}

TEST(ConcurrentMapKeys, StringKeysFoundByStringView) {
  Qsbr q(1);
  ConcurrentMap<std::string, int, StringHasher> m(q);
  m.upsert("alice@example.com", 1);
  m.upsert("bob@example.com", 2);
  const std::string buffer = "GET bob@example.com";
  const std::string_view view = std::string_view(buffer).substr(4);
  ASSERT_NE(m.find(view), nullptr);
  EXPECT_EQ(*m.find(view), 2);
  EXPECT_EQ(*m.find(std::string("alice@example.com")), 1);
  EXPECT_EQ(m.find(std::string_view("carol@example.com")), nullptr);
  EXPECT_TRUE(m.erase(std::string_view("alice@example.com")));
  EXPECT_EQ(m.find(std::string_view("alice@example.com")), nullptr);
}

TEST(ConcurrentMapKeys, ApiKeysByHash) {
  Qsbr q(1);
  ConcurrentMap<model::KeyHash, model::ApiKey, KeyHashHasher> m(q);
  std::mt19937_64 rng(7);
  std::vector<model::KeyHash> hashes(10'000);
  for (size_t i = 0; i < hashes.size(); ++i) {
    for (auto& b : hashes[i]) b = static_cast<uint8_t>(rng());
    model::ApiKey k;
    k.id = i + 1;
    k.hash = hashes[i];
    k.name = "key " + std::to_string(i);
    m.upsert(k.hash, k);
  }
  for (size_t i = 0; i < hashes.size(); ++i) {
    const model::ApiKey* k = m.find(hashes[i]);
    ASSERT_NE(k, nullptr);
    EXPECT_EQ(k->id, i + 1);
    EXPECT_EQ(k->hash, hashes[i]);
  }
  // Same first 8 bytes (same hash), different key: must not match.
  model::KeyHash twin = hashes[0];
  twin[31] ^= 1;
  EXPECT_EQ(m.find(twin), nullptr);
  model::ApiKey t;
  t.id = 999'999;
  m.upsert(twin, t);
  EXPECT_EQ(m.find(twin)->id, 999'999u);
  EXPECT_EQ(m.find(hashes[0])->id, 1u);
  EXPECT_TRUE(m.erase(hashes[0]));
  EXPECT_EQ(m.find(twin)->id, 999'999u);
  EXPECT_EQ(m.find(hashes[0]), nullptr);
  q.reclaim();
}

}  // namespace
}  // namespace claribi::index
