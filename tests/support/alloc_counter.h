// Counting allocator for tests and benchmarks that promise "no heap
// allocation per request". Linking claribi_alloc_counter into a binary
// replaces the global operator new/delete (and, outside sanitizer builds,
// interposes malloc/calloc/realloc, so allocations inside C libraries such
// as BoringSSL count too). Counts are per thread: RocksDB's background
// threads or the writer thread do not disturb a measurement of the caller.
#pragma once

#include <cstdint>

namespace claribi::testing {

// Allocations made by the calling thread since it started.
uint64_t thread_allocations();
// Whether malloc/calloc/realloc are counted (not under ASan, which owns them).
bool counts_malloc();

}  // namespace claribi::testing
