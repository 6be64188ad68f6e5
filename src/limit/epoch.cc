// Epoch-based reclamation: thread records and epoch advance (see epoch.h).
#include "limit/epoch.h"

namespace claribi::limit::epoch {

std::atomic<uint64_t> g_epoch{1};
constinit thread_local Record* t_record = nullptr;

namespace {

std::atomic<Record*> g_records{nullptr};

// Gives the thread's record back at thread exit. Records are never freed: their
// number is the largest number of threads that ever used the limiter at once.
struct Releaser {
  ~Releaser() {
    if (t_record != nullptr) {
      t_record->state.store(0, std::memory_order_release);
      t_record->owned.store(false, std::memory_order_release);
      t_record = nullptr;
    }
  }
};
thread_local Releaser t_releaser;

}  // namespace

Record* acquire_record() {
  Record* r = nullptr;
  for (Record* p = g_records.load(std::memory_order_acquire); p != nullptr; p = p->next) {
    bool expected = false;
    if (!p->owned.load(std::memory_order_relaxed) &&
        p->owned.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
      r = p;
      break;
    }
  }
  if (r == nullptr) {
    r = new Record;
    r->owned.store(true, std::memory_order_relaxed);
    Record* head = g_records.load(std::memory_order_relaxed);
    do {
      r->next = head;
    } while (!g_records.compare_exchange_weak(head, r, std::memory_order_release,
                                              std::memory_order_relaxed));
  }
  (void)&t_releaser;  // odr-use: registers the thread-exit destructor
  t_record = r;
  return r;
}

uint64_t try_advance() {
  // Pairs with the fence in Guard(): either a reader's announcement is visible
  // here, or the reader's later pointer loads see the sweeper's unlinks.
#if defined(__SANITIZE_THREAD__)
  const uint64_t e = g_epoch.fetch_add(0, std::memory_order_seq_cst);  // TSan: no fences
#else
  const uint64_t e = g_epoch.load(std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
  for (Record* p = g_records.load(std::memory_order_acquire); p != nullptr; p = p->next) {
    const uint64_t s = p->state.load(std::memory_order_acquire);
    if ((s & 1) != 0 && (s >> 1) != e) return e;  // pinned in an older epoch
  }
  uint64_t expected = e;
  g_epoch.compare_exchange_strong(expected, e + 1, std::memory_order_acq_rel);
  return g_epoch.load(std::memory_order_acquire);
}

}  // namespace claribi::limit::epoch
