// Time buckets (analytics/time_bucket.h) checked against std::chrono's
// calendar, which is an independent implementation of the proleptic
// Gregorian calendar: every granularity's bucket start and end at hand-picked
// instants (leap days of 2024 and 2000, 1900 not leap, ISO weeks starting on
// Monday including the week 53 that spans 2020-12-28..2021-01-03, every
// quarter start, pre-1970 instants floored and not truncated, the first and
// last instants of years 0001 and 9999), the bucket invariants at many seeded
// random instants, and days_from_civil/civil_from_days over every day of
// 0001..9999 plus a wider proleptic range.
#include "analytics/time_bucket.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>

namespace claribi::analytics {
namespace {

namespace chr = std::chrono;
using G = Granularity;

constexpr int64_t kSec = 1'000'000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;

// Microseconds since the epoch of a UTC civil instant, through std::chrono.
int64_t at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int64_t us = 0) {
  chr::sys_days day{chr::year{y} / chr::month{mo} / chr::day{d}};
  EXPECT_TRUE((chr::year{y} / chr::month{mo} / chr::day{d}).ok()) << y << "-" << mo << "-" << d;
  return int64_t(day.time_since_epoch().count()) * kDay + h * kHour + mi * kMin + s * kSec + us;
}

std::string text(int64_t t) {
  auto tp = chr::sys_time<chr::microseconds>(chr::microseconds(t));
  auto day = chr::floor<chr::days>(tp);
  chr::year_month_day ymd{day};
  chr::hh_mm_ss<chr::microseconds> hms{tp - day};
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", int(ymd.year()), unsigned(ymd.month()),
                unsigned(ymd.day()), int(hms.hours().count()), int(hms.minutes().count()),
                int(hms.seconds().count()), int(hms.subseconds().count()));
  return buf;
}

// The bucket by std::chrono (the reference).
Bucket reference(int64_t t, G g) {
  auto tp = chr::sys_time<chr::microseconds>(chr::microseconds(t));
  auto us = [](auto x) { return int64_t(chr::duration_cast<chr::microseconds>(x.time_since_epoch()).count()); };
  switch (g) {
    case G::kMinute: {
      auto s = chr::floor<chr::minutes>(tp);
      return {us(s), us(s + chr::minutes(1))};
    }
    case G::kHour: {
      auto s = chr::floor<chr::hours>(tp);
      return {us(s), us(s + chr::hours(1))};
    }
    case G::kDay: {
      auto s = chr::floor<chr::days>(tp);
      return {us(s), us(s + chr::days(1))};
    }
    case G::kWeek: {
      auto d = chr::floor<chr::days>(tp);
      chr::sys_days s = d - (chr::weekday{d} - chr::Monday);
      return {us(s), us(s + chr::days(7))};
    }
    case G::kMonth:
    case G::kQuarter:
    case G::kYear: {
      chr::year_month_day ymd{chr::floor<chr::days>(tp)};
      unsigned m = unsigned(ymd.month());
      unsigned first = g == G::kMonth ? m : g == G::kQuarter ? (m - 1) / 3 * 3 + 1 : 1;
      unsigned span = g == G::kMonth ? 1 : g == G::kQuarter ? 3 : 12;
      chr::year_month start = ymd.year() / chr::month{first};
      chr::year_month end = start + chr::months(span);
      return {us(chr::sys_days{start / 1}), us(chr::sys_days{end / 1})};
    }
    case G::kNone: break;
  }
  return {t, t + 1};
}

constexpr G kAll[] = {G::kMinute, G::kHour, G::kDay, G::kWeek, G::kMonth, G::kQuarter, G::kYear};

struct Case {
  int64_t t;
  G g;
  int64_t start, end;
};

void check(const Case& c) {
  Bucket b = bucket_of(c.t, c.g);
  EXPECT_EQ(b.start, c.start) << granularity_name(c.g) << " of " << text(c.t) << ": start " << text(b.start)
                              << ", expected " << text(c.start);
  EXPECT_EQ(b.end, c.end) << granularity_name(c.g) << " of " << text(c.t) << ": end " << text(b.end)
                          << ", expected " << text(c.end);
}

TEST(TimeBucket, LeapYears) {
  const int64_t leap_noon = at(2024, 2, 29, 12, 34, 56, 789);
  check({leap_noon, G::kDay, at(2024, 2, 29), at(2024, 3, 1)});
  check({leap_noon, G::kMonth, at(2024, 2, 1), at(2024, 3, 1)});
  check({leap_noon, G::kQuarter, at(2024, 1, 1), at(2024, 4, 1)});
  check({leap_noon, G::kYear, at(2024, 1, 1), at(2025, 1, 1)});
  check({leap_noon, G::kWeek, at(2024, 2, 26), at(2024, 3, 4)});  // Thursday; Monday the 26th
  check({leap_noon, G::kHour, at(2024, 2, 29, 12), at(2024, 2, 29, 13)});
  check({leap_noon, G::kMinute, at(2024, 2, 29, 12, 34), at(2024, 2, 29, 12, 35)});
  // The last microsecond of February 2024, and the first of March.
  check({at(2024, 3, 1) - 1, G::kMonth, at(2024, 2, 1), at(2024, 3, 1)});
  check({at(2024, 3, 1), G::kMonth, at(2024, 3, 1), at(2024, 4, 1)});
  // 2000 is leap (divisible by 400); 1900 and 2100 are not (by 100).
  check({at(2000, 2, 29, 23, 59, 59, 999999), G::kDay, at(2000, 2, 29), at(2000, 3, 1)});
  check({at(2000, 2, 29), G::kMonth, at(2000, 2, 1), at(2000, 3, 1)});
  EXPECT_EQ(at(2000, 3, 1) - at(2000, 2, 1), 29 * kDay);
  EXPECT_EQ(at(1900, 3, 1) - at(1900, 2, 1), 28 * kDay);
  check({at(1900, 2, 28, 18), G::kDay, at(1900, 2, 28), at(1900, 3, 1)});
  check({at(1900, 2, 28, 18), G::kMonth, at(1900, 2, 1), at(1900, 3, 1)});
  check({at(1900, 3, 1) - 1, G::kMonth, at(1900, 2, 1), at(1900, 3, 1)});
  check({at(2100, 2, 15), G::kMonth, at(2100, 2, 1), at(2100, 3, 1)});
  // Year lengths.
  for (int y : {1600, 1700, 1900, 1969, 1970, 2000, 2023, 2024, 2100, 2400}) {
    Bucket b = bucket_of(at(y, 6, 1), G::kYear);
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    EXPECT_EQ(b.end - b.start, (leap ? 366 : 365) * kDay) << y;
  }
  // Civil dates: 1900-02-28 is followed by 1900-03-01; 2000-02-28 by the 29th.
  EXPECT_EQ(days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28), 1);
  EXPECT_EQ(days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28), 2);
  EXPECT_EQ(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28), 2);
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2024, 2, 29), 19782);
}

TEST(TimeBucket, IsoWeeksStartOnMonday) {
  // 1970-01-01 was a Thursday: its week started on Monday 1969-12-29.
  check({0, G::kWeek, at(1969, 12, 29), at(1970, 1, 5)});
  // ISO week 53 of 2020: Monday 2020-12-28 .. Sunday 2021-01-03, across the year end.
  for (int64_t t : {at(2020, 12, 28), at(2020, 12, 31, 23, 59, 59, 999999), at(2021, 1, 1), at(2021, 1, 3, 12),
                    at(2021, 1, 4) - 1})
    check({t, G::kWeek, at(2020, 12, 28), at(2021, 1, 4)});
  check({at(2021, 1, 4), G::kWeek, at(2021, 1, 4), at(2021, 1, 11)});
  check({at(2020, 12, 28) - 1, G::kWeek, at(2020, 12, 21), at(2020, 12, 28)});
  // Week 1 of 2025 starts in 2024 (Monday 2024-12-30).
  check({at(2025, 1, 1), G::kWeek, at(2024, 12, 30), at(2025, 1, 6)});
  // Week 53 of 2015 (2015-12-28..2016-01-03) and of 2026 (2026-12-28..2027-01-03).
  check({at(2016, 1, 3, 23), G::kWeek, at(2015, 12, 28), at(2016, 1, 4)});
  check({at(2027, 1, 2), G::kWeek, at(2026, 12, 28), at(2027, 1, 4)});
  // Every start is a Monday, seven days long, for weeks around the epoch and far from it.
  for (int64_t t : {at(1, 1, 1), at(1582, 10, 15), at(1969, 12, 28, 23, 59), at(1969, 12, 29), at(2000, 2, 29),
                    at(9999, 12, 31, 23, 59, 59, 999999)}) {
    Bucket b = bucket_of(t, G::kWeek);
    chr::sys_days d{chr::days(b.start / kDay)};
    EXPECT_EQ(b.start % kDay, 0) << text(t);
    EXPECT_EQ(chr::weekday{d}, chr::Monday) << text(t);
    EXPECT_EQ(b.end - b.start, 7 * kDay);
    EXPECT_LE(b.start, t);
    EXPECT_LT(t, b.end);
  }
}

TEST(TimeBucket, QuarterStarts) {
  const unsigned starts[] = {1, 1, 1, 4, 4, 4, 7, 7, 7, 10, 10, 10};
  for (unsigned m = 1; m <= 12; ++m) {
    const unsigned q = starts[m - 1];
    const int64_t end = q == 10 ? at(2023, 1, 1) : at(2022, q + 3, 1);
    check({at(2022, m, 15, 8), G::kQuarter, at(2022, q, 1), end});
    check({at(2022, m, 1), G::kQuarter, at(2022, q, 1), end});
  }
  // The exact first and last microseconds of each quarter.
  check({at(2022, 4, 1), G::kQuarter, at(2022, 4, 1), at(2022, 7, 1)});
  check({at(2022, 4, 1) - 1, G::kQuarter, at(2022, 1, 1), at(2022, 4, 1)});
  check({at(2022, 10, 1) - 1, G::kQuarter, at(2022, 7, 1), at(2022, 10, 1)});
  check({at(2023, 1, 1) - 1, G::kQuarter, at(2022, 10, 1), at(2023, 1, 1)});
  // Q1 of a leap year is 91 days, of another year 90.
  EXPECT_EQ(bucket_of(at(2024, 2, 1), G::kQuarter).end - bucket_of(at(2024, 2, 1), G::kQuarter).start, 91 * kDay);
  EXPECT_EQ(bucket_of(at(2023, 2, 1), G::kQuarter).end - bucket_of(at(2023, 2, 1), G::kQuarter).start, 90 * kDay);
}

TEST(TimeBucket, BeforeTheEpochFloors) {
  // -1 µs is 1969-12-31T23:59:59.999999: every bucket starts before the epoch.
  check({-1, G::kMinute, -kMin, 0});
  check({-1, G::kHour, -kHour, 0});
  check({-1, G::kDay, -kDay, 0});
  check({-1, G::kWeek, at(1969, 12, 29), at(1970, 1, 5)});
  check({-1, G::kMonth, at(1969, 12, 1), 0});
  check({-1, G::kQuarter, at(1969, 10, 1), 0});
  check({-1, G::kYear, at(1969, 1, 1), 0});
  // An exact bucket start before the epoch is its own start.
  check({-kMin, G::kMinute, -kMin, 0});
  check({-kMin - 1, G::kMinute, -2 * kMin, -kMin});
  check({-kDay, G::kDay, -kDay, 0});
  check({-kDay - 1, G::kDay, -2 * kDay, -kDay});
  check({at(1969, 12, 29), G::kWeek, at(1969, 12, 29), at(1970, 1, 5)});  // Monday 1969-12-29 itself
  check({at(1969, 12, 29) - 1, G::kWeek, at(1969, 12, 22), at(1969, 12, 29)});
  // Half-way instants far before 1970.
  const int64_t t = at(1900, 2, 28, 13, 30, 15, 250000);
  check({t, G::kMinute, at(1900, 2, 28, 13, 30), at(1900, 2, 28, 13, 31)});
  check({t, G::kHour, at(1900, 2, 28, 13), at(1900, 2, 28, 14)});
  check({t, G::kDay, at(1900, 2, 28), at(1900, 3, 1)});
  check({t, G::kWeek, at(1900, 2, 26), at(1900, 3, 5)});  // 1900-02-26 was a Monday
  check({t, G::kMonth, at(1900, 2, 1), at(1900, 3, 1)});
  check({t, G::kQuarter, at(1900, 1, 1), at(1900, 4, 1)});
  check({t, G::kYear, at(1900, 1, 1), at(1901, 1, 1)});
  // The extremes a timestamp column holds: years 0001 and 9999.
  const int64_t first = at(1, 1, 1), last = at(9999, 12, 31, 23, 59, 59, 999999);
  check({first, G::kYear, first, at(2, 1, 1)});
  check({first, G::kQuarter, first, at(1, 4, 1)});
  check({first, G::kMonth, first, at(1, 2, 1)});
  check({first, G::kDay, first, at(1, 1, 2)});
  check({first, G::kWeek, at(1, 1, 1), at(1, 1, 8)});  // 0001-01-01 was a Monday (proleptic)
  check({last, G::kYear, at(9999, 1, 1), at(10000, 1, 1)});
  check({last, G::kQuarter, at(9999, 10, 1), at(10000, 1, 1)});
  check({last, G::kMonth, at(9999, 12, 1), at(10000, 1, 1)});
  check({last, G::kDay, at(9999, 12, 31), at(10000, 1, 1)});
  check({last, G::kWeek, at(9999, 12, 27), at(10000, 1, 3)});
  check({last, G::kMinute, at(9999, 12, 31, 23, 59), at(10000, 1, 1)});
}

// At seeded random instants of years 0001..9999, for every granularity: the
// bucket is chrono's, holds t, and its start and last microsecond map to it
// while its end maps to the next bucket.
TEST(TimeBucket, RandomInstantsMatchChrono) {
  const uint64_t seed = 20250101;
  std::mt19937_64 rng(seed);
  const int64_t lo = at(1, 1, 1), hi = at(9999, 12, 31, 23, 59, 59, 999999);
  std::uniform_int_distribution<int64_t> any(lo, hi);
  std::uniform_int_distribution<int64_t> near(-400LL * 366 * kDay, 400LL * 366 * kDay);
  for (int i = 0; i < 20000; ++i) {
    int64_t t = (i % 2 == 0) ? any(rng) : near(rng);
    if (i % 7 == 0) t -= t % kDay;  // midnights (negative ones stay negative)
    for (G g : kAll) {
      Bucket b = bucket_of(t, g);
      Bucket r = reference(t, g);
      ASSERT_EQ(b.start, r.start) << "seed " << seed << " " << granularity_name(g) << " of " << text(t) << " (" << t
                                  << ")";
      ASSERT_EQ(b.end, r.end) << "seed " << seed << " " << granularity_name(g) << " of " << text(t);
      ASSERT_LE(b.start, t);
      ASSERT_LT(t, b.end);
      ASSERT_EQ(bucket_of(b.start, g).start, b.start);
      ASSERT_EQ(bucket_of(b.end - 1, g).start, b.start);
      if (b.end <= hi) {
        ASSERT_EQ(bucket_of(b.end, g).start, b.end);
      }
    }
  }
}

TEST(TimeBucket, CivilDaysRoundTrip) {
  // Every day of 0001-01-01 .. 9999-12-31, against chrono and back.
  const int64_t first = days_from_civil(1, 1, 1), last = days_from_civil(9999, 12, 31);
  EXPECT_EQ(first, int64_t(chr::sys_days{chr::year{1} / 1 / 1}.time_since_epoch().count()));
  EXPECT_EQ(last, int64_t(chr::sys_days{chr::year{9999} / 12 / 31}.time_since_epoch().count()));
  int64_t y;
  unsigned m, d;
  chr::year_month_day expect{chr::sys_days{chr::days(first)}};
  for (int64_t z = first; z <= last; ++z) {
    civil_from_days(z, &y, &m, &d);
    if (y != int(expect.year()) || m != unsigned(expect.month()) || d != unsigned(expect.day())) {
      FAIL() << "day " << z << ": " << y << "-" << m << "-" << d << ", chrono says " << int(expect.year()) << "-"
             << unsigned(expect.month()) << "-" << unsigned(expect.day());
    }
    if (days_from_civil(y, m, d) != z) FAIL() << "day " << z << " does not round-trip";
    expect = chr::year_month_day{chr::sys_days{expect} + chr::days(1)};
  }
  // A wider proleptic range, sampled (negative years included).
  for (int64_t z = -4'000'000; z <= 8'000'000; z += 997) {
    civil_from_days(z, &y, &m, &d);
    ASSERT_GE(m, 1u);
    ASSERT_LE(m, 12u);
    ASSERT_GE(d, 1u);
    ASSERT_LE(d, 31u);
    ASSERT_EQ(days_from_civil(y, m, d), z) << y << "-" << m << "-" << d;
    chr::year_month_day c{chr::sys_days{chr::days(z)}};
    ASSERT_EQ(y, int(c.year())) << z;
    ASSERT_EQ(m, unsigned(c.month())) << z;
    ASSERT_EQ(d, unsigned(c.day())) << z;
  }
}

}  // namespace
}  // namespace claribi::analytics
