// Qsbr: the writer side (retire, reclaim) and reader-slot bookkeeping. The
// reader side is inline in qsbr.h. See qsbr.h for the protocol.
#include "index/qsbr.h"

#include <algorithm>

namespace claribi::index {

Qsbr::Qsbr(int max_readers)
    : max_readers_(max_readers > 0 ? max_readers : 1),
      slots_(std::make_unique<Slot[]>(static_cast<size_t>(max_readers_))) {}

Qsbr::~Qsbr() {
  for (int i = 0; i < max_readers_; ++i) {
    assert(!is_online(i) && "Qsbr destroyed while a reader is online");
  }
  for (const Retired& r : retired_) r.run();
  retired_.clear();
  pending_.store(0, std::memory_order_relaxed);
}

int Qsbr::register_reader() {
  for (int i = 0; i < max_readers_; ++i) {
    bool expected = false;
    Slot& s = slots_[static_cast<size_t>(i)];
    if (!s.in_use.load(std::memory_order_relaxed) &&
        s.in_use.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
      s.epoch.store(kOffline, std::memory_order_release);
      return i;
    }
  }
  return -1;
}

void Qsbr::unregister_reader(int slot) {
  Slot& s = slot_ref(slot);
  assert(s.in_use.load(std::memory_order_relaxed));
  s.epoch.store(kOffline, std::memory_order_release);
  s.in_use.store(false, std::memory_order_release);
}

void Qsbr::retire(void* p, void (*fn)(void*)) {
  WriterCheck::Scope w(writer_check_);
  // The caller unlinked p before this call; tagging with the current epoch
  // means p may go once every online reader has stored an epoch > tag, which
  // only a reclaim() issued after this point can make possible.
  retired_.push_back(Retired{global_epoch_.load(std::memory_order_relaxed), p, nullptr, fn, nullptr});
  pending_.store(retired_.size(), std::memory_order_relaxed);
}

void Qsbr::retire(void* p, void (*fn)(void*, void*), void* ctx) {
  WriterCheck::Scope w(writer_check_);
  retired_.push_back(Retired{global_epoch_.load(std::memory_order_relaxed), p, ctx, nullptr, fn});
  pending_.store(retired_.size(), std::memory_order_relaxed);
}

size_t Qsbr::reclaim() {
  WriterCheck::Scope w(writer_check_);
  if (retired_.empty()) return 0;
  // Only the writer changes the global epoch, so a load + store suffices.
  const uint64_t next = global_epoch_.load(std::memory_order_relaxed) + 1;
  global_epoch_.store(next, std::memory_order_release);
  // Pairs with the fence in online(): a reader that came online and missed
  // our unlinks is seen here as online.
  store_load_fence();

  uint64_t min_epoch = std::numeric_limits<uint64_t>::max();
  for (int i = 0; i < max_readers_; ++i) {
    const uint64_t e = slots_[static_cast<size_t>(i)].epoch.load(std::memory_order_acquire);
    if (e != kOffline) min_epoch = std::min(min_epoch, e);
  }

  size_t freed = 0;
  while (!retired_.empty() && retired_.front().epoch < min_epoch) {
    const Retired r = retired_.front();
    retired_.pop_front();
    r.run();
    ++freed;
  }
  pending_.store(retired_.size(), std::memory_order_relaxed);
  return freed;
}

}  // namespace claribi::index
