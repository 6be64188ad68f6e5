// NodePool: storage for the fixed-size nodes of one ConcurrentMap. Nodes are
// carved from 2 MiB chunks advised into transparent huge pages, so a lookup
// that misses the cache on a node does not also miss the TLB (1,000,000 API
// keys are ~200 MiB of nodes: with 4 KiB pages nearly every probe would walk
// the page table). No per-node malloc header; released nodes go on a free
// list. Chunks are returned only when the pool dies.
//
// Writer side only: allocate() and release() run on the map's single writer
// (release() from Qsbr deleters, which run in reclaim()). Under
// AddressSanitizer a released node is poisoned, so a reader that uses it
// after its reclamation is reported; under ThreadSanitizer every node is an
// ordinary heap allocation so that TSan sees each free.
#pragma once

#include <cstddef>
#include <vector>

namespace claribi::index {

class NodePool {
 public:
  NodePool(size_t node_size, size_t node_align);
  ~NodePool();
  NodePool(const NodePool&) = delete;
  NodePool& operator=(const NodePool&) = delete;

  void* allocate();
  // Memory of a node already destroyed.
  void release(void* p) noexcept;

  size_t node_size() const noexcept { return size_; }
  size_t chunk_bytes() const noexcept { return chunk_bytes_; }
  size_t chunks() const noexcept { return chunks_.size(); }

 private:
  void add_chunk();

  size_t size_;
  size_t align_;
  size_t chunk_bytes_;
  std::vector<void*> chunks_;
  char* bump_ = nullptr;
  char* end_ = nullptr;
  void* free_ = nullptr;  // free list through the first word of each node
};

}  // namespace claribi::index
