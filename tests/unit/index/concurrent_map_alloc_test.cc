// ConcurrentMap::find allocates nothing. This binary replaces the global
// operator new/delete with counting versions, so it holds only this test.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>

#include "index/concurrent_map.h"
#include "index/hashers.h"
#include "model/records.h"

namespace {
std::atomic<uint64_t> g_allocations{0};

// Out of line, so the compiler does not pair a malloc it sees with a
// delete-expression elsewhere (-Wmismatched-new-delete).
[[gnu::noinline]] void counted_free(void* p) noexcept { std::free(p); }

[[gnu::noinline]] void* counted_alloc(std::size_t n, std::size_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  void* p = align > alignof(std::max_align_t) ? std::aligned_alloc(align, (n + align - 1) / align * align)
                                              : std::malloc(n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n, 0); }
void* operator new[](std::size_t n) { return counted_alloc(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_alloc(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_alloc(n, static_cast<std::size_t>(a)); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }

namespace claribi::index {
namespace {

TEST(ConcurrentMapAlloc, CounterSeesAllocations) {
  const uint64_t before = g_allocations.load();
  static int* volatile escape;  // keeps the compiler from eliding the pair
  escape = new int(1);
  delete escape;
  EXPECT_EQ(g_allocations.load(), before + 1);  // the counter works
}

TEST(ConcurrentMapAlloc, FindAllocatesNothing) {
  Qsbr q(2);
  const int slot = q.register_reader();
  ConcurrentMap<model::KeyHash, model::ApiKey, KeyHashHasher> keys(q);
  ConcurrentMap<uint64_t, model::User, U64Hasher> users(q);
  ConcurrentMap<std::string, uint64_t, StringHasher> emails(q);
  std::vector<model::KeyHash> hashes(5000);
  for (size_t i = 0; i < hashes.size(); ++i) {
    for (size_t b = 0; b < 32; ++b) hashes[i][b] = static_cast<uint8_t>((i * 131 + b * 7) ^ (i >> 8));
    model::ApiKey k;
    k.id = i;
    k.name = "a key with a name long enough to live on the heap";
    keys.upsert(hashes[i], k);
    model::User u;
    u.id = i;
    u.email = "user" + std::to_string(i) + "@example.com";
    users.upsert(i, u);
    emails.upsert(u.email, i);
  }
  const std::string probe_email = "user1234@example.com";
  model::KeyHash missing{};
  missing.fill(0xab);

  q.online(slot);
  const uint64_t before = g_allocations.load();
  uint64_t found = 0;
  for (int round = 0; round < 10; ++round) {
    for (size_t i = 0; i < hashes.size(); ++i) {
      found += keys.find(hashes[i]) != nullptr;
      found += users.find(uint64_t{i}) != nullptr;
    }
    found += keys.find(missing) != nullptr;
    found += users.find(uint64_t{1} << 40) != nullptr;
    found += emails.find(std::string_view(probe_email)) != nullptr;
    found += emails.find(std::string_view("nobody@example.com")) != nullptr;
    q.quiescent(slot);
  }
  const uint64_t after = g_allocations.load();
  q.offline(slot);
  EXPECT_EQ(after, before) << "find() allocated";
  EXPECT_EQ(found, 10u * (2 * hashes.size() + 1));
}

}  // namespace
}  // namespace claribi::index
