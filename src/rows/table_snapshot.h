// TableSnapshot and Chunk: the in-memory, immutable view of an upload data
// source's rows that readers (the rows listing, the query engine) work on.
//
// A snapshot is one published version of a table: its schema, row count and
// chunk list. Publishing an upload makes a new snapshot that shares the old
// chunks and adds the new ones; readers find the current snapshot in
// RowService's map under QSBR (the project's one reclamation scheme), so a
// reader keeps the version it started with for as long as it stays online,
// and a replaced snapshot is freed only after every reader has moved on.
// Chunks are owned by the snapshots that list them (shared_ptr: ownership,
// not reader protection), so a chunk is freed with the last snapshot that
// has it.
//
// Column data is loaded lazily: start-up reads only manifests and chunk
// metadata (zone maps); a chunk's column is read from storage the first time
// a reader asks for it and then stays resident — in its encoded form, which
// is what scans decode from — for the life of the chunk.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/column_codec.h"
#include "storage/row_store.h"

namespace claribi::rows {

struct ResidentColumn {
  std::string bytes;
  storage::ColumnChunk chunk;  // a view over bytes
};

class Chunk {
 public:
  Chunk(uint64_t ds, uint64_t segment, uint32_t index, storage::ChunkMeta meta);
  ~Chunk();
  Chunk(const Chunk&) = delete;
  Chunk& operator=(const Chunk&) = delete;

  uint32_t rows() const { return meta_.rows; }
  const storage::ChunkMeta& meta() const { return meta_; }
  uint64_t segment() const { return segment_; }
  // Whether column c has a non-null value in this chunk (else: all null).
  bool present(size_t c) const { return c < meta_.columns.size() && meta_.columns[c].present; }

  // Column c, loading it on first use (any thread; concurrent first uses
  // load once each and keep one). nullptr when the column is all null in
  // this chunk. `resident_bytes` is increased by what a load keeps.
  Result<const storage::ColumnChunk*> column(size_t c, const storage::RowStore& store,
                                             std::atomic<int64_t>& resident_bytes) const;

 private:
  uint64_t ds_;
  uint64_t segment_;
  uint32_t index_;
  storage::ChunkMeta meta_;
  std::unique_ptr<std::atomic<ResidentColumn*>[]> resident_;
};

struct TableSnapshot {
  uint64_t org_id = 0;
  uint64_t data_source_id = 0;
  uint64_t version = 0;
  uint64_t row_count = 0;
  std::vector<storage::TableColumn> columns;
  std::vector<std::shared_ptr<const Chunk>> chunks;
  std::vector<uint64_t> first_row;  // 0-based index of each chunk's first row

  // The chunk holding row `row` (0-based, < row_count).
  size_t chunk_of(uint64_t row) const;
};

}  // namespace claribi::rows
