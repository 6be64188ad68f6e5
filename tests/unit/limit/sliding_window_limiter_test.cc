// SlidingWindowLimiter, one thread, injected clock: admission, window edges,
// the §7 numbers (remaining, reset, Retry-After), sliding behaviour, key
// independence, reclamation and limit changes.
#include "limit/sliding_window_limiter.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace claribi::limit {
namespace {

constexpr int64_t kWindow = 60'000;
constexpr int64_t kT0 = 1'000'000;  // arbitrary monotonic origin

SlidingWindowLimiter::Options small_table() {
  SlidingWindowLimiter::Options o;
  o.shards = 4;
  o.buckets_per_shard = 16;
  return o;
}

TEST(SlidingWindowLimiter, AdmitsLimitThenDenies) {
  SlidingWindowLimiter lim;
  for (uint32_t i = 0; i < 3; ++i) {
    const LimitDecision d = lim.check(42, 3, kT0);
    EXPECT_TRUE(d.admitted) << i;
    EXPECT_EQ(d.limit, 3u);
    EXPECT_EQ(d.remaining, 2 - i);
    EXPECT_EQ(d.reset_seconds, 60u);
    EXPECT_EQ(d.retry_after_seconds, 0u);
  }
  for (int i = 0; i < 5; ++i) {
    const LimitDecision d = lim.check(42, 3, kT0 + 10);
    EXPECT_FALSE(d.admitted);
    EXPECT_EQ(d.limit, 3u);
    EXPECT_EQ(d.remaining, 0u);
    EXPECT_EQ(d.retry_after_seconds, 60u);  // ceil(59.99 s)
    EXPECT_EQ(d.reset_seconds, 60u);
  }
}

TEST(SlidingWindowLimiter, ExactAtTheWindowEdges) {
  SlidingWindowLimiter lim;
  ASSERT_TRUE(lim.check(1, 1, kT0).admitted);
  const LimitDecision before = lim.check(1, 1, kT0 + kWindow - 1);
  EXPECT_FALSE(before.admitted);
  EXPECT_EQ(before.retry_after_seconds, 1u);  // 1 ms left, rounded up, never 0
  EXPECT_EQ(before.reset_seconds, 1u);
  const LimitDecision at = lim.check(1, 1, kT0 + kWindow);
  EXPECT_TRUE(at.admitted);
  EXPECT_EQ(at.remaining, 0u);
  EXPECT_EQ(at.reset_seconds, 60u);

  // Two requests 10 ms apart: each leaves the window exactly W after it came.
  ASSERT_TRUE(lim.check(2, 2, kT0).admitted);
  ASSERT_TRUE(lim.check(2, 2, kT0 + 10).admitted);
  EXPECT_FALSE(lim.check(2, 2, kT0 + kWindow - 1).admitted);
  EXPECT_TRUE(lim.check(2, 2, kT0 + kWindow).admitted);
  EXPECT_FALSE(lim.check(2, 2, kT0 + kWindow + 9).admitted);
  EXPECT_TRUE(lim.check(2, 2, kT0 + kWindow + 10).admitted);
  EXPECT_FALSE(lim.check(2, 2, kT0 + kWindow + 10).admitted);
}

TEST(SlidingWindowLimiter, RetryAfterIsCeilingAndNeverZero) {
  SlidingWindowLimiter lim;
  ASSERT_TRUE(lim.check(7, 1, kT0).admitted);
  struct Case {
    int64_t at;
    uint32_t retry;
  };
  // Admitted again at kT0 + 60000; Retry-After = ceil((kT0 + 60000 - now) / 1000).
  const Case cases[] = {{1, 60},     {999, 60},    {1000, 59},   {1001, 59}, {30'000, 30},
                        {30'001, 30}, {58'999, 2}, {59'000, 1}, {59'001, 1}, {59'999, 1}};
  for (const Case& c : cases) {
    const LimitDecision d = lim.check(7, 1, kT0 + c.at);
    EXPECT_FALSE(d.admitted) << c.at;
    EXPECT_EQ(d.retry_after_seconds, c.retry) << c.at;
    // Retrying after exactly Retry-After seconds is never too early to be admitted
    // and never more than a second later than the real moment.
    EXPECT_GE(c.at + int64_t{c.retry} * 1000, kWindow) << c.at;
    EXPECT_LT(c.at + int64_t{c.retry} * 1000, kWindow + 1000) << c.at;
  }
  EXPECT_TRUE(lim.check(7, 1, kT0 + kWindow).admitted);
}

TEST(SlidingWindowLimiter, RemainingAndResetTrackTheOldestRequestInTheWindow) {
  SlidingWindowLimiter lim;
  const uint64_t k = 99;
  LimitDecision d = lim.check(k, 5, kT0);  // window: {0}
  EXPECT_EQ(d.remaining, 4u);
  EXPECT_EQ(d.reset_seconds, 60u);
  d = lim.check(k, 5, kT0 + 1'500);  // {0, 1.5}
  EXPECT_EQ(d.remaining, 3u);
  EXPECT_EQ(d.reset_seconds, 59u);  // oldest (t=0) leaves at 60: 58.5 s → 59
  d = lim.check(k, 5, kT0 + 30'000);  // {0, 1.5, 30}
  EXPECT_EQ(d.remaining, 2u);
  EXPECT_EQ(d.reset_seconds, 30u);
  d = lim.check(k, 5, kT0 + 60'000);  // t=0 left: {1.5, 30, 60}
  EXPECT_TRUE(d.admitted);
  EXPECT_EQ(d.remaining, 2u);
  EXPECT_EQ(d.reset_seconds, 2u);  // 1.5 s → 2
  d = lim.check(k, 5, kT0 + 61'500);  // {30, 60, 61.5}
  EXPECT_EQ(d.remaining, 2u);
  EXPECT_EQ(d.reset_seconds, 29u);  // 30 + 60 - 61.5 = 28.5 → 29
  d = lim.check(k, 5, kT0 + 62'000);  // {30, 60, 61.5, 62}
  EXPECT_EQ(d.remaining, 1u);
  d = lim.check(k, 5, kT0 + 62'000);  // {30, 60, 61.5, 62, 62}
  EXPECT_TRUE(d.admitted);
  EXPECT_EQ(d.remaining, 0u);
  EXPECT_EQ(d.reset_seconds, 28u);
  d = lim.check(k, 5, kT0 + 62'000);
  EXPECT_FALSE(d.admitted);
  EXPECT_EQ(d.remaining, 0u);
  EXPECT_EQ(d.reset_seconds, 28u);        // oldest (30) leaves at 90
  EXPECT_EQ(d.retry_after_seconds, 28u);  // and that is when the next one gets in
  // Long after everything left, the window is empty again.
  d = lim.check(k, 5, kT0 + 500'000);
  EXPECT_TRUE(d.admitted);
  EXPECT_EQ(d.remaining, 4u);
  EXPECT_EQ(d.reset_seconds, 60u);
}

TEST(SlidingWindowLimiter, WindowSlidesRatherThanResetting) {
  SlidingWindowLimiter lim;
  // 10 requests late in one minute: a fixed window would admit 10 more at the
  // start of the next minute; a sliding one waits until they are 60 s old.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(lim.check(5, 10, kT0 + 50'000).admitted);
  EXPECT_FALSE(lim.check(5, 10, kT0 + 61'000).admitted);
  EXPECT_FALSE(lim.check(5, 10, kT0 + 109'999).admitted);
  EXPECT_TRUE(lim.check(5, 10, kT0 + 110'000).admitted);

  // Half at 0 s, half at 30 s: at 60 s exactly the first half is free again.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(lim.check(6, 10, kT0).admitted);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(lim.check(6, 10, kT0 + 30'000).admitted);
  EXPECT_FALSE(lim.check(6, 10, kT0 + 59'999).admitted);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(lim.check(6, 10, kT0 + 60'000).admitted) << i;
  const LimitDecision d = lim.check(6, 10, kT0 + 60'000);
  EXPECT_FALSE(d.admitted);
  EXPECT_EQ(d.retry_after_seconds, 30u);
}

TEST(SlidingWindowLimiter, KeysAreIndependent) {
  SlidingWindowLimiter lim(small_table());  // small table: keys share chains
  for (uint64_t key = 0; key < 200; ++key) {
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(lim.check(key, 2, kT0).admitted) << key;
    ASSERT_FALSE(lim.check(key, 2, kT0).admitted) << key;
  }
  EXPECT_EQ(lim.entries(), 200u);
  const LimitDecision other = lim.check(1'000, 2, kT0);
  EXPECT_TRUE(other.admitted);
  EXPECT_EQ(other.remaining, 1u);

  EXPECT_NE(limiter_key("k", "1"), limiter_key("u", "1"));
  EXPECT_NE(limiter_key("ip", "10.0.0.1"), limiter_key("ip", "10.0.0.2"));
  EXPECT_EQ(limiter_key("email", "a@b.c"), limiter_key("email", "a@b.c"));
  EXPECT_NE(limiter_key("u", uint64_t{1}), limiter_key("k", uint64_t{1}));
}

TEST(SlidingWindowLimiter, MemoryPerEntryFollowsTheFormula) {
  SlidingWindowLimiter lim(small_table());
  EXPECT_EQ(SlidingWindowLimiter::entry_bytes(100), 8u * 100 + 192);
  EXPECT_EQ(SlidingWindowLimiter::entry_bytes(1000), 8u * 1000 + 192);
  const size_t base = lim.memory_bytes();
  lim.check(1, 100, kT0);
  EXPECT_EQ(lim.memory_bytes() - base, SlidingWindowLimiter::entry_bytes(100));
  lim.check(2, 1000, kT0);
  EXPECT_EQ(lim.memory_bytes() - base,
            SlidingWindowLimiter::entry_bytes(100) + SlidingWindowLimiter::entry_bytes(1000));
  lim.check(1, 100, kT0 + 1);  // known key: no new memory
  EXPECT_EQ(lim.memory_bytes() - base,
            SlidingWindowLimiter::entry_bytes(100) + SlidingWindowLimiter::entry_bytes(1000));
}

TEST(SlidingWindowLimiter, ReclaimsIdleEntriesAndTheyStartFresh) {
  SlidingWindowLimiter::Options o = small_table();
  o.reclaim_grace_ms = 1'000;
  SlidingWindowLimiter lim(o);
  const size_t base = lim.memory_bytes();
  for (uint64_t key = 0; key < 100; ++key) {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(lim.check(key, 3, kT0).admitted);
  }
  lim.check(500, 3, kT0 + 30'000);  // stays active longer
  EXPECT_EQ(lim.entries(), 101u);
  const size_t full = lim.memory_bytes();
  EXPECT_EQ(full - base, 101 * SlidingWindowLimiter::entry_bytes(3));

  // Still inside window + grace: nothing to reclaim, and limits still hold.
  EXPECT_EQ(lim.reclaim_idle(kT0 + kWindow + 999), 0u);
  EXPECT_EQ(lim.entries(), 101u);
  EXPECT_EQ(lim.memory_bytes(), full);

  EXPECT_EQ(lim.reclaim_idle(kT0 + kWindow + 1'000), 100u);
  EXPECT_EQ(lim.entries(), 1u);
  EXPECT_EQ(lim.memory_bytes(), base + SlidingWindowLimiter::entry_bytes(3));
  EXPECT_EQ(lim.reclaim_idle(kT0 + 30'000 + kWindow + 1'000), 1u);
  EXPECT_EQ(lim.entries(), 0u);
  EXPECT_EQ(lim.memory_bytes(), base);

  // A reclaimed key starts with an empty window.
  const LimitDecision d = lim.check(7, 3, kT0 + 200'000);
  EXPECT_TRUE(d.admitted);
  EXPECT_EQ(d.remaining, 2u);
  EXPECT_EQ(lim.entries(), 1u);
}

TEST(SlidingWindowLimiter, MemoryDoesNotGrowWithCredentialsEverSeen) {
  SlidingWindowLimiter lim(small_table());
  const size_t base = lim.memory_bytes();
  int64_t now = kT0;
  for (int round = 0; round < 50; ++round) {
    for (uint64_t i = 0; i < 100; ++i) lim.check(uint64_t(round) * 1000 + i, 10, now);
    now += 2 * kWindow;
    lim.reclaim_idle(now);
    EXPECT_EQ(lim.entries(), 0u);
    EXPECT_EQ(lim.memory_bytes(), base);
  }
}

TEST(SlidingWindowLimiter, ReclaimSweepsInSlices) {
  SlidingWindowLimiter lim(small_table());  // 4 shards x 16 buckets = 64
  const size_t base = lim.memory_bytes();
  for (uint64_t key = 0; key < 300; ++key) lim.check(key, 4, kT0);
  const int64_t later = kT0 + 2 * kWindow;
  size_t total = 0;
  for (int slice = 0; slice < 4; ++slice) {
    const size_t n = lim.reclaim_idle(later, 16);
    EXPECT_GT(n, 0u) << slice;
    EXPECT_LT(n, 300u) << slice;  // a quarter of the table, not all of it
    total += n;
  }
  EXPECT_EQ(total, 300u);  // four slices of 16 cover the table once
  EXPECT_EQ(lim.entries(), 0u);
  EXPECT_EQ(lim.memory_bytes(), base);
  EXPECT_EQ(lim.reclaim_idle(later, 0), 0u);
}

TEST(SlidingWindowLimiter, RaisingTheLimitKeepsTheHistory) {
  SlidingWindowLimiter lim(small_table());
  ASSERT_TRUE(lim.check(3, 2, kT0).admitted);
  ASSERT_TRUE(lim.check(3, 2, kT0 + 1).admitted);
  ASSERT_FALSE(lim.check(3, 2, kT0 + 2).admitted);
  // Plan upgrade to 5: the two requests already made still count.
  LimitDecision d = lim.check(3, 5, kT0 + 3);
  EXPECT_TRUE(d.admitted);
  EXPECT_EQ(d.limit, 5u);
  EXPECT_EQ(d.remaining, 2u);
  EXPECT_EQ(d.reset_seconds, 60u);
  EXPECT_TRUE(lim.check(3, 5, kT0 + 4).admitted);
  EXPECT_TRUE(lim.check(3, 5, kT0 + 5).admitted);
  d = lim.check(3, 5, kT0 + 6);
  EXPECT_FALSE(d.admitted);
  EXPECT_EQ(d.retry_after_seconds, 60u);  // the request at kT0 leaves at kT0 + 60 s
  EXPECT_TRUE(lim.check(3, 5, kT0 + kWindow).admitted);
  EXPECT_FALSE(lim.check(3, 5, kT0 + kWindow).admitted);

  // The grown-out entry is unlinked by the next sweep; one entry remains.
  EXPECT_EQ(lim.entries(), 2u);
  EXPECT_EQ(lim.reclaim_idle(kT0 + kWindow), 1u);
  EXPECT_EQ(lim.entries(), 1u);
  EXPECT_TRUE(lim.check(3, 5, kT0 + kWindow + 1).admitted);  // kT0 + 1 left
  EXPECT_FALSE(lim.check(3, 5, kT0 + kWindow + 2).admitted);
}

TEST(SlidingWindowLimiter, LoweringTheLimitAppliesAtOnce) {
  SlidingWindowLimiter lim;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(lim.check(4, 10, kT0 + i * 1000).admitted);
  // Down to 3: five requests in the window already, so none until only two are left.
  LimitDecision d = lim.check(4, 3, kT0 + 10'000);
  EXPECT_FALSE(d.admitted);
  EXPECT_EQ(d.limit, 3u);
  EXPECT_EQ(d.remaining, 0u);
  EXPECT_EQ(d.retry_after_seconds, 52u);  // the 3rd newest (t=2 s) leaves at 62 s
  EXPECT_FALSE(lim.check(4, 3, kT0 + 61'999).admitted);
  d = lim.check(4, 3, kT0 + 62'000);
  EXPECT_TRUE(d.admitted);
  EXPECT_EQ(d.remaining, 0u);  // {3, 4, 62}
}

TEST(SlidingWindowLimiter, ZeroLimitAndUntrackedLimits) {
  SlidingWindowLimiter::Options o;
  o.max_limit = 1'000;
  SlidingWindowLimiter lim(o);
  const LimitDecision zero = lim.check(1, 0, kT0);
  EXPECT_FALSE(zero.admitted);
  EXPECT_GE(zero.retry_after_seconds, 1u);
  for (int i = 0; i < 5'000; ++i) ASSERT_TRUE(lim.check(1, 1'001, kT0).admitted);
  EXPECT_EQ(lim.entries(), 0u);
}

TEST(SlidingWindowLimiter, MaxEntriesFailsClosed) {
  SlidingWindowLimiter::Options o;
  o.shards = 1;
  o.max_entries = 2;
  SlidingWindowLimiter lim(o);
  EXPECT_TRUE(lim.check(1, 5, kT0).admitted);
  EXPECT_TRUE(lim.check(2, 5, kT0).admitted);
  const LimitDecision d = lim.check(3, 5, kT0);
  EXPECT_FALSE(d.admitted);
  EXPECT_EQ(d.retry_after_seconds, 1u);
  EXPECT_TRUE(lim.check(1, 5, kT0).admitted);  // known keys unaffected
  lim.reclaim_idle(kT0 + 10 * kWindow);
  EXPECT_TRUE(lim.check(3, 5, kT0 + 10 * kWindow).admitted);
}

TEST(SlidingWindowLimiter, ShortWindowsAndLongRuns) {
  // Many laps around the ring with a 1 s window: exact over every lap.
  SlidingWindowLimiter::Options o;
  o.window_ms = 1'000;
  SlidingWindowLimiter lim(o);
  std::vector<int64_t> admitted;
  for (int64_t t = 0; t < 100'000; t += 7) {
    for (int i = 0; i < 3; ++i) {
      if (lim.check(11, 13, t).admitted) admitted.push_back(t);
    }
  }
  for (size_t i = 13; i < admitted.size(); ++i) {
    ASSERT_GE(admitted[i] - admitted[i - 13], 1'000) << i;
  }
  // 100 s of demand at 3 per 7 ms: every window is used to the full.
  EXPECT_GE(admitted.size(), 13u * 99);
}

TEST(SlidingWindowLimiter, NegativeAndLargeClockValues) {
  SlidingWindowLimiter lim;
  for (const int64_t t0 : {int64_t{-5'000'000}, int64_t{0}, int64_t{1} << 45}) {
    const uint64_t key = static_cast<uint64_t>(t0) ^ 0x55;
    ASSERT_TRUE(lim.check(key, 1, t0).admitted);
    EXPECT_FALSE(lim.check(key, 1, t0 + kWindow - 1).admitted);
    EXPECT_EQ(lim.check(key, 1, t0 + kWindow - 1).retry_after_seconds, 1u);
    EXPECT_TRUE(lim.check(key, 1, t0 + kWindow).admitted);
  }
}

}  // namespace
}  // namespace claribi::limit
