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
// is what scans decode from — until the chunk goes or the memory budget
// (storage.rows_memory_mb) makes the chunk's home unload it: the column is
// unlinked and retired through QSBR like a snapshot, so a reader that holds
// it keeps a valid copy until its next quiescent point, and the next reader
// loads it again.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "index/qsbr.h"
#include "storage/column_codec.h"
#include "storage/row_store.h"

namespace claribi::rows {

struct ResidentColumn {
  std::string bytes;
  storage::ColumnChunk chunk;  // a view over bytes
  std::atomic<bool> referenced{true};  // used since the evictor last looked (second chance)
  size_t footprint() const { return bytes.capacity() + sizeof(ResidentColumn); }
};

class Chunk;

// Where chunks come from and how their memory is accounted (RowService).
class ChunkHome {
 public:
  virtual const storage::RowStore& store() const = 0;
  // A column of `chunk` became resident (any thread).
  virtual void column_loaded(const Chunk& chunk, size_t column, size_t bytes) = 0;
  // Resident bytes went away (a chunk freed, or a column unloaded).
  virtual void bytes_released(size_t bytes) = 0;

 protected:
  ~ChunkHome() = default;
};

class Chunk : public std::enable_shared_from_this<Chunk> {
 public:
  Chunk(ChunkHome& home, uint64_t ds, uint64_t segment, uint32_t index, storage::ChunkMeta meta);
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
  // this chunk. Valid while the caller stays online in the QSBR domain.
  Result<const storage::ColumnChunk*> column(size_t c) const;

  // The evictor (one thread: the QSBR writer). Whether column c is
  // resident and was used since the last call (clearing the mark); and
  // unloading it: retired through `qsbr`, returns the bytes released.
  bool resident(size_t c) const;
  bool take_referenced(size_t c) const;
  size_t unload(size_t c, index::Qsbr& qsbr) const;

 private:
  ChunkHome& home_;
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
