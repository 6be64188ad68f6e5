// Cron expressions for report schedules (the `schedule` field, docs/resources.md):
// parsing the five-field syntax and the @macros into bit sets, and finding the
// next time a schedule fires. Reports are scheduled in UTC, so there is no time
// zone or daylight-saving handling; the date math is plain proleptic Gregorian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace claribi::model {

// The longest expression parse_cron accepts, in characters (before trimming).
inline constexpr size_t kMaxCronLength = 200;

// A parsed schedule: one bit per allowed value in each field.
struct CronSchedule {
  uint64_t minutes = 0;        // bit i set = minute i (0..59)
  uint32_t hours = 0;          // 0..23
  uint32_t days_of_month = 0;  // bit d for day d (1..31)
  uint16_t months = 0;         // bit m for month m (1..12)
  uint8_t days_of_week = 0;    // bit 0 = Sunday .. bit 6 = Saturday (7 folds into 0)
  // The field did not start with '*'. Vixie cron: when both are restricted, a day
  // matches if EITHER matches; otherwise it must match both.
  bool dom_restricted = false, dow_restricted = false;
};

// Parses `text`: five fields separated by spaces/tabs (minute, hour, day of
// month, month, day of week), each `*`, a value, a range `a-b`, a step `*/n`,
// `a-b/n` or `a/n` (= a-max/n), or a comma list of those; month and day-of-week
// names (JAN..DEC, SUN..SAT) in any case; or one of @yearly, @annually,
// @monthly, @weekly, @daily, @midnight, @hourly. Leading/trailing whitespace is
// ignored. On success fills *out and returns true. On failure returns false,
// leaves *out unchanged and sets *error (if not null) to a short message naming
// the problem, e.g. "minute field: 61 is out of range 0-59".
bool parse_cron(std::string_view text, CronSchedule* out, std::string* error);

// The first time strictly after `after` (Unix seconds, UTC) that matches `s`,
// a multiple of 60; 0 if there is none within the next 5 years (5 * 366 days),
// e.g. for "0 0 31 2 *". Walks whole months and days, never minute by minute.
int64_t next_cron_time(const CronSchedule& s, int64_t after);

}  // namespace claribi::model
