// NodePool: chunked, huge-page-backed fixed-size allocation. See node_pool.h.
#include "index/node_pool.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define CLARIBI_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define CLARIBI_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define CLARIBI_POISON(p, n) ((void)(p), (void)(n))
#define CLARIBI_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

// Passthrough: every node from the heap (always under TSan; settable with
// -DCLARIBI_POOL_PASSTHROUGH=1 to compare, or for a heap checker).
#ifndef CLARIBI_POOL_PASSTHROUGH
#if defined(__SANITIZE_THREAD__)
#define CLARIBI_POOL_PASSTHROUGH 1
#else
#define CLARIBI_POOL_PASSTHROUGH 0
#endif
#endif

namespace claribi::index {

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
}

NodePool::NodePool(size_t node_size, size_t node_align)
    : align_(std::max(node_align, alignof(void*))) {
  // Room for the free-list link; every node aligned.
  size_ = (std::max(node_size, sizeof(void*)) + align_ - 1) / align_ * align_;
  chunk_bytes_ = std::max(kHugePage, (size_ * 64 + kHugePage - 1) / kHugePage * kHugePage);
}

NodePool::~NodePool() {
  for (void* c : chunks_) {
    CLARIBI_UNPOISON(c, chunk_bytes_);
    std::free(c);
  }
}

void NodePool::add_chunk() {
  void* c = std::aligned_alloc(kHugePage, chunk_bytes_);
  if (c == nullptr) throw std::bad_alloc();
  ::madvise(c, chunk_bytes_, MADV_HUGEPAGE);  // best effort
  chunks_.push_back(c);
  bump_ = static_cast<char*>(c);
  end_ = bump_ + chunk_bytes_ / size_ * size_;
  CLARIBI_POISON(c, chunk_bytes_);
}

void* NodePool::allocate() {
  if (CLARIBI_POOL_PASSTHROUGH) return ::operator new(size_, std::align_val_t{align_});
  void* p;
  if (free_ != nullptr) {
    p = free_;
    CLARIBI_UNPOISON(p, size_);
    std::memcpy(&free_, p, sizeof free_);
  } else {
    if (bump_ == end_) add_chunk();
    p = bump_;
    bump_ += size_;
    CLARIBI_UNPOISON(p, size_);
  }
  return p;
}

void NodePool::release(void* p) noexcept {
  if (CLARIBI_POOL_PASSTHROUGH) {
    ::operator delete(p, std::align_val_t{align_});
    return;
  }
  std::memcpy(p, &free_, sizeof free_);
  free_ = p;
  CLARIBI_POISON(p, size_);
}

}  // namespace claribi::index
