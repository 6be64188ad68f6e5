// GroupCommitWriter: one thread that turns many concurrent write requests
// into few synced RocksDB writes. A synced write costs a device flush
// (~0.1-10 ms); requests from every reactor that arrive while one flush is in
// progress are merged into ONE atomic write with ONE flush, so throughput
// grows with concurrency instead of being capped at one request per flush.
//
//   Submit(batch, done)                      any thread; never blocks on I/O
//   Submit(batch, after_commit, done)
//
// The writer thread takes everything queued since its last write (swapping
// the whole vector under the lock), writes it with Database::WriteGroup
// (sync), then, in submission order:
//   1. if the write succeeded, every batch's `after_commit` — apply in-memory
//      index changes here, so they become visible exactly when (and only if)
//      the data is durable, and in the same order as on disk;
//   2. every batch's `done(status)` — typically posts the completion back to
//      the submitting reactor (uv_async_t), which then sends the response.
// All after_commit hooks of a group run before any done of that group, so a
// reactor that learns of its commit sees every change committed with it.
// Callbacks run on the writer thread: keep them short, never block, never
// throw.
//
// If the merged write fails, nothing of the group is applied (one atomic
// WriteBatch) and every done gets the error; no after_commit runs — unless
// it failed with kConflict (a batch's precondition did not hold, batch.h):
// then each batch of the group is written again on its own, in order, and
// only those that conflict fail. A group
// is cut at `max_group_bytes` (each batch is still whole), so one write never
// grows without bound.
//
// The queue itself is not bounded: memory is bounded by what the callers
// hold in flight (the server's connection limit and body limit), and making a
// reactor wait on the writer would stall every connection on that reactor.
//
// An empty batch is allowed and acts as a barrier: its done runs once
// everything submitted before it is durable. It writes nothing, so its
// after_commit runs even when the group it went with failed: that is how
// other threads get work done on the writer thread, in order with commits
// (row eviction, applying other nodes' changes).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"
#include "metrics/counter.h"
#include "storage/batch.h"
#include "storage/database.h"

namespace claribi::storage {

class GroupCommitWriter {
 public:
  explicit GroupCommitWriter(Database& db, size_t max_group_bytes = 16 << 20);
  ~GroupCommitWriter();  // Stop()
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Thread-safe. After Stop(), done(Unavailable) runs at once on the caller.
  void Submit(Batch batch, std::function<void(Status)> done);
  void Submit(Batch batch, std::function<void()> after_commit, std::function<void(Status)> done);

  // Writes everything submitted so far, runs its callbacks, then joins the
  // writer thread. Idempotent.
  void Stop();

  // Synced writes issued (one per group) and batches committed OK.
  uint64_t batches_written() const { return batches_written_.load(std::memory_order_relaxed); }
  uint64_t writes_committed() const { return writes_committed_.load(std::memory_order_relaxed); }
  uint64_t writes_failed() const { return writes_failed_.load(std::memory_order_relaxed); }
  // Of those, the batches refused with kConflict (a precondition, batch.h).
  uint64_t writes_conflicted() const { return writes_conflicted_.load(std::memory_order_relaxed); }
  // Whether the latest synced write failed (cleared by the next that succeeds).
  bool last_write_failed() const { return last_write_failed_.load(std::memory_order_relaxed); }
  // Per synced write: how many batches it carried, and how long it took
  // (µs; the WAL append and its fsync). Written by the writer thread only.
  const metrics::Histogram& group_sizes() const { return group_sizes_; }
  const metrics::Histogram& sync_micros() const { return sync_micros_; }
  static constexpr uint64_t kGroupSizeBounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
  static constexpr uint64_t kSyncBoundsUs[] = {50,    100,   250,    500,    1000,   2500,   5000,
                                               10000, 25000, 50000, 100000, 250000, 1000000};

 private:
  struct Request {
    Batch batch;
    std::function<void()> after_commit;
    std::function<void(Status)> done;
  };
  void Run();
  void Commit(std::vector<Request>& group, size_t begin, size_t end);

  Database& db_;
  const size_t max_group_bytes_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> queue_;  // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  std::mutex stop_mu_;          // serialises Stop()
  std::thread thread_;
  std::atomic<uint64_t> batches_written_{0};
  std::atomic<uint64_t> writes_committed_{0};
  std::atomic<uint64_t> writes_failed_{0};
  std::atomic<uint64_t> writes_conflicted_{0};
  std::atomic<bool> last_write_failed_{false};
  metrics::Histogram group_sizes_{kGroupSizeBounds};
  metrics::Histogram sync_micros_{kSyncBoundsUs};
};

// Commits through `writer`, or, without one (the admin tool on a stopped
// server), writes synchronously on the calling thread with the same
// callback order: after_commit if the write succeeded, then done.
void submit_or_write(Database& db, GroupCommitWriter* writer, Batch batch, std::function<void()> after_commit,
                     std::function<void(Status)> done);

}  // namespace claribi::storage
