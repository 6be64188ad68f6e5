// Counter and Histogram: the two kinds of figures the server exports
// (metrics/registry.h renders them in Prometheus's text format).
//
// Each lives with the one thread that bumps it (a reactor's, the group-commit
// writer's) and is read by the scrape thread, like h2o's per-thread counters
// and RocksDB's per-core tickers: add() and observe() are a relaxed load and
// store, no read-modify-write, so the hot path pays no locked instruction and
// no other core ever writes the cache line. A scrape sums the figures of every
// owner. Where several threads must share one figure (the query pool's
// workers), add_shared() and observe_shared() use fetch_add instead.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

namespace claribi::metrics {

class Counter {
 public:
  void add(uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void add_shared(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// Buckets over whole numbers (microseconds, batch counts): bounds are the
// inclusive upper bounds, ascending; a value above the last goes to +Inf.
// Counts are kept per bucket and made cumulative when rendered.
class Histogram {
 public:
  static constexpr size_t kMaxBounds = 16;
  explicit Histogram(std::span<const uint64_t> bounds);

  void observe(uint64_t v) {
    Counter& b = buckets_[bucket_of(v)];
    b.add();
    sum_.add(v);
  }
  void observe_shared(uint64_t v) {
    buckets_[bucket_of(v)].add_shared();
    sum_.add_shared(v);
  }

  std::span<const uint64_t> bounds() const { return bounds_; }
  // Observations in bucket i (i == bounds().size(): above the last bound).
  uint64_t bucket(size_t i) const { return buckets_[i].value(); }
  uint64_t sum() const { return sum_.value(); }

 private:
  size_t bucket_of(uint64_t v) const {
    size_t i = 0;
    while (i < bounds_.size() && v > bounds_[i]) ++i;
    return i;
  }
  std::span<const uint64_t> bounds_;
  Counter buckets_[kMaxBounds + 1];
  Counter sum_;
};

// Request and query latencies in microseconds: 0.5 ms … 10 s.
inline constexpr uint64_t kLatencyBoundsUs[] = {500,    1000,   2500,    5000,    10000,   25000,   50000,
                                                100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};

}  // namespace claribi::metrics
