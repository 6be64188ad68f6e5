// The strict value-text readers behind CSV type inference and the writers of
// timestamps and floats: every accepted and refused form, calendar edge cases
// (leap years, offsets, fractions, pre-1970), and round trips over random
// values checked against independent references (timegm, strtod).
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <random>
#include <string>

#include "ingest/value_text.h"

namespace claribi::ingest {
namespace {

TEST(ParseInt64Text, Accepts) {
  EXPECT_EQ(parse_int64_text("0"), 0);
  EXPECT_EQ(parse_int64_text("-0"), 0);
  EXPECT_EQ(parse_int64_text("+0"), 0);
  EXPECT_EQ(parse_int64_text("42"), 42);
  EXPECT_EQ(parse_int64_text("+42"), 42);
  EXPECT_EQ(parse_int64_text("-42"), -42);
  EXPECT_EQ(parse_int64_text("007"), 7);
  EXPECT_EQ(parse_int64_text("9223372036854775807"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(parse_int64_text("-9223372036854775808"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(parse_int64_text("00000000000000000000009223372036854775807"), std::numeric_limits<int64_t>::max());
}

TEST(ParseInt64Text, Refuses) {
  for (const char* s : {"", "-", "+", " 1", "1 ", " ", "0x10", "1.0", "1.", "1e3", "+-1", "-+1", "--1", "1-",
                        "9223372036854775808", "-9223372036854775809", "99999999999999999999", "1_000", "1,000",
                        "١", "１", "abc", "\t1", "1\n"}) {
    EXPECT_FALSE(parse_int64_text(s).has_value()) << s;
  }
}

TEST(ParseFloatText, Accepts) {
  struct Case {
    const char* text;
    double want;
  } cases[] = {
      {"0", 0.0},        {"1", 1.0},          {"-1.5", -1.5},           {"+2", 2.0},        {"1.", 1.0},
      {".5", 0.5},       {"-.5", -0.5},       {"+.5", 0.5},             {"1e3", 1000.0},    {"1E3", 1000.0},
      {"1e+3", 1000.0},  {"1.5E-7", 1.5e-7},  {"0.1", 0.1},             {"123.45", 123.45}, {"1.e2", 100.0},
      {"007.5", 7.5},    {"9007199254740993", 9007199254740992.0},  // ties to even
      {"1.7976931348623157e308", DBL_MAX},  {"2.2250738585072014e-308", DBL_MIN},
      {"4.9406564584124654e-324", std::numeric_limits<double>::denorm_min()},
      {"0e999999999999", 0.0},
  };
  for (const Case& c : cases) {
    auto v = parse_float_text(c.text);
    ASSERT_TRUE(v.has_value()) << c.text;
    EXPECT_EQ(*v, c.want) << c.text;
  }
}

TEST(ParseFloatText, UnderflowRoundsToZeroOverflowIsRefused) {
  auto z = parse_float_text("1e-400");
  ASSERT_TRUE(z.has_value());
  EXPECT_EQ(*z, 0.0);
  EXPECT_FALSE(std::signbit(*z));
  auto nz = parse_float_text("-1e-400");
  ASSERT_TRUE(nz.has_value());
  EXPECT_TRUE(std::signbit(*nz));
  EXPECT_EQ(parse_float_text("0.0000000000000000000000000000000000000001e-300"), 0.0);
  EXPECT_EQ(parse_float_text("2.4e-324"), 0.0);
  for (const char* s : {"1e999", "-1e999", "1e309", "1.8e308", "1e99999999999999999999",
                        "100000000000000000000000000000000000000000000000000e300"}) {
    EXPECT_FALSE(parse_float_text(s).has_value()) << s;
  }
  std::string huge(400, '9');
  EXPECT_FALSE(parse_float_text(huge).has_value());
}

TEST(ParseFloatText, Refuses) {
  for (const char* s : {"", ".", "-", "+", "-.", "e3", ".e3", "1e", "1e+", "1e-", " 1", "1 ", "1.5 ", "0x1p3", "0x10",
                        "1,5", "1_000", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "infinity", "1.2.3", "1e3e3",
                        "1e3.5", "--1", "+-1", "1d", "1f", "abc", "١.٥"}) {
    EXPECT_FALSE(parse_float_text(s).has_value()) << s;
  }
}

TEST(ParseFloatText, MatchesStrtodOnRandomDecimals) {
  std::mt19937_64 rng(7);
  for (int n = 0; n < 20000; ++n) {
    std::string s;
    if (rng() % 2) s += '-';
    int int_digits = int(rng() % 20), frac_digits = int(rng() % 20);
    if (int_digits + frac_digits == 0) int_digits = 1;
    for (int k = 0; k < int_digits; ++k) s += char('0' + rng() % 10);
    if (frac_digits > 0 || rng() % 4 == 0) {
      s += '.';
      for (int k = 0; k < frac_digits; ++k) s += char('0' + rng() % 10);
    }
    if (rng() % 2) s += "e" + std::to_string(int(rng() % 600) - 300);
    auto v = parse_float_text(s);
    double ref = std::strtod(s.c_str(), nullptr);
    if (!std::isfinite(ref)) {
      EXPECT_FALSE(v.has_value()) << s;
      continue;
    }
    ASSERT_TRUE(v.has_value()) << s;
    EXPECT_EQ(*v, ref) << s;
    EXPECT_EQ(std::signbit(*v), std::signbit(ref)) << s;
  }
}

TEST(ParseBoolText, Forms) {
  EXPECT_EQ(parse_bool_text("true"), true);
  EXPECT_EQ(parse_bool_text("TRUE"), true);
  EXPECT_EQ(parse_bool_text("True"), true);
  EXPECT_EQ(parse_bool_text("tRuE"), true);
  EXPECT_EQ(parse_bool_text("false"), false);
  EXPECT_EQ(parse_bool_text("FALSE"), false);
  EXPECT_EQ(parse_bool_text("False"), false);
  for (const char* s : {"", "t", "f", "1", "0", "yes", "no", "y", "n", " true", "true ", "truee", "fals", "on", "off"})
    EXPECT_FALSE(parse_bool_text(s).has_value()) << s;
}

// Reference: glibc timegm (64-bit time_t) on the civil fields.
int64_t ref_micros(int y, int mo, int d, int h, int mi, int s, int64_t frac_us, int offset_s) {
  tm t{};
  t.tm_year = y - 1900;
  t.tm_mon = mo - 1;
  t.tm_mday = d;
  t.tm_hour = h;
  t.tm_min = mi;
  t.tm_sec = s;
  int64_t secs = int64_t(timegm(&t));
  return (secs - offset_s) * 1000000 + frac_us;
}

TEST(ParseTimestampText, Dates) {
  EXPECT_EQ(parse_timestamp_text("1970-01-01"), 0);
  EXPECT_EQ(parse_timestamp_text("1970-01-02"), int64_t(86400) * 1000000);
  EXPECT_EQ(parse_timestamp_text("1969-12-31"), -int64_t(86400) * 1000000);
  EXPECT_EQ(parse_timestamp_text("2025-06-15"), ref_micros(2025, 6, 15, 0, 0, 0, 0, 0));
  EXPECT_EQ(parse_timestamp_text("0001-01-01"), int64_t(-62135596800) * 1000000);
  EXPECT_EQ(parse_timestamp_text("9999-12-31"), ref_micros(9999, 12, 31, 0, 0, 0, 0, 0));
}

TEST(ParseTimestampText, LeapYears) {
  EXPECT_TRUE(parse_timestamp_text("2024-02-29").has_value());
  EXPECT_TRUE(parse_timestamp_text("2000-02-29").has_value());
  EXPECT_TRUE(parse_timestamp_text("1600-02-29").has_value());
  EXPECT_TRUE(parse_timestamp_text("0004-02-29").has_value());
  EXPECT_FALSE(parse_timestamp_text("2023-02-29").has_value());
  EXPECT_FALSE(parse_timestamp_text("1900-02-29").has_value());
  EXPECT_FALSE(parse_timestamp_text("2100-02-29").has_value());
  EXPECT_FALSE(parse_timestamp_text("0001-02-29").has_value());
  EXPECT_FALSE(parse_timestamp_text("2024-02-30").has_value());
  EXPECT_EQ(*parse_timestamp_text("2024-03-01") - *parse_timestamp_text("2024-02-28"), int64_t(2) * 86400 * 1000000);
  EXPECT_EQ(*parse_timestamp_text("2023-03-01") - *parse_timestamp_text("2023-02-28"), int64_t(1) * 86400 * 1000000);
}

TEST(ParseTimestampText, DateTimes) {
  const int64_t base = ref_micros(2025, 3, 1, 12, 34, 56, 0, 0);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T12:34:56Z"), base);
  EXPECT_EQ(parse_timestamp_text("2025-03-01t12:34:56z"), base);
  EXPECT_EQ(parse_timestamp_text("2025-03-01 12:34:56Z"), base);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T12:34:56+00:00"), base);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T12:34:56-00:00"), base);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T18:04:56+05:30"), base);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T18:04:56+0530"), base);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T04:34:56-08"), base);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T04:34:56-0800"), base);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T04:34:56-08:00"), base);
  EXPECT_EQ(parse_timestamp_text("2025-03-02T00:34:56+12"), base);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T00:00:00+23:59"), ref_micros(2025, 2, 28, 0, 1, 0, 0, 0));
  // The offset moves the instant across a day, month and year boundary.
  EXPECT_EQ(parse_timestamp_text("2025-01-01T00:30:00+01:00"), ref_micros(2024, 12, 31, 23, 30, 0, 0, 0));
  EXPECT_EQ(parse_timestamp_text("2024-12-31T23:30:00-01:00"), ref_micros(2025, 1, 1, 0, 30, 0, 0, 0));
  EXPECT_EQ(parse_timestamp_text("1969-12-31T23:59:59Z"), -1000000);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T23:59:59Z"), ref_micros(2025, 3, 1, 23, 59, 59, 0, 0));
}

TEST(ParseTimestampText, FractionalSeconds) {
  const int64_t base = ref_micros(2025, 3, 1, 12, 34, 56, 0, 0);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T12:34:56.5Z"), base + 500000);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T12:34:56.05Z"), base + 50000);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T12:34:56.000001Z"), base + 1);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T12:34:56.123456Z"), base + 123456);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T12:34:56.1234567Z"), base + 123456);    // truncated
  EXPECT_EQ(parse_timestamp_text("2025-03-01T12:34:56.123456789Z"), base + 123456);  // 9 digits
  EXPECT_EQ(parse_timestamp_text("2025-03-01T12:34:56.999999999Z"), base + 999999);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T12:34:56.0000009Z"), base);
  EXPECT_EQ(parse_timestamp_text("2025-03-01T18:04:56.25+05:30"), base + 250000);
  EXPECT_EQ(parse_timestamp_text("1969-12-31T23:59:59.5Z"), -500000);
  EXPECT_FALSE(parse_timestamp_text("2025-03-01T12:34:56.1234567890Z").has_value());  // 10 digits
  EXPECT_FALSE(parse_timestamp_text("2025-03-01T12:34:56.Z").has_value());
  EXPECT_FALSE(parse_timestamp_text("2025-03-01T12:34:56,5Z").has_value());
}

TEST(ParseTimestampText, Refuses) {
  for (const char* s : {"", "2025", "2025-03", "2025-3-01", "2025-03-1", "25-03-01", "2025/03/01", "20250301",
                        "0000-01-01", "10000-01-01", "+2025-01-01", "-2025-01-01", "2025-00-01", "2025-13-01",
                        "2025-01-00", "2025-01-32", "2025-04-31", "2025-06-31", "2025-09-31", "2025-11-31",
                        " 2025-01-01", "2025-01-01 ", "2025-01-01Z", "2025-01-01T", "2025-01-01T12:00:00",
                        "2025-01-01 12:00:00", "2025-01-01T12:00Z", "2025-01-01T12Z", "2025-01-01T24:00:00Z",
                        "2025-01-01T23:60:00Z", "2025-01-01T23:59:60Z", "2025-01-01T1:00:00Z", "2025-01-01X12:00:00Z",
                        "2025-01-01T12:00:00ZZ", "2025-01-01T12:00:00Z ", "2025-01-01T12:00:00UTC",
                        "2025-01-01T12:00:00+5", "2025-01-01T12:00:00+05:3", "2025-01-01T12:00:00+053",
                        "2025-01-01T12:00:00+24:00", "2025-01-01T12:00:00+05:60", "2025-01-01T12:00:00+05:30:00",
                        "2025-01-01T12:00:00+0530x", "2025-01-01T12:00:00 +05:30", "2025-01-01T12:00:00+05-30",
                        "2025-01-01T12:00:00.5", "2025-01-01TT12:00:00Z", "2025-01-01T12:00:00.-5Z",
                        "2025-01-01T12:00:-1Z", "abcd-ef-gh", "2025-02-29", "2025-01-01T12:00:00Z\n"}) {
    EXPECT_FALSE(parse_timestamp_text(s).has_value()) << s;
  }
}

TEST(ParseTimestampText, RandomAgainstTimegm) {
  std::mt19937_64 rng(11);
  for (int n = 0; n < 20000; ++n) {
    int y = 1 + int(rng() % 9999), mo = 1 + int(rng() % 12);
    static const int kDim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    int dim = mo == 2 && leap ? 29 : kDim[mo - 1];
    int d = 1 + int(rng() % unsigned(dim));
    int h = int(rng() % 24), mi = int(rng() % 60), s = int(rng() % 60);
    int64_t frac = int64_t(rng() % 1000000);
    int oh = int(rng() % 24), om = int(rng() % 60);
    int sign = rng() % 2 ? 1 : -1;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06d%c%02d:%02d", y, mo, d, h, mi, s, int(frac),
                  sign > 0 ? '+' : '-', oh, om);
    EXPECT_EQ(parse_timestamp_text(buf), ref_micros(y, mo, d, h, mi, s, frac, sign * (oh * 3600 + om * 60))) << buf;
  }
}

std::string fmt(int64_t micros) {
  char buf[kTimestampTextMax];
  return std::string(buf, format_timestamp_micros(micros, buf));
}

TEST(FormatTimestampMicros, Forms) {
  EXPECT_EQ(fmt(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(fmt(*parse_timestamp_text("2025-01-01T00:00:00.5Z")), "2025-01-01T00:00:00.5Z");
  EXPECT_EQ(fmt(*parse_timestamp_text("2025-01-01T00:00:00.000001Z")), "2025-01-01T00:00:00.000001Z");
  EXPECT_EQ(fmt(*parse_timestamp_text("2025-01-01T00:00:00.120Z")), "2025-01-01T00:00:00.12Z");
  EXPECT_EQ(fmt(*parse_timestamp_text("2025-06-15T10:30:00+02:00")), "2025-06-15T08:30:00Z");
  EXPECT_EQ(fmt(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(fmt(-500000), "1969-12-31T23:59:59.5Z");
  EXPECT_EQ(fmt(-1000000), "1969-12-31T23:59:59Z");
  EXPECT_EQ(fmt(int64_t(-62135596800) * 1000000), "0001-01-01T00:00:00Z");
  EXPECT_EQ(fmt(*parse_timestamp_text("9999-12-31T23:59:59.999999Z")), "9999-12-31T23:59:59.999999Z");
  // Outside 0001-9999: expanded years, still well-formed.
  EXPECT_EQ(fmt(*parse_timestamp_text("0001-01-01T00:00:00+01:00")), "0000-12-31T23:00:00Z");
  EXPECT_EQ(fmt(*parse_timestamp_text("9999-12-31T23:59:59-01:00")), "+10000-01-01T00:59:59Z");
  for (int64_t v : {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), int64_t(-1) << 62}) {
    std::string s = fmt(v);
    EXPECT_LE(s.size(), kTimestampTextMax) << s;
    EXPECT_EQ(s.back(), 'Z') << s;
  }
  EXPECT_EQ(fmt(std::numeric_limits<int64_t>::max()), "+294247-01-10T04:00:54.775807Z");
  EXPECT_EQ(fmt(std::numeric_limits<int64_t>::min()), "-290308-12-21T19:59:05.224192Z");
}

TEST(FormatTimestampMicros, RoundTripsRandomValues) {
  const int64_t lo = *parse_timestamp_text("0001-01-01T00:00:00Z");
  const int64_t hi = *parse_timestamp_text("9999-12-31T23:59:59.999999Z");
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> any(lo, hi);
  for (int n = 0; n < 50000; ++n) {
    int64_t v = any(rng);
    if (n % 4 == 1) v -= v % 1000000;  // whole seconds
    if (n % 4 == 2) v -= v % 86400000000;  // midnights (and their negatives)
    std::string s = fmt(v);
    auto back = parse_timestamp_text(s);
    ASSERT_TRUE(back.has_value()) << s;
    EXPECT_EQ(*back, v) << s;
  }
}

std::string fmt_double(double v) {
  char buf[kDoubleTextMax];
  return std::string(buf, format_double_shortest(v, buf));
}

// JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(const std::string& s) {
  size_t i = 0, n = s.size();
  auto digits = [&] {
    size_t b = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    return i > b;
  };
  if (i < n && s[i] == '-') ++i;
  if (i < n && s[i] == '0') ++i;
  else if (!(i < n && s[i] >= '1' && s[i] <= '9' && digits())) return false;
  if (i < n && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == n;
}

TEST(FormatDoubleShortest, Forms) {
  EXPECT_EQ(fmt_double(3.0), "3.0");
  EXPECT_EQ(fmt_double(-3.0), "-3.0");
  EXPECT_EQ(fmt_double(0.0), "0.0");
  EXPECT_EQ(fmt_double(-0.0), "-0.0");
  EXPECT_EQ(fmt_double(100.0), "100.0");
  EXPECT_EQ(fmt_double(0.1), "0.1");
  EXPECT_EQ(fmt_double(123.45), "123.45");
  EXPECT_EQ(fmt_double(1e300), "1e+300");
  EXPECT_EQ(fmt_double(1e-7), "1e-07");
  EXPECT_EQ(fmt_double(1e21), "1e+21");
  EXPECT_EQ(fmt_double(1.5e-300), "1.5e-300");
  EXPECT_EQ(fmt_double(DBL_MAX), "1.7976931348623157e+308");
  EXPECT_EQ(fmt_double(std::numeric_limits<double>::denorm_min()), "5e-324");
  EXPECT_EQ(fmt_double(9007199254740993.0), "9007199254740992.0");
  EXPECT_EQ(fmt_double(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(fmt_double(-std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(fmt_double(std::nan("")), "null");
}

TEST(FormatDoubleShortest, RoundTripsRandomDoubles) {
  std::mt19937_64 rng(5);
  for (int n = 0; n < 200000; ++n) {
    double v;
    if (n % 2 == 0) {
      uint64_t bits = rng();
      std::memcpy(&v, &bits, 8);
      if (!std::isfinite(v)) continue;
    } else {  // "typical" values: short decimals and integers
      v = double(int64_t(rng() % 2000000) - 1000000) / double(1 + rng() % 1000);
    }
    std::string s = fmt_double(v);
    ASSERT_LE(s.size(), kDoubleTextMax);
    ASSERT_TRUE(is_json_number(s)) << s;
    ASSERT_NE(s.find_first_of(".e"), std::string::npos) << s;
    auto back = parse_float_text(s);
    ASSERT_TRUE(back.has_value()) << s;
    ASSERT_EQ(std::memcmp(&*back, &v, 8), 0) << s;  // bit-exact (-0.0 included)
    ASSERT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
  }
}

TEST(Utf8FirstInvalid, Cases) {
  constexpr size_t npos = std::string_view::npos;
  EXPECT_EQ(utf8_first_invalid(""), npos);
  EXPECT_EQ(utf8_first_invalid("plain ascii, long enough to use the 8-byte loop"), npos);
  EXPECT_EQ(utf8_first_invalid("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"), npos);
  EXPECT_EQ(utf8_first_invalid("abc\x80"), 3u);                 // stray continuation
  EXPECT_EQ(utf8_first_invalid("ab\xC3("), 2u);                 // bad continuation
  EXPECT_EQ(utf8_first_invalid("\xC0\xAF"), 0u);                // overlong
  EXPECT_EQ(utf8_first_invalid("\xC1\xBF"), 0u);                // overlong
  EXPECT_EQ(utf8_first_invalid("\xE0\x80\xAF"), 0u);            // overlong
  EXPECT_EQ(utf8_first_invalid("\xF0\x80\x80\xAF"), 0u);        // overlong
  EXPECT_EQ(utf8_first_invalid("x\xED\xA0\x80"), 1u);           // surrogate
  EXPECT_EQ(utf8_first_invalid("\xF4\x90\x80\x80"), 0u);        // above U+10FFFF
  EXPECT_EQ(utf8_first_invalid("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(utf8_first_invalid("\xFF"), 0u);
  EXPECT_EQ(utf8_first_invalid("0123456789\xC3"), 10u);         // truncated
  EXPECT_EQ(utf8_first_invalid("0123456789\xC3", true), npos);  // ... may continue
  EXPECT_EQ(utf8_first_invalid("0123456789\xF0\x9F\x98", true), npos);
  EXPECT_EQ(utf8_first_invalid("0123456789\xF0\x9F(", true), 10u);
  EXPECT_EQ(utf8_first_invalid("\xE0\x80", true), 0u);  // can never become valid
}

}  // namespace
}  // namespace claribi::ingest
