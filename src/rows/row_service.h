// RowService: the rows of every `upload` data source (API.md §10) — the
// current snapshot of each table for readers, and the uploads that change
// them.
//
// Readers (reactors; later the query pool) call snapshot() while online in
// the QSBR domain and get the table's current version without a lock; it
// stays valid until their next quiescent point (see table_snapshot.h).
//
// Writers: uploads (upload.h) run on the ingest pool, one at a time per
// data source (a lane: later uploads to the same table wait, with their
// connections paused by back-pressure; uploads to different tables run in
// parallel). An upload publishes through the data source's ResourceService
// update — the manifest and row_count in one synced batch — and the new
// snapshot is installed on the writer thread once that batch is durable,
// so a 201 is never ahead of what readers see, and a reader never sees a
// part of an upload. Deleting a data source deletes its table in the same
// batch (table_removal()).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "exec/thread_pool.h"
#include "index/concurrent_map.h"
#include "index/hashers.h"
#include "index/qsbr.h"
#include "model/resources.h"
#include "resources/resource_service.h"
#include "rows/table_snapshot.h"
#include "storage/group_commit_writer.h"
#include "storage/row_store.h"

namespace claribi::rows {

class Upload;

class RowService final : public ChunkHome {
 public:
  // Uploads parse on `pool` and seal chunks on `sealer` (nullptr: on the
  // parsing thread); see table_builder.h.
  RowService(storage::RowStore& store, storage::GroupCommitWriter& writer, index::Qsbr& qsbr,
             resources::ResourceService<model::DataSource>& data_sources, exec::ThreadPool& pool,
             size_t memory_budget_bytes, exec::ThreadPool* sealer = nullptr);
  ~RowService();

  // Start-up, before readers: removes staged leftovers, loads every
  // manifest and chunk's metadata (no column data).
  Status load();

  // Reader side (online in the QSBR domain). nullptr: no rows were ever
  // uploaded (an empty table).
  const TableSnapshot* snapshot(uint64_t data_source_id) const;
  // Column c of a chunk of a snapshot (loaded on first use).
  Result<const storage::ColumnChunk*> column(const Chunk& chunk, size_t c) const;

  // Queues an upload in its table's lane; it starts when the uploads ahead
  // of it are done.
  void enqueue(std::shared_ptr<Upload> upload);

  // Cluster mode: another node's write to kRowTables — a table published or
  // deleted. Runs on the change follower's thread: decodes the manifest and
  // reads the metadata of the segments not held yet (the chunks this node
  // has keep their loaded columns). What it returns installs the table (or
  // drops it) and must run on the writer thread.
  Result<std::function<void()>> followed(const storage::Batch::Op& op);

  // What deleting a data source must also write and apply.
  resources::Attachment table_removal(uint64_t data_source_id);

  int64_t resident_bytes() const { return resident_bytes_.load(std::memory_order_relaxed); }
  // Columns unloaded by the memory budget so far.
  uint64_t columns_unloaded() const { return columns_unloaded_.load(std::memory_order_relaxed); }
  size_t tables() const { return snapshots_.size(); }

  // ChunkHome.
  const storage::RowStore& store() const override { return store_; }
  void column_loaded(const Chunk& chunk, size_t column, size_t bytes) override;
  void bytes_released(size_t bytes) override;

  // Appends a Chunk for each chunk of segment `segment` of table ds.
  void add_segment_chunks(uint64_t ds, uint64_t segment, const storage::SegmentMeta& meta,
                          std::vector<std::shared_ptr<const Chunk>>* out);

 private:
  friend class Upload;
  struct TableState {
    storage::TableManifest manifest;
    std::vector<std::shared_ptr<const Chunk>> chunks;
  };
  // The table as the next upload builds on it: as stored (in cluster mode
  // another node may have published since this one last heard), empty for
  // a table with no upload yet. Uploads call it holding the table's lock.
  Result<storage::TableManifest> manifest_for_upload(uint64_t org_id, uint64_t ds) const;
  // The chunks of every segment m lists: those held already (their loaded
  // columns kept), the others from their stored metadata.
  Result<std::vector<std::shared_ptr<const Chunk>>> chunks_for(const storage::TableManifest& m);
  // Writer thread, once the manifest is durable: the table is m, made of
  // `chunks`.
  void install(const storage::TableManifest& m, std::vector<std::shared_ptr<const Chunk>> chunks);
  void drop(uint64_t ds);
  void publish_snapshot(const TableState& t);
  // The upload at the head of ds's lane is done: start the next one.
  void lane_done(uint64_t ds);
  // Writer thread: unloads columns until 90% of the budget is left.
  void evict();

  storage::RowStore& store_;
  storage::GroupCommitWriter& writer_;
  index::Qsbr& qsbr_;
  resources::ResourceService<model::DataSource>& data_sources_;
  exec::ThreadPool& pool_;
  exec::ThreadPool* sealer_;
  const size_t budget_;
  std::atomic<int64_t> resident_bytes_{0};
  std::atomic<uint64_t> columns_unloaded_{0};
  struct ResidentEntry {
    std::weak_ptr<const Chunk> chunk;
    size_t column;
  };
  std::mutex resident_mu_;
  std::deque<ResidentEntry> resident_order_;  // under resident_mu_; load order (the clock's hand at the front)
  bool eviction_queued_ = false;               // under resident_mu_

  mutable std::mutex mu_;
  std::unordered_map<uint64_t, TableState> tables_;                     // under mu_
  std::unordered_map<uint64_t, std::deque<std::shared_ptr<Upload>>> lanes_;  // under mu_
  index::ConcurrentMap<uint64_t, TableSnapshot, index::U64Hasher> snapshots_;
};

}  // namespace claribi::rows
