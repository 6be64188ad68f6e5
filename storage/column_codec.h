// The binary encoding of one column of one chunk (ColumnValues), chosen for
// scan speed and size. The encoded bytes are also the resident form: a scan
// opens a ColumnChunk (a view that validates the bytes once) and decodes
// ranges of rows on the fly, without allocating. Zone maps (per-chunk
// min/max/null count) are computed while encoding and have their own small
// serialization for the per-segment metadata record.
//
// Format, version 1. Little-endian, fixed-width fields; nothing may follow
// the last field.
//   u8  version (1)
//   u8  ColumnType
//   u8  ColumnEncoding (must suit the type, see below)
//   u32 rows (<= kChunkRows)
//   u32 null_count (<= rows)
//   null bitmap, only when null_count > 0: (rows + 63) / 64 u64 words, bit i
//       of word i/64 set = row i is null; no bit at or past rows; exactly
//       null_count bits set
//   then, by encoding:
//   kBitPacked  (integer, timestamp, boolean): P
//   kDecimal    (float): u8 exponent e (0..18), then P of integers k;
//               value = double(k) / 10^e, bit-identical to what was encoded.
//               Chosen when every non-null value is such a decimal (the
//               smallest e that fits all; never -0.0, NaN, Inf) and k packs
//               into at most 48 bits; otherwise kRawFloat.
//   kRawFloat   (float): rows f64
//   kDictionary (string): u32 dict_size (<= non-null rows; 0 only when
//               every row is null), dict_size u32 end offsets (entry i is
//               bytes [end[i-1], end[i]), end[-1] = 0), the entry bytes;
//               entries strictly ascending bytewise (distinct). Then B of
//               the codes, width exactly ceil(log2(dict_size)) (0 for <= 1
//               entries), every code < dict_size (0 when dict_size is 0).
// P (frame of reference + GCD + bit-packing):
//   i64 min, u64 gcd (>= 1), then B; value = min + gcd * packed, computed
//   modulo 2^64 (so any bytes decode without overflow). A boolean has
//   min 0 or 1 and width 0, or min 0, gcd 1, width 1.
// B (bit-packed unsigned integers):
//   u8 width (0..64), ceil(rows * width / 8) bytes (value i in bits
//   [i*width, (i+1)*width) of the little-endian bit stream), then 8 zero
//   bytes of padding, so that an 8-byte load starting in the packed bytes
//   never leaves the buffer.
// Null rows encode as packed 0 (decode as min; string code 0; raw 0.0).
//
// Evolution: bump the version byte; open() rejects versions it does not know.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/column_types.h"

namespace claribi::storage {

inline constexpr unsigned char kColumnFormatVersion = 1;

// Stored on disk as these numbers: never renumber.
enum class ColumnEncoding : uint8_t { kBitPacked = 1, kDecimal = 2, kRawFloat = 3, kDictionary = 4 };

// Appends the encoding of `in` to *out (keeping what *out already holds);
// fills *zone with the chunk's zone map when non-null. `in` must satisfy the
// ColumnValues invariants and hold at most kChunkRows rows.
void encode_column(const ColumnValues& in, std::string* out, ZoneMap* zone);
ZoneMap compute_zone_map(const ColumnValues& in);

// A validated, read-only view over one encoded chunk; it does not own the
// bytes, which must outlive it. open() checks every size and parameter once
// (Status::Corruption on any malformed input), after which no call reads out
// of bounds, whatever the bytes were. Range calls take rows
// [begin, begin + n) with begin + n <= rows().
class ColumnChunk {
 public:
  static Status open(std::string_view bytes, ColumnChunk* out);

  ColumnType type() const { return type_; }
  ColumnEncoding encoding() const { return encoding_; }
  uint32_t rows() const { return rows_; }
  uint32_t null_count() const { return null_count_; }
  // Bits per packed value (integers, decimal k, string codes); 64 for raw floats.
  unsigned bit_width() const { return width_; }
  size_t encoded_bytes() const { return size_; }

  bool is_null(uint32_t row) const {
    return null_count_ != 0 && ((nulls_[row >> 3] >> (row & 7)) & 1) != 0;
  }
  // Bit j of out[j / 64] = row begin + j is null; writes (n + 63) / 64 words,
  // bits at or past n zero. Fastest when begin % 64 == 0.
  void null_bits(uint32_t begin, uint32_t n, uint64_t* out) const;

  // kInteger, kTimestamp, kBoolean. Null rows decode as the chunk's minimum.
  void decode_ints(uint32_t begin, uint32_t n, int64_t* out) const;
  // kFloat; also kInteger/kTimestamp/kBoolean, converted with double(v) (a
  // column widened from integer to float after this chunk was written).
  void decode_floats(uint32_t begin, uint32_t n, double* out) const;
  // A float chunk of exact decimals (kDecimal), or an integer chunk read as
  // floats: the integers k with value = k / 10^units_exponent(), exactly.
  // Summing k (in 128 bits) and dividing once is both exact and faster than
  // summing the doubles. Not for kRawFloat or strings (has_units() false).
  bool has_units() const { return encoding_ == ColumnEncoding::kDecimal || encoding_ == ColumnEncoding::kBitPacked; }
  unsigned units_exponent() const { return encoding_ == ColumnEncoding::kDecimal ? exponent_ : 0; }
  void decode_units(uint32_t begin, uint32_t n, int64_t* out) const;
  // The frame of those integers (has_units() chunks): value (or k) =
  // frame_min() + frame_gcd() * offset in 64-bit two's complement, each
  // offset < 2^bit_width(). decode_offsets writes the offsets alone, so a
  // sum over n rows is n * frame_min() + frame_gcd() * (the offsets' sum),
  // and the offsets of a whole chunk sum in 64 bits when bit_width() <= 47.
  uint64_t frame_min() const { return packed_.min; }
  uint64_t frame_gcd() const { return packed_.gcd; }
  void decode_offsets(uint32_t begin, uint32_t n, uint64_t* out) const;
  // The double that decode_floats gives for units k (has_units() chunks);
  // non-decreasing in k, so a float comparison can be made on the units.
  double units_to_double(int64_t k) const;
  // kString: dictionary codes (< dict_size(), or 0 when dict_size() is 0,
  // which happens only when every row is null). Codes order like the
  // strings: code a < code b exactly when entry a < entry b bytewise.
  void decode_codes(uint32_t begin, uint32_t n, uint32_t* out) const;
  uint32_t dict_size() const { return dict_size_; }
  // Entry `code` (< dict_size(); an out-of-range code yields "").
  std::string_view dict_entry(uint32_t code) const;

  // The whole chunk back to values (null rows hold 0 / 0.0 / ""), equal to
  // what was encoded (floats bit-identical).
  void decode_all(ColumnValues* out) const;

  // The packed integers of a kBitPacked/kDecimal chunk, or the codes of a
  // kDictionary chunk (width is then the code width, min 0, gcd 1).
  struct Packed {
    const unsigned char* data = nullptr;  // rows * width bits, then >= 8 bytes
    uint64_t min = 0;
    uint64_t gcd = 1;
    unsigned width = 0;
  };

 private:
  ColumnType type_ = ColumnType::kInteger;
  ColumnEncoding encoding_ = ColumnEncoding::kBitPacked;
  uint32_t rows_ = 0;
  uint32_t null_count_ = 0;
  unsigned width_ = 0;
  size_t size_ = 0;
  const unsigned char* nulls_ = nullptr;  // (rows + 63) / 64 words when null_count_ > 0
  Packed packed_;
  unsigned exponent_ = 0;                  // kDecimal
  bool small_ = false;                     // every packed value decodes into [-2^51, 2^51)
  const unsigned char* raw_ = nullptr;     // kRawFloat: rows doubles
  uint32_t dict_size_ = 0;                 // kDictionary
  const unsigned char* dict_ends_ = nullptr;
  const char* dict_bytes_ = nullptr;
};

// Zone map serialization (one entry of a per-segment metadata record, which
// carries the version): u8 type, varint rows, varint null_count, then, only
// when has_values(), min and max: zigzag varints (integer, timestamp,
// boolean), f64 (float) or varint length + bytes (string).
void encode_zone_map(const ZoneMap& z, std::string* out);
// Reads one zone map from the front of *in and advances *in past it.
// Corruption on malformed input (truncated, unknown type, null_count > rows,
// rows > kChunkRows, min > max); *in and *out are then unchanged.
Status decode_zone_map(std::string_view* in, ZoneMap* out);

}  // namespace claribi::storage
