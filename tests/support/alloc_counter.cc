// This file replaces the global operator new/delete with malloc/free on
// purpose; GCC cannot see that they pair up (a false -Wmismatched-new-delete).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "support/alloc_counter.h"

#include <cstdlib>
#include <new>

namespace {
// Constant-initialised, so touching it needs no allocation (and works
// inside malloc itself).
thread_local uint64_t t_allocations = 0;
}  // namespace

namespace claribi::testing {
uint64_t thread_allocations() { return t_allocations; }
#if defined(__SANITIZE_ADDRESS__)
bool counts_malloc() { return false; }
#else
bool counts_malloc() { return true; }
#endif
}  // namespace claribi::testing

#if defined(__SANITIZE_ADDRESS__)
namespace {
void* counted_new(size_t n) {
  ++t_allocations;
  return std::malloc(n ? n : 1);
}
}  // namespace
#else
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* malloc(size_t n) {
  ++t_allocations;
  return __libc_malloc(n);
}
void* calloc(size_t count, size_t size) {
  ++t_allocations;
  return __libc_calloc(count, size);
}
void* realloc(void* p, size_t n) {
  ++t_allocations;
  return __libc_realloc(p, n);
}
}
namespace {
// malloc above counts it.
void* counted_new(size_t n) { return std::malloc(n ? n : 1); }
}  // namespace
#endif

void* operator new(size_t n) {
  if (void* p = counted_new(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept { return counted_new(n); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return counted_new(n); }
void* operator new(size_t n, std::align_val_t a) {
  ++t_allocations;
  size_t align = size_t(a);
  if (void* p = std::aligned_alloc(align, (n + align - 1) / align * align)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
