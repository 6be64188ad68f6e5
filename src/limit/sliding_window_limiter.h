// SlidingWindowLimiter: exact sliding-window rate limits (API.md §7), checked in
// line on any reactor thread without a lock.
//
// Per credential it keeps the timestamps of the last `limit` admitted requests
// in a ring; request number h is admitted only if request h - limit is at least
// one window old, so no rolling window ever holds more than `limit` admitted
// requests, whichever threads they came through. The concurrency argument, the
// slot encoding and the reclamation protocol are at the top of
// sliding_window_limiter.cc.
//
// Memory per credential (entry_bytes): 8 × limit + 192 bytes, limit being the
// largest the credential was checked with — a 64-bit slot per admitted request
// that can still count (40-bit ms timestamp + lap tag), a
// 128-byte header (key, links; head and tail counters on their own cache line)
// and up to 64 bytes of alignment slack in the allocation. E.g. limit 100 →
// 992 B, limit 1,000 → 8,192 B, limit 30 → 432 B, limit 10 → 272 B. Plus a fixed
// table of 8-byte bucket heads (shards × buckets_per_shard). An entry whose
// newest request left the window (plus reclaim_grace_ms) is freed by
// reclaim_idle, so memory follows the credentials active in the last window,
// not every credential ever seen.
//
// Keys are 64-bit hashes of the credential: use limiter_key("k", key_id),
// limiter_key("u", user_id), limiter_key("ip", addr), limiter_key("email", addr).
// A route- or plan-specific bucket that must count separately from the
// credential's default one gets its own kind (e.g. "k:/api/analytics/query/").
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace claribi::limit {

// XXH3 of kind and id (the id seeded by the hash of the kind, so ("k","1") and
// ("u","1") differ). Not on any secret path: it only spreads keys over shards.
uint64_t limiter_key(std::string_view kind, std::string_view id);
uint64_t limiter_key(std::string_view kind, uint64_t id);

struct LimitDecision {
  bool admitted = false;
  uint32_t limit = 0;                // the limit this request was checked against
  uint32_t remaining = 0;            // admissions left right now, after counting this one
  uint32_t reset_seconds = 0;        // ceil(s) until the oldest request in the window leaves it; 0 if none
  uint32_t retry_after_seconds = 0;  // when !admitted: ceil(s) until a request would be admitted, >= 1
};

class SlidingWindowLimiter {
 public:
  struct Options {
    uint32_t shards = 64;               // rounded up to a power of two
    uint32_t buckets_per_shard = 1024;  // rounded up to a power of two; chains grow past it
    int64_t window_ms = 60'000;         // >= 1
    // An idle entry is reclaimed once its newest request is window_ms +
    // reclaim_grace_ms old. The grace covers a checker whose now_ms was read a
    // little before the sweeper's (exactness across a reclamation holds as long
    // as no check runs with a clock more than the grace behind the sweeper's).
    int64_t reclaim_grace_ms = 1'000;
    // Limits above this are not tracked: such a check is admitted and touches no
    // state (an exact window needs 8 bytes per unit of limit). 2^24 → 128 MiB per
    // entry at most, of which only the slots actually used are ever touched.
    uint32_t max_limit = 1u << 24;
    // Cap on tracked credentials (0 = none). A new credential past the cap is
    // denied (retry after 1 s) rather than admitted untracked.
    size_t max_entries = 0;
  };

  SlidingWindowLimiter();
  explicit SlidingWindowLimiter(const Options& options);
  ~SlidingWindowLimiter();  // no check may run concurrently with destruction
  SlidingWindowLimiter(const SlidingWindowLimiter&) = delete;
  SlidingWindowLimiter& operator=(const SlidingWindowLimiter&) = delete;

  // Counts one request of `key` against `limit` per window at `now_ms` (a
  // monotonic millisecond clock; the same clock for every caller). Lock-free;
  // allocates only when `key` has no entry (or its limit grows past the entry's
  // capacity). limit == 0 denies everything.
  LimitDecision check(uint64_t key, uint32_t limit, int64_t now_ms);

  // Frees entries with no admitted request in the last window + grace;
  // concurrent with checks. Sweeps at most `max_buckets` buckets per call,
  // resuming where the previous call stopped (the table has shards ×
  // buckets_per_shard of them), so a reactor tick can do a bounded slice: a
  // sweep costs ~1.5–3 ns per bucket plus ~4 cache misses per live entry (the
  // whole default table of 65,536 buckets, measured on the 2-core dev VM:
  // empty 0.1–0.2 ms, 10,000 live entries 1–3 ms, 100,000 live 25–35 ms).
  // E.g. 4,096 buckets per 1 s tick covers the default table every 16 s. If
  // another sweep is running it returns 0 at once. Returns entries unlinked.
  size_t reclaim_idle(int64_t now_ms, size_t max_buckets = SIZE_MAX);

  size_t entries() const;       // credentials currently tracked
  size_t memory_bytes() const;  // bucket tables + every allocated entry (incl. ones awaiting free)
  int64_t window_ms() const { return window_ms_; }

  // Bytes allocated for one credential checked with `limit` (see formula above).
  static size_t entry_bytes(uint32_t limit);

 private:
  struct Entry;
  struct Shard;
  enum class Step { kDone, kFollow, kLookup };

  Entry* find_or_insert(Shard& shard, std::atomic<Entry*>& bucket, uint64_t key, uint32_t limit);
  Step check_entry(Entry*& e, uint32_t limit, int64_t now_ms, LimitDecision& out);
  Step check_ring(Entry*& e, uint32_t limit, int64_t now_ms, LimitDecision& out);
  Step grow(Entry*& e, uint32_t limit, int64_t now_ms, LimitDecision& out);
  void link(std::atomic<Entry*>& bucket, Entry* e);
  Entry* allocate(Shard& shard, uint64_t key, uint32_t capacity);
  void release(Entry* e);
  bool try_freeze_idle(Entry* e, int64_t now_ms);
  Entry* unlink(std::atomic<Entry*>& bucket, Entry* pred, Entry* e);
  void free_retired(uint64_t epoch);
  Shard& shard_of(uint64_t mixed) const;
  std::atomic<Entry*>& bucket_of(Shard& shard, uint64_t mixed) const;

  int64_t window_ms_;
  int64_t grace_ms_;
  uint32_t max_limit_;
  size_t max_entries_per_shard_;
  uint32_t shard_shift_;
  uint32_t bucket_mask_;
  size_t table_bytes_;
  std::unique_ptr<Shard[]> shards_;
  size_t shard_count_;

  std::mutex sweep_mu_;  // serializes sweepers only; never taken by check()
  size_t sweep_cursor_ = 0;  // next bucket to sweep, over all shards; guarded by sweep_mu_
  struct Retired {
    Entry* entry;
    uint64_t epoch;
  };
  std::vector<Retired> retired_;  // guarded by sweep_mu_
};

}  // namespace claribi::limit
