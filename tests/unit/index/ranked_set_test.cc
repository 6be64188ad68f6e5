// RankedSet: checked against a sorted-vector reference model. Randomized runs of
// tens of thousands of inserts and erases (several seeds, sizes that grow to
// many blocks of kBlock and shrink back to empty, so blocks split and merge)
// compare size, erase results and visits from every kind of rank — 0, the
// middle, the last, the size and past it — in both directions, with early
// stop after k elements. Also: ordered insert/erase patterns that stress the
// first and last blocks, and a comparator over pointers with ties broken by
// a second key (the way index::Collection uses the set).
#include "index/ranked_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace claribi::index {
namespace {

using IntSet = RankedSet<int, std::less<int>>;
constexpr size_t kB = IntSet::kBlock;

// Up to `limit` elements visited from `rank`.
std::vector<int> visit_n(const IntSet& s, size_t rank, bool reverse, size_t limit) {
  std::vector<int> out;
  s.visit(rank, reverse, [&](const int& v) {
    out.push_back(v);
    return out.size() < limit;
  });
  return out;
}

// What visit(rank, reverse) with a stop after `limit` elements must produce.
std::vector<int> expected_n(const std::vector<int>& sorted, size_t rank, bool reverse, size_t limit) {
  std::vector<int> out;
  for (size_t r = rank; r < sorted.size() && out.size() < limit; ++r)
    out.push_back(reverse ? sorted[sorted.size() - 1 - r] : sorted[r]);
  return out;
}

// The reference model: a sorted vector of distinct values.
struct Model {
  std::vector<int> v;
  size_t size() const { return v.size(); }
  bool empty() const { return v.empty(); }
  bool contains(int x) const { return std::binary_search(v.begin(), v.end(), x); }
  void insert(int x) { v.insert(std::lower_bound(v.begin(), v.end(), x), x); }
  bool erase(int x) {
    auto it = std::lower_bound(v.begin(), v.end(), x);
    if (it == v.end() || *it != x) return false;
    v.erase(it);
    return true;
  }
};

void check_visits(const IntSet& s, const Model& ref, std::mt19937_64& rng, const std::string& where) {
  ASSERT_EQ(s.size(), ref.size()) << where;
  ASSERT_EQ(s.empty(), ref.empty()) << where;
  const std::vector<int>& sorted = ref.v;
  const size_t n = sorted.size();
  std::vector<size_t> ranks = {0, n / 2, n, n + 1, std::numeric_limits<size_t>::max()};
  if (n > 0) ranks.push_back(n - 1);
  if (n > 1) ranks.push_back(n - 2);
  for (int i = 0; i < 4; ++i) ranks.push_back(n == 0 ? 0 : rng() % n);
  // Ranks just around block boundaries (where blocks would be if full).
  for (size_t r = kB - 1; r <= n && r < 8 * kB; r += kB) ranks.push_back(r);
  for (size_t rank : ranks) {
    for (bool reverse : {false, true}) {
      for (size_t limit : {size_t(1), size_t(2), size_t(20), size_t(kB + 3), std::numeric_limits<size_t>::max()}) {
        auto got = visit_n(s, rank, reverse, limit);
        auto want = expected_n(sorted, rank, reverse, limit);
        ASSERT_EQ(got, want) << where << " rank=" << rank << " reverse=" << reverse << " limit=" << limit
                             << " size=" << n;
      }
    }
  }
}

TEST(IndexRankedSet, EmptySetVisitsNothing) {
  IntSet s;
  EXPECT_EQ(s.size(), 0u);
  EXPECT_TRUE(s.empty());
  int calls = 0;
  for (size_t rank : {size_t(0), size_t(1), std::numeric_limits<size_t>::max()})
    for (bool reverse : {false, true}) s.visit(rank, reverse, [&](int) { return ++calls, true; });
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(s.erase(5));
  EXPECT_EQ(s.size(), 0u);
}

TEST(IndexRankedSet, SmallSetRanksBothDirections) {
  IntSet s;
  for (int v : {50, 10, 40, 20, 30}) s.insert(v);
  EXPECT_EQ(s.size(), 5u);
  EXPECT_EQ(visit_n(s, 0, false, 100), (std::vector<int>{10, 20, 30, 40, 50}));
  EXPECT_EQ(visit_n(s, 0, true, 100), (std::vector<int>{50, 40, 30, 20, 10}));
  EXPECT_EQ(visit_n(s, 2, false, 100), (std::vector<int>{30, 40, 50}));
  EXPECT_EQ(visit_n(s, 2, true, 100), (std::vector<int>{30, 20, 10}));
  EXPECT_EQ(visit_n(s, 4, false, 100), (std::vector<int>{50}));
  EXPECT_EQ(visit_n(s, 4, true, 100), (std::vector<int>{10}));
  EXPECT_TRUE(visit_n(s, 5, false, 100).empty());
  EXPECT_TRUE(visit_n(s, 5, true, 100).empty());
  EXPECT_EQ(visit_n(s, 1, false, 2), (std::vector<int>{20, 30}));
  EXPECT_EQ(visit_n(s, 1, true, 2), (std::vector<int>{40, 30}));
  // fn returning false at once: exactly one call.
  int calls = 0;
  s.visit(0, false, [&](int) { return ++calls, false; });
  s.visit(3, true, [&](int) { return ++calls, false; });
  EXPECT_EQ(calls, 2);

  EXPECT_FALSE(s.erase(35));  // between elements
  EXPECT_FALSE(s.erase(5));   // below all
  EXPECT_FALSE(s.erase(60));  // above all
  EXPECT_TRUE(s.erase(30));
  EXPECT_FALSE(s.erase(30));
  EXPECT_EQ(s.size(), 4u);
  EXPECT_EQ(visit_n(s, 0, false, 100), (std::vector<int>{10, 20, 40, 50}));
  s.insert(30);
  EXPECT_EQ(visit_n(s, 0, false, 100), (std::vector<int>{10, 20, 30, 40, 50}));
}

// Ordered patterns: ascending and descending inserts (all in the last or the
// first block), then erasing from the front, the back and every other one.
TEST(IndexRankedSet, OrderedInsertAndEraseAcrossManyBlocks) {
  std::mt19937_64 rng(1);
  constexpr int kN = 10 * int(kB) + 17;
  for (int pattern = 0; pattern < 4; ++pattern) {
    IntSet s;
    Model ref;
    for (int i = 0; i < kN; ++i) {
      int v = (pattern % 2 == 0) ? i : kN - 1 - i;
      s.insert(v);
      ref.insert(v);
    }
    check_visits(s, ref, rng, "after ordered inserts, pattern " + std::to_string(pattern));
    std::vector<int> order = ref.v;
    if (pattern == 1) std::reverse(order.begin(), order.end());
    if (pattern == 2) {  // every other one first, then the rest
      std::vector<int> o;
      for (size_t i = 0; i < order.size(); i += 2) o.push_back(order[i]);
      for (size_t i = 1; i < order.size(); i += 2) o.push_back(order[i]);
      order = o;
    }
    if (pattern == 3) {  // from the middle outwards
      std::vector<int> o;
      size_t mid = order.size() / 2;
      for (size_t d = 0; d <= mid; ++d) {
        if (mid + d < order.size()) o.push_back(order[mid + d]);
        if (d > 0 && d <= mid) o.push_back(order[mid - d]);
      }
      order = o;
    }
    ASSERT_EQ(order.size(), size_t(kN));
    for (size_t i = 0; i < order.size(); ++i) {
      ASSERT_TRUE(s.erase(order[i])) << "pattern " << pattern << " value " << order[i];
      ASSERT_FALSE(s.erase(order[i]));
      ref.erase(order[i]);
      if (i % 97 == 0) check_visits(s, ref, rng, "erasing, pattern " + std::to_string(pattern));
    }
    EXPECT_EQ(s.size(), 0u);
    EXPECT_TRUE(s.empty());
    EXPECT_TRUE(visit_n(s, 0, false, 10).empty());
    // Reusable after becoming empty.
    s.insert(7);
    EXPECT_EQ(visit_n(s, 0, true, 10), (std::vector<int>{7}));
  }
}

// Random operations in phases: grow to many blocks, churn, shrink to empty.
TEST(IndexRankedSet, RandomOperationsMatchReferenceModel) {
  for (uint64_t seed : {11u, 22u, 33u, 44u, 55u}) {
    std::mt19937_64 rng(seed);
    IntSet s;
    Model ref;
    const int key_space = 40000;
    // (target size, operations): the set drifts toward the target.
    const std::pair<size_t, int> phases[] = {{12000, 20000}, {6000, 8000}, {9000, 8000}, {0, 20000}, {1500, 5000}};
    int op = 0;
    for (auto [target, ops] : phases) {
      for (int i = 0; i < ops; ++i, ++op) {
        bool grow = ref.size() < target ? (rng() % 100 < 75) : (rng() % 100 < 25);
        if (ref.empty()) grow = true;
        if (grow) {
          int v = int(rng() % key_space);
          if (ref.contains(v)) {
            // Equivalent element present: erase must find it instead.
            ASSERT_TRUE(s.erase(v));
            ref.erase(v);
          } else {
            s.insert(v);
            ref.insert(v);
          }
        } else if (rng() % 8 == 0) {
          int v = int(rng() % (key_space + 100)) - 50;  // may be absent or outside the range
          ASSERT_EQ(s.erase(v), ref.erase(v) == 1) << "seed " << seed << " op " << op << " v " << v;
        } else {
          // Erase a present element chosen by rank.
          int v = ref.v[rng() % ref.size()];
          ASSERT_TRUE(s.erase(v)) << "seed " << seed << " op " << op << " v " << v;
          ASSERT_TRUE(ref.erase(v));
        }
        ASSERT_EQ(s.size(), ref.size()) << "seed " << seed << " op " << op;
        if (op % 1500 == 0) check_visits(s, ref, rng, "seed " + std::to_string(seed) + " op " + std::to_string(op));
      }
      check_visits(s, ref, rng, "seed " + std::to_string(seed) + " end of phase, size " + std::to_string(ref.size()));
    }
  }
}

// Like resources::Collection: pointers ordered by a key with ties broken by
// an id; erase finds the element through an equivalent pointer's contents.
struct Item {
  int key;
  int id;
};
struct ByKeyThenId {
  bool operator()(const Item* a, const Item* b) const { return a->key != b->key ? a->key < b->key : a->id < b->id; }
};

TEST(IndexRankedSet, PointerElementsWithTies) {
  std::mt19937_64 rng(5);
  constexpr int kN = 3000;
  std::vector<Item> items(kN);
  for (int i = 0; i < kN; ++i) items[size_t(i)] = Item{int(rng() % 10), i};  // many equal keys
  RankedSet<const Item*, ByKeyThenId> s;
  std::vector<const Item*> order;
  for (const Item& it : items) {
    s.insert(&it);
    order.push_back(&it);
  }
  std::sort(order.begin(), order.end(), ByKeyThenId());
  std::vector<const Item*> got;
  s.visit(0, false, [&](const Item* p) { return got.push_back(p), true; });
  EXPECT_EQ(got, order);
  got.clear();
  s.visit(0, true, [&](const Item* p) { return got.push_back(p), true; });
  std::reverse(order.begin(), order.end());
  EXPECT_EQ(got, order);

  // An equivalent copy (same key and id, another address) erases the element.
  Item copy = items[1234];
  EXPECT_TRUE(s.erase(&copy));
  EXPECT_FALSE(s.erase(&copy));
  EXPECT_EQ(s.size(), size_t(kN - 1));
  bool seen = false;
  s.visit(0, false, [&](const Item* p) { return seen = seen || p == &items[1234], true; });
  EXPECT_FALSE(seen);
  Item absent{3, kN + 1};
  EXPECT_FALSE(s.erase(&absent));
  EXPECT_EQ(s.size(), size_t(kN - 1));
}

}  // namespace
}  // namespace claribi::index
