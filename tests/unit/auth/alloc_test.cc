// The hot-path promise of the auth layer: after one warm-up call,
// JwtCodec::verify, api_key_well_formed and hash_api_key allocate nothing.
// This binary replaces global operator new/delete with counting versions
// and, outside sanitizer builds, also interposes malloc/calloc/realloc so
// that allocations inside BoringSSL (which uses malloc) are counted too.
// This file replaces the global operator new/delete with malloc/free on
// purpose; GCC cannot see that they pair up (a false -Wmismatched-new-delete).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "auth/api_key.h"
#include "auth/jwt.h"

namespace {
std::atomic<uint64_t> g_new_calls{0};
std::atomic<uint64_t> g_malloc_calls{0};
}  // namespace

void* operator new(size_t n) {
  g_new_calls.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  g_new_calls.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCountsMalloc = false;  // ASan owns malloc
#else
constexpr bool kCountsMalloc = true;
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void __libc_free(void*);
void* malloc(size_t n) {
  g_malloc_calls.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
void* calloc(size_t count, size_t size) {
  g_malloc_calls.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(count, size);
}
void* realloc(void* p, size_t n) {
  g_malloc_calls.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
}
#endif

namespace claribi::auth {
namespace {

uint64_t allocations() { return g_new_calls.load() + g_malloc_calls.load(); }

void escape(void* p) { asm volatile("" : : "r"(p) : "memory"); }

TEST(AllocationCounter, SeesNewAndMalloc) {
  uint64_t before = allocations();
  int* i = new int(7);
  escape(i);
  delete i;
  EXPECT_GE(allocations() - before, 1u);
  if (kCountsMalloc) {
    before = g_malloc_calls.load();
    void* p = std::malloc(64);
    escape(p);
    std::free(p);
    EXPECT_EQ(g_malloc_calls.load() - before, 1u);
  }
}

TEST(NoAllocation, JwtVerify) {
  JwtCodec codec("no-allocation-test-secret-0123456789abcdef");
  const std::string access = codec.sign(codec.make_claims(TokenType::kAccess, 1, 2, 3, 1000, 3600));
  std::string tampered = access;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  const std::string junk(5000, 'x');
  JwtClaims claims;
  ASSERT_EQ(codec.verify(access, 1000, TokenType::kAccess, &claims), JwtCodec::Error::kNone);  // warm-up

  JwtCodec::Error results[5];
  const uint64_t before = allocations();
  for (int i = 0; i < 100; ++i) {
    results[0] = codec.verify(access, 1000, TokenType::kAccess, &claims);
    results[1] = codec.verify(access, 1000, TokenType::kRefresh, &claims);
    results[2] = codec.verify(access, 9000, TokenType::kAccess, &claims);
    results[3] = codec.verify(tampered, 1000, TokenType::kAccess, &claims);
    results[4] = codec.verify(junk, 1000, TokenType::kAccess, &claims);
  }
  const uint64_t count = allocations() - before;
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(results[0], JwtCodec::Error::kNone);
  EXPECT_EQ(results[1], JwtCodec::Error::kWrongType);
  EXPECT_EQ(results[2], JwtCodec::Error::kExpired);
  EXPECT_NE(results[3], JwtCodec::Error::kNone);
  EXPECT_EQ(results[4], JwtCodec::Error::kMalformed);
}

TEST(NoAllocation, ApiKeyCheckAndHash) {
  const std::string key = generate_api_key();
  std::string typo = key;
  typo[20] = typo[20] == 'a' ? 'b' : 'a';
  ASSERT_TRUE(api_key_well_formed(key));  // warm-up
  model::KeyHash h = hash_api_key(key);

  bool ok = false, typo_ok = true;
  const uint64_t before = allocations();
  for (int i = 0; i < 100; ++i) {
    ok = api_key_well_formed(key);
    typo_ok = api_key_well_formed(typo);
    h = hash_api_key(key);
  }
  const uint64_t count = allocations() - before;
  EXPECT_EQ(count, 0u);
  EXPECT_TRUE(ok);
  EXPECT_FALSE(typo_ok);
  EXPECT_EQ(h, hash_api_key(key));
}

}  // namespace
}  // namespace claribi::auth
