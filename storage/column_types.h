// The column types of uploaded rows (API.md §10) and the decoded form of one
// column of one chunk. Shared by the ingest path (which builds ColumnValues
// from parsed rows), the column codec (which encodes and decodes them) and
// the readers (rows listing, the query engine).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace claribi::storage {

// Stored on disk as these numbers: never renumber.
enum class ColumnType : uint8_t { kInteger = 1, kFloat = 2, kBoolean = 3, kTimestamp = 4, kString = 5 };

// "integer", "float", "boolean", "timestamp", "string".
std::string_view column_type_name(ColumnType t);
std::optional<ColumnType> parse_column_type_name(std::string_view s);

// Rows per column chunk: a chunk is sealed when it holds this many rows
// (the last chunk of an upload may hold fewer).
inline constexpr uint32_t kChunkRows = 64 * 1024;

// One column of one chunk, decoded. Exactly one value array is used, by type:
//   kInteger   ints (int64)
//   kTimestamp ints (microseconds since the Unix epoch, UTC)
//   kBoolean   ints (0 or 1)
//   kFloat     floats (finite doubles)
//   kString    string_bytes + string_offsets (row i is
//              string_bytes[string_offsets[i], string_offsets[i+1]);
//              string_offsets has rows + 1 entries, the first 0)
// A null row holds 0 / 0.0 / "" in its slot and has its bit set in
// null_bits (bit i of word i/64); null_bits is empty when no row is null,
// otherwise it has (rows + 63) / 64 words and no bit at or past `rows`.
struct ColumnValues {
  ColumnType type = ColumnType::kInteger;
  uint32_t rows = 0;
  std::vector<uint64_t> null_bits;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::string string_bytes;
  std::vector<uint32_t> string_offsets{0};

  bool is_null(uint32_t row) const {
    return !null_bits.empty() && ((null_bits[row >> 6] >> (row & 63)) & 1) != 0;
  }
  std::string_view string_at(uint32_t row) const {
    return std::string_view(string_bytes).substr(string_offsets[row], string_offsets[row + 1] - string_offsets[row]);
  }
  // Appending, one row at a time (the builders' path).
  void append_null();
  void append_int(int64_t v);
  void append_float(double v);
  void append_string(std::string_view v);
  void clear(ColumnType t);
};

// Per-chunk statistics of one column, kept beside the chunk so a scan can
// skip chunks without loading them (zone maps). min/max cover the non-null
// values only and are meaningful when null_count < rows:
//   kInteger, kTimestamp, kBoolean: min_int/max_int
//   kFloat: min_float/max_float
//   kString: min_string/max_string (bytewise order)
struct ZoneMap {
  ColumnType type = ColumnType::kInteger;
  uint32_t rows = 0;
  uint32_t null_count = 0;
  int64_t min_int = 0, max_int = 0;
  double min_float = 0, max_float = 0;
  std::string min_string, max_string;

  bool has_values() const { return null_count < rows; }
};

}  // namespace claribi::storage
