// Epoch-based reclamation (EBR) for the rate limiter's entries.
//
// The limiter's check path reads entries without a lock while the sweeper
// (SlidingWindowLimiter::reclaim_idle) unlinks idle ones; an unlinked entry may
// still be in use by a reader that found it a moment before, so it is freed only
// after every thread that could hold it has left its critical section. This is
// the classic scheme (Fraser 2004; crossbeam-epoch):
//
//   - A global epoch counter. A reader "pins" itself by publishing the current
//     epoch in its own record, then a full fence, then reads shared pointers.
//     It unpins (release store of 0) when done. Pin/unpin cost: two stores and
//     one fence (a `lock or` on x86), no shared cache line is written.
//   - The sweeper stamps each unlinked object with the global epoch at the time
//     it was unlinked. The epoch advances from E to E+1 only when every pinned
//     record shows E. An object stamped E is freed once the epoch reaches E+2:
//     by then every thread has been seen unpinned or re-pinned after the unlink,
//     so none can still hold the pointer.
//
// One process-wide domain: each thread owns one record, taken from a lock-free
// list on its first pin and released (not freed) at thread exit so a later
// thread can reuse it. Pins do not nest; the limiter never calls out while pinned.
#pragma once

#include <atomic>
#include <cstdint>

namespace claribi::limit::epoch {

struct alignas(64) Record {
  // 0 when not pinned, else (epoch << 1) | 1.
  std::atomic<uint64_t> state{0};
  std::atomic<bool> owned{false};
  Record* next = nullptr;  // immutable once pushed on the list
};

extern std::atomic<uint64_t> g_epoch;
extern constinit thread_local Record* t_record;

// First pin on this thread: take a free record or push a new one.
Record* acquire_record();

// Advances the global epoch if every pinned thread has seen the current one.
// Returns the epoch after the attempt. Safe from any thread that is not pinned.
uint64_t try_advance();

inline uint64_t current() { return g_epoch.load(std::memory_order_acquire); }

// Scoped pin. Cheap: no allocation, no shared write.
class Guard {
 public:
  Guard() {
    Record* r = t_record;
    if (r == nullptr) r = acquire_record();
    rec_ = r;
    const uint64_t e = g_epoch.load(std::memory_order_relaxed);
    // Release: whatever this thread read in earlier critical sections happens
    // before a sweeper that reads this value. The fence orders the announcement
    // before every pointer load that follows (store-load ordering).
#if defined(__SANITIZE_THREAD__)
    // TSan does not model fences; a seq_cst exchange is the same x86 barrier.
    r->state.exchange((e << 1) | 1, std::memory_order_seq_cst);
#else
    r->state.store((e << 1) | 1, std::memory_order_release);
    std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
  }
  ~Guard() { rec_->state.store(0, std::memory_order_release); }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

 private:
  Record* rec_;
};

}  // namespace claribi::limit::epoch
