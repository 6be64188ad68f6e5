// RowStore: the persistent form of the rows of `upload` data sources
// (API.md §10) — a manifest per table and immutable column chunks.
//
// A table is a list of segments, one per upload that added rows; a segment
// is a run of chunks of up to kChunkRows rows; a chunk holds one encoded
// column blob (column_codec.h) per column that has a non-null value in it.
// Nothing is ever changed in place: an upload writes a new segment and then
// publishes a new manifest, so a crash at any moment leaves the old table or
// the old table plus the whole new segment, never a part.
//
//   kRowTables  id_key(ds)                       -> TableManifest
//   kRowChunks  [ds][segment][chunk][column]     -> encoded column chunk
//               [ds][segment][FFFFFFFF]          -> SegmentMeta (zone maps)
//   (big-endian: ds 8 bytes, segment 8, chunk 4, column 2)
//
// Staging and publishing. A SegmentWriter takes the chunks of one upload in
// order. Small segments (under kInlineSegmentBytes) stay in a Batch; larger
// ones spill to a bulk writer (an SST file under the staging directory), finished
// into kRowChunks (durable, atomic, no WAL, no memtable) before publishing.
// Publishing is one small synced batch through the group-commit writer:
// the manifest (schema, row_count, segment list, version), the inline chunk
// data if any, and for `mode=replace` a range delete of the older segments.
// Until that batch commits, the new segment is referenced by no manifest.
//
// Start-up (Cleanup): staged files are deleted, and so is every segment in
// kRowChunks that its table's manifest does not list (an upload that was
// ingested but never published, or whose table was deleted) — unless the
// database is shared (cluster mode), where such a segment may be another
// node's upload in progress.
//
// Segment ids are the table version that publishes them (versions only grow
// and uploads to one table are serialised), so no id sequence is needed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/batch.h"
#include "storage/column_types.h"
#include "storage/database.h"

namespace claribi::storage {

struct TableColumn {
  std::string name;
  ColumnType type = ColumnType::kString;
  bool nullable = false;
};

struct SegmentInfo {
  uint64_t id = 0;
  uint64_t rows = 0;
  uint32_t chunks = 0;
};

struct TableManifest {
  uint64_t org_id = 0;
  uint64_t data_source_id = 0;
  uint64_t version = 0;  // 0: no upload yet
  uint64_t row_count = 0;
  std::vector<TableColumn> columns;
  std::vector<SegmentInfo> segments;
};

// One column of one chunk as stored. `physical` is the type the blob was
// encoded as; `stored` the column's type when its segment was published.
// They differ when a new column's type widened after the chunk was sealed
// (e.g. integer, then a later chunk of the same upload needed string); the
// loader converts to `stored` (and a table may later widen integer to float,
// which readers handle with ColumnChunk::decode_floats).
struct ChunkColumnMeta {
  bool present = false;  // false: every row is null (no blob)
  ColumnType physical = ColumnType::kString;
  ColumnType stored = ColumnType::kString;
  uint32_t bytes = 0;
  ZoneMap zone;
};

struct ChunkMeta {
  uint32_t rows = 0;
  std::vector<ChunkColumnMeta> columns;  // columns beyond the end: all null
};

struct SegmentMeta {
  std::vector<ChunkMeta> chunks;
};

// Encodings (versioned, every length checked on decode).
void encode_manifest(const TableManifest& m, std::string* out);
Status decode_manifest(std::string_view in, TableManifest* out);
void encode_segment_meta(const SegmentMeta& m, std::string* out);
Status decode_segment_meta(std::string_view in, SegmentMeta* out);

std::string chunk_key(uint64_t ds, uint64_t segment, uint32_t chunk, uint16_t column);
std::string segment_meta_key(uint64_t ds, uint64_t segment);

// Segments of this many encoded bytes or more go through a bulk writer.
inline constexpr size_t kInlineSegmentBytes = 1 << 20;

class SegmentWriter {
 public:
  SegmentWriter(Database& db, std::string staging_path, uint64_t ds, uint64_t segment);
  ~SegmentWriter();  // what it staged and did not commit is removed
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // The next chunk: one encoded blob per column (empty = not present) and
  // its metadata (meta.columns[i] describes blobs[i]).
  Status AddChunk(const std::vector<std::string>& blobs, ChunkMeta meta);
  // Finishes the segment: records each column's final type (`stored`, see
  // ChunkColumnMeta), writes its metadata, and when the data went to a
  // bulk writer, finishes it (durable in kRowChunks). Then *publish holds what must be
  // written atomically with the manifest (the inline data, if any).
  Status Commit(const std::vector<ColumnType>& final_types, Batch* publish);

  const SegmentMeta& meta() const { return meta_; }
  uint64_t encoded_bytes() const { return bytes_; }
  uint64_t rows() const { return rows_; }

 private:
  Status Put(std::string key, std::string value);

  Database& db_;
  std::string staging_path_;
  uint64_t ds_;
  uint64_t segment_;
  SegmentMeta meta_;
  Batch inline_;
  std::unique_ptr<BulkWriter> bulk_;  // past kInlineSegmentBytes
  uint64_t bytes_ = 0;
  uint64_t rows_ = 0;
};

class RowStore {
 public:
  // `staging_dir` is created if missing; it holds SST files of uploads in
  // progress and nothing else.
  RowStore(Database& db, std::string staging_dir);

  // Start-up: deletes staged files and unreferenced segments (see above).
  Status Cleanup();
  // Every stored manifest, with the metadata of each of its segments.
  Status LoadAll(const std::function<void(TableManifest, std::vector<SegmentMeta>)>& fn) const;
  // The stored manifest of table ds: NotFound when it has none (no upload yet).
  Status LoadManifest(uint64_t ds, TableManifest* out) const;
  // The metadata of one segment of table ds; NotFound when it is gone (a
  // later replace or delete removed it), Corruption when it does not decode.
  Status LoadSegment(uint64_t ds, const SegmentInfo& segment, SegmentMeta* meta) const;
  Status ReadColumn(uint64_t ds, uint64_t segment, uint32_t chunk, uint16_t column, std::string* bytes) const;

  std::unique_ptr<SegmentWriter> NewSegment(uint64_t ds, uint64_t segment);

  static void PutManifest(Batch& b, const TableManifest& m);
  // The table and all its chunks (the data source is deleted).
  static void DeleteTable(Batch& b, uint64_t ds);
  // Every segment of ds with an id below `segment` (mode=replace).
  static void DeleteSegmentsBelow(Batch& b, uint64_t ds, uint64_t segment);
  // One segment (an upload whose publish failed).
  static void DeleteSegment(Batch& b, uint64_t ds, uint64_t segment);

  Database& db() { return db_; }

 private:
  Database& db_;
  std::string staging_dir_;
};

}  // namespace claribi::storage
