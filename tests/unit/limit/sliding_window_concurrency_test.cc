// SlidingWindowLimiter under several threads: exactly `limit` admitted for one
// key at a fixed instant, never more than the limit in any rolling window while
// the clock moves, also while the limit grows and while idle entries are
// reclaimed underneath the checkers.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <latch>
#include <thread>
#include <vector>

#include "limit/epoch.h"
#include "limit/sliding_window_limiter.h"

namespace claribi::limit {
namespace {

constexpr int kThreads = 4;

// Every window [t, t+W) over the admitted timestamps holds at most cap(t+W-1).
void expect_rolling_windows_within(std::vector<int64_t> ts, int64_t window,
                                   const std::function<uint32_t(int64_t)>& cap,
                                   const char* what) {
  std::sort(ts.begin(), ts.end());
  size_t j = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (j < i) j = i;
    while (j < ts.size() && ts[j] < ts[i] + window) ++j;
    const size_t in_window = j - i;
    const uint32_t limit = cap(ts[i] + window - 1);
    ASSERT_LE(in_window, limit) << what << ": window starting at " << ts[i];
  }
}

TEST(SlidingWindowConcurrency, FixedClockAdmitsExactlyTheLimit) {
  SlidingWindowLimiter lim;
  uint64_t key = 1;
  for (const uint32_t limit : {1u, 2u, 7u, 100u, 1000u}) {
    for (int trial = 0; trial < 10; ++trial, ++key) {
      const int attempts = static_cast<int>(limit) + 2000;  // each thread alone could take it all
      std::atomic<uint32_t> admitted{0};
      std::atomic<uint32_t> zero_remaining{0};
      std::latch start(kThreads);
      std::vector<std::thread> threads;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
          start.arrive_and_wait();
          uint32_t mine = 0;
          for (int i = 0; i < attempts; ++i) {
            const LimitDecision d = lim.check(key, limit, 5'000);
            if (d.admitted) {
              ++mine;
              if (d.remaining == 0) zero_remaining.fetch_add(1);
            } else {
              ASSERT_EQ(d.retry_after_seconds, 60u);
              ASSERT_EQ(d.remaining, 0u);
            }
          }
          admitted.fetch_add(mine);
        });
      }
      for (std::thread& th : threads) th.join();
      ASSERT_EQ(admitted.load(), limit) << "limit " << limit << " trial " << trial;
      // Only the request that took the last slot is told nothing remains.
      EXPECT_EQ(zero_remaining.load(), 1u) << "limit " << limit << " trial " << trial;
    }
  }
}

// Threads share a fake clock that thread 0 moves forward; each records the
// instants at which it was admitted.
struct HammerRun {
  int64_t window;
  int64_t until;
  int advance_every;  // thread 0 advances the clock by 1 ms every N of its checks
};

template <typename CheckFn>
std::vector<int64_t> hammer(const HammerRun& run, CheckFn&& check_at) {
  std::atomic<int64_t> clock{0};
  std::vector<std::vector<int64_t>> per_thread(kThreads);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (uint64_t i = 0;; ++i) {
        if (t == 0 && i % run.advance_every == 0) clock.fetch_add(1);
        const int64_t now = clock.load();
        if (now >= run.until) break;
        if (check_at(now)) per_thread[t].push_back(now);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  std::vector<int64_t> all;
  for (auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  return all;
}

TEST(SlidingWindowConcurrency, AdvancingClockNeverExceedsTheLimitInAnyWindow) {
  SlidingWindowLimiter::Options o;
  o.window_ms = 100;
  SlidingWindowLimiter lim(o);
  const HammerRun run{100, 3'000, 32};
  for (const uint32_t limit : {1u, 5u, 50u}) {
    const uint64_t key = 77 + limit;
    const std::vector<int64_t> admitted =
        hammer(run, [&](int64_t now) { return lim.check(key, limit, now).admitted; });
    expect_rolling_windows_within(admitted, run.window, [&](int64_t) { return limit; }, "fixed limit");
    // Demand always exceeds supply, so nearly every window is used to the full.
    EXPECT_GE(admitted.size(), limit * (run.until / run.window) / 2) << limit;
  }
}

TEST(SlidingWindowConcurrency, GrowingLimitKeepsEveryWindowWithinTheLimitInForce) {
  SlidingWindowLimiter::Options o;
  o.window_ms = 100;
  SlidingWindowLimiter lim(o);
  const HammerRun run{100, 3'000, 32};
  // The limit grows with time, so the entry is regrown (copied and frozen)
  // again and again while the other threads are admitting into it.
  // Meanwhile a sweeper unlinks and frees the grown-out entries under the
  // checkers' feet (its clock stays at 0, so nothing is idle).
  auto limit_at = [](int64_t now) { return static_cast<uint32_t>(3 + now / 40); };
  std::atomic<bool> done{false};
  std::atomic<size_t> unlinked{0};
  std::thread sweeper([&] {
    while (!done.load()) {
      unlinked.fetch_add(lim.reclaim_idle(0));
      std::this_thread::yield();
    }
  });
  const std::vector<int64_t> admitted =
      hammer(run, [&](int64_t now) { return lim.check(9, limit_at(now), now).admitted; });
  done.store(true);
  sweeper.join();
  expect_rolling_windows_within(admitted, run.window, limit_at, "growing limit");
  unlinked.fetch_add(lim.reclaim_idle(0));
  EXPECT_EQ(lim.entries(), 1u);
  EXPECT_GT(unlinked.load(), 0u);
  EXPECT_EQ(lim.memory_bytes(), SlidingWindowLimiter(o).memory_bytes() +
                                    SlidingWindowLimiter::entry_bytes(limit_at(run.until - 1)))
      << "every grown-out entry freed";
}

TEST(SlidingWindowConcurrency, ThreadRecordsAreReusedAfterThreadExit) {
  SlidingWindowLimiter lim;
  epoch::Record* first = nullptr;
  std::thread([&] {
    lim.check(1, 10, 0);
    first = epoch::t_record;
  }).join();
  ASSERT_NE(first, nullptr);
  EXPECT_FALSE(first->owned.load());
  EXPECT_EQ(first->state.load(), 0u);  // not left pinned
  // Every record that exists now is reachable from the newest one, `first`.
  std::vector<epoch::Record*> existing;
  for (epoch::Record* r = first; r != nullptr; r = r->next) existing.push_back(r);
  for (int i = 0; i < 100; ++i) {
    epoch::Record* again = nullptr;
    std::thread([&] {
      lim.check(1, 10, 0);
      again = epoch::t_record;
    }).join();
    // A short-lived thread reuses a released record instead of adding one.
    EXPECT_NE(std::find(existing.begin(), existing.end(), again), existing.end()) << i;
    EXPECT_FALSE(again->owned.load());
  }
}

TEST(SlidingWindowConcurrency, ReclaimingWhileCheckingStaysExact) {
  SlidingWindowLimiter::Options o;
  o.window_ms = 50;
  o.reclaim_grace_ms = 0;
  o.shards = 2;
  o.buckets_per_shard = 2;  // everything in a few chains: unlinks race with inserts
  SlidingWindowLimiter lim(o);
  constexpr uint32_t kLimit = 6;
  constexpr int kKeys = 5;  // key 0 always busy; keys 1..4 take turns and go idle
  constexpr int64_t kUntil = 4'000;

  std::atomic<int64_t> clock{0};
  // Each checker announces the instant it is about to check with, so that the
  // sweeper never runs ahead of a checker's clock (the contract of
  // Options::reclaim_grace_ms, here with no grace at all).
  struct alignas(64) Announce {
    std::atomic<int64_t> now{INT64_MAX};
  };
  std::vector<Announce> announced(kThreads);
  std::vector<std::vector<std::vector<int64_t>>> admitted(kThreads,
                                                          std::vector<std::vector<int64_t>>(kKeys));
  std::atomic<bool> done{false};
  std::atomic<size_t> reclaimed{0};
  std::latch start(kThreads + 1);

  std::thread sweeper([&] {
    start.arrive_and_wait();
    while (!done.load()) {
      int64_t now = clock.load();
      for (Announce& a : announced) now = std::min(now, a.now.load());
      reclaimed.fetch_add(lim.reclaim_idle(now));
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (uint64_t i = 0;; ++i) {
        // Slow enough that a checker descheduled mid-check (holding the sweeper's
        // clock back by a time slice) lags by far less than a key's idle turn.
        if (t == 0 && i % 512 == 0) clock.fetch_add(1);
        announced[t].now.store(clock.load());
        const int64_t now = clock.load();
        if (now >= kUntil) break;
        // Key 0 every other check; otherwise the key of the current 120 ms turn.
        const int k = (i % 2 == 0) ? 0 : 1 + static_cast<int>((now / 120) % (kKeys - 1));
        if (lim.check(1000 + k, kLimit, now).admitted) admitted[t][k].push_back(now);
        announced[t].now.store(INT64_MAX);
      }
      announced[t].now.store(INT64_MAX);
    });
  }
  for (std::thread& th : threads) th.join();
  done.store(true);
  sweeper.join();

  for (int k = 0; k < kKeys; ++k) {
    std::vector<int64_t> all;
    for (int t = 0; t < kThreads; ++t) all.insert(all.end(), admitted[t][k].begin(), admitted[t][k].end());
    expect_rolling_windows_within(all, o.window_ms, [](int64_t) { return kLimit; }, "with reclaim");
    EXPECT_GT(all.size(), size_t{kLimit}) << k;
  }
  EXPECT_GT(reclaimed.load(), 0u);  // keys did go idle and were reclaimed meanwhile
  RecordProperty("reclaimed", static_cast<int>(reclaimed.load()));
  lim.reclaim_idle(kUntil + 1'000);
  EXPECT_EQ(lim.entries(), 0u);
}

TEST(SlidingWindowConcurrency, ManyKeysManyThreads) {
  SlidingWindowLimiter::Options o;
  o.window_ms = 1'000;
  SlidingWindowLimiter lim(o);
  constexpr int kKeys = 64;
  constexpr uint32_t kLimit = 10;
  std::vector<std::atomic<uint32_t>> per_key(kKeys);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < 20'000; ++i) {
        const int k = (i * 7 + t * 13) % kKeys;
        if (lim.check(limiter_key("k", static_cast<uint64_t>(k)), kLimit, 123).admitted) {
          per_key[k].fetch_add(1);
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int k = 0; k < kKeys; ++k) EXPECT_EQ(per_key[k].load(), kLimit) << k;
  EXPECT_EQ(lim.entries(), size_t{kKeys});
}

}  // namespace
}  // namespace claribi::limit
