// U64Set: the exact distinct set of count_distinct, with and without a
// domain (the bitmap it switches to), checked against std::set.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "analytics/group_table.h"

namespace claribi::analytics {
namespace {

std::set<uint64_t> contents(const U64Set& s) {
  std::set<uint64_t> out;
  s.for_each([&](uint64_t v) { EXPECT_TRUE(out.insert(v).second) << "value listed twice: " << v; });
  return out;
}

// Inserts n values drawn from [lo, lo + range) (and a few far outside).
void fill(U64Set* s, std::set<uint64_t>* want, std::mt19937_64& rng, uint64_t lo, uint64_t range, int n) {
  for (int i = 0; i < n; ++i) {
    uint64_t v = rng() % 50 == 0 ? rng() : lo + rng() % range;
    s->insert(v);
    want->insert(v);
  }
}

TEST(U64Set, CountsExactlyWithoutADomain) {
  std::mt19937_64 rng(1);
  U64Set s;
  std::set<uint64_t> want;
  fill(&s, &want, rng, 0, 5000, 20000);  // 0 included
  EXPECT_EQ(s.size(), want.size());
  EXPECT_EQ(contents(s), want);
}

TEST(U64Set, SwitchesToABitmapAndStaysExact) {
  for (uint64_t base : {uint64_t(0), uint64_t(1), uint64_t(1000), uint64_t(-500)}) {  // -500: the domain wraps past 0
    std::mt19937_64 rng(base + 7);
    U64Set s;
    s.set_domain(base, 3000);
    std::set<uint64_t> want;
    fill(&s, &want, rng, base, 3000, 10000);
    s.insert(0);  // inside the domain or not, depending on base
    want.insert(0);
    EXPECT_EQ(s.size(), want.size()) << "base " << base;
    EXPECT_EQ(contents(s), want) << "base " << base;
    EXPECT_LT(s.bytes(), 8192u) << "a 376-byte bitmap and a table of the ~200 values outside, not a table of 3,200";
  }
}

TEST(U64Set, MergesBitmapsTablesAndMixtures) {
  std::mt19937_64 rng(3);
  for (int shape = 0; shape < 4; ++shape) {
    U64Set a, b;
    a.set_domain(100, 10000);
    b.set_domain(100, 10000);
    std::set<uint64_t> want;
    // shape bit 0: a big enough for its bitmap; bit 1: b big enough.
    fill(&a, &want, rng, 100, 10000, (shape & 1) ? 20000 : 20);
    fill(&b, &want, rng, 100, 10000, (shape & 2) ? 20000 : 20);
    b.insert(0);
    want.insert(0);
    a.merge(b);
    EXPECT_EQ(a.size(), want.size()) << "shape " << shape;
    EXPECT_EQ(contents(a), want) << "shape " << shape;
  }
}

}  // namespace
}  // namespace claribi::analytics
