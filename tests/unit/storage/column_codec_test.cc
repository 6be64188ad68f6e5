// Column chunk codec: every type round-trips (nulls, empty, one row, full
// chunks, extremes, every bit width), floats pick the decimal form only when
// it is exact, range decodes at every alignment equal the whole decode, zone
// maps and their serialization, the size of a typical "orders" chunk, and
// hostile bytes (every truncation, crafted bad fields, random flips) are
// rejected by open() or decode without reading out of bounds (run under ASan).
#include "storage/column_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <iostream>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace claribi::storage {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

bool is_int_type(ColumnType t) {
  return t == ColumnType::kInteger || t == ColumnType::kTimestamp || t == ColumnType::kBoolean;
}

ColumnValues ints_column(ColumnType t, const std::vector<std::optional<int64_t>>& v) {
  ColumnValues c;
  c.clear(t);
  for (const auto& x : v) x ? c.append_int(*x) : c.append_null();
  return c;
}
ColumnValues floats_column(const std::vector<std::optional<double>>& v) {
  ColumnValues c;
  c.clear(ColumnType::kFloat);
  for (const auto& x : v) x ? c.append_float(*x) : c.append_null();
  return c;
}
ColumnValues strings_column(const std::vector<std::optional<std::string>>& v) {
  ColumnValues c;
  c.clear(ColumnType::kString);
  for (const auto& x : v) x ? c.append_string(*x) : c.append_null();
  return c;
}

std::string encode(const ColumnValues& in, ZoneMap* zone = nullptr) {
  std::string out;
  encode_column(in, &out, zone);
  return out;
}

ColumnChunk open_ok(const std::string& bytes) {
  ColumnChunk c;
  Status s = ColumnChunk::open(bytes, &c);
  EXPECT_TRUE(s.ok()) << s.message();
  return c;
}

// Same rows, nulls and values (floats bitwise).
void expect_same(const ColumnValues& a, const ColumnValues& b) {
  ASSERT_EQ(a.type, b.type);
  ASSERT_EQ(a.rows, b.rows);
  for (uint32_t i = 0; i < a.rows; ++i) {
    ASSERT_EQ(a.is_null(i), b.is_null(i)) << "row " << i;
    switch (a.type) {
      case ColumnType::kInteger:
      case ColumnType::kTimestamp:
      case ColumnType::kBoolean:
        ASSERT_EQ(a.ints[i], b.ints[i]) << "row " << i;
        break;
      case ColumnType::kFloat:
        ASSERT_EQ(std::bit_cast<uint64_t>(a.floats[i]), std::bit_cast<uint64_t>(b.floats[i]))
            << "row " << i << ": " << a.floats[i] << " vs " << b.floats[i];
        break;
      case ColumnType::kString:
        ASSERT_EQ(a.string_at(i), b.string_at(i)) << "row " << i;
        break;
    }
  }
  ASSERT_EQ(a.null_bits.empty(), b.null_bits.empty());
  if (!a.null_bits.empty()) {
    ASSERT_EQ(a.null_bits, b.null_bits);
  }
}

void expect_same_zone(const ZoneMap& a, const ZoneMap& b) {
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.null_count, b.null_count);
  if (!a.has_values()) return;
  EXPECT_EQ(a.min_int, b.min_int);
  EXPECT_EQ(a.max_int, b.max_int);
  EXPECT_EQ(std::bit_cast<uint64_t>(a.min_float), std::bit_cast<uint64_t>(b.min_float));
  EXPECT_EQ(std::bit_cast<uint64_t>(a.max_float), std::bit_cast<uint64_t>(b.max_float));
  EXPECT_EQ(a.min_string, b.min_string);
  EXPECT_EQ(a.max_string, b.max_string);
}

// The (begin, n) pairs range decodes are checked at: every begin near the
// start (all alignments), lengths around the 64-value blocks, and the end.
std::vector<std::pair<uint32_t, uint32_t>> ranges_of(uint32_t rows) {
  std::vector<std::pair<uint32_t, uint32_t>> r;
  const uint32_t lengths[] = {0, 1, 2, 7, 63, 64, 65, 127, 128, 129, 200, 1100, 2500};
  std::vector<uint32_t> begins;
  for (uint32_t b = 0; b <= std::min(rows, 130u); ++b) begins.push_back(b);
  for (uint32_t back : {1u, 2u, 63u, 64u, 65u, 130u}) {
    if (rows >= back) begins.push_back(rows - back);
  }
  for (uint32_t b : begins) {
    for (uint32_t n : lengths) {
      if (b + n <= rows) r.emplace_back(b, n);
    }
    if (b < 3 || b + 130 >= rows) r.emplace_back(b, rows - b);
  }
  return r;
}

// Every range decoder against the whole decode of the same chunk.
void check_ranges(const ColumnChunk& c) {
  const uint32_t rows = c.rows();
  std::vector<uint64_t> all_nulls((rows + 63) / 64 + 1);
  c.null_bits(0, rows, all_nulls.data());
  for (uint32_t i = 0; i < rows; ++i) {
    ASSERT_EQ(c.is_null(i), ((all_nulls[i / 64] >> (i % 64)) & 1) != 0) << i;
  }
  std::vector<int64_t> all_ints;
  std::vector<double> all_floats;
  std::vector<uint32_t> all_codes;
  const bool ints = is_int_type(c.type());
  if (ints) {
    all_ints.resize(rows);
    c.decode_ints(0, rows, all_ints.data());
  }
  if (ints || c.type() == ColumnType::kFloat) {
    all_floats.resize(rows);
    c.decode_floats(0, rows, all_floats.data());
  }
  if (c.type() == ColumnType::kString) {
    all_codes.resize(rows);
    c.decode_codes(0, rows, all_codes.data());
  }
  for (auto [b, n] : ranges_of(rows)) {
    std::vector<uint64_t> nb((n + 63) / 64 + 1, ~uint64_t{0});
    c.null_bits(b, n, nb.data());
    for (uint32_t j = 0; j < n; ++j) ASSERT_EQ(((nb[j / 64] >> (j % 64)) & 1) != 0, c.is_null(b + j)) << b << "+" << j;
    if (n % 64 != 0) {
      ASSERT_EQ(nb[n / 64] >> (n % 64), 0u) << "bits past n, begin " << b;
    }
    ASSERT_EQ(nb[(n + 63) / 64], ~uint64_t{0}) << "wrote past the last word, begin " << b;
    if (ints) {
      std::vector<int64_t> v(n + 1, 12345);
      c.decode_ints(b, n, v.data());
      for (uint32_t j = 0; j < n; ++j) ASSERT_EQ(v[j], all_ints[b + j]) << b << "+" << j << " of " << n;
      ASSERT_EQ(v[n], 12345) << "wrote past n";
    }
    if (!all_floats.empty()) {
      std::vector<double> v(n + 1, 0.5);
      c.decode_floats(b, n, v.data());
      for (uint32_t j = 0; j < n; ++j) {
        ASSERT_EQ(std::bit_cast<uint64_t>(v[j]), std::bit_cast<uint64_t>(all_floats[b + j])) << b << "+" << j;
      }
      ASSERT_EQ(v[n], 0.5);
    }
    if (c.type() == ColumnType::kString) {
      std::vector<uint32_t> v(n + 1, 777777);
      c.decode_codes(b, n, v.data());
      for (uint32_t j = 0; j < n; ++j) ASSERT_EQ(v[j], all_codes[b + j]) << b << "+" << j;
      ASSERT_EQ(v[n], 777777u);
    }
  }
}

// Encode, open, decode everything, compare; returns the encoding.
std::string round_trip(const ColumnValues& in, bool ranges = true) {
  ZoneMap zone;
  std::string bytes = encode(in, &zone);
  ColumnChunk c = open_ok(bytes);
  EXPECT_EQ(c.type(), in.type);
  EXPECT_EQ(c.rows(), in.rows);
  EXPECT_EQ(c.encoded_bytes(), bytes.size());
  uint32_t nulls = 0;
  for (uint32_t i = 0; i < in.rows; ++i) nulls += in.is_null(i);
  EXPECT_EQ(c.null_count(), nulls);
  ColumnValues out;
  c.decode_all(&out);
  expect_same(in, out);
  expect_same_zone(zone, compute_zone_map(in));
  if (is_int_type(in.type)) {
    // Null slots decode deterministically, as the chunk's minimum.
    std::vector<int64_t> v(in.rows);
    if (in.rows) c.decode_ints(0, in.rows, v.data());
    for (uint32_t i = 0; i < in.rows; ++i) {
      if (in.is_null(i)) {
        EXPECT_EQ(v[i], zone.has_values() ? zone.min_int : 0);
      }
    }
  }
  if (in.type == ColumnType::kString) {
    for (uint32_t i = 1; i < c.dict_size(); ++i) EXPECT_LT(c.dict_entry(i - 1), c.dict_entry(i));
    std::vector<uint32_t> codes(in.rows);
    if (in.rows) c.decode_codes(0, in.rows, codes.data());
    for (uint32_t i = 0; i < in.rows; ++i) {
      if (in.is_null(i)) {
        EXPECT_EQ(codes[i], 0u);
      } else {
        EXPECT_LT(codes[i], c.dict_size());
        EXPECT_EQ(c.dict_entry(codes[i]), in.string_at(i));
      }
    }
  }
  if (ranges) check_ranges(c);
  return bytes;
}

// ---------------------------------------------------------------------------

TEST(ColumnTypes, Names) {
  for (ColumnType t : {ColumnType::kInteger, ColumnType::kFloat, ColumnType::kBoolean, ColumnType::kTimestamp,
                       ColumnType::kString}) {
    EXPECT_EQ(parse_column_type_name(column_type_name(t)), t);
  }
  EXPECT_EQ(column_type_name(ColumnType::kTimestamp), "timestamp");
  EXPECT_FALSE(parse_column_type_name("Integer").has_value());
  EXPECT_FALSE(parse_column_type_name("").has_value());
  EXPECT_FALSE(parse_column_type_name("int").has_value());
}

TEST(ColumnTypes, AppendKeepsTheInvariants) {
  ColumnValues c;
  c.clear(ColumnType::kInteger);
  for (int i = 0; i < 70; ++i) c.append_int(i);
  EXPECT_TRUE(c.null_bits.empty());
  c.append_null();  // row 70: first null allocates (70 + 64) / 64 words
  EXPECT_EQ(c.null_bits.size(), 2u);
  EXPECT_TRUE(c.is_null(70));
  EXPECT_FALSE(c.is_null(69));
  EXPECT_EQ(c.ints[70], 0);
  for (int i = 0; i < 100; ++i) {
    c.append_int(i);
    EXPECT_EQ(c.null_bits.size(), (c.rows + 63) / 64);
  }
  c.append_null();
  EXPECT_EQ(c.rows, 172u);
  EXPECT_EQ(c.null_bits.size(), 3u);
  EXPECT_TRUE(c.is_null(171));

  ColumnValues s;
  s.clear(ColumnType::kString);
  s.append_string("ab");
  s.append_null();
  s.append_string("");
  s.append_string("cde");
  EXPECT_EQ(s.rows, 4u);
  EXPECT_EQ(s.string_offsets, (std::vector<uint32_t>{0, 2, 2, 2, 5}));
  EXPECT_EQ(s.string_at(3), "cde");
  EXPECT_TRUE(s.is_null(1));
  EXPECT_FALSE(s.is_null(2));
  s.clear(ColumnType::kFloat);
  EXPECT_EQ(s.rows, 0u);
  EXPECT_EQ(s.type, ColumnType::kFloat);
  EXPECT_EQ(s.string_offsets, std::vector<uint32_t>{0});
  EXPECT_TRUE(s.string_bytes.empty() && s.null_bits.empty());
  s.append_null();
  EXPECT_EQ(s.floats, std::vector<double>{0.0});
}

TEST(ColumnCodec, AppendsToOutput) {
  std::string out = "prefix";
  encode_column(ints_column(ColumnType::kInteger, {1, 2, 3}), &out, nullptr);
  EXPECT_EQ(out.substr(0, 6), "prefix");
  ColumnChunk c = open_ok(out.substr(6));
  EXPECT_EQ(c.rows(), 3u);
}

TEST(ColumnCodec, IntegersRandom) {
  std::mt19937_64 rng(1);
  for (ColumnType t : {ColumnType::kInteger, ColumnType::kTimestamp}) {
    for (uint32_t rows : {0u, 1u, 2u, 63u, 64u, 65u, 1000u, kChunkRows}) {
      for (int null_pct : {0, 10, 100}) {
        SCOPED_TRACE(testing::Message() << "rows " << rows << " nulls " << null_pct << "%");
        std::vector<std::optional<int64_t>> v;
        const int64_t span = static_cast<int64_t>(rng() % 1000000) + 1;
        for (uint32_t i = 0; i < rows; ++i) {
          if (static_cast<int>(rng() % 100) < null_pct) {
            v.push_back(std::nullopt);
          } else {
            v.push_back(static_cast<int64_t>(rng() % span) - span / 2);
          }
        }
        round_trip(ints_column(t, v), rows <= 1000 || null_pct == 10);
      }
    }
  }
}

TEST(ColumnCodec, EveryBitWidth) {
  std::mt19937_64 rng(2);
  for (unsigned w = 0; w <= 64; ++w) {
    for (int64_t base : {kMin, int64_t{-500000000000}, int64_t{0}}) {
      if (w == 64 && base != kMin) continue;
      if (w >= 59 && base == int64_t{-500000000000}) continue;
      SCOPED_TRACE(testing::Message() << "width " << w << " base " << base);
      const uint64_t mask = w == 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1;
      std::vector<std::optional<int64_t>> v;
      const uint32_t rows = 1000 + w;
      for (uint32_t i = 0; i < rows; ++i) {
        uint64_t u = rng() & mask;
        if (i == 3) u = 0;
        if (i == 500) u = mask;
        if (i == 501) u = w > 0 ? 1 : 0;  // gcd 1
        if (i % 97 == 5) {
          v.push_back(std::nullopt);
          continue;
        }
        v.push_back(static_cast<int64_t>(static_cast<uint64_t>(base) + u));
      }
      std::string bytes = round_trip(ints_column(ColumnType::kInteger, v));
      ColumnChunk c = open_ok(bytes);
      EXPECT_EQ(c.bit_width(), w);
      EXPECT_EQ(c.encoding(), ColumnEncoding::kBitPacked);
    }
  }
}

TEST(ColumnCodec, IntegerExtremes) {
  std::vector<std::optional<int64_t>> v = {kMin, kMax, 0, std::nullopt, -1, 1, kMax, kMin, std::nullopt};
  std::string bytes = round_trip(ints_column(ColumnType::kInteger, v));
  EXPECT_EQ(open_ok(bytes).bit_width(), 64u);
  bytes = round_trip(ints_column(ColumnType::kInteger, {kMax, kMax, std::nullopt}));
  EXPECT_EQ(open_ok(bytes).bit_width(), 0u);
  bytes = round_trip(ints_column(ColumnType::kInteger, {kMin, kMin, kMin}));
  EXPECT_EQ(open_ok(bytes).bit_width(), 0u);
  // Range 2^64 - 2 with gcd 2: width 63.
  bytes = round_trip(ints_column(ColumnType::kInteger, {kMin, kMax - 1, kMin + 2}));
  EXPECT_EQ(open_ok(bytes).bit_width(), 63u);
  // Negative values only.
  round_trip(ints_column(ColumnType::kInteger, {-5, -1000000, -77, std::nullopt, -3}));
}

TEST(ColumnCodec, LargeGcd) {
  // Timestamps at whole seconds (microseconds): gcd 1e6.
  std::vector<std::optional<int64_t>> v;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 5000; ++i) v.push_back(int64_t{1700000000} * 1000000 + static_cast<int64_t>(rng() % 100000) * 1000000);
  std::string bytes = round_trip(ints_column(ColumnType::kTimestamp, v));
  EXPECT_EQ(open_ok(bytes).bit_width(), 17u);  // 100,000 seconds
  // gcd 2^40 over the whole int64 range.
  v.clear();
  auto at = [](uint64_t r) { return static_cast<int64_t>(static_cast<uint64_t>(kMin) + (r << 40)); };
  for (int i = 0; i < 3000; ++i) v.push_back(at(rng() % (1u << 24)));
  for (uint64_t r : {uint64_t{0}, uint64_t{1}, (uint64_t{1} << 24) - 1}) v.push_back(at(r));
  bytes = round_trip(ints_column(ColumnType::kInteger, v));
  EXPECT_EQ(open_ok(bytes).bit_width(), 24u);
}

TEST(ColumnCodec, Booleans) {
  std::mt19937_64 rng(4);
  std::vector<std::optional<int64_t>> v;
  for (int i = 0; i < 3000; ++i) v.push_back(i % 13 == 0 ? std::nullopt : std::optional<int64_t>(rng() & 1));
  std::string bytes = round_trip(ints_column(ColumnType::kBoolean, v));
  EXPECT_EQ(open_ok(bytes).bit_width(), 1u);
  EXPECT_LT(bytes.size(), 3000u / 8 + 3000u / 8 + 64);
  bytes = round_trip(ints_column(ColumnType::kBoolean, {1, 1, std::nullopt, 1}));
  EXPECT_EQ(open_ok(bytes).bit_width(), 0u);
  round_trip(ints_column(ColumnType::kBoolean, {0, 0, 0}));
}

TEST(ColumnCodec, EmptyAllNullAndOneRow) {
  for (ColumnType t : {ColumnType::kInteger, ColumnType::kFloat, ColumnType::kBoolean, ColumnType::kTimestamp,
                       ColumnType::kString}) {
    SCOPED_TRACE(column_type_name(t));
    ColumnValues c;
    c.clear(t);
    round_trip(c);
    for (uint32_t rows : {1u, 64u, 65u, kChunkRows}) {
      c.clear(t);
      for (uint32_t i = 0; i < rows; ++i) c.append_null();
      ZoneMap z;
      std::string bytes = encode(c, &z);
      EXPECT_FALSE(z.has_values());
      EXPECT_EQ(z.null_count, rows);
      round_trip(c, rows < 100);
      if (t == ColumnType::kString) {
        EXPECT_EQ(open_ok(bytes).dict_size(), 0u);
      }
      EXPECT_LT(bytes.size(), rows / 8 + 64);  // the bitmap and a header
    }
    c.clear(t);
    if (t == ColumnType::kFloat) {
      c.append_float(2.5);
    } else if (t == ColumnType::kString) {
      c.append_string("one");
    } else {
      c.append_int(1);
    }
    round_trip(c);
  }
}

TEST(ColumnCodec, DecimalPrices) {
  std::mt19937_64 rng(5);
  std::vector<std::optional<double>> v;
  for (int i = 0; i < 10000; ++i) {
    if (i % 17 == 0) {
      v.push_back(std::nullopt);
    } else {
      v.push_back(static_cast<double>(rng() % 1000000) / 100.0);  // as parsed from "1234.56"
    }
  }
  v.push_back(9999.99);
  v.push_back(0.01);
  v.push_back(-12.34);
  v.push_back(0.0);
  std::string bytes = round_trip(floats_column(v));
  ColumnChunk c = open_ok(bytes);
  EXPECT_EQ(c.encoding(), ColumnEncoding::kDecimal);
  EXPECT_LE(c.bit_width(), 21u);
  EXPECT_LT(bytes.size(), v.size() * 3 + v.size() / 8 + 64);

  // Whole numbers: exponent 0; mixed 1 and 3 decimals: exponent 3.
  bytes = round_trip(floats_column({1.0, 2.0, -7.0, 100.0}));
  EXPECT_EQ(open_ok(bytes).encoding(), ColumnEncoding::kDecimal);
  bytes = round_trip(floats_column({1.5, 0.001, 2.25, 1234.567, std::nullopt}));
  EXPECT_EQ(open_ok(bytes).encoding(), ColumnEncoding::kDecimal);
  EXPECT_LE(open_ok(bytes).bit_width(), 21u);
}

TEST(ColumnCodec, DecimalWithLargeIntegers) {
  // k near 4e15 (beyond 2^51): the decoder's general conversion path.
  std::vector<std::optional<double>> v;
  for (int i = 0; i < 1000; ++i) {
    v.push_back(i % 10 == 3 ? std::nullopt
                            : std::optional<double>(static_cast<double>(int64_t{4000000000000000} + i * 7) / 1e15));
  }
  std::string bytes = round_trip(floats_column(v));
  EXPECT_EQ(open_ok(bytes).encoding(), ColumnEncoding::kDecimal);
  EXPECT_LE(open_ok(bytes).bit_width(), 16u);
  // Integers beyond 2^51 read as floats.
  std::vector<std::optional<int64_t>> big;
  for (int i = 0; i < 500; ++i) big.push_back((int64_t{1} << 60) + i * 3);
  round_trip(ints_column(ColumnType::kInteger, big));
}

TEST(ColumnCodec, FloatsThatForceRaw) {
  std::vector<std::optional<double>> prices;
  for (int i = 0; i < 1000; ++i) prices.push_back(static_cast<double>(i * 37 % 100000) / 100.0);
  for (double odd : {0.1 + 0.2, 1e300, -0.0, 1.0 / 3.0, 5e-324}) {
    SCOPED_TRACE(testing::Message() << odd);
    auto v = prices;
    v.push_back(odd);
    std::string bytes = round_trip(floats_column(v));
    EXPECT_EQ(open_ok(bytes).encoding(), ColumnEncoding::kRawFloat);
    // Alone, too (whatever encoding it picks, it must round-trip bitwise).
    round_trip(floats_column({odd}));
  }
  std::string bytes = round_trip(floats_column({-0.0}));
  EXPECT_EQ(open_ok(bytes).encoding(), ColumnEncoding::kRawFloat);
  bytes = round_trip(floats_column({1e300, std::nullopt}));
  EXPECT_EQ(open_ok(bytes).encoding(), ColumnEncoding::kRawFloat);
  // NaN and infinities never reach the codec, but survive it.
  round_trip(floats_column({std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity(), 1.5, std::nullopt}));
  // Random doubles.
  std::mt19937_64 rng(6);
  std::uniform_real_distribution<double> d(-1e6, 1e6);
  std::vector<std::optional<double>> v;
  for (int i = 0; i < 3000; ++i) v.push_back(i % 11 ? std::optional<double>(d(rng)) : std::nullopt);
  bytes = round_trip(floats_column(v));
  EXPECT_EQ(open_ok(bytes).encoding(), ColumnEncoding::kRawFloat);
}

TEST(ColumnCodec, FloatsFullChunk) {
  std::mt19937_64 rng(7);
  std::vector<std::optional<double>> v;
  for (uint32_t i = 0; i < kChunkRows; ++i) v.push_back(static_cast<double>(rng() % 100000) / 1000.0);
  round_trip(floats_column(v));
}

TEST(ColumnCodec, DecodeFloatsOnAnIntegerChunk) {
  std::vector<std::optional<int64_t>> v = {1, -2, std::nullopt, kMax, kMin, 1000000007, 0};
  ColumnValues in = ints_column(ColumnType::kInteger, v);
  std::string bytes = encode(in);
  ColumnChunk c = open_ok(bytes);
  std::vector<double> f(v.size());
  c.decode_floats(0, c.rows(), f.data());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i]) {
      EXPECT_EQ(f[i], static_cast<double>(*v[i])) << i;
    }
  }
  std::vector<std::optional<int64_t>> big;
  for (int i = 0; i < 3000; ++i) big.push_back(i * 7 - 100);
  round_trip(ints_column(ColumnType::kInteger, big));  // check_ranges compares decode_floats ranges too
  std::vector<double> g(3000);
  const std::string big_bytes = encode(ints_column(ColumnType::kInteger, big));  // the chunk views it
  ColumnChunk c2 = open_ok(big_bytes);
  c2.decode_floats(0, 3000, g.data());
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(g[i], i * 7 - 100.0);
}

TEST(ColumnCodec, Strings) {
  // Empty strings are values, distinct from null.
  std::string bytes = round_trip(strings_column({"", std::nullopt, "a", "", std::nullopt}));
  ColumnChunk c = open_ok(bytes);
  EXPECT_EQ(c.dict_size(), 2u);
  EXPECT_EQ(c.dict_entry(0), "");
  EXPECT_EQ(c.dict_entry(1), "a");
  EXPECT_EQ(c.dict_entry(2), "");  // out of range
  EXPECT_TRUE(c.is_null(1));
  EXPECT_FALSE(c.is_null(0));

  // UTF-8 and bytewise order (0xC3 sorts after ASCII), long strings.
  std::string long1(100000, 'x'), long2 = std::string(99999, 'x') + "y";
  bytes = round_trip(strings_column({"Zürich", "zebra", "Ärger", "日本語", long1, "Zürich", long2, "\x01", ""}));
  c = open_ok(bytes);
  EXPECT_EQ(c.dict_size(), 8u);
  EXPECT_EQ(c.bit_width(), 3u);
  EXPECT_EQ(c.dict_entry(0), "");
  EXPECT_EQ(c.dict_entry(7), "日本語");

  // One distinct value: width 0.
  std::vector<std::optional<std::string>> one(1000, std::string("same"));
  one[10] = std::nullopt;
  bytes = round_trip(strings_column(one));
  EXPECT_EQ(open_ok(bytes).bit_width(), 0u);
  EXPECT_EQ(open_ok(bytes).dict_size(), 1u);

  // Dictionary sizes around powers of two.
  for (uint32_t d : {2u, 3u, 4u, 5u, 255u, 256u, 257u}) {
    std::vector<std::optional<std::string>> v;
    for (uint32_t i = 0; i < 2 * d + 100; ++i) v.push_back("v" + std::to_string((i * 7919) % d));
    bytes = round_trip(strings_column(v));
    EXPECT_EQ(open_ok(bytes).dict_size(), d);
    EXPECT_EQ(open_ok(bytes).bit_width(), static_cast<unsigned>(std::bit_width(d - 1)));
  }
}

TEST(ColumnCodec, StringsFullChunkAllDistinct) {
  std::vector<std::optional<std::string>> v;
  std::mt19937_64 rng(8);
  for (uint32_t i = 0; i < kChunkRows; ++i) v.push_back(std::to_string(rng() % 1000000) + "#" + std::to_string(i));
  std::string bytes = round_trip(strings_column(v));
  ColumnChunk c = open_ok(bytes);
  EXPECT_EQ(c.dict_size(), kChunkRows);
  EXPECT_EQ(c.bit_width(), 16u);
  std::vector<std::optional<std::string>> w;
  for (uint32_t i = 0; i < kChunkRows; ++i) w.push_back(i % 5 ? std::optional<std::string>("k" + std::to_string(rng() % 3000)) : std::nullopt);
  round_trip(strings_column(w));
}

TEST(ColumnCodec, ZoneMaps) {
  ZoneMap z;
  encode(ints_column(ColumnType::kInteger, {5, std::nullopt, -3, 9, std::nullopt}), &z);
  EXPECT_EQ(z.type, ColumnType::kInteger);
  EXPECT_EQ(z.rows, 5u);
  EXPECT_EQ(z.null_count, 2u);
  EXPECT_TRUE(z.has_values());
  EXPECT_EQ(z.min_int, -3);
  EXPECT_EQ(z.max_int, 9);

  encode(ints_column(ColumnType::kTimestamp, {kMax, kMin}), &z);
  EXPECT_EQ(z.type, ColumnType::kTimestamp);
  EXPECT_EQ(z.min_int, kMin);
  EXPECT_EQ(z.max_int, kMax);

  encode(ints_column(ColumnType::kBoolean, {1, std::nullopt, 1}), &z);
  EXPECT_EQ(z.min_int, 1);
  EXPECT_EQ(z.max_int, 1);

  encode(floats_column({2.5, std::nullopt, -1.25, 100.0}), &z);
  EXPECT_EQ(z.null_count, 1u);
  EXPECT_EQ(z.min_float, -1.25);
  EXPECT_EQ(z.max_float, 100.0);

  encode(strings_column({"pear", std::nullopt, "apple", "zoo", ""}), &z);
  EXPECT_EQ(z.type, ColumnType::kString);
  EXPECT_EQ(z.min_string, "");
  EXPECT_EQ(z.max_string, "zoo");

  encode(strings_column({std::nullopt, std::nullopt}), &z);
  EXPECT_FALSE(z.has_values());
  EXPECT_EQ(z.null_count, 2u);
  ColumnValues empty;
  empty.clear(ColumnType::kFloat);
  encode(empty, &z);
  EXPECT_FALSE(z.has_values());
  EXPECT_EQ(z.rows, 0u);
}

TEST(ColumnCodec, ZoneMapSerialization) {
  std::vector<ZoneMap> zones;
  zones.push_back(compute_zone_map(ints_column(ColumnType::kInteger, {kMin, kMax, std::nullopt})));
  zones.push_back(compute_zone_map(ints_column(ColumnType::kTimestamp, {-5, -5})));
  zones.push_back(compute_zone_map(ints_column(ColumnType::kBoolean, {0, 1})));
  zones.push_back(compute_zone_map(floats_column({-0.5, 1e300, std::nullopt})));
  zones.push_back(compute_zone_map(strings_column({"", "Zürich", std::string(300, 'q')})));
  zones.push_back(compute_zone_map(strings_column({std::nullopt})));
  ColumnValues empty;
  empty.clear(ColumnType::kInteger);
  zones.push_back(compute_zone_map(empty));
  std::string all;
  for (const ZoneMap& z : zones) encode_zone_map(z, &all);
  all += "tail";
  std::string_view in = all;
  for (const ZoneMap& z : zones) {
    ZoneMap got;
    Status s = decode_zone_map(&in, &got);
    ASSERT_TRUE(s.ok()) << s.message();
    expect_same_zone(z, got);
  }
  EXPECT_EQ(in, "tail");

  // Every truncation of each one fails.
  for (const ZoneMap& z : zones) {
    std::string one;
    encode_zone_map(z, &one);
    for (size_t len = 0; len < one.size(); ++len) {
      std::string_view cut(one.data(), len);
      ZoneMap got;
      EXPECT_FALSE(decode_zone_map(&cut, &got).ok()) << len;
    }
  }
  auto fails = [](std::string bytes) {
    std::string_view in = bytes;
    ZoneMap got;
    Status s = decode_zone_map(&in, &got);
    return !s.ok() && s.code() == StatusCode::kCorruption;
  };
  EXPECT_TRUE(fails(std::string("\x09\x01\x00\x02\x02", 5)));           // unknown type
  EXPECT_TRUE(fails(std::string("\x01\x01\x02", 3)));                   // null_count > rows
  EXPECT_TRUE(fails(std::string("\x01\x81\x80\x04\x00\x00\x00", 7)));   // rows 65537
  EXPECT_TRUE(fails(std::string("\x01\x02\x00\x04\x02", 5)));           // min 2 > max 1
  EXPECT_TRUE(fails(std::string("\x05\x01\x00\x01\x62\x01\x61", 7)));   // "b" > "a"
  EXPECT_TRUE(fails(std::string("\x05\x01\x00\x05\x62", 5)));           // length past the end
  EXPECT_FALSE(fails(std::string("\x05\x01\x00\x01\x61\x01\x62", 7)));  // "a" <= "b"
}

// ---------------------------------------------------------------------------
// The orders-like chunk: size per column.

TEST(ColumnCodec, OrdersChunkSize) {
  std::mt19937_64 rng(9);
  const uint32_t rows = kChunkRows;
  const int64_t month_start = int64_t{1748736000} * 1000000;  // 2025-06-01, microseconds
  std::vector<int64_t> ts(rows);
  for (auto& t : ts) t = month_start + static_cast<int64_t>(rng() % (30 * 86400)) * 1000000;
  std::sort(ts.begin(), ts.end());
  const char* regions[] = {"AMER", "APAC", "EMEA", "LATAM", "MEA"};
  std::vector<std::string> countries, products;
  for (int i = 0; i < 30; ++i) countries.push_back("Country-" + std::to_string(i));
  for (int i = 0; i < 1000; ++i) products.push_back("SKU-" + std::to_string(100000 + i * 37) + " Widget");

  ColumnValues c_ts, c_region, c_country, c_product, c_customer, c_revenue, c_quantity;
  c_ts.clear(ColumnType::kTimestamp);
  c_region.clear(ColumnType::kString);
  c_country.clear(ColumnType::kString);
  c_product.clear(ColumnType::kString);
  c_customer.clear(ColumnType::kInteger);
  c_revenue.clear(ColumnType::kFloat);
  c_quantity.clear(ColumnType::kInteger);
  for (uint32_t i = 0; i < rows; ++i) {
    c_ts.append_int(ts[i]);
    c_region.append_string(regions[rng() % 5]);
    c_country.append_string(countries[rng() % 30]);
    c_product.append_string(products[rng() % 1000]);
    c_customer.append_int(static_cast<int64_t>(rng() % 200000) + 1);
    c_revenue.append_float(static_cast<double>(rng() % 1000000) / 100.0);
    c_quantity.append_int(static_cast<int64_t>(rng() % 10) + 1);
  }
  struct Col {
    const char* name;
    const ColumnValues* values;
  } cols[] = {{"ts", &c_ts},           {"region", &c_region},   {"country", &c_country},  {"product", &c_product},
              {"customer_id", &c_customer}, {"revenue", &c_revenue}, {"quantity", &c_quantity}};
  size_t total = 0;
  for (const Col& col : cols) {
    std::string bytes = round_trip(*col.values, false);
    ColumnChunk c = open_ok(bytes);
    const double per_row = static_cast<double>(bytes.size()) / rows;
    std::cout << "orders." << col.name << ": " << bytes.size() << " bytes, " << per_row
              << " bytes/row (width " << c.bit_width() << ")\n";
    RecordProperty(std::string("bytes_per_row_") + col.name, std::to_string(per_row));
    total += bytes.size();
  }
  const double per_row = static_cast<double>(total) / rows;
  std::cout << "orders total: " << total << " bytes, " << per_row << " bytes/row\n";
  RecordProperty("bytes_per_row_total", std::to_string(per_row));
  EXPECT_LE(per_row, 12.0);
  EXPECT_EQ(open_ok(encode(c_revenue)).encoding(), ColumnEncoding::kDecimal);
}

// ---------------------------------------------------------------------------
// Hostile input.

// A set of valid encodings covering every encoding, with and without nulls.
std::vector<std::string> samples() {
  std::vector<std::string> s;
  std::mt19937_64 rng(10);
  std::vector<std::optional<int64_t>> iv;
  for (int i = 0; i < 150; ++i) iv.push_back(i % 9 == 0 ? std::nullopt : std::optional<int64_t>(static_cast<int64_t>(rng() % 5000) - 2500));
  s.push_back(encode(ints_column(ColumnType::kInteger, iv)));
  std::vector<std::optional<int64_t>> wide;
  for (int i = 0; i < 70; ++i) wide.push_back(static_cast<int64_t>(rng()));
  s.push_back(encode(ints_column(ColumnType::kInteger, wide)));
  s.push_back(encode(ints_column(ColumnType::kTimestamp, {1000000, 5000000, 3000000})));
  s.push_back(encode(ints_column(ColumnType::kBoolean, {1, 0, std::nullopt, 1})));
  s.push_back(encode(ints_column(ColumnType::kInteger, {7, 7, 7})));
  std::vector<std::optional<double>> fv;
  for (int i = 0; i < 130; ++i) fv.push_back(i % 7 == 0 ? std::nullopt : std::optional<double>((rng() % 100000) / 100.0));
  s.push_back(encode(floats_column(fv)));
  s.push_back(encode(floats_column({0.1 + 0.2, std::nullopt, 1e300})));
  std::vector<std::optional<std::string>> sv;
  for (int i = 0; i < 140; ++i) sv.push_back(i % 6 == 0 ? std::nullopt : std::optional<std::string>("s" + std::to_string(rng() % 11)));
  s.push_back(encode(strings_column(sv)));
  s.push_back(encode(strings_column({"a", "b", "c"})));
  s.push_back(encode(strings_column({std::nullopt, std::nullopt})));
  ColumnValues empty;
  empty.clear(ColumnType::kString);
  s.push_back(encode(empty));
  return s;
}

// Everything a reader may do with an opened chunk; ASan reports any stray read.
void exercise(const ColumnChunk& c) {
  const uint32_t rows = c.rows();
  ASSERT_LE(rows, kChunkRows);
  std::vector<uint64_t> nb((rows + 63) / 64 + 1);
  c.null_bits(0, rows, nb.data());
  if (rows > 3) c.null_bits(3, rows - 3, nb.data());
  uint32_t nulls = 0;
  for (uint32_t i = 0; i < rows; ++i) nulls += c.is_null(i);
  ASSERT_EQ(nulls, c.null_count());
  if (is_int_type(c.type())) {
    std::vector<int64_t> v(rows);
    c.decode_ints(0, rows, v.data());
    if (rows > 5) c.decode_ints(5, rows - 5, v.data());
    if (c.type() == ColumnType::kBoolean) {
      for (uint32_t i = 0; i < rows; ++i) ASSERT_TRUE(v[i] == 0 || v[i] == 1);
    }
  }
  if (is_int_type(c.type()) || c.type() == ColumnType::kFloat) {
    std::vector<double> v(rows);
    c.decode_floats(0, rows, v.data());
    if (rows > 1) c.decode_floats(1, rows - 1, v.data());
  }
  if (c.type() == ColumnType::kString) {
    std::vector<uint32_t> v(rows);
    c.decode_codes(0, rows, v.data());
    for (uint32_t i = 0; i < rows; ++i) {
      if (c.dict_size() == 0) {
        ASSERT_EQ(v[i], 0u);
        ASSERT_TRUE(c.is_null(i));
      } else {
        ASSERT_LT(v[i], c.dict_size());
      }
      (void)c.dict_entry(v[i]).size();
    }
    size_t total = 0;
    for (uint32_t d = 0; d < c.dict_size(); ++d) total += c.dict_entry(d).size();
    ASSERT_LE(total, c.encoded_bytes());
  }
  ColumnValues out;
  c.decode_all(&out);
  ASSERT_EQ(out.rows, rows);
}

bool opens(const std::string& bytes, std::string* why = nullptr) {
  // Copy into an exactly sized heap buffer so ASan sees any read past the end.
  std::vector<char> exact(bytes.begin(), bytes.end());
  ColumnChunk c;
  Status s = ColumnChunk::open(std::string_view(exact.data(), exact.size()), &c);
  if (!s.ok()) {
    EXPECT_EQ(s.code(), StatusCode::kCorruption);
    if (why) *why = s.message();
    return false;
  }
  exercise(c);
  return true;
}

TEST(ColumnCodecHostile, EveryTruncationAndTrailingByteFails) {
  for (const std::string& s : samples()) {
    ASSERT_TRUE(opens(s));
    for (size_t len = 0; len < s.size(); ++len) EXPECT_FALSE(opens(s.substr(0, len))) << len << " of " << s.size();
    EXPECT_FALSE(opens(s + '\0'));
  }
}

TEST(ColumnCodecHostile, RandomFlipsNeverReadOutOfBounds) {
  std::mt19937_64 rng(11);
  size_t opened = 0, rejected = 0;
  for (const std::string& s : samples()) {
    for (int iter = 0; iter < 3000; ++iter) {
      std::string b = s;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) {
        const size_t at = rng() % b.size();
        if (rng() % 2) {
          b[at] = static_cast<char>(b[at] ^ (1 << (rng() % 8)));
        } else {
          b[at] = static_cast<char>(rng());
        }
      }
      (opens(b) ? opened : rejected)++;
    }
  }
  std::cout << "random flips: " << opened << " opened and decoded, " << rejected << " rejected\n";
  EXPECT_GT(rejected, 0u);
  EXPECT_GT(opened, 0u);
}

TEST(ColumnCodecHostile, RandomBytesAfterAValidHeader) {
  std::mt19937_64 rng(12);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string b;
    b.push_back(1);
    b.push_back(static_cast<char>(1 + rng() % 5));
    b.push_back(static_cast<char>(1 + rng() % 4));
    const uint32_t rows = static_cast<uint32_t>(rng() % 20);
    const uint32_t nulls = static_cast<uint32_t>(rng() % 3 == 0 ? rng() % (rows + 1) : 0);
    b.append(reinterpret_cast<const char*>(&rows), 4);
    b.append(reinterpret_cast<const char*>(&nulls), 4);
    const size_t n = rng() % 80;
    for (size_t i = 0; i < n; ++i) b.push_back(static_cast<char>(rng() % 4 == 0 ? rng() : rng() % 3));
    opens(b);
  }
}

// Field offsets in a header without a null bitmap.
constexpr size_t kRowsAt = 3, kFrameAt = 11, kWidthAt = 27;

TEST(ColumnCodecHostile, CraftedFields) {
  std::string why;
  const std::string ints = encode(ints_column(ColumnType::kInteger, {1, 5, 9}));
  ASSERT_TRUE(opens(ints));
  auto with = [](std::string s, size_t at, std::string_view b) { return s.replace(at, b.size(), b); };
  EXPECT_FALSE(opens(with(ints, 0, "\x02"), &why)) << "version";
  EXPECT_EQ(why, "column chunk: unknown format version");
  EXPECT_FALSE(opens(with(ints, 0, std::string(1, '\0')))) << "version 0";
  EXPECT_FALSE(opens(with(ints, 1, std::string(1, '\0')))) << "type 0";
  EXPECT_FALSE(opens(with(ints, 1, "\x06"))) << "type 6";
  EXPECT_FALSE(opens(with(ints, 2, "\x05"))) << "encoding 5";
  EXPECT_FALSE(opens(with(ints, 2, "\x04"))) << "dictionary for an integer";
  EXPECT_FALSE(opens(with(ints, 1, "\x02"))) << "float type with bit-packed encoding";
  EXPECT_FALSE(opens(with(ints, kRowsAt, std::string("\x01\x00\x01\x00", 4)), &why)) << "rows 65537";
  EXPECT_EQ(why, "column chunk: too many rows");
  EXPECT_FALSE(opens(with(ints, 7, std::string("\x04\x00\x00\x00", 4)))) << "null_count > rows";
  EXPECT_FALSE(opens(with(ints, kWidthAt, "\x41"), &why)) << "width 65";
  EXPECT_EQ(why, "column chunk: bit width out of range");
  EXPECT_FALSE(opens(with(ints, kFrameAt + 8, std::string(8, '\0')))) << "gcd 0";
  EXPECT_FALSE(opens(with(ints, ints.size() - 1, "\x01"), &why)) << "padding";
  EXPECT_EQ(why, "column chunk: nonzero padding");
  EXPECT_FALSE(opens(with(ints, kRowsAt, std::string("\x02\x00\x00\x00", 4)))) << "fewer rows than bytes";

  // Booleans outside 0/1.
  const std::string bools = encode(ints_column(ColumnType::kBoolean, {1, 0, 1}));
  ASSERT_TRUE(opens(bools));
  EXPECT_FALSE(opens(with(bools, kFrameAt, "\x02"))) << "boolean min 2";
  EXPECT_FALSE(opens(with(bools, kFrameAt + 8, "\x03"))) << "boolean gcd 3";

  // Null bitmap: count disagrees, bit past the last row.
  const std::string nulls = encode(ints_column(ColumnType::kInteger, {1, std::nullopt, 3}));
  ASSERT_TRUE(opens(nulls));
  EXPECT_FALSE(opens(with(nulls, 11, "\x03"))) << "two bits, count 1";
  EXPECT_FALSE(opens(with(nulls, 11, "\x08"), &why)) << "bit 3 of 3 rows";
  EXPECT_EQ(why, "column chunk: null bit past the last row");

  // Decimal exponent > 18.
  const std::string dec = encode(floats_column({1.25, 2.5}));
  ASSERT_EQ(open_ok(dec).encoding(), ColumnEncoding::kDecimal);
  EXPECT_FALSE(opens(with(dec, 11, "\x13"))) << "exponent 19";

  // Dictionary {"a", "b", "c"}: u32 size at 11, ends at 15, bytes at 27, width at 30, codes at 31.
  const std::string dict = encode(strings_column({"a", "b", "c"}));
  ASSERT_TRUE(opens(dict));
  ASSERT_EQ(dict.substr(27, 3), "abc");
  ASSERT_EQ(dict[30], '\x02');
  EXPECT_FALSE(opens(with(dict, 27, "acb"), &why)) << "unsorted";
  EXPECT_EQ(why, "column chunk: dictionary not sorted or has duplicates");
  EXPECT_FALSE(opens(with(dict, 27, "abb"))) << "duplicate";
  EXPECT_FALSE(opens(with(dict, 31, "\x27"), &why)) << "code 3 of 3 entries";
  EXPECT_EQ(why, "column chunk: dictionary code out of range");
  EXPECT_FALSE(opens(with(dict, 31, "\x64"))) << "stray bits after the codes";
  EXPECT_FALSE(opens(with(dict, 30, "\x03"))) << "wider codes than the dictionary needs";
  EXPECT_FALSE(opens(with(dict, 11, std::string("\x04\x00\x00\x00", 4)))) << "more entries than rows";
  EXPECT_FALSE(opens(with(dict, 19, std::string(4, '\0')), &why)) << "offsets decrease";
  EXPECT_EQ(why, "column chunk: dictionary offsets decrease");
  EXPECT_FALSE(opens(with(dict, 23, std::string("\xff\x00\x00\x00", 4)))) << "bytes past the end";
  // An all-null column with a non-empty dictionary, and the reverse.
  const std::string all_null = encode(strings_column({std::nullopt}));
  ASSERT_TRUE(opens(all_null));
  EXPECT_FALSE(opens(with(all_null, 19, std::string("\x01\x00\x00\x00", 4))));
}

}  // namespace
}  // namespace claribi::storage
