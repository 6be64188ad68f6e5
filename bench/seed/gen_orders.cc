// gen_orders: writes a deterministic "orders" CSV for the ingest benchmark
// (bench/ingest.sh), the same bytes on every machine and compiler:
//
//   gen_orders ROWS [FILE]      (no FILE: stdout)
//
//   ts,region,country,product,customer_id,revenue,quantity
//   2025-01-01T00:00:02Z,LATAM,BR,P-0973,85403,88.02,2
//   ...                      (`gen_orders 1000000 | md5sum`: 843a34568dbbf5d31b4f6c5d6f3924ed)
//
// - ts: ISO 8601 UTC seconds with Z, non-decreasing over the year 2025: row i
//   falls at (i + u) / ROWS of the year, u uniform in [0, 1) (even spread,
//   jitter within each row's slot, never out of order).
// - country: one of 30 ISO codes with fixed weights (US most common); region
//   (EMEA, NA, LATAM, APAC, ANZ) is the country's.
// - product: "P-0001".."P-1000", Zipf-like: weight of P-k is 10^9 / k (P-0001
//   is ~13% of rows, P-1000 ~0.013%).
// - customer_id: uniform in 1..200000.
// - quantity: 1..10, small quantities more common.
// - revenue: unit price of the product (1.00..200.00, fixed per product) x
//   quantity x a discount of 80..100%, clamped to 1.00..2000.00, two decimals.
//
// Only integer arithmetic on a fixed-seed xoshiro256** (seeded by splitmix64):
// no std:: distributions, no floating point, so the output never changes
// with the libstdc++ or libm version. ~50.6 bytes per row (10 M rows: 506 MB);
// formatting is hand-written into a 4 MiB buffer flushed with write(2).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

__extension__ typedef unsigned __int128 u128;  // GCC and Clang on 64-bit targets

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct Xoshiro256ss {
  uint64_t s[4];
  explicit Xoshiro256ss(uint64_t seed) {
    for (auto& w : s) w = splitmix64(seed);
  }
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() {
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
  // Uniform in [0, n): the high 64 bits of a 64x64 product (Lemire, without
  // the rejection step; the bias is below 2^-40 for every n used here).
  uint64_t below(uint64_t n) { return static_cast<uint64_t>((static_cast<u128>(next()) * n) >> 64); }
};

struct Country {
  const char* code;
  const char* region;
  uint32_t weight;
};

// 30 countries, weights sum to 1000.
constexpr Country kCountries[] = {
    {"US", "NA", 260},   {"CA", "NA", 50},    {"DE", "EMEA", 70},  {"GB", "EMEA", 65},  {"FR", "EMEA", 55},
    {"IT", "EMEA", 30},  {"ES", "EMEA", 28},  {"NL", "EMEA", 25},  {"SE", "EMEA", 15},  {"PL", "EMEA", 15},
    {"CH", "EMEA", 14},  {"AE", "EMEA", 10},  {"ZA", "EMEA", 8},   {"BR", "LATAM", 40}, {"MX", "LATAM", 30},
    {"AR", "LATAM", 12}, {"CL", "LATAM", 8},  {"CO", "LATAM", 8},  {"PE", "LATAM", 5},  {"JP", "APAC", 60},
    {"CN", "APAC", 40},  {"IN", "APAC", 45},  {"KR", "APAC", 20},  {"SG", "APAC", 15},  {"ID", "APAC", 10},
    {"TH", "APAC", 7},   {"VN", "APAC", 5},   {"PH", "APAC", 5},   {"AU", "ANZ", 35},   {"NZ", "ANZ", 10},
};
constexpr int kNumCountries = sizeof(kCountries) / sizeof(kCountries[0]);
constexpr uint32_t kCountryWeightTotal = 1000;
// Quantity 1..10, weights sum to 100.
constexpr uint32_t kQuantityWeights[10] = {30, 20, 14, 10, 8, 6, 4, 3, 3, 2};
constexpr uint32_t kQuantityWeightTotal = 100;
constexpr int kGuideBits = 12;
static_assert([] {
  uint32_t c = 0, q = 0;
  for (const auto& k : kCountries) c += k.weight;
  for (uint32_t w : kQuantityWeights) q += w;
  return c == kCountryWeightTotal && q == kQuantityWeightTotal;
}());

constexpr int kProducts = 1000;
constexpr uint64_t kCustomers = 200000;
constexpr int64_t kYearStart = 1735689600;  // 2025-01-01T00:00:00Z
constexpr int64_t kYearSeconds = 365 * 86400;

// Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
void civil_from_days(int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

constexpr struct Digits2 {  // "00".."99"
  char s[200];
  constexpr Digits2() : s() {
    for (int i = 0; i < 100; ++i) {
      s[2 * i] = static_cast<char>('0' + i / 10);
      s[2 * i + 1] = static_cast<char>('0' + i % 10);
    }
  }
} kDigits2Table;
constexpr const char* kDigits2 = kDigits2Table.s;

inline char* put2(char* p, unsigned v) {
  std::memcpy(p, kDigits2 + 2 * v, 2);
  return p + 2;
}

inline char* put_uint(char* p, uint64_t v) {
  char tmp[20];
  char* t = tmp + sizeof(tmp);
  while (v >= 100) {
    t -= 2;
    std::memcpy(t, kDigits2 + 2 * (v % 100), 2);
    v /= 100;
  }
  if (v >= 10) {
    t -= 2;
    std::memcpy(t, kDigits2 + 2 * v, 2);
  } else {
    *--t = static_cast<char>('0' + v);
  }
  const size_t n = static_cast<size_t>(tmp + sizeof(tmp) - t);
  std::memcpy(p, t, n);
  return p + n;
}

class Output {
 public:
  explicit Output(int fd) : fd_(fd), buf_(static_cast<char*>(std::malloc(kSize))) {
    if (!buf_) die("out of memory");
  }
  ~Output() { std::free(buf_); }
  // Room for at least kRowMax bytes at the returned pointer.
  char* reserve(char* p) {
    if (static_cast<size_t>(p - buf_) + kRowMax > kSize) {
      flush(p);
      return buf_;
    }
    return p;
  }
  char* begin() { return buf_; }
  void flush(char* end) {
    const char* p = buf_;
    while (p < end) {
      ssize_t n = ::write(fd_, p, static_cast<size_t>(end - p));
      if (n < 0) {
        if (errno == EINTR) continue;
        die(std::strerror(errno));
      }
      p += n;
    }
  }
  static constexpr size_t kRowMax = 256;

  [[noreturn]] static void die(const char* what) {
    std::fprintf(stderr, "gen_orders: write: %s\n", what);
    std::exit(1);
  }

 private:
  static constexpr size_t kSize = 4u << 20;
  int fd_;
  char* buf_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s ROWS [FILE]\n", argv[0]);
    return 2;
  }
  char* end = nullptr;
  errno = 0;
  const unsigned long long rows_arg = std::strtoull(argv[1], &end, 10);
  if (errno != 0 || end == argv[1] || *end != '\0' || argv[1][0] == '-' || rows_arg > (1ULL << 40)) {
    std::fprintf(stderr, "gen_orders: ROWS must be an integer in 0..2^40, not \"%s\"\n", argv[1]);
    return 2;
  }
  const uint64_t rows = rows_arg;
  int fd = 1;
  if (argc == 3) {
    fd = ::open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::fprintf(stderr, "gen_orders: %s: %s\n", argv[2], std::strerror(errno));
      return 1;
    }
  }

  // Lookup tables: country and quantity by a uniform draw below their
  // weight totals; products by cumulative weights (P-k: 10^9 / k) plus a
  // guide table of where each range of draws starts.
  static uint8_t country_of[kCountryWeightTotal];
  for (int i = 0, at = 0; i < kNumCountries; ++i)
    for (uint32_t w = 0; w < kCountries[i].weight; ++w) country_of[at++] = static_cast<uint8_t>(i);
  static uint8_t quantity_of[kQuantityWeightTotal];
  for (int i = 0, at = 0; i < 10; ++i)
    for (uint32_t w = 0; w < kQuantityWeights[i]; ++w) quantity_of[at++] = static_cast<uint8_t>(i + 1);
  static uint64_t product_cum[kProducts];
  uint64_t product_total = 0;
  for (int k = 1; k <= kProducts; ++k) product_cum[k - 1] = product_total += 1000000000ULL / static_cast<uint64_t>(k);
  static uint16_t guide[1 << kGuideBits];
  for (uint64_t b = 0, k = 0; b < (1u << kGuideBits); ++b) {
    const uint64_t first = static_cast<uint64_t>((static_cast<u128>(b << (64 - kGuideBits)) * product_total) >> 64);
    while (product_cum[k] <= first) ++k;
    guide[b] = static_cast<uint16_t>(k);
  }
  // Unit price per product, 1.00..200.00 (cents), from its own fixed stream.
  static uint32_t unit_cents[kProducts];
  {
    Xoshiro256ss prices(0x5052494345ULL);  // "PRICE"
    for (auto& c : unit_cents) c = static_cast<uint32_t>(100 + prices.below(19901));
  }
  // "region,country," and "P-0001," prepared once.
  struct Piece {
    char s[16];
    uint8_t n;
  };
  Piece geo[kNumCountries];
  for (int i = 0; i < kNumCountries; ++i) {
    int n = std::snprintf(geo[i].s, sizeof(geo[i].s), "%s,%s,", kCountries[i].region, kCountries[i].code);
    geo[i].n = static_cast<uint8_t>(n);
  }
  static Piece product_piece[kProducts];
  for (int k = 0; k < kProducts; ++k) {
    int n = std::snprintf(product_piece[k].s, sizeof(product_piece[k].s), "P-%04d,", k + 1);
    product_piece[k].n = static_cast<uint8_t>(n);
  }

  Xoshiro256ss rng(0x4F52444552530001ULL);  // "ORDERS", stream 1
  Output out(fd);
  char* p = out.begin();
  static const char kHeader[] = "ts,region,country,product,customer_id,revenue,quantity\n";
  std::memcpy(p, kHeader, sizeof(kHeader) - 1);
  p += sizeof(kHeader) - 1;

  int64_t cached_day = -1;
  char date[11];  // "2025-03-01T"
  // Row i's time: kYearStart + floor((i * S + j) / rows), S = kYearSeconds,
  // j uniform in [0, S): strictly increasing numerators, so never out of
  // order. i * S = q * rows + r is carried from row to row (no overflow).
  const uint64_t n_rows = rows ? rows : 1;
  const uint64_t step_q = kYearSeconds / n_rows, step_r = kYearSeconds % n_rows;
  uint64_t q = 0, r = 0;
  for (uint64_t i = 0; i < rows; ++i, q += step_q, r += step_r) {
    if (r >= n_rows) {
      r -= n_rows;
      ++q;
    }
    p = out.reserve(p);
    const int64_t t = kYearStart + static_cast<int64_t>(q + (r + rng.below(kYearSeconds)) / n_rows);
    const int64_t day = t / 86400;
    if (day != cached_day) {
      cached_day = day;
      int y;
      unsigned m, d;
      civil_from_days(day, y, m, d);
      char* w = date;
      w = put2(w, static_cast<unsigned>(y / 100));
      w = put2(w, static_cast<unsigned>(y % 100));
      *w++ = '-';
      w = put2(w, m);
      *w++ = '-';
      w = put2(w, d);
      *w = 'T';
    }
    const unsigned sod = static_cast<unsigned>(t - day * 86400);
    std::memcpy(p, date, 11);
    p += 11;
    p = put2(p, sod / 3600);
    *p++ = ':';
    p = put2(p, sod / 60 % 60);
    *p++ = ':';
    p = put2(p, sod % 60);
    *p++ = 'Z';
    *p++ = ',';

    const int c = country_of[rng.below(kCountryWeightTotal)];
    std::memcpy(p, geo[c].s, 16);
    p += geo[c].n;

    // Product: the first k with product_cum[k] > pr, pr = below(total) from
    // x; the top kGuideBits of x say where to start looking.
    const uint64_t x = rng.next();
    const uint64_t pr = static_cast<uint64_t>((static_cast<u128>(x) * product_total) >> 64);
    int lo = guide[x >> (64 - kGuideBits)];
    while (product_cum[lo] <= pr) ++lo;
    std::memcpy(p, product_piece[lo].s, 16);
    p += product_piece[lo].n;

    p = put_uint(p, 1 + rng.below(kCustomers));
    *p++ = ',';

    const unsigned qty = quantity_of[rng.below(kQuantityWeightTotal)];
    const uint64_t discount = 80 + rng.below(21);
    uint64_t cents = static_cast<uint64_t>(unit_cents[lo]) * qty * discount / 100;
    if (cents < 100) cents = 100;
    if (cents > 200000) cents = 200000;
    p = put_uint(p, cents / 100);
    *p++ = '.';
    p = put2(p, static_cast<unsigned>(cents % 100));
    *p++ = ',';
    p = put_uint(p, qty);
    *p++ = '\n';
  }
  out.flush(p);
  if (fd != 1 && ::close(fd) != 0) {
    std::fprintf(stderr, "gen_orders: %s: %s\n", argv[2], std::strerror(errno));
    return 1;
  }
  return 0;
}
