// CsvReader: an incremental RFC 4180 tokenizer for `text/csv` row uploads
// (API.md §10). The body arrives as chunks of any size, split anywhere
// (mid-field, mid-quote, mid-UTF-8 sequence, between \r and \n); the reader
// hands every complete record to a sink and keeps only the record in
// progress, so memory is bounded by the longest record, never by the body.
//
// The dialect, with the choices RFC 4180 leaves open:
//   - `,` separates fields; `\n`, `\r\n` and also a lone `\r` (old Mac
//     files) end a record outside quotes.
//   - A UTF-8 byte order mark at the very start of the body is skipped.
//   - `"` is special only as the first byte of a field. Inside a quoted field
//     `""` is one quote and `,`, `\r`, `\n` are literal text. After the
//     closing quote only `,` or a line end may follow ("row N, column C:
//     unexpected character after a closing quote").
//   - A `"` inside an unquoted field is an error (RFC 4180 §2.5), not literal
//     text: `5" screen` must be written `"5"" screen"`. Being strict keeps
//     quoting mistakes from silently shifting columns.
//   - Completely empty lines (no bytes between two line ends) are skipped and
//     are not records; a line end at the end of the body does not make an
//     extra record; a last record without a line end is delivered by finish().
//     A line holding only `""` is a record of one empty, quoted field.
//   - Every byte must be valid UTF-8 (checked incrementally with simdjson's
//     validator, sequences split across feeds included).
//   - A record longer than CsvReaderOptions::max_record_bytes (its bytes
//     between line ends, quotes included) is an error.
//   - The reader does not compare field counts between records: the sink
//     knows the header and decides.
//
// Record 0 is the header; data rows are records 1, 2, ... (the 1-based row
// numbers of API.md). Errors are Status::InvalidArgument with a message that
// names the row ("row 12: ...", or "header row: ...") and, where one is
// involved, the column ("row 12, column \"price\": ...", by header name when
// the header has one, else by 1-based position). When a record has several
// problems, the one at the earliest byte is reported, so the message does not
// depend on how the body was split. After an error the reader is finished:
// every later call returns the same error.
//
// Field views handed to the sink point either into the fed bytes (a record
// that lies wholly inside one feed and needs no unescaping: no copy) or into
// the reader's record buffer; they are valid only during the call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace claribi::ingest {

struct CsvField {
  std::string_view text;  // unescaped: `""` inside quotes is `"`
  bool quoted;            // the field was written in quotes ("" vs an empty field)
};

// Receives complete records. Return false to stop parsing (the sink found an
// error of its own, e.g. a value that does not fit the column's type); feed()
// or finish() then fail with "row N: rejected" and stopped() is true, so the
// caller reports its own error instead.
class CsvSink {
 public:
  virtual bool on_record(uint64_t record_index, std::span<const CsvField> fields) = 0;

 protected:
  ~CsvSink() = default;
};

struct CsvReaderOptions {
  size_t max_record_bytes = size_t{16} << 20;  // 16 MiB
};

class CsvReader {
 public:
  explicit CsvReader(CsvReaderOptions options = {});

  // The next bytes of the body (any split; empty is fine).
  Status feed(std::string_view bytes, CsvSink& sink);
  // End of the body: delivers a last record that has no line end, and fails
  // on an unterminated quoted field or a truncated UTF-8 sequence.
  Status finish(CsvSink& sink);

  // Records delivered so far (the header included).
  uint64_t records() const { return records_; }

  // After a failed feed()/finish(): the record the error concerns (0 = the
  // header), the 0-based column or -1, and whether the sink stopped parsing.
  uint64_t error_record() const { return err_record_; }
  int64_t error_column() const { return err_column_; }
  bool stopped() const { return stopped_; }

 private:
  enum class State : uint8_t { kRecordStart, kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted, kAfterCR };
  struct Patch {  // a field whose text lives in buf_
    size_t index;
    size_t offset;
    size_t length;
  };

  Status process(const char* d, size_t n, CsvSink& sink);
  Status scan(const char* d, size_t n, CsvSink& sink);
  void check_utf8(const char* d, size_t n);
  void end_field(const char* d, size_t end);
  bool emit(uint64_t end_abs, CsvSink& sink);
  void spill(const char* d, size_t n);
  Status fail(uint64_t record, int64_t column, std::string_view what);
  Status record_error(uint64_t pos, int64_t column, std::string_view what, bool in_field);
  bool record_has_bad_utf8(uint64_t end_abs) const { return utf8_bad_ >= rec_start_ && utf8_bad_ < end_abs; }
  int64_t bad_utf8_column(bool in_field) const;
  std::string where(uint64_t record, int64_t column) const;

  CsvReaderOptions opt_;
  State state_ = State::kRecordStart;

  // The body's first bytes while they may still be a byte order mark.
  unsigned char bom_[3] = {0, 0, 0};
  uint8_t bom_len_ = 0;
  bool bom_done_ = false;

  uint64_t abs_ = 0;        // body offset (after the BOM) of the chunk being scanned
  uint64_t rec_start_ = 0;  // body offset where the record in progress began
  uint64_t records_ = 0;

  // The field in progress: its text is chunk[seg_start_ .. ) after
  // field_buf_ (which holds what earlier chunks or unescaping produced).
  size_t seg_start_ = 0;
  size_t content_end_ = 0;  // kQuoteInQuoted: where the text ends (the quote)
  bool field_quoted_ = false;
  bool field_in_buf_ = false;
  std::string field_buf_;

  // The record in progress: fields_[i].text is a view into the chunk, or
  // empty with a Patch saying where in buf_ its text lives.
  std::vector<CsvField> fields_;
  std::vector<Patch> patches_;
  std::string buf_;
  size_t first_chunk_field_ = 0;  // fields_[first_chunk_field_..] may be chunk views
  std::vector<std::string> header_;

  // UTF-8: body offset of the first invalid sequence (UINT64_MAX: none yet),
  // and a sequence cut by the end of the last chunk.
  uint64_t utf8_bad_ = UINT64_MAX;
  unsigned char u8_carry_[4] = {0, 0, 0, 0};
  uint8_t u8_carry_len_ = 0;
  uint64_t u8_carry_abs_ = 0;

  bool failed_ = false;
  bool stopped_ = false;
  uint64_t err_record_ = 0;
  int64_t err_column_ = -1;
  Status error_;
};

}  // namespace claribi::ingest
