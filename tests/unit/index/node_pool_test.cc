// NodePool: aligned, distinct nodes; released memory is reused; many nodes
// span several chunks.
#include "index/node_pool.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

namespace claribi::index {
namespace {

TEST(NodePool, NodesAreAlignedDistinctAndWritable) {
  NodePool pool(200, 16);
  EXPECT_EQ(pool.node_size(), 208u);
  std::set<void*> seen;
  std::vector<void*> nodes;
  for (int i = 0; i < 30'000; ++i) {  // ~6 MiB: several chunks
    void* p = pool.allocate();
    ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u);
    ASSERT_TRUE(seen.insert(p).second);
    std::memset(p, i & 0xff, 200);
    nodes.push_back(p);
  }
#if !defined(__SANITIZE_THREAD__)
  EXPECT_GE(pool.chunks(), 3u);
#endif
  for (size_t i = 0; i < nodes.size(); ++i) {
    ASSERT_EQ(static_cast<unsigned char*>(nodes[i])[199], static_cast<unsigned char>(i & 0xff));
  }
  for (void* p : nodes) pool.release(p);
}

TEST(NodePool, ReleasedNodesAreReused) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "under TSan the pool hands every node to the heap";
#else
  NodePool pool(64, 8);
  void* a = pool.allocate();
  void* b = pool.allocate();
  pool.release(a);
  pool.release(b);
  EXPECT_EQ(pool.allocate(), b);  // LIFO free list
  EXPECT_EQ(pool.allocate(), a);
  const size_t chunks = pool.chunks();
  for (int round = 0; round < 100'000; ++round) pool.release(pool.allocate());
  EXPECT_EQ(pool.chunks(), chunks);
  pool.release(a);
  pool.release(b);
#endif
}

}  // namespace
}  // namespace claribi::index
