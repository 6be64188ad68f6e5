// Strict value-text readers and writers (see value_text.h). Hand-written
// scanners decide what is acceptable; std::from_chars / std::to_chars (locale
// independent, correctly rounded, shortest round-trip in GCC 12) do the
// floating-point conversion; calendar arithmetic is Howard Hinnant's
// days-from-civil / civil-from-days, exact for every int64 input.
#include "ingest/value_text.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>
#include <system_error>

namespace claribi::ingest {

namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// n digits at s[pos..pos+n), or -1.
int digits_at(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

bool is_leap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int days_in_month(int64_t y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = int(doy - (153 * mp + 2) / 5 + 1);
  *m = int(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

void put2(char* p, int v) {
  p[0] = char('0' + v / 10);
  p[1] = char('0' + v % 10);
}

}  // namespace

std::optional<int64_t> parse_int64_text(std::string_view s) {
  size_t i = 0;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return std::nullopt;
  const uint64_t limit = neg ? uint64_t(1) << 63 : (uint64_t(1) << 63) - 1;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    unsigned d = unsigned(static_cast<unsigned char>(s[i])) - unsigned('0');
    if (d > 9) return std::nullopt;
    if (v > (limit - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return neg ? int64_t(0 - v) : int64_t(v);  // modular in C++20: 2^63 -> INT64_MIN
}

std::optional<double> parse_float_text(std::string_view s) {
  const size_t n = s.size();
  size_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '+' || s[i] == '-')) {
    neg = s[i] == '-';
    ++i;
  }
  const size_t body = i;
  // Decimal exponent of the first non-zero mantissa digit, for telling an
  // underflow from an overflow when from_chars says "out of range".
  int64_t lead_exp = 0;
  bool nonzero = false;
  size_t int_start = i;
  while (i < n && is_digit(s[i])) {
    if (!nonzero && s[i] != '0') {
      nonzero = true;
      int_start = i;
    }
    ++i;
  }
  size_t int_digits = i - body;
  if (nonzero) lead_exp = int64_t(i - int_start) - 1;
  size_t frac_digits = 0;
  if (i < n && s[i] == '.') {
    ++i;
    size_t fs = i;
    while (i < n && is_digit(s[i])) {
      if (!nonzero && s[i] != '0') {
        nonzero = true;
        lead_exp = -int64_t(i - fs) - 1;
      }
      ++i;
    }
    frac_digits = i - fs;
  }
  if (int_digits + frac_digits == 0) return std::nullopt;
  int64_t exp = 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
      eneg = s[i] == '-';
      ++i;
    }
    size_t es = i;
    while (i < n && is_digit(s[i])) {
      if (exp < 1000000) exp = exp * 10 + (s[i] - '0');
      ++i;
    }
    if (i == es) return std::nullopt;
    if (eneg) exp = -exp;
  }
  if (i != n) return std::nullopt;
  const char* first = s.data() + (s[0] == '+' ? 1 : 0);
  double v = 0;
  auto r = std::from_chars(first, s.data() + n, v, std::chars_format::general);
  if (r.ptr != s.data() + n) return std::nullopt;
  if (r.ec == std::errc::result_out_of_range) {
    if (nonzero && lead_exp + exp < 0) return neg ? -0.0 : 0.0;  // underflow: rounds to zero
    return std::nullopt;                                       // overflow
  }
  if (r.ec != std::errc() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool_text(std::string_view s) {
  auto eq = [](std::string_view a, std::string_view lower) {
    if (a.size() != lower.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      char c = a[i];
      if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
      if (c != lower[i]) return false;
    }
    return true;
  };
  if (eq(s, "true")) return true;
  if (eq(s, "false")) return false;
  return std::nullopt;
}

std::optional<int64_t> parse_timestamp_text(std::string_view s) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = digits_at(s, 0, 4), mo = digits_at(s, 5, 2), d = digits_at(s, 8, 2);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return std::nullopt;
  int64_t days = days_from_civil(y, mo, d);
  if (s.size() == 10) return days * kMicrosPerDay;
  char sep = s[10];
  if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
  if (s.size() < 19 || s[13] != ':' || s[16] != ':') return std::nullopt;
  int h = digits_at(s, 11, 2), mi = digits_at(s, 14, 2), se = digits_at(s, 17, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59) return std::nullopt;
  size_t i = 19;
  int64_t frac_us = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t fs = i;
    int64_t scale = 100000;
    while (i < s.size() && is_digit(s[i])) {
      if (i - fs >= 9) return std::nullopt;
      frac_us += (s[i] - '0') * scale;  // scale reaches 0 after 6 digits: truncation
      scale /= 10;
      ++i;
    }
    if (i == fs) return std::nullopt;
  }
  if (i >= s.size()) return std::nullopt;  // local time: not a timestamp
  int64_t offset_s = 0;
  char z = s[i];
  if (z == 'Z' || z == 'z') {
    if (i + 1 != s.size()) return std::nullopt;
  } else if (z == '+' || z == '-') {
    std::string_view off = s.substr(i + 1);
    int oh = -1, om = 0;
    if (off.size() == 2) {
      oh = digits_at(off, 0, 2);
    } else if (off.size() == 4) {
      oh = digits_at(off, 0, 2);
      om = digits_at(off, 2, 2);
    } else if (off.size() == 5 && off[2] == ':') {
      oh = digits_at(off, 0, 2);
      om = digits_at(off, 3, 2);
    }
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
    offset_s = (int64_t(oh) * 3600 + om * 60) * (z == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  int64_t secs = int64_t(h) * 3600 + mi * 60 + se - offset_s;
  return days * kMicrosPerDay + secs * kMicrosPerSecond + frac_us;
}

size_t format_timestamp_micros(int64_t micros, char* out) {
  int64_t days = micros / kMicrosPerDay;
  int64_t rem = micros % kMicrosPerDay;
  if (rem < 0) {
    rem += kMicrosPerDay;
    --days;
  }
  int64_t y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  char* p = out;
  if (y >= 0 && y <= 9999) {
    int yy = int(y);
    p[0] = char('0' + yy / 1000);
    p[1] = char('0' + yy / 100 % 10);
    p[2] = char('0' + yy / 10 % 10);
    p[3] = char('0' + yy % 10);
    p += 4;
  } else {
    *p++ = y < 0 ? '-' : '+';
    uint64_t a = y < 0 ? uint64_t(-y) : uint64_t(y);
    char tmp[24];
    int k = 0;
    while (a > 0 || k < 5) {
      tmp[k++] = char('0' + a % 10);
      a /= 10;
    }
    while (k > 0) *p++ = tmp[--k];
  }
  int64_t sod = rem / kMicrosPerSecond;
  int frac = int(rem % kMicrosPerSecond);
  *p++ = '-';
  put2(p, m);
  p += 2;
  *p++ = '-';
  put2(p, d);
  p += 2;
  *p++ = 'T';
  put2(p, int(sod / 3600));
  p += 2;
  *p++ = ':';
  put2(p, int(sod / 60 % 60));
  p += 2;
  *p++ = ':';
  put2(p, int(sod % 60));
  p += 2;
  if (frac != 0) {
    *p++ = '.';
    int div = 100000;
    while (frac != 0) {
      *p++ = char('0' + frac / div);
      frac %= div;
      div /= 10;
    }
  }
  *p++ = 'Z';
  return size_t(p - out);
}

size_t format_double_shortest(double v, char* out) {
  if (!std::isfinite(v)) {
    std::memcpy(out, "null", 4);
    return 4;
  }
  auto r = std::to_chars(out, out + kDoubleTextMax - 2, v);
  size_t n = size_t(r.ptr - out);
  bool marked = false;
  for (size_t i = 0; i < n; ++i)
    if (out[i] == '.' || out[i] == 'e' || out[i] == 'E') {
      marked = true;
      break;
    }
  if (!marked) {
    out[n++] = '.';
    out[n++] = '0';
  }
  return n;
}

size_t utf8_first_invalid(std::string_view s, bool allow_truncated_tail) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) len = 3;
    else if (c >= 0xF0 && c <= 0xF4) len = 4;
    else return i;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c == 0xE0) lo = 0xA0;
    else if (c == 0xED) hi = 0x9F;  // no surrogates
    else if (c == 0xF0) lo = 0x90;
    else if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    for (size_t k = 1; k < len; ++k) {
      if (i + k >= n) return allow_truncated_tail ? std::string_view::npos : i;
      unsigned char b = p[i + k];
      if (k == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

}  // namespace claribi::ingest
