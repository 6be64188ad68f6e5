// The vectorised executor: runs a Plan over the chunks of one table
// snapshot and produces the QueryResult.
//
// Work is split by chunk: `workers` scan workers pull chunk indices from a
// shared counter, each with its own group table and partial aggregates
// (group_table.h), merged into the first worker's at the end. Per chunk:
//   1. zone maps prune (a predicate no row can pass skips the chunk without
//      loading it; one every row passes is not evaluated);
//   2. the needed columns are loaded (lazily, resident in encoded form);
//   3. rows are processed in batches of kBatchRows: columns decoded straight
//      from their encoding into small buffers, predicates evaluated into a
//      byte mask then a selection vector (string predicates once per
//      dictionary entry, then one table lookup per row), group ids computed
//      — through a dense array indexed by the chunk-local codes when the key
//      space of the chunk is small (dictionary codes, booleans, a few time
//      buckets or a short integer range), through the hash table otherwise —
//      and aggregates updated in plain typed arrays (no virtual call, no
//      allocation per row).
// Sums of integers are 128-bit (exact; never overflow for any table this
// server can hold). Sums over frame-of-reference chunks add the packed
// offsets per group and apply the frame once per chunk. Float sums over a
// chunk of exact decimals are exact sums of the decimals, rounded once per
// chunk, other float sums Neumaier-compensated: both agree with an exact sum
// of the doubles to far better than 1e-9 relative, except where the sum
// cancels to about zero (see docs/analytics.md). count_distinct is
// exact. Ordering, ties (group keys ascending, nulls last) and the limit are
// applied last (a partial sort when the limit cuts groups off).
//
// The caller supplies the parallelism (parallel_for), a cancellation flag,
// a deadline and a memory budget; they are checked between chunks.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>

#include "analytics/plan.h"
#include "analytics/result.h"
#include "common/status.h"
#include "rows/table_snapshot.h"

namespace claribi::analytics {

inline constexpr uint32_t kBatchRows = 2048;

// Runs fn(w) for every w in [0, workers), concurrently or not; returns once
// every call has returned. A call may find no work left and return at once.
using ParallelFor = std::function<void(int workers, const std::function<void(int)>& fn)>;
// Runs the calls one after another on the calling thread.
void run_sequentially(int workers, const std::function<void(int)>& fn);

struct ScanControl {
  const std::atomic<bool>* cancelled = nullptr;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  size_t memory_limit = SIZE_MAX;  // bytes of group tables and aggregate state
};

struct ScanStats {
  size_t chunks = 0;          // in the snapshot
  size_t chunks_scanned = 0;  // not pruned by zone maps
  uint64_t rows_scanned = 0;
  size_t groups = 0;
  size_t peak_memory = 0;     // bytes of aggregate state, summed over workers
};

struct ExecOutcome {
  enum class Kind : uint8_t { kOk, kCancelled, kTimeout, kMemory, kFailed };
  Kind kind = Kind::kOk;
  Status status;  // kFailed: what went wrong (reading a column)
  QueryResult result;
  ScanStats stats;
};

// The caller keeps the chunks alive and, when they come from a live
// RowService, stays online in its QSBR domain for the call (columns are
// resident under QSBR).
ExecOutcome execute(const Plan& plan, std::span<const std::shared_ptr<const rows::Chunk>> chunks, int workers,
                    const ParallelFor& parallel_for, const ScanControl& control);

}  // namespace claribi::analytics
