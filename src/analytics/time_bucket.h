// Time buckets of API.md §10, in UTC, computed arithmetically on
// microseconds since the Unix epoch: minute, hour and day by floor
// division; ISO weeks start on Monday (1970-01-01 was a Thursday); months,
// quarters and years through the proleptic Gregorian calendar (days from
// civil dates and back, Howard Hinnant's algorithms). Works for every
// int64 instant a timestamp column can hold (years 0001-9999).
#pragma once

#include <cstdint>

#include "analytics/query.h"

namespace claribi::analytics {

// The start of the bucket holding t, and the start of the next one (t is in
// [start, end)); g != kNone.
struct Bucket {
  int64_t start;
  int64_t end;
};
Bucket bucket_of(int64_t t_us, Granularity g);

// Days since 1970-01-01 of a civil date, and back (m 1-12, d 1-31).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d);

}  // namespace claribi::analytics
