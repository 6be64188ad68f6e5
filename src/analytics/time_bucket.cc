#include "analytics/time_bucket.h"

namespace claribi::analytics {

namespace {

constexpr int64_t kMinuteUs = 60'000'000;
constexpr int64_t kHourUs = 60 * kMinuteUs;
constexpr int64_t kDayUs = 24 * kHourUs;

// floor(a / b) for b > 0.
inline int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

Bucket fixed(int64_t t, int64_t width, int64_t offset = 0) {
  int64_t start = floor_div(t - offset, width) * width + offset;
  return {start, start + width};
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + int64_t(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = unsigned(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = int64_t(yoe) + era * 400 + (*m <= 2);
}

Bucket bucket_of(int64_t t, Granularity g) {
  switch (g) {
    case Granularity::kMinute: return fixed(t, kMinuteUs);
    case Granularity::kHour: return fixed(t, kHourUs);
    case Granularity::kDay: return fixed(t, kDayUs);
    case Granularity::kWeek: return fixed(t, 7 * kDayUs, -3 * kDayUs);  // Monday 1969-12-29
    case Granularity::kMonth:
    case Granularity::kQuarter:
    case Granularity::kYear: {
      int64_t y;
      unsigned m, d;
      civil_from_days(floor_div(t, kDayUs), &y, &m, &d);
      unsigned first = g == Granularity::kMonth ? m : g == Granularity::kQuarter ? (m - 1) / 3 * 3 + 1 : 1;
      unsigned span = g == Granularity::kMonth ? 1 : g == Granularity::kQuarter ? 3 : 12;
      int64_t ny = y;
      unsigned nm = first + span;
      if (nm > 12) {
        nm -= 12;
        ++ny;
      }
      return {days_from_civil(y, first, 1) * kDayUs, days_from_civil(ny, nm, 1) * kDayUs};
    }
    case Granularity::kNone: break;
  }
  return {t, t + 1};
}

}  // namespace claribi::analytics
