// Qsbr: quiescent-state-based reclamation for the in-memory indexes.
//
// Reactor threads read the indexes (users by id, API keys by hash) with no lock
// and no allocation; a single writer replaces and removes entries. The writer
// cannot free an unlinked object while a reader may still hold a pointer to
// it, so it `retire`s the object and frees it later, once every reader has
// passed a quiescent state (a point where it holds no index pointers) or is
// offline (holds none at all). This is the QSBR flavour of RCU (liburcu's
// urcu-qsbr): reads cost nothing beyond the loads themselves; the only reader
// work is a plain store of the global epoch into the reader's own cache line.
//
// Protocol, with a global epoch G (starts at 1) and one epoch slot per reader
// (0 = offline):
//   reader quiescent(): slot = G          (release store, only if changed)
//   reader offline():   slot = 0          (release store)
//   reader online():    slot = G; full fence    (StoreLoad: see below)
//   writer retire(p):   tag p with the current G (p is already unlinked)
//   writer reclaim():   G = G + 1; full fence; m = min(online slots);
//                       free every object whose tag < m (all, if none online)
// A reader whose slot reads e >= tag+1 loaded G after the writer stored
// tag+1, which the writer did after unlinking p, so the reader can no longer
// reach p; and its earlier uses of p are ordered before its release store.
// online() needs the seq_cst fence (paired with the one in reclaim) so that
// either the writer sees the reader online, or the reader sees the unlink.
//
// Reactor usage (libuv). Note the libuv loop order: timers, pending, idle,
// PREPARE, poll (blocks in epoll AND runs the I/O callbacks), CHECK, closing.
// I/O callbacks therefore run between prepare and check, so "online in
// check, offline in prepare" would leave a reactor offline exactly while it
// serves requests. The correct wiring is:
//   - at start-up, on the reactor thread: slot = qsbr.register_reader();
//   - a uv_prepare callback, right before epoll may block:
//       qsbr.offline(slot);
//     (no other prepare callback may touch an index);
//   - before the first index lookup of any callback (read, write, timer,
//     async, after-work; in practice the authenticate step of the request
//     pipeline): qsbr.online(slot);  // one load when already online
//   - optionally, a uv_check callback: qsbr.quiescent(slot);
// So a reactor is online from its first lookup until it is about to block,
// and an idle reactor, offline, never holds reclamation up. Never keep an
// index pointer beyond the callback that found it (in a connection object, a
// timer, a work request): copy what you need.
//
// Non-reactor threads (an admin-socket thread) wrap each lookup burst in a
// ReaderScope on their own registered slot.
//
// Threading: the reader calls (online/offline/quiescent) are for the thread
// that owns the slot. register_reader/unregister_reader are thread-safe. The
// writer calls (retire/reclaim) must be externally serialized: one writer at
// a time (the storage group-commit thread, or the start-up loader before the
// reactors start). Debug builds assert this.
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>

namespace claribi::index {

// Debug-build check of the single-writer contract: entering a writer
// operation while another is in progress asserts. Always the same layout;
// the check compiles to nothing under NDEBUG.
class WriterCheck {
 public:
  class Scope {
   public:
    explicit Scope([[maybe_unused]] WriterCheck& c) noexcept
#ifndef NDEBUG
        : c_(c) {
      [[maybe_unused]] int before = c_.writers_.fetch_add(1, std::memory_order_acquire);
      assert(before == 0 && "index writers must be externally serialized");
    }
    ~Scope() { c_.writers_.fetch_sub(1, std::memory_order_release); }
#else
    {
    }
#endif
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
#ifndef NDEBUG
    WriterCheck& c_;
#endif
  };

 private:
  std::atomic<int> writers_{0};
};

// A full (StoreLoad) fence, std::atomic_thread_fence(seq_cst). ThreadSanitizer
// does not model fences and GCC refuses them under -fsanitize=thread
// (-Wtsan); there the fence is still emitted for the hardware, and TSan checks
// the acquire/release edges on the epochs, which carry the happens-before
// between a reader's last use of an object and its free.
inline void store_load_fence() noexcept {
#if defined(__SANITIZE_THREAD__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
#pragma GCC diagnostic pop
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

class Qsbr {
 public:
  // Epoch value of a slot whose reader holds no pointers.
  static constexpr uint64_t kOffline = 0;

  explicit Qsbr(int max_readers);
  // Frees everything still pending. No reader may be online any more.
  ~Qsbr();
  Qsbr(const Qsbr&) = delete;
  Qsbr& operator=(const Qsbr&) = delete;

  // Claims a free reader slot (thread-safe); the slot starts offline.
  // Returns -1 when all max_readers slots are taken.
  int register_reader();
  // Releases a slot (its reader must be offline) so another thread may claim it.
  void unregister_reader(int slot);

  // --- Reader side: called only by the thread that owns `slot`. ---

  // The reader holds no index pointer at this point. No-op while offline.
  void quiescent(int slot) noexcept {
    Slot& s = slot_ref(slot);
    const uint64_t mine = s.epoch.load(std::memory_order_relaxed);
    if (mine == kOffline) return;
    const uint64_t g = global_epoch_.load(std::memory_order_acquire);
    // Skipping an unchanged value is safe: the earlier store already covers
    // every object retired before G reached g.
    if (mine != g) s.epoch.store(g, std::memory_order_release);
  }

  // The reader drops every index pointer and will take none until online().
  void offline(int slot) noexcept {
    slot_ref(slot).epoch.store(kOffline, std::memory_order_release);
  }

  // The reader may take index pointers from now on. Cheap when already
  // online (one load of the reader's own line), so callbacks can call it
  // unconditionally at entry.
  void online(int slot) noexcept {
    Slot& s = slot_ref(slot);
    if (s.epoch.load(std::memory_order_relaxed) != kOffline) return;
    s.epoch.store(global_epoch_.load(std::memory_order_acquire), std::memory_order_relaxed);
    // StoreLoad: pairs with the fence in reclaim(); see the top of the file.
    store_load_fence();
  }

  bool is_online(int slot) const noexcept {
    return slot_ref(slot).epoch.load(std::memory_order_relaxed) != kOffline;
  }

  // --- Writer side: one writer at a time. ---

  // Schedules fn(p) for when no reader can hold p any more. p must already be
  // unreachable for readers that start a lookup from now on. Deleters run
  // inside reclaim() (or ~Qsbr) and must not call retire() themselves.
  void retire(void* p, void (*fn)(void*));
  // The same with a context: fn(ctx, p) (e.g. the pool the object returns to).
  void retire(void* p, void (*fn)(void* ctx, void* p), void* ctx);

  template <class T>
  void retire_delete(T* p) {
    retire(p, [](void* q) { delete static_cast<T*>(q); });
  }

  // Advances the epoch and frees every retired object that all online
  // readers have passed. Returns how many were freed. An object retired
  // before reclaim() #n goes at reclaim() #n+1 once every online reader has
  // called quiescent() (or gone offline) in between; with no reader online
  // it goes at once. The writer calls it after each batch of changes.
  size_t reclaim();

  // Retired objects not yet freed. Any thread may call it.
  size_t pending() const noexcept { return pending_.load(std::memory_order_relaxed); }

  uint64_t epoch() const noexcept { return global_epoch_.load(std::memory_order_relaxed); }
  int max_readers() const noexcept { return max_readers_; }

 private:
  struct alignas(64) Slot {
    std::atomic<uint64_t> epoch{kOffline};
    std::atomic<bool> in_use{false};
  };
  struct Retired {
    uint64_t epoch;
    void* p;
    void* ctx;
    void (*fn)(void*);              // either this,
    void (*fn_ctx)(void*, void*);   // or this with ctx
    void run() const {
      if (fn_ctx != nullptr) {
        fn_ctx(ctx, p);
      } else {
        fn(p);
      }
    }
  };

  Slot& slot_ref(int slot) const noexcept {
    assert(slot >= 0 && slot < max_readers_);
    return slots_[static_cast<size_t>(slot)];
  }

  // Read by every reader, written only by reclaim(): its own cache line.
  alignas(64) std::atomic<uint64_t> global_epoch_{1};
  alignas(64) const int max_readers_;
  std::unique_ptr<Slot[]> slots_;
  std::deque<Retired> retired_;  // writer only; tags are non-decreasing
  std::atomic<size_t> pending_{0};
  WriterCheck writer_check_;
};

// RAII online/offline for a non-reactor thread that owns `slot`:
//   ReaderScope scope(qsbr, my_slot);
//   const User* u = users.find(id);  // valid until the scope ends
class ReaderScope {
 public:
  ReaderScope(Qsbr& q, int slot) noexcept : q_(q), slot_(slot) { q_.online(slot_); }
  ~ReaderScope() { q_.offline(slot_); }
  ReaderScope(const ReaderScope&) = delete;
  ReaderScope& operator=(const ReaderScope&) = delete;

 private:
  Qsbr& q_;
  int slot_;
};

}  // namespace claribi::index
