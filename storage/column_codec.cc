// The column chunk codec (format in column_codec.h): encode_column picks one
// encoding per chunk from the data (frame of reference + GCD + bit-packing
// for integers, the decimal form of ALP for floats that are short decimals,
// a sorted dictionary for strings); ColumnChunk validates encoded bytes once
// and then decodes ranges of rows with unrolled, allocation-free unpackers.
#include "storage/column_codec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace claribi::storage {

static_assert(std::endian::native == std::endian::little, "the column format is read with native loads");

namespace {

constexpr size_t kPadding = 8;       // zero bytes after every packed area
constexpr uint32_t kScratch = 1024;  // values per stack buffer in conversions
constexpr unsigned kMaxExponent = 18;
// The decimal form only when k packs into at most this many bits (saving at
// least a quarter over raw doubles); otherwise a division per value would
// buy too little.
constexpr unsigned kMaxDecimalWidth = 48;

// Exact in a double for every exponent used.
constexpr double kPow10[kMaxExponent + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                                             1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};

// The one expression decimal values decode with; the encoder checks every
// value with it, so decoding is bit-identical.
inline double decimal_value(int64_t k, unsigned e) { return static_cast<double>(k) / kPow10[e]; }

inline uint64_t load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline uint32_t load32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store64(unsigned char* p, uint64_t v) { std::memcpy(p, &v, sizeof v); }

constexpr uint64_t low_mask(unsigned w) { return w >= 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1; }
inline size_t packed_bytes(uint32_t rows, unsigned w) { return (size_t{rows} * w + 7) / 8; }
inline size_t null_words(uint32_t rows) { return (size_t{rows} + 63) / 64; }
inline bool bit_set(const uint64_t* bits, uint32_t i) { return bits && ((bits[i >> 6] >> (i & 63)) & 1) != 0; }
// Code width of a dictionary of d entries: ceil(log2(d)), 0 for d <= 1.
inline unsigned code_width(uint32_t d) { return d <= 1 ? 0 : static_cast<unsigned>(std::bit_width(d - 1)); }

// ---------------------------------------------------------------------------
// Writing.

void put_u8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }
void put_u32(std::string* out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out->append(b, 4);
}
void put_u64(std::string* out, uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out->append(b, 8);
}
void put_varint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// The null bitmap of `in` when some row is null (nullptr otherwise), and the count.
const uint64_t* nulls_of(const ColumnValues& in, uint32_t* count) {
  *count = 0;
  if (in.null_bits.empty()) return nullptr;
  assert(in.null_bits.size() >= null_words(in.rows));
  for (size_t w = 0; w < null_words(in.rows); ++w) *count += static_cast<uint32_t>(std::popcount(in.null_bits[w]));
  return *count ? in.null_bits.data() : nullptr;
}

// B: width byte, rows values of `width` bits, padding. value(i) < 2^width.
template <typename Value>
void put_packed(std::string* out, uint32_t rows, unsigned width, Value value) {
  put_u8(out, static_cast<uint8_t>(width));
  const size_t at = out->size();
  out->resize(at + packed_bytes(rows, width) + kPadding, '\0');
  if (width == 0) return;
  auto* p = reinterpret_cast<unsigned char*>(out->data() + at);
  for (uint32_t i = 0; i < rows; ++i) {
    const uint64_t x = value(i);
    const size_t bit = size_t{i} * width;
    unsigned char* q = p + (bit >> 3);
    const unsigned s = bit & 7;
    store64(q, load64(q) | (x << s));
    if (s != 0 && s + width > 64) q[8] = static_cast<unsigned char>(q[8] | (x >> (64 - s)));
  }
}

// Frame of reference, GCD and width of the non-null values.
struct IntPlan {
  uint64_t min = 0;
  uint64_t gcd = 1;
  unsigned width = 0;
};

IntPlan plan_ints(const int64_t* v, uint32_t rows, const uint64_t* nulls) {
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
  bool any = false;
  for (uint32_t i = 0; i < rows; ++i) {
    if (bit_set(nulls, i)) continue;
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
    any = true;
  }
  IntPlan p;
  if (!any) return p;
  p.min = static_cast<uint64_t>(lo);
  const uint64_t range = static_cast<uint64_t>(hi) - p.min;  // may exceed INT64_MAX
  uint64_t g = 0;
  for (uint32_t i = 0; i < rows && g != 1; ++i) {
    if (bit_set(nulls, i)) continue;
    const uint64_t d = static_cast<uint64_t>(v[i]) - p.min;
    if (g == 0 || d % g != 0) g = std::gcd(g, d);
  }
  p.gcd = g == 0 ? 1 : g;
  p.width = static_cast<unsigned>(std::bit_width(range / p.gcd));
  return p;
}

// P: min, gcd, then B of (v - min) / gcd (0 for null rows).
void put_ints(std::string* out, const int64_t* v, uint32_t rows, const uint64_t* nulls, const IntPlan& p) {
  put_u64(out, p.min);
  put_u64(out, p.gcd);
  put_packed(out, rows, p.width, [&](uint32_t i) -> uint64_t {
    if (bit_set(nulls, i)) return 0;
    const uint64_t d = static_cast<uint64_t>(v[i]) - p.min;
    return p.gcd == 1 ? d : d / p.gcd;
  });
}

void put_header(std::string* out, ColumnType type, ColumnEncoding enc, uint32_t rows, uint32_t null_count,
                const uint64_t* nulls) {
  put_u8(out, kColumnFormatVersion);
  put_u8(out, static_cast<uint8_t>(type));
  put_u8(out, static_cast<uint8_t>(enc));
  put_u32(out, rows);
  put_u32(out, null_count);
  if (null_count == 0) return;
  const size_t words = null_words(rows);
  for (size_t w = 0; w < words; ++w) {
    uint64_t bits = nulls[w];
    if (w + 1 == words && (rows & 63) != 0) bits &= low_mask(rows & 63);
    put_u64(out, bits);
  }
}

// Is v == decimal_value(k, e) bitwise for some integer k? (-0.0, NaN, Inf
// and magnitudes beyond int64 never are.)
inline bool decimal_fits(double v, unsigned e, int64_t* k) {
  const double x = v * kPow10[e];
  if (!(std::fabs(x) < 9.0e18)) return false;
  *k = static_cast<int64_t>(x < 0 ? x - 0.5 : x + 0.5);  // a candidate; the check below decides
  return std::bit_cast<uint64_t>(decimal_value(*k, e)) == std::bit_cast<uint64_t>(v);
}

// The smallest exponent e for which every non-null value is a decimal k/10^e,
// with the ks (0 for null rows); false when there is none. When a value does
// not fit the current e, e rises to the smallest exponent above it that the
// value accepts (still a lower bound of the answer: smaller ones fail for
// it). The values checked before a rise are checked again; values after the
// last rise of a full pass were already checked at the final e.
bool find_decimal(const double* v, uint32_t rows, const uint64_t* nulls, unsigned* e_out, std::vector<int64_t>* ks) {
  ks->assign(rows, 0);
  unsigned e = 0;
  uint32_t end = rows;
  for (;;) {
    bool changed = false;
    uint32_t last_change = 0;
    for (uint32_t i = 0; i < end; ++i) {
      if (bit_set(nulls, i)) continue;
      int64_t k;
      if (decimal_fits(v[i], e, &k)) {
        (*ks)[i] = k;
        continue;
      }
      unsigned next = e + 1;
      while (next <= kMaxExponent && !decimal_fits(v[i], next, &k)) ++next;
      if (next > kMaxExponent) return false;
      e = next;
      (*ks)[i] = k;
      changed = true;
      last_change = i;
    }
    if (!changed) break;  // [0, end) holds at e, and [end, rows) did since the last full pass
    end = end == rows ? last_change : rows;
  }
  *e_out = e;
  return true;
}

void encode_floats(const ColumnValues& in, const uint64_t* nulls, uint32_t null_count, std::string* out) {
  const double* v = in.floats.data();
  std::vector<int64_t> ks;
  unsigned e = 0;
  if (find_decimal(v, in.rows, nulls, &e, &ks)) {
    const IntPlan p = plan_ints(ks.data(), in.rows, nulls);
    if (p.width <= kMaxDecimalWidth) {
      put_header(out, ColumnType::kFloat, ColumnEncoding::kDecimal, in.rows, null_count, nulls);
      put_u8(out, static_cast<uint8_t>(e));
      put_ints(out, ks.data(), in.rows, nulls, p);
      return;
    }
  }
  put_header(out, ColumnType::kFloat, ColumnEncoding::kRawFloat, in.rows, null_count, nulls);
  for (uint32_t i = 0; i < in.rows; ++i) put_u64(out, bit_set(nulls, i) ? 0 : std::bit_cast<uint64_t>(v[i]));
}

void encode_strings(const ColumnValues& in, const uint64_t* nulls, uint32_t null_count, std::string* out) {
  const uint32_t rows = in.rows;
  // Provisional ids in order of first appearance, then ranks by sorted bytes.
  std::unordered_map<std::string_view, uint32_t> ids;
  std::vector<std::string_view> distinct;
  std::vector<uint32_t> codes(rows, 0);
  for (uint32_t i = 0; i < rows; ++i) {
    if (bit_set(nulls, i)) continue;
    auto [it, inserted] = ids.try_emplace(in.string_at(i), static_cast<uint32_t>(distinct.size()));
    if (inserted) distinct.push_back(it->first);
    codes[i] = it->second;
  }
  const auto d = static_cast<uint32_t>(distinct.size());
  std::vector<uint32_t> order(d);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return distinct[a] < distinct[b]; });
  std::vector<uint32_t> rank(d);
  for (uint32_t r = 0; r < d; ++r) rank[order[r]] = r;

  put_header(out, ColumnType::kString, ColumnEncoding::kDictionary, rows, null_count, nulls);
  put_u32(out, d);
  uint32_t end = 0;
  for (uint32_t r = 0; r < d; ++r) {
    end += static_cast<uint32_t>(distinct[order[r]].size());
    put_u32(out, end);
  }
  for (uint32_t r = 0; r < d; ++r) out->append(distinct[order[r]]);
  put_packed(out, rows, code_width(d),
             [&](uint32_t i) -> uint64_t { return bit_set(nulls, i) ? 0 : rank[codes[i]]; });
}

// ---------------------------------------------------------------------------
// Reading: unpackers. Values are LSB-first in the bit stream; a block is 64
// values of width W, i.e. exactly W words, starting on a word boundary.

template <typename T, unsigned W, unsigned J>
inline void unpack_fixed(const unsigned char* in, T* out) {
  constexpr unsigned bit = J * W, word = bit / 64, s = bit % 64;
  uint64_t v = load64(in + 8 * word) >> s;
  if constexpr (s != 0 && s + W > 64) v |= load64(in + 8 * (word + 1)) << (64 - s);
  out[J] = static_cast<T>(v & low_mask(W));
}

template <typename T, unsigned W>
void unpack_blocks(const unsigned char* in, T* out, size_t blocks) {
  for (size_t b = 0; b < blocks; ++b, in += 8 * W, out += 64) {
    if constexpr (W == 0) {
      std::fill_n(out, 64, T{0});
    } else if constexpr (W == 8 || W == 16 || W == 32 || W == 64) {
      using U = std::conditional_t<W == 8, uint8_t,
                                   std::conditional_t<W == 16, uint16_t, std::conditional_t<W == 32, uint32_t, uint64_t>>>;
      for (unsigned j = 0; j < 64; ++j) {
        U x;
        std::memcpy(&x, in + j * sizeof(U), sizeof(U));
        out[j] = static_cast<T>(x);
      }
    } else {
      [&]<unsigned... J>(std::integer_sequence<unsigned, J...>) {
        (unpack_fixed<T, W, J>(in, out), ...);
      }(std::make_integer_sequence<unsigned, 64>{});
    }
  }
}

template <typename T>
using BlocksFn = void (*)(const unsigned char*, T*, size_t);

template <typename T, unsigned... W>
constexpr std::array<BlocksFn<T>, sizeof...(W)> make_blocks_table(std::integer_sequence<unsigned, W...>) {
  return {&unpack_blocks<T, W>...};
}

// Widths 0..64 into uint64_t, 0..32 into uint32_t (codes are <= 16 bits).
template <typename T>
constexpr auto kBlocksTable = make_blocks_table<T>(std::make_integer_sequence<unsigned, sizeof(T) * 8 + 1>{});

// Value i of any width. Reads at most 9 bytes from byte (i*w)/8: inside the
// packed area plus its padding for every i < rows.
inline uint64_t unpack_at(const unsigned char* data, unsigned w, uint64_t mask, size_t i) {
  const size_t bit = i * w;
  const unsigned char* q = data + (bit >> 3);
  const unsigned s = bit & 7;
  uint64_t v = load64(q) >> s;
  if (w > 56 && s != 0) v |= uint64_t{q[8]} << (64 - s);
  return v & mask;
}

// Packed values [begin, begin + n) into out: the unaligned head and tail one
// by one, the 64-aligned middle in unrolled blocks.
template <typename T>
void unpack_range(const ColumnChunk::Packed& pk, uint32_t begin, uint32_t n, T* out) {
  const unsigned w = pk.width;
  assert(w <= sizeof(T) * 8);
  if (w == 0) {
    std::fill_n(out, n, T{0});
    return;
  }
  const uint64_t mask = low_mask(w);
  const uint32_t end = begin + n;
  uint32_t i = begin;
  const uint32_t head_end = std::min(end, (begin + 63) & ~uint32_t{63});
  for (; i < head_end; ++i) *out++ = static_cast<T>(unpack_at(pk.data, w, mask, i));
  const size_t blocks = (end - i) / 64;
  if (blocks != 0) {
    kBlocksTable<T>[w](pk.data + size_t{i} / 64 * 8 * w, out, blocks);
    out += 64 * blocks;
    i += static_cast<uint32_t>(64 * blocks);
  }
  for (; i < end; ++i) *out++ = static_cast<T>(unpack_at(pk.data, w, mask, i));
}

// ---------------------------------------------------------------------------
// Reading: validation.

Status corrupt(const char* what) { return Status::Corruption(std::string("column chunk: ") + what); }

// Checked sequential reads over the input.
class Cursor {
 public:
  explicit Cursor(std::string_view in)
      : p_(reinterpret_cast<const unsigned char*>(in.data())), left_(in.size()) {}
  bool take(size_t n, const unsigned char** at) {
    if (n > left_) return false;
    *at = p_;
    p_ += n;
    left_ -= n;
    return true;
  }
  bool u8(uint8_t* v) {
    const unsigned char* at;
    if (!take(1, &at)) return false;
    *v = *at;
    return true;
  }
  bool u32(uint32_t* v) {
    const unsigned char* at;
    if (!take(4, &at)) return false;
    *v = load32(at);
    return true;
  }
  bool u64(uint64_t* v) {
    const unsigned char* at;
    if (!take(8, &at)) return false;
    *v = load64(at);
    return true;
  }
  bool varint(uint64_t* v) {
    *v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!u8(&b)) return false;
      if (shift == 63 && b > 1) return false;  // would overflow 64 bits
      *v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  size_t left() const { return left_; }
  const unsigned char* pos() const { return p_; }

 private:
  const unsigned char* p_;
  size_t left_;
};

// B: width, packed bytes, zero padding; no stray bits past the last value.
Status read_packed(Cursor* r, uint32_t rows, unsigned max_width, ColumnChunk::Packed* pk) {
  uint8_t w;
  if (!r->u8(&w)) return corrupt("truncated bit width");
  if (w > max_width) return corrupt("bit width out of range");
  const size_t nb = packed_bytes(rows, w);
  const unsigned char* at;
  if (!r->take(nb + kPadding, &at)) return corrupt("truncated packed values");
  if (load64(at + nb) != 0) return corrupt("nonzero padding");
  const unsigned used = static_cast<unsigned>((size_t{rows} * w) & 7);
  if (used != 0 && (at[nb - 1] >> used) != 0) return corrupt("stray bits after the packed values");
  pk->data = at;
  pk->width = w;
  return Status::Ok();
}

// P: min, gcd, B.
Status read_ints(Cursor* r, uint32_t rows, ColumnChunk::Packed* pk) {
  if (!r->u64(&pk->min) || !r->u64(&pk->gcd)) return corrupt("truncated frame of reference");
  if (pk->gcd == 0) return corrupt("zero gcd");
  return read_packed(r, rows, 64, pk);
}

bool encoding_suits(ColumnType t, ColumnEncoding e) {
  switch (t) {
    case ColumnType::kInteger:
    case ColumnType::kTimestamp:
    case ColumnType::kBoolean:
      return e == ColumnEncoding::kBitPacked;
    case ColumnType::kFloat:
      return e == ColumnEncoding::kDecimal || e == ColumnEncoding::kRawFloat;
    case ColumnType::kString:
      return e == ColumnEncoding::kDictionary;
  }
  return false;
}

inline bool valid_type(uint8_t t) { return t >= 1 && t <= 5; }

// Does every value min + gcd * u, u < 2^width, lie in [-2^51, 2^51) (no
// wrap-around)? Then small_to_double converts them exactly.
bool frame_is_small(const ColumnChunk::Packed& p) {
  constexpr int64_t kLimit = int64_t{1} << 51;
  if (p.width >= 52) return false;
  const uint64_t top = low_mask(p.width);  // largest packed value
  if (top != 0 && p.gcd > (uint64_t{1} << 52) / top) return false;
  const auto span = static_cast<int64_t>(p.gcd * top);  // < 2^52
  const auto min = static_cast<int64_t>(p.min);
  return min >= -kLimit && min < kLimit - span;
}

// double(k) for k in [-2^51, 2^51), exactly, in a form the compiler
// vectorises (integer add, float subtract): 1.5 * 2^52 + k has k in its
// mantissa.
constexpr double kMagic = 0x1.8p52;
inline double small_to_double(uint64_t k) {
  return std::bit_cast<double>(k + std::bit_cast<uint64_t>(kMagic)) - kMagic;
}

// Applies value = min + gcd * packed in place (modulo 2^64).
inline void apply_frame(uint64_t* u, uint32_t n, uint64_t min, uint64_t gcd) {
  if (gcd == 1) {
    if (min == 0) return;
    for (uint32_t i = 0; i < n; ++i) u[i] += min;
  } else {
    for (uint32_t i = 0; i < n; ++i) u[i] = min + gcd * u[i];
  }
}

}  // namespace

// ---------------------------------------------------------------------------

ZoneMap compute_zone_map(const ColumnValues& in) {
  ZoneMap z;
  z.type = in.type;
  z.rows = in.rows;
  const uint64_t* nulls = nulls_of(in, &z.null_count);
  bool first = true;
  for (uint32_t i = 0; i < in.rows; ++i) {
    if (bit_set(nulls, i)) continue;
    switch (in.type) {
      case ColumnType::kInteger:
      case ColumnType::kTimestamp:
      case ColumnType::kBoolean: {
        const int64_t v = in.ints[i];
        z.min_int = first ? v : std::min(z.min_int, v);
        z.max_int = first ? v : std::max(z.max_int, v);
        break;
      }
      case ColumnType::kFloat: {
        const double v = in.floats[i];
        z.min_float = first || v < z.min_float ? v : z.min_float;
        z.max_float = first || v > z.max_float ? v : z.max_float;
        break;
      }
      case ColumnType::kString: {
        const std::string_view v = in.string_at(i);
        if (first || v < z.min_string) z.min_string.assign(v);
        if (first || v > z.max_string) z.max_string.assign(v);
        break;
      }
    }
    first = false;
  }
  return z;
}

void encode_column(const ColumnValues& in, std::string* out, ZoneMap* zone) {
  assert(in.rows <= kChunkRows);
  uint32_t null_count = 0;
  const uint64_t* nulls = nulls_of(in, &null_count);
  switch (in.type) {
    case ColumnType::kInteger:
    case ColumnType::kTimestamp:
    case ColumnType::kBoolean: {
      assert(in.ints.size() >= in.rows);
      const IntPlan p = plan_ints(in.ints.data(), in.rows, nulls);
      put_header(out, in.type, ColumnEncoding::kBitPacked, in.rows, null_count, nulls);
      put_ints(out, in.ints.data(), in.rows, nulls, p);
      break;
    }
    case ColumnType::kFloat:
      assert(in.floats.size() >= in.rows);
      encode_floats(in, nulls, null_count, out);
      break;
    case ColumnType::kString:
      assert(in.string_offsets.size() >= size_t{in.rows} + 1);
      encode_strings(in, nulls, null_count, out);
      break;
  }
  if (zone) *zone = compute_zone_map(in);
}

Status ColumnChunk::open(std::string_view bytes, ColumnChunk* out) {
  ColumnChunk c;
  c.size_ = bytes.size();
  Cursor r(bytes);
  uint8_t version, type, enc;
  if (!r.u8(&version) || !r.u8(&type) || !r.u8(&enc) || !r.u32(&c.rows_) || !r.u32(&c.null_count_)) {
    return corrupt("truncated header");
  }
  if (version != kColumnFormatVersion) return corrupt("unknown format version");
  if (!valid_type(type)) return corrupt("unknown column type");
  c.type_ = static_cast<ColumnType>(type);
  c.encoding_ = static_cast<ColumnEncoding>(enc);
  if (!encoding_suits(c.type_, c.encoding_)) return corrupt("unknown encoding for the column type");
  if (c.rows_ > kChunkRows) return corrupt("too many rows");
  if (c.null_count_ > c.rows_) return corrupt("null count exceeds rows");
  const uint32_t rows = c.rows_;

  if (c.null_count_ != 0) {
    const size_t words = null_words(rows);
    if (!r.take(words * 8, &c.nulls_)) return corrupt("truncated null bitmap");
    uint64_t count = 0;
    for (size_t w = 0; w < words; ++w) count += static_cast<uint64_t>(std::popcount(load64(c.nulls_ + 8 * w)));
    if ((rows & 63) != 0 && (load64(c.nulls_ + 8 * (words - 1)) & ~low_mask(rows & 63)) != 0) {
      return corrupt("null bit past the last row");
    }
    if (count != c.null_count_) return corrupt("null bitmap disagrees with the null count");
  }

  switch (c.encoding_) {
    case ColumnEncoding::kBitPacked: {
      if (Status s = read_ints(&r, rows, &c.packed_); !s.ok()) return s;
      if (c.type_ == ColumnType::kBoolean) {
        const ColumnChunk::Packed& p = c.packed_;
        const bool ok = p.width == 0 ? p.min <= 1 : (p.width == 1 && p.min == 0 && p.gcd == 1);
        if (!ok) return corrupt("boolean values out of range");
      }
      c.width_ = c.packed_.width;
      c.small_ = frame_is_small(c.packed_);
      break;
    }
    case ColumnEncoding::kDecimal: {
      uint8_t e;
      if (!r.u8(&e)) return corrupt("truncated exponent");
      if (e > kMaxExponent) return corrupt("decimal exponent out of range");
      c.exponent_ = e;
      if (Status s = read_ints(&r, rows, &c.packed_); !s.ok()) return s;
      c.width_ = c.packed_.width;
      c.small_ = frame_is_small(c.packed_);
      break;
    }
    case ColumnEncoding::kRawFloat:
      if (!r.take(size_t{rows} * 8, &c.raw_)) return corrupt("truncated raw floats");
      c.width_ = 64;
      break;
    case ColumnEncoding::kDictionary: {
      uint32_t d;
      if (!r.u32(&d)) return corrupt("truncated dictionary size");
      const uint32_t non_null = rows - c.null_count_;
      if (d > non_null || (d == 0) != (non_null == 0)) return corrupt("dictionary size disagrees with the rows");
      if (!r.take(size_t{d} * 4, &c.dict_ends_)) return corrupt("truncated dictionary offsets");
      uint32_t prev = 0;
      for (uint32_t i = 0; i < d; ++i) {
        const uint32_t e = load32(c.dict_ends_ + 4 * size_t{i});
        if (e < prev) return corrupt("dictionary offsets decrease");
        prev = e;
      }
      const unsigned char* bytes_at;
      if (!r.take(prev, &bytes_at)) return corrupt("truncated dictionary bytes");
      c.dict_bytes_ = reinterpret_cast<const char*>(bytes_at);
      c.dict_size_ = d;
      for (uint32_t i = 1; i < d; ++i) {
        if (!(c.dict_entry(i - 1) < c.dict_entry(i))) return corrupt("dictionary not sorted or has duplicates");
      }
      if (Status s = read_packed(&r, rows, 32, &c.packed_); !s.ok()) return s;
      if (c.packed_.width != code_width(d)) return corrupt("code width does not match the dictionary");
      c.width_ = c.packed_.width;
      // A width covers codes up to 2^width - 1: check them unless that is exactly d - 1.
      if (d > 1 && !std::has_single_bit(d)) {
        uint32_t codes[kScratch];
        for (uint32_t b = 0; b < rows; b += kScratch) {
          const uint32_t n = std::min(kScratch, rows - b);
          unpack_range(c.packed_, b, n, codes);
          uint32_t max = 0;
          for (uint32_t i = 0; i < n; ++i) max = std::max(max, codes[i]);
          if (max >= d) return corrupt("dictionary code out of range");
        }
      }
      break;
    }
    default:
      return corrupt("unknown encoding");
  }
  if (r.left() != 0) return corrupt("trailing bytes");
  *out = c;
  return Status::Ok();
}

void ColumnChunk::null_bits(uint32_t begin, uint32_t n, uint64_t* out) const {
  assert(size_t{begin} + n <= rows_);
  const size_t words = (size_t{n} + 63) / 64;
  if (words == 0) return;
  if (null_count_ == 0) {
    std::fill_n(out, words, uint64_t{0});
    return;
  }
  const size_t k = begin >> 6;
  const unsigned s = begin & 63;
  if (s == 0) {
    std::memcpy(out, nulls_ + 8 * k, words * 8);
  } else {
    const size_t total = null_words(rows_);
    for (size_t j = 0; j < words; ++j) {
      uint64_t v = load64(nulls_ + 8 * (k + j)) >> s;
      if (k + j + 1 < total) v |= load64(nulls_ + 8 * (k + j + 1)) << (64 - s);
      out[j] = v;
    }
  }
  if ((n & 63) != 0) out[words - 1] &= low_mask(n & 63);
}

void ColumnChunk::decode_ints(uint32_t begin, uint32_t n, int64_t* out) const {
  assert(size_t{begin} + n <= rows_);
  if (encoding_ != ColumnEncoding::kBitPacked) {
    assert(false && "decode_ints on a non-integer chunk");
    std::fill_n(out, n, int64_t{0});
    return;
  }
  // int64_t may be accessed as its unsigned counterpart.
  auto* u = reinterpret_cast<uint64_t*>(out);
  unpack_range(packed_, begin, n, u);
  apply_frame(u, n, packed_.min, packed_.gcd);
}

void ColumnChunk::decode_units(uint32_t begin, uint32_t n, int64_t* out) const {
  assert(size_t{begin} + n <= rows_);
  if (!has_units()) {
    assert(false && "decode_units on a chunk without units");
    std::fill_n(out, n, int64_t{0});
    return;
  }
  auto* u = reinterpret_cast<uint64_t*>(out);
  unpack_range(packed_, begin, n, u);
  apply_frame(u, n, packed_.min, packed_.gcd);
}

void ColumnChunk::decode_offsets(uint32_t begin, uint32_t n, uint64_t* out) const {
  assert(size_t{begin} + n <= rows_);
  if (!has_units()) {
    assert(false && "decode_offsets on a chunk without units");
    std::fill_n(out, n, uint64_t{0});
    return;
  }
  unpack_range(packed_, begin, n, out);
}

double ColumnChunk::units_to_double(int64_t k) const {
  return encoding_ == ColumnEncoding::kDecimal ? decimal_value(k, exponent_) : static_cast<double>(k);
}

void ColumnChunk::decode_floats(uint32_t begin, uint32_t n, double* out) const {
  assert(size_t{begin} + n <= rows_);
  switch (encoding_) {
    case ColumnEncoding::kRawFloat:
      if (n != 0) std::memcpy(out, raw_ + 8 * size_t{begin}, 8 * size_t{n});
      return;
    case ColumnEncoding::kDecimal:
    case ColumnEncoding::kBitPacked: {
      uint64_t buf[kScratch];
      const bool decimal = encoding_ == ColumnEncoding::kDecimal;
      const unsigned e = exponent_;
      for (uint32_t done = 0; done < n;) {
        const uint32_t m = std::min(kScratch, n - done);
        unpack_range(packed_, begin + done, m, buf);
        apply_frame(buf, m, packed_.min, packed_.gcd);
        double* o = out + done;
        // The small forms give the same doubles as the general ones (both
        // conversions are exact there), so decimal values stay bit-identical.
        if (decimal && small_) {
          const double p = kPow10[e];
          for (uint32_t i = 0; i < m; ++i) o[i] = small_to_double(buf[i]) / p;
        } else if (decimal) {
          for (uint32_t i = 0; i < m; ++i) o[i] = decimal_value(static_cast<int64_t>(buf[i]), e);
        } else if (small_) {
          for (uint32_t i = 0; i < m; ++i) o[i] = small_to_double(buf[i]);
        } else {
          for (uint32_t i = 0; i < m; ++i) o[i] = static_cast<double>(static_cast<int64_t>(buf[i]));
        }
        done += m;
      }
      return;
    }
    case ColumnEncoding::kDictionary:
      break;
  }
  assert(false && "decode_floats on a string chunk");
  std::fill_n(out, n, 0.0);
}

void ColumnChunk::decode_codes(uint32_t begin, uint32_t n, uint32_t* out) const {
  assert(size_t{begin} + n <= rows_);
  if (encoding_ != ColumnEncoding::kDictionary) {
    assert(false && "decode_codes on a non-string chunk");
    std::fill_n(out, n, uint32_t{0});
    return;
  }
  unpack_range(packed_, begin, n, out);
}

std::string_view ColumnChunk::dict_entry(uint32_t code) const {
  if (code >= dict_size_) return {};
  const uint32_t start = code == 0 ? 0 : load32(dict_ends_ + 4 * size_t{code - 1});
  const uint32_t end = load32(dict_ends_ + 4 * size_t{code});
  return std::string_view(dict_bytes_ + start, end - start);
}

void ColumnChunk::decode_all(ColumnValues* out) const {
  out->clear(type_);
  out->rows = rows_;
  if (null_count_ != 0) {
    out->null_bits.resize(null_words(rows_));
    std::memcpy(out->null_bits.data(), nulls_, null_words(rows_) * 8);
  }
  // Null slots hold 0 / 0.0 (ColumnValues' convention), not the frame's min.
  auto zero_nulls = [&](auto* values) {
    for (size_t w = 0; w < out->null_bits.size(); ++w) {
      for (uint64_t bits = out->null_bits[w]; bits != 0; bits &= bits - 1) {
        values[w * 64 + static_cast<size_t>(std::countr_zero(bits))] = 0;
      }
    }
  };
  switch (type_) {
    case ColumnType::kInteger:
    case ColumnType::kTimestamp:
    case ColumnType::kBoolean:
      out->ints.resize(rows_);
      if (rows_ != 0) decode_ints(0, rows_, out->ints.data());
      zero_nulls(out->ints.data());
      break;
    case ColumnType::kFloat:
      out->floats.resize(rows_);
      if (rows_ != 0) decode_floats(0, rows_, out->floats.data());
      zero_nulls(out->floats.data());
      break;
    case ColumnType::kString: {
      out->string_offsets.reserve(size_t{rows_} + 1);
      uint32_t codes[kScratch];
      for (uint32_t b = 0; b < rows_; b += kScratch) {
        const uint32_t n = std::min(kScratch, rows_ - b);
        decode_codes(b, n, codes);
        for (uint32_t i = 0; i < n; ++i) {
          if (!is_null(b + i)) out->string_bytes.append(dict_entry(codes[i]));
          out->string_offsets.push_back(static_cast<uint32_t>(out->string_bytes.size()));
        }
      }
      break;
    }
  }
}

// ---------------------------------------------------------------------------
// Zone maps.

void encode_zone_map(const ZoneMap& z, std::string* out) {
  put_u8(out, static_cast<uint8_t>(z.type));
  put_varint(out, z.rows);
  put_varint(out, z.null_count);
  if (!z.has_values()) return;
  switch (z.type) {
    case ColumnType::kInteger:
    case ColumnType::kTimestamp:
    case ColumnType::kBoolean:
      for (int64_t v : {z.min_int, z.max_int}) {
        put_varint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
      }
      break;
    case ColumnType::kFloat:
      put_u64(out, std::bit_cast<uint64_t>(z.min_float));
      put_u64(out, std::bit_cast<uint64_t>(z.max_float));
      break;
    case ColumnType::kString:
      for (const std::string* s : {&z.min_string, &z.max_string}) {
        put_varint(out, s->size());
        out->append(*s);
      }
      break;
  }
}

Status decode_zone_map(std::string_view* in, ZoneMap* out) {
  auto bad = [](const char* what) { return Status::Corruption(std::string("zone map: ") + what); };
  Cursor r(*in);
  ZoneMap z;
  uint8_t type;
  uint64_t rows, nulls;
  if (!r.u8(&type) || !r.varint(&rows) || !r.varint(&nulls)) return bad("truncated");
  if (!valid_type(type)) return bad("unknown column type");
  if (rows > kChunkRows) return bad("too many rows");
  if (nulls > rows) return bad("null count exceeds rows");
  z.type = static_cast<ColumnType>(type);
  z.rows = static_cast<uint32_t>(rows);
  z.null_count = static_cast<uint32_t>(nulls);
  if (z.has_values()) {
    switch (z.type) {
      case ColumnType::kInteger:
      case ColumnType::kTimestamp:
      case ColumnType::kBoolean: {
        uint64_t lo, hi;
        if (!r.varint(&lo) || !r.varint(&hi)) return bad("truncated");
        z.min_int = static_cast<int64_t>((lo >> 1) ^ (~(lo & 1) + 1));
        z.max_int = static_cast<int64_t>((hi >> 1) ^ (~(hi & 1) + 1));
        if (z.min_int > z.max_int) return bad("min exceeds max");
        break;
      }
      case ColumnType::kFloat: {
        uint64_t lo, hi;
        if (!r.u64(&lo) || !r.u64(&hi)) return bad("truncated");
        z.min_float = std::bit_cast<double>(lo);
        z.max_float = std::bit_cast<double>(hi);
        if (z.min_float > z.max_float) return bad("min exceeds max");
        break;
      }
      case ColumnType::kString:
        for (std::string* s : {&z.min_string, &z.max_string}) {
          uint64_t n;
          const unsigned char* at;
          if (!r.varint(&n) || n > r.left() || !r.take(static_cast<size_t>(n), &at)) return bad("truncated");
          s->assign(reinterpret_cast<const char*>(at), static_cast<size_t>(n));
        }
        if (z.min_string > z.max_string) return bad("min exceeds max");
        break;
    }
  }
  in->remove_prefix(in->size() - r.left());
  *out = std::move(z);
  return Status::Ok();
}

}  // namespace claribi::storage
