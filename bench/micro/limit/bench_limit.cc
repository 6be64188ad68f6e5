// Micro-benchmarks of SlidingWindowLimiter::check (issue 4: one check <= 50 ns
// uncontended; two threads on different keys scale; two threads on one key stay
// correct). Clocks are fake so every run measures the same path:
//   admit — limit 1000 per 60 s with the clock moving 60 ms per check, so
//           every request finds request h-1000 exactly one window old: the
//           full admission path (two CAS, tail hint moved every time);
//   deny  — a full window, the clock standing still: reads only.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "limit/sliding_window_limiter.h"

namespace {

using claribi::limit::LimitDecision;
using claribi::limit::limiter_key;
using claribi::limit::SlidingWindowLimiter;

constexpr uint32_t kLimit = 1000;
constexpr int64_t kStep = 60'000 / kLimit;  // ms per check: exactly the sustainable rate

SlidingWindowLimiter& limiter() {
  static SlidingWindowLimiter lim;
  return lim;
}

// A fresh key per run (runs are sequential; thread 0 moves it on at the end).
std::atomic<uint64_t> g_run{1};

void BM_CheckAdmit(benchmark::State& state) {
  SlidingWindowLimiter& lim = limiter();
  const uint64_t key = limiter_key("bench-admit", g_run.load() * 64 + state.thread_index());
  int64_t now = 0;
  uint64_t admitted = 0;
  for (auto _ : state) {
    const LimitDecision d = lim.check(key, kLimit, now);
    admitted += d.admitted;
    now += kStep;
    benchmark::DoNotOptimize(d);
  }
  state.counters["admitted"] = benchmark::Counter(
      static_cast<double>(admitted) / static_cast<double>(state.iterations()),
      benchmark::Counter::kAvgThreads);
  if (state.thread_index() == 0) g_run.fetch_add(1);
}
// One thread; then two threads, each on its own key (different shards).
BENCHMARK(BM_CheckAdmit)->Threads(1)->Threads(2)->UseRealTime();

void BM_CheckDeny(benchmark::State& state) {
  SlidingWindowLimiter& lim = limiter();
  const uint64_t key = limiter_key("bench-deny", g_run.load() * 64 + state.thread_index());
  for (uint32_t i = 0; i < 100; ++i) lim.check(key, 100, 0);
  uint64_t admitted = 0;
  for (auto _ : state) {
    const LimitDecision d = lim.check(key, 100, 1);
    admitted += d.admitted;
    benchmark::DoNotOptimize(d);
  }
  if (admitted != 0) state.SkipWithError("a full window admitted a request");
  if (state.thread_index() == 0) g_run.fetch_add(1);
}
BENCHMARK(BM_CheckDeny)->Threads(1)->Threads(2)->UseRealTime();

// Two threads on ONE key. Each thread's clock moves 60 ms per check, so the
// pair offers twice what the window allows: about half must be denied, and the
// admitted fraction shows it (0.5 = exactly the limit).
void BM_CheckSameKey(benchmark::State& state) {
  SlidingWindowLimiter& lim = limiter();
  const uint64_t key = limiter_key("bench-same", g_run.load());
  int64_t now = 0;
  uint64_t admitted = 0;
  for (auto _ : state) {
    const LimitDecision d = lim.check(key, kLimit, now);
    admitted += d.admitted;
    now += kStep;
    benchmark::DoNotOptimize(d);
  }
  state.counters["admitted"] = benchmark::Counter(
      static_cast<double>(admitted) / static_cast<double>(state.iterations()),
      benchmark::Counter::kAvgThreads);
  if (state.thread_index() == 0) g_run.fetch_add(1);
}
BENCHMARK(BM_CheckSameKey)->Threads(2)->UseRealTime();

// Same key, same instant, the window full: both threads only read.
void BM_CheckSameKeyDeny(benchmark::State& state) {
  SlidingWindowLimiter& lim = limiter();
  const uint64_t key = limiter_key("bench-same-deny", g_run.load());
  for (uint32_t i = 0; i < 100; ++i) lim.check(key, 100, 0);
  for (auto _ : state) benchmark::DoNotOptimize(lim.check(key, 100, 1));
  if (state.thread_index() == 0) g_run.fetch_add(1);
}
BENCHMARK(BM_CheckSameKeyDeny)->Threads(2)->UseRealTime();

// Many credentials (a working set far bigger than the caches): 100,000 keys per
// thread at limit 100 (99 MB of entries each), visited in a scrambled order.
// Keys and clocks persist across runs, and every key is visited once before
// timing, so this measures known keys with cold caches, not first inserts.
void BM_CheckManyKeys(benchmark::State& state) {
  static SlidingWindowLimiter lim;
  static int64_t clocks[2] = {0, 0};
  constexpr uint64_t kKeys = 100'000;
  const uint64_t base = static_cast<uint64_t>(state.thread_index()) << 32;
  int64_t& now = clocks[state.thread_index()];
  for (uint64_t k = 0; k < kKeys; ++k) lim.check(base + k, 100, now);
  uint64_t i = 0;
  uint64_t admitted = 0;
  for (auto _ : state) {
    i = (i + 40'503) % kKeys;  // 40503 is coprime with 100000: visits every key
    admitted += lim.check(base + i, 100, now).admitted;
    now += 7;
  }
  state.counters["admitted"] = benchmark::Counter(
      static_cast<double>(admitted) / static_cast<double>(state.iterations()),
      benchmark::Counter::kAvgThreads);
}
BENCHMARK(BM_CheckManyKeys)->Threads(1)->Threads(2)->UseRealTime();

// A credential seen for the first time: allocation (calloc of 8 × 100 + 192
// bytes) and insertion at the head of its chain. Every 50,000 new keys the
// clock jumps and the (untimed) sweeper frees them, so memory stays bounded.
void BM_CheckNewKey(benchmark::State& state) {
  static SlidingWindowLimiter lim;
  static int64_t now = 0;
  static uint64_t next_key = 0;
  uint64_t n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(lim.check(next_key++, 100, now));
    if (++n % 50'000 == 0) {
      state.PauseTiming();
      now += 1'000'000;
      lim.reclaim_idle(now);
      state.ResumeTiming();
    }
  }
  now += 1'000'000;
  lim.reclaim_idle(now);
}
BENCHMARK(BM_CheckNewKey);

// One sweep (reclaim_idle) of the default table (64 × 1024 buckets) holding
// state.range(0) live credentials, none idle: the cost a reactor pays per tick
// when it runs the sweeper.
void BM_ReclaimIdleSweep(benchmark::State& state) {
  SlidingWindowLimiter lim;
  const auto n = static_cast<uint64_t>(state.range(0));
  for (uint64_t k = 0; k < n; ++k) lim.check(k, 100, 0);
  size_t freed = 0;
  for (auto _ : state) freed += lim.reclaim_idle(1);
  if (freed != 0) state.SkipWithError("live entries were reclaimed");
}
BENCHMARK(BM_ReclaimIdleSweep)->Arg(0)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);

void BM_LimiterKey(benchmark::State& state) {
  const std::string id = "3f1c2a9e-5b7d-4c1e-9a2b-7d8e6f5a4b3c";
  for (auto _ : state) benchmark::DoNotOptimize(limiter_key("k", id));
}
BENCHMARK(BM_LimiterKey);

}  // namespace

BENCHMARK_MAIN();
