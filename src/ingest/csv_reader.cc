// CsvReader (see csv_reader.h): a resumable state machine over the fed bytes.
//
// Hot path: inside an unquoted field the scanner looks for the four special
// bytes (, \n \r ") sixteen bytes at a time (SSE2, x86-64 baseline; an 8-byte
// SWAR loop elsewhere); inside a quoted field only `"` matters, found with
// memchr. A field that ends inside the chunk it started in, without `""`, is
// a view into that chunk: no copy, no allocation. Two things move text into
// the reader's buffers: a `""` (the field is unescaped into field_buf_) and
// the end of a chunk inside a record (the record so far is copied to buf_ and
// continues there). Buffers are reused, so steady state allocates nothing.
//
// UTF-8 is validated per chunk with simdjson::validate_utf8 before the chunk
// is scanned (a sequence cut by the chunk's end is carried into the next
// one); the body offset of the first invalid sequence is remembered, and the
// record that contains it fails when it ends (or as soon as the scan reaches
// it), so records before it are still delivered and the error names its row.
#include "ingest/csv_reader.h"

#include <simdjson.h>

#include <cstring>
#include <string>

#include "ingest/value_text.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace claribi::ingest {

namespace {

constexpr unsigned char kBom[3] = {0xEF, 0xBB, 0xBF};
constexpr uint64_t kNoOffset = UINT64_MAX;
constexpr size_t kMaxHeaderNameInMessages = 200;

struct SpecialTable {
  bool v[256];
  constexpr SpecialTable() : v{} {
    v[static_cast<unsigned char>(',')] = true;
    v[static_cast<unsigned char>('\n')] = true;
    v[static_cast<unsigned char>('\r')] = true;
    v[static_cast<unsigned char>('"')] = true;
  }
};
constexpr SpecialTable kSpecial;

// First i' >= i with d[i'] one of , \n \r ", or n.
inline size_t find_special(const char* d, size_t i, size_t n) {
#if defined(__SSE2__)
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i quote = _mm_set1_epi8('"');
  while (i + 16 <= n) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(d + i));
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, lf)),
                             _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, quote)));
    unsigned mask = unsigned(_mm_movemask_epi8(m));
    if (mask != 0) return i + unsigned(__builtin_ctz(mask));
    i += 16;
  }
#else
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  while (i + 8 <= n) {
    uint64_t w;
    std::memcpy(&w, d + i, 8);
    if (has_zero(w ^ (kOnes * ',')) | has_zero(w ^ (kOnes * '\n')) | has_zero(w ^ (kOnes * '\r')) |
        has_zero(w ^ (kOnes * '"')))
      break;
    i += 8;
  }
#endif
  while (i < n && !kSpecial.v[static_cast<unsigned char>(d[i])]) ++i;
  return i;
}

size_t utf8_sequence_length(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Bytes at the end of p[0..n) that start a UTF-8 sequence the chunk cuts short.
size_t utf8_incomplete_tail(const unsigned char* p, size_t n) {
  for (size_t k = 1; k <= 3 && k <= n; ++k) {
    unsigned char b = p[n - k];
    if ((b & 0xC0) == 0x80) continue;
    return utf8_sequence_length(b) > k ? k : 0;
  }
  return 0;
}

std::string header_name_for_messages(std::string_view s) {
  if (s.size() > kMaxHeaderNameInMessages) {
    size_t cut = kMaxHeaderNameInMessages;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return std::string(s.substr(0, cut)) + "...";
  }
  return std::string(s);
}

}  // namespace

CsvReader::CsvReader(CsvReaderOptions options) : opt_(options) {}

Status CsvReader::feed(std::string_view bytes, CsvSink& sink) {
  if (failed_) return error_;
  if (!bom_done_) {
    size_t i = 0;
    while (i < bytes.size() && bom_len_ < 3 && static_cast<unsigned char>(bytes[i]) == kBom[bom_len_])
      bom_[bom_len_++] = static_cast<unsigned char>(bytes[i++]);
    if (bom_len_ == 3) {
      bom_done_ = true;  // a BOM: dropped
    } else if (i == bytes.size()) {
      return Status::Ok();  // all of it may still be the start of a BOM
    } else {
      bom_done_ = true;  // not a BOM: the held bytes are data
      if (bom_len_ > 0) {
        Status s = process(reinterpret_cast<const char*>(bom_), bom_len_, sink);
        if (!s.ok()) return s;
      }
    }
    bytes.remove_prefix(i);
  }
  return process(bytes.data(), bytes.size(), sink);
}

Status CsvReader::finish(CsvSink& sink) {
  if (failed_) return error_;
  if (!bom_done_) {
    bom_done_ = true;
    if (bom_len_ > 0) {
      Status s = process(reinterpret_cast<const char*>(bom_), bom_len_, sink);
      if (!s.ok()) return s;
    }
  }
  if (u8_carry_len_ > 0) {
    if (utf8_bad_ == kNoOffset) utf8_bad_ = u8_carry_abs_;  // the body ends mid-sequence
    u8_carry_len_ = 0;
  }
  switch (state_) {
    case State::kRecordStart:
    case State::kAfterCR:
      break;
    case State::kQuoted:
      return record_error(abs_, int64_t(fields_.size()), "unterminated quoted field", true);
    case State::kFieldStart:  // "a," at the end: a last, empty field
      fields_.push_back(CsvField{std::string_view(), false});
      if (!emit(abs_, sink)) return error_;
      break;
    case State::kUnquoted:
    case State::kQuoteInQuoted:  // spill() moved the field's text to field_buf_
      end_field(nullptr, state_ == State::kQuoteInQuoted ? content_end_ : seg_start_);
      if (!emit(abs_, sink)) return error_;
      break;
  }
  state_ = State::kRecordStart;
  return Status::Ok();
}

Status CsvReader::process(const char* d, size_t n, CsvSink& sink) {
  if (n == 0) return Status::Ok();
  check_utf8(d, n);
  Status s = scan(d, n, sink);
  if (!s.ok()) return s;
  if (state_ != State::kRecordStart && state_ != State::kAfterCR) {
    const uint64_t end = abs_ + n;
    const bool bad_utf8 = record_has_bad_utf8(end);
    const bool too_long = end - rec_start_ > opt_.max_record_bytes;
    // A sequence cut by this chunk's end may still turn out invalid at a
    // position before the limit; then that error comes first: decide later.
    const bool pending = u8_carry_len_ > 0 && u8_carry_abs_ - rec_start_ <= opt_.max_record_bytes;
    if (bad_utf8 || (too_long && !pending)) return record_error(end, -1, {}, state_ != State::kFieldStart);
    spill(d, n);
  }
  abs_ += n;
  return Status::Ok();
}

void CsvReader::check_utf8(const char* d, size_t n) {
  if (utf8_bad_ != kNoOffset) return;
  const auto* p = reinterpret_cast<const unsigned char*>(d);
  size_t i = 0;
  if (u8_carry_len_ > 0) {  // finish the sequence the last chunk cut
    size_t need = utf8_sequence_length(u8_carry_[0]);
    while (u8_carry_len_ < need && i < n) u8_carry_[u8_carry_len_++] = p[i++];
    std::string_view seq(reinterpret_cast<const char*>(u8_carry_), u8_carry_len_);
    if (utf8_first_invalid(seq, /*allow_truncated_tail=*/true) != std::string_view::npos) {
      utf8_bad_ = u8_carry_abs_;
      u8_carry_len_ = 0;
      return;
    }
    if (u8_carry_len_ < need) return;  // still cut short (a tiny chunk)
    u8_carry_len_ = 0;
  }
  size_t rest = n - i;
  size_t tail = utf8_incomplete_tail(p + i, rest);
  size_t body = rest - tail;
  if (body > 0 && !simdjson::validate_utf8(d + i, body)) {
    size_t off = utf8_first_invalid(std::string_view(d + i, body));
    utf8_bad_ = abs_ + i + (off == std::string_view::npos ? 0 : off);
    return;
  }
  if (tail > 0) {
    std::memcpy(u8_carry_, p + n - tail, tail);
    u8_carry_len_ = uint8_t(tail);
    u8_carry_abs_ = abs_ + n - tail;
    std::string_view seq(reinterpret_cast<const char*>(u8_carry_), tail);
    if (utf8_first_invalid(seq, /*allow_truncated_tail=*/true) != std::string_view::npos) {
      utf8_bad_ = u8_carry_abs_;
      u8_carry_len_ = 0;
    }
  }
}

Status CsvReader::scan(const char* d, size_t n, CsvSink& sink) {
  size_t i = 0;
  State st = state_;
  while (i < n) {
    switch (st) {
      case State::kAfterCR:
        st = State::kRecordStart;
        if (d[i] == '\n') {  // the \n of a \r\n
          ++i;
          continue;
        }
        [[fallthrough]];
      case State::kRecordStart: {
        char c = d[i];
        if (c == '\n' || c == '\r') {  // an empty line: not a record
          ++i;
          continue;
        }
        rec_start_ = abs_ + i;
        [[fallthrough]];
      }
      case State::kFieldStart:
        field_in_buf_ = false;
        if (d[i] == '"') {
          field_quoted_ = true;
          seg_start_ = ++i;
          st = State::kQuoted;
          continue;
        }
        field_quoted_ = false;
        seg_start_ = i;
        st = State::kUnquoted;
        [[fallthrough]];
      case State::kUnquoted: {
        size_t j = find_special(d, i, n);
        if (j == n) {
          i = n;
          break;
        }
        char c = d[j];
        if (c == ',') {
          end_field(d, j);
          i = j + 1;
          st = State::kFieldStart;
          continue;
        }
        if (c == '"') {
          state_ = st;
          return record_error(abs_ + j, int64_t(fields_.size()),
                              "a quote inside an unquoted field (quote the whole field and double the quote)", true);
        }
        end_field(d, j);
        if (!emit(abs_ + j, sink)) return error_;
        i = j + 1;
        st = c == '\r' ? State::kAfterCR : State::kRecordStart;
        continue;
      }
      case State::kQuoted: {
        const void* q = std::memchr(d + i, '"', n - i);
        if (q == nullptr) {
          i = n;
          break;
        }
        size_t j = size_t(static_cast<const char*>(q) - d);
        content_end_ = j;
        i = j + 1;
        st = State::kQuoteInQuoted;
        if (i == n) break;
        [[fallthrough]];
      }
      case State::kQuoteInQuoted: {
        char c = d[i];
        if (c == '"') {  // "" inside quotes: one literal quote
          field_buf_.append(d + seg_start_, content_end_ - seg_start_);
          field_buf_.push_back('"');
          field_in_buf_ = true;
          seg_start_ = ++i;
          st = State::kQuoted;
          continue;
        }
        if (c == ',') {
          end_field(d, content_end_);
          ++i;
          st = State::kFieldStart;
          continue;
        }
        if (c == '\n' || c == '\r') {
          end_field(d, content_end_);
          if (!emit(abs_ + i, sink)) return error_;
          ++i;
          st = c == '\r' ? State::kAfterCR : State::kRecordStart;
          continue;
        }
        state_ = st;
        return record_error(abs_ + i, int64_t(fields_.size()), "unexpected character after a closing quote", true);
      }
    }
  }
  state_ = st;
  return Status::Ok();
}

void CsvReader::end_field(const char* d, size_t end) {
  if (!field_in_buf_) {
    fields_.push_back(CsvField{std::string_view(d + seg_start_, end - seg_start_), field_quoted_});
    return;
  }
  size_t off = buf_.size();
  buf_.append(field_buf_);
  if (end > seg_start_) buf_.append(d + seg_start_, end - seg_start_);
  field_buf_.clear();
  field_in_buf_ = false;
  patches_.push_back(Patch{fields_.size(), off, buf_.size() - off});
  fields_.push_back(CsvField{std::string_view(), field_quoted_});
}

bool CsvReader::emit(uint64_t end_abs, CsvSink& sink) {
  if (end_abs - rec_start_ > opt_.max_record_bytes || record_has_bad_utf8(end_abs)) {
    (void)record_error(end_abs, -1, {}, false);
    return false;
  }
  for (const Patch& p : patches_) fields_[p.index].text = std::string_view(buf_.data() + p.offset, p.length);
  const uint64_t rec = records_;
  if (rec == 0) {
    header_.clear();
    for (const CsvField& f : fields_) header_.push_back(header_name_for_messages(f.text));
  }
  bool go_on = sink.on_record(rec, std::span<const CsvField>(fields_.data(), fields_.size()));
  ++records_;
  fields_.clear();
  patches_.clear();
  buf_.clear();
  first_chunk_field_ = 0;
  if (!go_on) {
    stopped_ = true;
    (void)fail(rec, -1, "rejected");
    return false;
  }
  return true;
}

void CsvReader::spill(const char* d, size_t n) {
  // Fields that are views into this chunk move to buf_ (patched ones have
  // an empty, null view and already live there; fields before
  // first_chunk_field_ were moved by an earlier spill).
  for (size_t k = first_chunk_field_; k < fields_.size(); ++k) {
    std::string_view t = fields_[k].text;
    if (t.data() == nullptr) continue;
    patches_.push_back(Patch{k, buf_.size(), t.size()});
    buf_.append(t);
    fields_[k].text = std::string_view();
  }
  first_chunk_field_ = fields_.size();
  switch (state_) {
    case State::kUnquoted:
    case State::kQuoted:
      field_buf_.append(d + seg_start_, n - seg_start_);
      field_in_buf_ = true;
      seg_start_ = 0;
      break;
    case State::kQuoteInQuoted:
      field_buf_.append(d + seg_start_, content_end_ - seg_start_);
      field_in_buf_ = true;
      seg_start_ = 0;
      content_end_ = 0;
      break;
    default:
      break;
  }
}

std::string CsvReader::where(uint64_t record, int64_t column) const {
  std::string s = record == 0 ? std::string("header row") : "row " + std::to_string(record);
  if (column >= 0) {
    s += ", column ";
    if (record > 0 && size_t(column) < header_.size() && !header_[size_t(column)].empty()) {
      s += '"';
      s += header_[size_t(column)];
      s += '"';
    } else {
      s += std::to_string(column + 1);
    }
  }
  return s;
}

Status CsvReader::fail(uint64_t record, int64_t column, std::string_view what) {
  failed_ = true;
  err_record_ = record;
  err_column_ = column;
  error_ = Status::InvalidArgument(where(record, column) + ": " + std::string(what));
  return error_;
}

int64_t CsvReader::bad_utf8_column(bool in_field) const {
  for (size_t k = 0; k < fields_.size(); ++k) {
    std::string_view t = fields_[k].text;
    if (t.data() == nullptr) {
      for (const Patch& p : patches_)
        if (p.index == k) t = std::string_view(buf_.data() + p.offset, p.length);
    }
    if (utf8_first_invalid(t) != std::string_view::npos) return int64_t(k);
  }
  // Not in a finished field: in the one in progress, if any.
  return in_field ? int64_t(fields_.size()) : -1;
}

// The first error, by body offset, of the record in progress up to offset
// pos: invalid UTF-8 before pos, the record passing the length limit before
// pos, or `what` at pos. Choosing by position (not by when each is noticed)
// makes the message independent of how the body was split.
Status CsvReader::record_error(uint64_t pos, int64_t column, std::string_view what, bool in_field) {
  const uint64_t limit = rec_start_ + opt_.max_record_bytes;  // the first byte too many
  const bool bad_utf8 = record_has_bad_utf8(pos);
  const bool too_long = pos > limit;
  if (bad_utf8 && (!too_long || utf8_bad_ <= limit))
    return fail(records_, bad_utf8_column(in_field), "invalid UTF-8");
  if (too_long || what.empty())
    return fail(records_, -1, "record longer than " + std::to_string(opt_.max_record_bytes) + " bytes");
  return fail(records_, column, what);
}

}  // namespace claribi::ingest
