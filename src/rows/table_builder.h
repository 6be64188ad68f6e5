// TableBuilder: turns the parsed rows of one upload into typed, encoded
// column chunks (API.md §10 "Rows of an upload data source").
//
// Rows arrive one at a time, from the CSV reader (text fields under a header)
// or the JSON reader (typed cells by key), and are buffered as raw text per
// column for one chunk (kChunkRows rows). When the chunk is full it is
// sealed column by column: each column's type is settled for the chunk,
// every value is checked and converted, and the column is encoded
// (column_codec.h) and handed to the SegmentWriter. Working column-wise
// keeps the conversion loops tight and memory bounded by two chunks of text.
//
// Sealing runs on the `sealer` pool when one is given, while the next chunk
// is parsed: one chunk is in flight at a time, and the parsing thread waits
// for it before handing over the next, so types evolve chunk after chunk
// exactly as if sealing were inline, and chunks reach the SegmentWriter in
// order, from the parsing thread. (A separate pool: a parsing task waits for
// a sealing task, which never waits for anything.)
//
// Types (§10): a column that already exists is read as its stored type —
// a string column takes any value as text, a float column takes integers,
// an integer column widens to float on a fractional number, and any other
// value that does not fit is a validation error naming row and column. A
// column new in this upload gets the narrowest type all its non-null values
// fit (integer < float < string; boolean < string; timestamp < string);
// a column with no non-null value at all is a string. If a new column's
// type widens after some of its chunks were sealed (an integer column that
// meets "abc" 100,000 rows later), those chunks keep their encoding and are
// converted when loaded (ChunkColumnMeta::stored); such values then read
// back in their canonical text form ("007" as "7").
//
// In CSV an empty field (quoted or not) is null; true/false (any case) are
// booleans. In JSON numbers fill integer and float columns, true/false
// boolean columns, strings string and timestamp columns (a string that
// reads as an ISO 8601 timestamp makes a new column a timestamp), and any
// value fills a string column as its text.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "exec/thread_pool.h"
#include "ingest/csv_reader.h"
#include "ingest/json_rows_reader.h"
#include "storage/column_types.h"
#include "storage/row_store.h"

namespace claribi::rows {

inline constexpr size_t kMaxColumns = 1024;
inline constexpr size_t kMaxColumnNameChars = 200;

// A refused upload: what §3's validation_error carries.
struct UploadError {
  std::string detail;  // names the row (1-based) and the column
  std::string field;   // the column name, or "rows" when none applies
};

class TableBuilder {
 public:
  // `existing`: the table's schema before this upload (empty for
  // mode=replace); `existing_rows`: whether the table holds rows (new
  // columns are then nullable). Chunks go to `out` as they are sealed, on
  // `sealer` (nullptr, or a full queue: on the calling thread).
  TableBuilder(std::vector<storage::TableColumn> existing, bool existing_rows, storage::SegmentWriter& out,
               exec::ThreadPool* sealer = nullptr);
  ~TableBuilder();

  // CSV: the header row, then the data rows.
  bool set_header(std::span<const ingest::CsvField> names);
  bool add_csv_row(uint64_t row, std::span<const ingest::CsvField> fields);
  // JSON: one object per row.
  bool add_json_row(uint64_t row, std::span<const ingest::JsonCell> cells);
  // Seals the last chunk. After it, columns() is the merged schema.
  bool finish();

  // false from any call above: the upload is refused; error() says why, or
  // storage_error() when writing a chunk failed.
  const UploadError& error() const { return error_; }
  const Status& storage_error() const { return storage_error_; }
  bool storage_failed() const { return !storage_error_.ok(); }

  const std::vector<storage::TableColumn>& columns() const { return columns_; }
  std::vector<storage::ColumnType> column_types() const;
  uint64_t rows() const { return rows_; }

 private:
  enum Kind : uint8_t { kNull, kText, kJsonBool, kJsonInt, kJsonFloat, kJsonString };
  struct RawColumn {
    std::string text;
    std::vector<uint32_t> end;
    std::vector<uint8_t> kind;
    void clear() {
      text.clear();
      end.clear();
      kind.clear();
    }
  };
  struct ColumnState {
    bool existed = false;    // in the schema before this upload (type fixed, but integer may widen)
    bool typed = false;      // a new column that met a non-null value (its type is provisional)
    uint64_t row_set = 0;    // JSON: last row that gave this column a value
    RawColumn raw;           // the open chunk's values
  };
  // What sealing a column reads and updates.
  struct ColumnTyping {
    std::string name;
    storage::ColumnType type = storage::ColumnType::kString;
    bool nullable = false;
    bool existed = false;
    bool typed = false;
  };
  // One full chunk being sealed.
  struct SealJob {
    uint64_t first_row = 0;
    uint32_t rows = 0;
    std::vector<RawColumn> raw;         // taken from the open chunk
    std::vector<ColumnTyping> columns;  // before this chunk; after it once sealed
    std::vector<std::string> blobs;
    storage::ChunkMeta meta;
    storage::ColumnValues values;       // scratch
    bool ok = true;
    UploadError error;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  };

  static void seal(SealJob& job);
  static bool settle_and_convert(SealJob& job, size_t c);
  static bool append_as(storage::ColumnType t, uint8_t kind, std::string_view v, storage::ColumnValues* out);
  static UploadError row_error(uint64_t row, std::string_view column, std::string message);
  bool add_column(std::string_view name);
  void append_value(size_t c, Kind kind, std::string_view text);
  void pad_nulls_to(size_t rows_in_chunk);
  // The open chunk to a seal job (after collecting the one in flight).
  bool hand_off();
  // Waits for the job in flight, takes its types and stores its chunk.
  bool collect();

  std::vector<storage::TableColumn> columns_;
  std::vector<ColumnState> state_;
  exec::ThreadPool* sealer_;
  std::unique_ptr<SealJob> in_flight_;
  std::unique_ptr<SealJob> spare_;  // a finished job, for its buffers
  std::unordered_map<std::string, size_t> by_name_;
  std::vector<size_t> header_;         // CSV: field index -> column
  std::vector<size_t> json_guess_;     // JSON: cell position -> column seen there last
  bool existing_rows_;
  storage::SegmentWriter& out_;
  uint32_t chunk_rows_ = 0;           // rows buffered in the open chunk
  uint64_t rows_ = 0;                 // rows added in all
  uint64_t chunk_first_row_ = 1;      // 1-based row number of the open chunk's first row
  UploadError error_;
  Status storage_error_;
};

}  // namespace claribi::rows
