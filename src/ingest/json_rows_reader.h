// JsonRowsReader: an incremental reader of a JSON row upload (API.md §10): a
// top-level JSON array of flat objects whose values are strings, numbers,
// booleans or null. The body arrives as chunks split anywhere; a cheap byte
// scan (strings, escapes, nesting depth) cuts the stream into top-level array
// elements, one element at a time is buffered (with simdjson's padding) and
// parsed with simdjson On-Demand, and the sink gets each row as (key, value)
// cells. Memory is bounded by the largest element, never by the body.
//
// Choices made here:
//   - Whitespace (space, tab, \n, \r) is allowed around everything; a byte
//     order mark is not (it is invalid_json at byte 0, as in Python's json).
//   - `[]` is a valid upload of 0 rows. A trailing comma (`[{},]`) and
//     anything but whitespace after the closing `]` are invalid_json.
//   - Duplicate keys in one object: the last value wins, at the position the
//     key was first seen (Python's json / dict behaviour).
//   - Numbers: a token without fraction or exponent that fits int64 is kInt
//     ("-0" is the integer 0); every other number is kFloat, correctly
//     rounded (integers beyond int64 included: 2^64 -> 1.8446744073709552e19).
//     A number too large for a double (1e999) is an invalid row naming the
//     column; one too small rounds to 0.0.
//   - Strings are unescaped; "\u0000" is delivered as a NUL byte (the caller
//     decides). Lone surrogates are invalid_json.
//
// Errors come in two kinds (error_kind()), which the caller maps to HTTP:
//   kInvalidJson  not JSON / not an array: 400 invalid_json. The Status
//                 message is "invalid_json at byte N: <reason>", N the
//                 0-based offset in the whole body (error_offset()): the
//                 offending byte for structural errors, bad tokens and bad
//                 UTF-8 (the element's first byte only when no finer position
//                 can be found).
//   kInvalidRow   valid JSON that is not a row: 400 validation_error. The
//                 message names the row (1-based) and, where one is involved,
//                 the column: "row 3 is not an object", "row 3, column
//                 \"tags\": nested values are not allowed", "row 3 is larger
//                 than 16777216 bytes".
//   kStopped      the sink returned false ("row N: rejected"); the caller
//                 reports its own error.
// After an error the reader is finished: every later call returns it again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace claribi::ingest {

enum class JsonValueKind : uint8_t { kNull, kBool, kInt, kFloat, kString };

struct JsonCell {
  std::string_view key;  // unescaped
  JsonValueKind kind;
  bool b;                 // kBool
  int64_t i;              // kInt
  double f;               // kFloat (and kInt: the same value as a double)
  std::string_view text;  // kString: the unescaped value; kInt/kFloat: the token as
                          // written ("1.50", "1e3"); kBool: "true"/"false"; kNull: empty
};

// Receives rows; the views are valid only during the call. Return false to
// stop (the sink found an error of its own).
class JsonRowsSink {
 public:
  virtual bool on_row(uint64_t row, std::span<const JsonCell> cells) = 0;

 protected:
  ~JsonRowsSink() = default;
};

enum class RowsError : uint8_t { kNone, kInvalidJson, kInvalidRow, kStopped };

struct JsonRowsOptions {
  size_t max_element_bytes = size_t{16} << 20;  // 16 MiB per array element
};

class JsonRowsReader {
 public:
  explicit JsonRowsReader(JsonRowsOptions options = {});
  ~JsonRowsReader();
  JsonRowsReader(JsonRowsReader&&) noexcept;
  JsonRowsReader& operator=(JsonRowsReader&&) noexcept;

  Status feed(std::string_view bytes, JsonRowsSink& sink);  // any split of the body
  Status finish(JsonRowsSink& sink);                         // end of the body

  uint64_t rows() const { return rows_; }  // rows delivered so far

  RowsError error_kind() const { return err_kind_; }
  bool stopped() const { return err_kind_ == RowsError::kStopped; }  // the sink returned false
  uint64_t error_offset() const { return err_offset_; }         // kInvalidJson: body offset
  uint64_t error_row() const { return err_row_; }               // kInvalidRow / kStopped: 1-based
  const std::string& error_column() const { return err_column_; }  // kInvalidRow: key, or empty

 private:
  enum class State : uint8_t { kBeforeArray, kFirstElement, kNextElement, kInElement, kAfterElement, kAfterArray };

  Status scan(const char* d, size_t n, JsonRowsSink& sink);
  Status append_element(const char* d, size_t from, size_t to);
  Status element_done(JsonRowsSink& sink);
  Status parse_object(JsonRowsSink& sink);
  Status locate_invalid(std::string_view fallback_reason, bool partial);
  Status invalid_json(uint64_t offset, std::string_view reason);
  Status invalid_row(std::string column, std::string_view what, bool column_in_message = true);
  size_t upsert_cell(std::string_view key);

  JsonRowsOptions opt_;
  State state_ = State::kBeforeArray;
  uint64_t abs_ = 0;  // body offset of the chunk being scanned
  uint64_t rows_ = 0;

  // The element in progress.
  uint64_t elem_start_ = 0;  // its body offset
  std::string elem_;         // its bytes (+ simdjson's padding when parsed)
  size_t elem_len_ = 0;
  uint64_t depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
  char first_ = 0;  // first byte: '{', '[', '"' or a scalar

  // The simdjson On-Demand parser, out of line: its layout depends on
  // simdjson's configuration macros, which includers need not share.
  struct Parser;
  std::unique_ptr<Parser> parser_;
  std::vector<JsonCell> cells_;
  std::vector<uint32_t> slots_;  // open-addressing index of cells_ by key (wide rows)

  RowsError err_kind_ = RowsError::kNone;
  uint64_t err_offset_ = 0;
  uint64_t err_row_ = 0;
  std::string err_column_;
  Status error_;
};

}  // namespace claribi::ingest
