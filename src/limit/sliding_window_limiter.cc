// SlidingWindowLimiter — exact sliding windows, lock-free, sharded by key hash.
//
// STATE. The table is `shards` × `buckets_per_shard` bucket heads; a bucket is
// a singly linked chain of entries, one per credential, found by the key mixed
// with a 64-bit finalizer (callers pass XXH3 hashes, tests pass small ints).
// An entry of capacity C (= the limit it was created for) holds:
//   head — the position (lap, idx) of the next request number h = lap·C + idx;
//   ring — C slots; slot idx holds request h - C until h is claimed, then h.
//          A slot is 64 bits: [63] poison | [62:40] lap tag | [39:0] timestamp
//          (ms, mod 2^40 ≈ 34 years; ages are compared as signed 40-bit
//          differences). The tag of request (lap, idx) is lap+1 (mod 2^23), so a
//          zeroed slot reads as "request h - C of lap -1": none.
//   tail — a hint: the oldest request that may still be in the window (used
//          only to answer `remaining` and `reset`, never to admit).
//
// ADMISSION of request h with limit L (L <= C): admit iff h < L, or request
// h - L is at least one window old. A thread reads head = h, checks that slot h
// still holds the prior tag (h unclaimed), reads slots h-1 and h-L and checks
// their tags (they hold exactly those requests, final), decides, and claims h
// with ONE compare-and-swap of slot h from its prior value to (tag of h, ts).
// Then it advances head h → h+1; any thread that finds slot h already claimed
// helps advance head instead of waiting. There is no other write, no lock, no
// spin: a failed CAS means another request was admitted, and the thread starts
// over from the new head.
//
// WHY IT NEVER OVER-ADMITS. (1) Each request number is claimed at most once:
// the claim is a CAS from the slot's prior value, and a slot's value never
// repeats (its lap tag and its timestamp both grow on every claim — the
// timestamp by at least a window — so there is no ABA). (2) Numbers are claimed
// in order: head reaches h only after h-1 is claimed, and a claim of h needs the
// tag of h-1 in its slot. (3) The slots read for h-1 and h-L cannot change
// between the reads and the CAS: they are overwritten only by requests h-1+C and
// h-L+C, both >= h, which cannot be claimed before h. So the decision for h is
// made on the final timestamp of h-L and the CAS makes it atomic with the claim.
// (4) Stored timestamps are made non-decreasing (ts(h) = max(now, ts(h-1))), so
// ts(h) >= ts(h-L) + window. Split the requests by number modulo L: in each
// class consecutive timestamps are a window apart, so any window [t, t+W) holds
// at most one request per class — at most L in all, with any number of threads
// and even with their clocks read at slightly different instants. (When the
// limit of a key changes, the same monotonicity gives: the requests in any
// window are at most the limit the newest of them was checked against.)
// Two threads racing for the last slot: both read the same prior value, one CAS
// wins, the other re-reads head = h+1, finds h+1-L not expired, and is denied.
// The ring wrapping: slot h%C is reused only by a claim of h, which requires
// h-L (hence h-C) expired; an older reader's CAS then fails on the new tag.
//
// DENIAL answers are exact too: if h-L is younger than a window, requests
// h-L..h-1 are all in it (timestamps are monotonic), so admitting would make
// L+1. Retry-After = ceil((ts(h-L) + W - now) / 1000) s — the instant h-L leaves
// the window — never 0 and never more than 1 s late.
//
// RECLAMATION. An entry is "frozen" by poisoning the slot of its head while that
// slot is unclaimed (CAS from its prior value): no request can ever be claimed
// in it again, and head stays put. Before poisoning, the freezer installs in
// `forward` either a tombstone (idle: the sweeper) or a successor entry (growth:
// see below); a reader that meets the poison follows `forward` or, on a
// tombstone, looks the key up again and inserts a fresh entry. The sweeper
// freezes an entry only if its newest request is older than window + grace, so
// the fresh entry starts with nothing in the window. Unlinked entries are freed
// through epoch-based reclamation (epoch.h): check() pins the thread's epoch for
// its duration, so an entry is freed only when no reader can still hold it.
// Chains are modified by inserts at the head (CAS) and by one sweeper at a time
// (sweep_mu_, never taken by check).
//
// LIMIT CHANGES. A limit below the entry's capacity works as is (the rule
// reads h-L for the L it is given). A limit above it grows the entry: the
// grower copies the C newest timestamps into a new entry of capacity L,
// installs it as `forward`, then freezes the old entry at the same head with
// the poison CAS; if a request got in between, the copy is stale, the grower
// clears `forward` and starts over. So no admitted request is lost in the move.
// While another thread is freezing the entry, or when the freeze keeps losing
// to concurrent admissions (4 tries), a check runs at the old capacity
// (conservative: it may deny early, never admit too many) rather than wait.
#include "limit/sliding_window_limiter.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <new>

#include "limit/epoch.h"

namespace claribi::limit {

namespace {

constexpr uint64_t kPoison = uint64_t{1} << 63;
constexpr unsigned kTsBits = 40;
constexpr uint64_t kTsMask = (uint64_t{1} << kTsBits) - 1;
constexpr uint64_t kTagMask = (uint64_t{1} << 23) - 1;
constexpr size_t kAlign = 64;

// A request number as (lap, idx): h = lap·C + idx. Kept as a pair so that no
// division is needed for a capacity that is not a power of two.
struct Pos {
  uint32_t lap;
  uint32_t idx;
  bool operator==(const Pos&) const = default;
};
inline uint64_t pack(Pos p) { return (uint64_t{p.lap} << 32) | p.idx; }
inline Pos unpack(uint64_t w) { return {static_cast<uint32_t>(w >> 32), static_cast<uint32_t>(w)}; }
inline Pos next(Pos p, uint32_t cap) {
  return p.idx + 1 == cap ? Pos{p.lap + 1, 0} : Pos{p.lap, p.idx + 1};
}
// p - n, for n <= cap and p >= n.
inline Pos back(Pos p, uint32_t n, uint32_t cap) {
  return p.idx >= n ? Pos{p.lap, p.idx - n} : Pos{p.lap - 1, p.idx + cap - n};
}
// p < n, for n <= cap.
inline bool below(Pos p, uint32_t n) { return p.lap == 0 && p.idx < n; }
// a - b (laps compared modulo 2^32).
inline int64_t distance(Pos a, Pos b, uint32_t cap) {
  return static_cast<int64_t>(static_cast<int32_t>(a.lap - b.lap)) * cap +
         static_cast<int64_t>(a.idx) - static_cast<int64_t>(b.idx);
}

inline uint64_t tag_of(uint64_t slot) { return (slot >> kTsBits) & kTagMask; }
inline uint64_t claimed_tag(uint32_t lap) { return (uint64_t{lap} + 1) & kTagMask; }
inline uint64_t prior_tag(uint32_t lap) { return uint64_t{lap} & kTagMask; }
inline uint64_t make_slot(uint32_t lap, uint64_t ts) {
  return (claimed_tag(lap) << kTsBits) | (ts & kTsMask);
}
// now - ts(slot) in ms as a signed 40-bit difference (negative: ts is ahead).
inline int64_t age_ms(uint64_t slot, int64_t now) {
  const uint64_t d = (static_cast<uint64_t>(now) - slot) & kTsMask;
  return static_cast<int64_t>(d << (64 - kTsBits)) >> (64 - kTsBits);
}
inline uint32_t ceil_seconds(int64_t ms) {
  if (ms <= 0) return 0;
  const int64_t s = (ms + 999) / 1000;
  return s > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(s);
}
// MurmurHash3 finalizer: spreads any 64-bit key over shards and buckets.
inline uint64_t mix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}
inline uint32_t round_pow2(uint32_t v) {
  uint32_t p = 1;
  while (p < v && p < (1u << 31)) p <<= 1;
  return p;
}

struct WindowInfo {
  uint32_t count;  // requests in the window among those scanned
  uint32_t reset;  // ceil(s) until the oldest of them leaves; 0 if none
};

}  // namespace

uint64_t limiter_key(std::string_view kind, std::string_view id) {
  const XXH64_hash_t seed = XXH3_64bits(kind.data(), kind.size());
  return XXH3_64bits_withSeed(id.data(), id.size(), seed);
}

uint64_t limiter_key(std::string_view kind, uint64_t id) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(id >> (8 * i));
  const XXH64_hash_t seed = XXH3_64bits(kind.data(), kind.size());
  return XXH3_64bits_withSeed(b, sizeof b, seed);
}

struct SlidingWindowLimiter::Entry {
  // Cache line 0: read by lookups walking the chain, written rarely.
  uint64_t key = 0;
  uint32_t capacity = 0;
  std::atomic<bool> linked{false};  // set once it has been pushed on its chain
  std::atomic<Entry*> next{nullptr};
  std::atomic<Entry*> forward{nullptr};  // nullptr, tombstone() or successor
  std::atomic<Entry*>* bucket = nullptr;
  Shard* shard = nullptr;
  void* block = nullptr;  // the allocation this entry is aligned inside
  size_t block_bytes = 0;
  // Cache line 1: written by admissions. The ring follows the struct.
  alignas(kAlign) std::atomic<uint64_t> head{0};
  std::atomic<uint64_t> tail{0};

  static Entry* tombstone() { return reinterpret_cast<Entry*>(uintptr_t{1}); }
  uint64_t* ring() { return reinterpret_cast<uint64_t*>(this + 1); }
  std::atomic_ref<uint64_t> slot(uint32_t i) { return std::atomic_ref<uint64_t>(ring()[i]); }
  // Poisoned at its head: no request can be claimed in it any more.
  bool frozen() {
    const Pos h = unpack(head.load(std::memory_order_acquire));
    return (slot(h.idx).load(std::memory_order_acquire) & kPoison) != 0;
  }
  // Frozen and nothing left to follow: lookups skip it (a successor that was
  // linked is found on its own, or has itself been reclaimed as idle).
  // `forward` is dereferenced only once the poison is seen: before that it may
  // hold a grower's candidate that is freed when its freeze fails.
  bool superseded() {
    if (forward.load(std::memory_order_relaxed) == nullptr || !frozen()) return false;
    Entry* f = forward.load(std::memory_order_acquire);  // final once frozen
    return f == tombstone() || f->linked.load(std::memory_order_acquire);
  }
};
struct alignas(kAlign) SlidingWindowLimiter::Shard {
  std::unique_ptr<std::atomic<Entry*>[]> buckets;
  std::atomic<size_t> entries{0};
  std::atomic<size_t> bytes{0};
};

SlidingWindowLimiter::SlidingWindowLimiter() : SlidingWindowLimiter(Options{}) {}

SlidingWindowLimiter::SlidingWindowLimiter(const Options& o)
    : window_ms_(std::max<int64_t>(1, o.window_ms)),
      grace_ms_(std::max<int64_t>(0, o.reclaim_grace_ms)),
      max_limit_(std::max<uint32_t>(1, o.max_limit)) {
  const uint32_t shards = round_pow2(std::max<uint32_t>(1, o.shards));
  const uint32_t buckets = round_pow2(std::max<uint32_t>(1, o.buckets_per_shard));
  shard_count_ = shards;
  shard_shift_ = shards - 1;  // used as a mask on the high half of the mixed key
  bucket_mask_ = buckets - 1;
  max_entries_per_shard_ = o.max_entries == 0 ? SIZE_MAX : (o.max_entries + shards - 1) / shards;
  shards_ = std::make_unique<Shard[]>(shards);
  for (uint32_t i = 0; i < shards; ++i) {
    shards_[i].buckets.reset(new std::atomic<Entry*>[buckets]());
  }
  table_bytes_ = sizeof(*this) + size_t{shards} * sizeof(Shard) +
                 size_t{shards} * buckets * sizeof(std::atomic<Entry*>);
}

SlidingWindowLimiter::~SlidingWindowLimiter() {
  for (size_t s = 0; s < shard_count_; ++s) {
    for (uint32_t b = 0; b <= bucket_mask_; ++b) {
      Entry* e = shards_[s].buckets[b].load(std::memory_order_acquire);
      while (e != nullptr) {
        Entry* n = e->next.load(std::memory_order_relaxed);
        release(e);
        e = n;
      }
    }
  }
  for (const Retired& r : retired_) release(r.entry);
}

size_t SlidingWindowLimiter::entry_bytes(uint32_t limit) {
  static_assert(sizeof(Entry) == 2 * kAlign, "header: one line for links, one for head/tail");
  return sizeof(Entry) + size_t{limit} * sizeof(uint64_t) + kAlign;
}

SlidingWindowLimiter::Shard& SlidingWindowLimiter::shard_of(uint64_t mixed) const {
  return shards_[(mixed >> 32) & shard_shift_];
}

std::atomic<SlidingWindowLimiter::Entry*>& SlidingWindowLimiter::bucket_of(Shard& shard,
                                                                           uint64_t mixed) const {
  return shard.buckets[mixed & bucket_mask_];
}

SlidingWindowLimiter::Entry* SlidingWindowLimiter::allocate(Shard& shard, uint64_t key,
                                                            uint32_t capacity) {
  const size_t bytes = entry_bytes(capacity);
  // calloc: zeroed slots (tag 0 = empty) without touching pages the kernel
  // hands out already zeroed, which matters for very large limits.
  void* block = std::calloc(1, bytes);
  if (block == nullptr) return nullptr;
  const uintptr_t aligned = (reinterpret_cast<uintptr_t>(block) + kAlign - 1) & ~uintptr_t{kAlign - 1};
  Entry* e = new (reinterpret_cast<void*>(aligned)) Entry;
  e->key = key;
  e->capacity = capacity;
  e->shard = &shard;
  e->block = block;
  e->block_bytes = bytes;
  shard.bytes.fetch_add(bytes, std::memory_order_relaxed);
  return e;
}

void SlidingWindowLimiter::release(Entry* e) {
  Shard* shard = e->shard;
  void* block = e->block;
  shard->bytes.fetch_sub(e->block_bytes, std::memory_order_relaxed);
  e->~Entry();
  std::free(block);
}

void SlidingWindowLimiter::link(std::atomic<Entry*>& bucket, Entry* e) {
  Entry* first = bucket.load(std::memory_order_relaxed);
  do {
    e->next.store(first, std::memory_order_relaxed);
  } while (!bucket.compare_exchange_weak(first, e, std::memory_order_release,
                                         std::memory_order_relaxed));
  e->linked.store(true, std::memory_order_release);
  e->shard->entries.fetch_add(1, std::memory_order_relaxed);
}

SlidingWindowLimiter::Entry* SlidingWindowLimiter::find_or_insert(Shard& shard,
                                                                  std::atomic<Entry*>& bucket,
                                                                  uint64_t key, uint32_t limit) {
  Entry* fresh = nullptr;
  for (;;) {
    Entry* first = bucket.load(std::memory_order_acquire);
    for (Entry* e = first; e != nullptr; e = e->next.load(std::memory_order_acquire)) {
      if (e->key == key && !e->superseded()) {
        if (fresh != nullptr) release(fresh);  // never published
        return e;
      }
    }
    if (fresh == nullptr) {
      if (shard.entries.load(std::memory_order_relaxed) >= max_entries_per_shard_) return nullptr;
      fresh = allocate(shard, key, limit);
      if (fresh == nullptr) return nullptr;
      fresh->bucket = &bucket;
    }
    fresh->next.store(first, std::memory_order_relaxed);
    // Only succeeds if nothing was pushed since the scan, so a concurrent
    // insert of the same key is found by the rescan instead of duplicated.
    if (bucket.compare_exchange_strong(first, fresh, std::memory_order_release,
                                       std::memory_order_relaxed)) {
      fresh->linked.store(true, std::memory_order_release);
      shard.entries.fetch_add(1, std::memory_order_relaxed);
      return fresh;
    }
  }
}

LimitDecision SlidingWindowLimiter::check(uint64_t key, uint32_t limit, int64_t now_ms) {
  LimitDecision d;
  d.limit = limit;
  if (limit == 0) {
    d.retry_after_seconds = std::max<uint32_t>(1, ceil_seconds(window_ms_));
    return d;
  }
  if (limit > max_limit_) {  // untracked (see Options::max_limit)
    d.admitted = true;
    d.remaining = limit - 1;
    return d;
  }
  epoch::Guard guard;
  const uint64_t m = mix(key);
  Shard& shard = shard_of(m);
  std::atomic<Entry*>& bucket = bucket_of(shard, m);
  Entry* e = find_or_insert(shard, bucket, key, limit);
  for (;;) {
    if (e == nullptr) {  // out of memory or over max_entries: deny, fail closed
      d.retry_after_seconds = 1;
      return d;
    }
    switch (check_entry(e, limit, now_ms, d)) {
      case Step::kDone:
        return d;
      case Step::kFollow:  // e now points at the successor
        break;
      case Step::kLookup:  // e was reclaimed as idle
        e = find_or_insert(shard, bucket, key, limit);
        break;
    }
  }
}

SlidingWindowLimiter::Step SlidingWindowLimiter::check_entry(Entry*& e, uint32_t limit,
                                                             int64_t now_ms, LimitDecision& out) {
  if (limit > e->capacity) return grow(e, limit, now_ms, out);
  return check_ring(e, limit, now_ms, out);
}

namespace {

// Poisoned entry: follow its successor, or look the key up again.
template <typename E>
inline auto on_frozen(E*& e) {
  E* f = e->forward.load(std::memory_order_acquire);
  if (f == E::tombstone()) return false;
  e = f;
  return true;
}

// The oldest request still in the window among those up to `newest`
// (inclusive), starting from the tail hint and moving it forward. Amortized
// O(1): the hint only moves past requests that have left the window.
template <typename E>
WindowInfo scan_window(E* e, Pos newest, int64_t now, int64_t window) {
  const uint32_t cap = e->capacity;
  Pos t = unpack(e->tail.load(std::memory_order_relaxed));
  const Pos start = t;
  // Requests older than newest - (cap - 1) are no longer in the ring.
  const uint32_t span = newest.lap == 0 ? newest.idx : cap - 1;
  int64_t dist = distance(newest, t, cap);
  if (dist < 0) {  // hint is ahead (set by a thread with a newer head)
    t = newest;
    dist = 0;
  } else if (dist > span) {
    t = back(newest, span, cap);
    dist = span;
  }
  WindowInfo w{0, 0};
  for (; dist >= 0; --dist, t = next(t, cap)) {
    const uint64_t s = e->slot(t.idx).load(std::memory_order_acquire);
    if (tag_of(s) != claimed_tag(t.lap)) continue;  // overwritten by t + cap: it had expired
    const int64_t a = age_ms(s, now);
    if (a < window) {
      w = {static_cast<uint32_t>(dist + 1), ceil_seconds(window - a)};
      break;
    }
  }
  if (!(t == start)) e->tail.store(pack(t), std::memory_order_relaxed);
  return w;
}

}  // namespace

SlidingWindowLimiter::Step SlidingWindowLimiter::check_ring(Entry*& e, uint32_t limit,
                                                            int64_t now, LimitDecision& out) {
  const uint32_t cap = e->capacity;
  const int64_t window = window_ms_;
  for (;;) {
    uint64_t hw = e->head.load(std::memory_order_acquire);
    const Pos h = unpack(hw);
    uint64_t cur = e->slot(h.idx).load(std::memory_order_acquire);
    if ((cur & kPoison) != 0) return on_frozen(e) ? Step::kFollow : Step::kLookup;
    const uint64_t tag = tag_of(cur);
    if (tag == claimed_tag(h.lap)) {  // h already claimed: help head along
      e->head.compare_exchange_strong(hw, pack(next(h, cap)), std::memory_order_release,
                                      std::memory_order_relaxed);
      continue;
    }
    if (tag != prior_tag(h.lap)) continue;  // stale head

    uint64_t ts = static_cast<uint64_t>(now);
    if (!below(h, 1)) {
      const Pos p = back(h, 1, cap);
      const uint64_t ps = e->slot(p.idx).load(std::memory_order_acquire);
      if (tag_of(ps) != claimed_tag(p.lap)) continue;
      if (age_ms(ps, now) < 0) ts = ps;  // keep timestamps non-decreasing
    }
    if (!below(h, limit)) {
      const Pos q = back(h, limit, cap);
      const uint64_t qs = q.idx == h.idx ? cur : e->slot(q.idx).load(std::memory_order_acquire);
      if (tag_of(qs) != claimed_tag(q.lap)) continue;
      const int64_t a = age_ms(qs, now);
      if (a < window) {
        out.admitted = false;
        out.remaining = 0;
        out.retry_after_seconds = std::max<uint32_t>(1, ceil_seconds(window - a));
        out.reset_seconds = scan_window(e, back(h, 1, cap), now, window).reset;
        return Step::kDone;
      }
    }
    if (e->slot(h.idx).compare_exchange_strong(cur, make_slot(h.lap, ts), std::memory_order_acq_rel,
                                               std::memory_order_acquire)) {
      e->head.compare_exchange_strong(hw, pack(next(h, cap)), std::memory_order_release,
                                      std::memory_order_relaxed);
      const WindowInfo w = scan_window(e, h, now, window);
      out.admitted = true;
      out.remaining = w.count >= limit ? 0 : limit - w.count;
      out.reset_seconds = w.reset;
      out.retry_after_seconds = 0;
      return Step::kDone;
    }
  }
}

SlidingWindowLimiter::Step SlidingWindowLimiter::grow(Entry*& e, uint32_t limit, int64_t now,
                                                      LimitDecision& out) {
  const uint32_t cap = e->capacity;
  Entry* n = nullptr;
  uint32_t seeded = 0;  // slots of n written by an earlier attempt
  // Each failed freeze means requests got in meanwhile; on a very busy key,
  // give up after a few (the copy is O(C)) and let a later request grow it.
  constexpr int kMaxFreezeAttempts = 4;
  for (int attempt = 0;; ++attempt) {
    if (attempt == kMaxFreezeAttempts) {
      if (n != nullptr) release(n);
      return check_ring(e, cap, now, out);
    }
    if (e->forward.load(std::memory_order_acquire) != nullptr) {
      // Someone else is freezing e. Never wait for them: if they are done,
      // follow; otherwise decide at e's capacity, which is conservative.
      if (n != nullptr) release(n);
      if (e->frozen()) return on_frozen(e) ? Step::kFollow : Step::kLookup;
      return check_ring(e, cap, now, out);
    }
    uint64_t hw = e->head.load(std::memory_order_acquire);
    const Pos h = unpack(hw);
    uint64_t cur = e->slot(h.idx).load(std::memory_order_acquire);
    if ((cur & kPoison) != 0) continue;  // forward is set too: handled above
    const uint64_t tag = tag_of(cur);
    if (tag == claimed_tag(h.lap)) {
      e->head.compare_exchange_strong(hw, pack(next(h, cap)), std::memory_order_release,
                                      std::memory_order_relaxed);
      continue;
    }
    if (tag != prior_tag(h.lap)) continue;

    if (n == nullptr) {
      n = allocate(*e->shard, e->key, limit);
      if (n == nullptr) return check_ring(e, cap, now, out);  // no memory: stay at capacity
      n->bucket = e->bucket;
    }
    // Copy requests h-k .. h-1 (all of them still in the ring) to n's 0 .. k-1.
    const uint32_t k = h.lap == 0 ? h.idx : cap;
    Pos p = back(h, k, cap);
    bool ok = true;
    for (uint32_t i = 0; i < k; ++i, p = next(p, cap)) {
      const uint64_t s = e->slot(p.idx).load(std::memory_order_acquire);
      if (tag_of(s) != claimed_tag(p.lap)) {
        ok = false;
        break;
      }
      n->slot(i).store(make_slot(0, s), std::memory_order_relaxed);
    }
    if (!ok) continue;
    for (uint32_t i = k; i < seeded; ++i) n->slot(i).store(0, std::memory_order_relaxed);
    seeded = k;
    n->head.store(pack(Pos{0, k}), std::memory_order_relaxed);
    n->tail.store(0, std::memory_order_relaxed);

    Entry* expected = nullptr;
    if (!e->forward.compare_exchange_strong(expected, n, std::memory_order_acq_rel,
                                            std::memory_order_acquire)) {
      continue;
    }
    if (e->slot(h.idx).compare_exchange_strong(cur, cur | kPoison, std::memory_order_acq_rel,
                                               std::memory_order_acquire)) {
      link(*n->bucket, n);
      e = n;
      return Step::kFollow;
    }
    // A request was admitted into e first; the copy is stale. n was never
    // reachable (only a reader that sees the poison reads forward).
    e->forward.store(nullptr, std::memory_order_release);
  }
}

bool SlidingWindowLimiter::try_freeze_idle(Entry* e, int64_t now) {
  const uint32_t cap = e->capacity;
  const Pos h = unpack(e->head.load(std::memory_order_acquire));
  uint64_t cur = e->slot(h.idx).load(std::memory_order_acquire);
  if ((cur & kPoison) != 0 || tag_of(cur) != prior_tag(h.lap)) return false;
  if (below(h, 1)) return false;  // just created; its first request is on its way
  const Pos p = back(h, 1, cap);
  const uint64_t ps = e->slot(p.idx).load(std::memory_order_acquire);
  if (tag_of(ps) != claimed_tag(p.lap)) return false;
  if (age_ms(ps, now) < window_ms_ + grace_ms_) return false;  // still active
  Entry* expected = nullptr;
  if (!e->forward.compare_exchange_strong(expected, Entry::tombstone(), std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
    return false;
  }
  // Succeeds only if h is still unclaimed, i.e. the newest request is still h-1.
  if (e->slot(h.idx).compare_exchange_strong(cur, cur | kPoison, std::memory_order_acq_rel,
                                             std::memory_order_acquire)) {
    return true;
  }
  e->forward.store(nullptr, std::memory_order_release);
  return false;
}

// Removes e from its chain; returns e's predecessor (nullptr: e was first).
// Only the sweeper unlinks; others only push at the head of a chain.
SlidingWindowLimiter::Entry* SlidingWindowLimiter::unlink(std::atomic<Entry*>& bucket, Entry* pred,
                                                          Entry* e) {
  Entry* after = e->next.load(std::memory_order_acquire);
  if (pred == nullptr) {
    Entry* expected = e;
    if (bucket.compare_exchange_strong(expected, after, std::memory_order_release,
                                       std::memory_order_relaxed)) {
      return nullptr;
    }
    pred = bucket.load(std::memory_order_acquire);  // pushed in front of e meanwhile
    while (pred->next.load(std::memory_order_acquire) != e) {
      pred = pred->next.load(std::memory_order_acquire);
    }
  }
  pred->next.store(after, std::memory_order_release);
  return pred;
}

void SlidingWindowLimiter::free_retired(uint64_t epoch_now) {
  size_t kept = 0;
  for (const Retired& r : retired_) {
    if (r.epoch + 2 <= epoch_now) {
      release(r.entry);
    } else {
      retired_[kept++] = r;
    }
  }
  retired_.resize(kept);
}

size_t SlidingWindowLimiter::reclaim_idle(int64_t now_ms, size_t max_buckets) {
  std::unique_lock<std::mutex> lock(sweep_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return 0;
  size_t unlinked = 0;
  const size_t first_new = retired_.size();
  const size_t per_shard = size_t{bucket_mask_} + 1;
  const size_t total = shard_count_ * per_shard;
  const size_t count = std::min(max_buckets, total);
  const unsigned bucket_bits = static_cast<unsigned>(std::countr_zero(per_shard));
  size_t g = sweep_cursor_;  // both sizes are powers of two: no division
  for (size_t j = 0; j < count; ++j, g = (g + 1) & (total - 1)) {
    // Whole chains only: a grown entry and its successor share a chain, so
    // both are judged in the same call (see the stamp below).
    Shard& shard = shards_[g >> bucket_bits];
    std::atomic<Entry*>& bucket = shard.buckets[g & bucket_mask_];
    Entry* pred = nullptr;
    for (Entry* e = bucket.load(std::memory_order_acquire); e != nullptr;) {
      Entry* after = e->next.load(std::memory_order_acquire);
      Entry* f = e->forward.load(std::memory_order_acquire);
      const bool dead = f == nullptr ? try_freeze_idle(e, now_ms) : e->superseded();
      if (dead) {
        pred = unlink(bucket, pred, e);
        shard.entries.fetch_sub(1, std::memory_order_relaxed);
        retired_.push_back({e, 0});
        ++unlinked;
      } else {
        pred = e;
      }
      e = after;
    }
  }
  sweep_cursor_ = g;
  // Stamp after the whole walk: an entry unlinked early in the walk may still be
  // reachable (through `forward`) from one unlinked later, and the epoch is
  // process-wide, so another limiter's sweep may have advanced it meanwhile.
  const uint64_t stamp = epoch::current();
  for (size_t i = first_new; i < retired_.size(); ++i) retired_[i].epoch = stamp;
  // Two advances with no reader pinned make everything retired so far safe.
  epoch::try_advance();
  free_retired(epoch::try_advance());
  return unlinked;
}

size_t SlidingWindowLimiter::entries() const {
  size_t n = 0;
  for (size_t s = 0; s < shard_count_; ++s) n += shards_[s].entries.load(std::memory_order_relaxed);
  return n;
}

size_t SlidingWindowLimiter::memory_bytes() const {
  size_t n = table_bytes_;
  for (size_t s = 0; s < shard_count_; ++s) n += shards_[s].bytes.load(std::memory_order_relaxed);
  return n;
}

}  // namespace claribi::limit
