// Tests of the report-schedule cron parser and next-time computation
// (model/cron.h; the `schedule` field of docs/resources.md). Expected times are
// computed with std::chrono's calendar, independently of the code under test.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "model/cron.h"

namespace claribi::model {
namespace {

using namespace std::chrono;

// Unix seconds of a UTC date and time.
int64_t utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  const sys_days date{year{y} / month{mo} / day{d}};
  return duration_cast<seconds>(date.time_since_epoch()).count() + h * 3600 + mi * 60 + s;
}

// Bit set of the listed values.
uint64_t bits(std::initializer_list<int> values) {
  uint64_t b = 0;
  for (int v : values) b |= uint64_t{1} << v;
  return b;
}
uint64_t bit_range(int lo, int hi, int step = 1) {
  uint64_t b = 0;
  for (int v = lo; v <= hi; v += step) b |= uint64_t{1} << v;
  return b;
}

CronSchedule parse_ok(std::string_view text) {
  CronSchedule s;
  std::string error;
  EXPECT_TRUE(parse_cron(text, &s, &error)) << "'" << text << "': " << error;
  return s;
}

// The error message for an expression that must be rejected.
std::string parse_error(std::string_view text) {
  CronSchedule s;
  std::string error;
  EXPECT_FALSE(parse_cron(text, &s, &error)) << "'" << text << "' was accepted";
  EXPECT_FALSE(error.empty()) << text;
  return error;
}

// ---- Parsing: accepted forms ----

TEST(CronParse, AllStarsAllowsEverything) {
  CronSchedule s = parse_ok("* * * * *");
  EXPECT_EQ(s.minutes, bit_range(0, 59));
  EXPECT_EQ(s.hours, bit_range(0, 23));
  EXPECT_EQ(s.days_of_month, bit_range(1, 31));
  EXPECT_EQ(s.months, bit_range(1, 12));
  EXPECT_EQ(s.days_of_week, bit_range(0, 6));
  EXPECT_FALSE(s.dom_restricted);
  EXPECT_FALSE(s.dow_restricted);
}

TEST(CronParse, SingleValuesAndFieldBoundaries) {
  CronSchedule s = parse_ok("5 13 1 12 0");
  EXPECT_EQ(s.minutes, bits({5}));
  EXPECT_EQ(s.hours, bits({13}));
  EXPECT_EQ(s.days_of_month, bits({1}));
  EXPECT_EQ(s.months, bits({12}));
  EXPECT_EQ(s.days_of_week, bits({0}));
  EXPECT_TRUE(s.dom_restricted);
  EXPECT_TRUE(s.dow_restricted);

  s = parse_ok("59 23 31 12 6");
  EXPECT_EQ(s.minutes, bits({59}));
  EXPECT_EQ(s.hours, bits({23}));
  EXPECT_EQ(s.days_of_month, bits({31}));
  EXPECT_EQ(s.days_of_week, bits({6}));

  s = parse_ok("0 0 1 1 *");
  EXPECT_EQ(s.minutes, bits({0}));
  EXPECT_EQ(s.months, bits({1}));
  EXPECT_EQ(s.days_of_week, bit_range(0, 6));
  EXPECT_TRUE(s.dom_restricted);
  EXPECT_FALSE(s.dow_restricted);

  EXPECT_EQ(parse_ok("05 007 * * *").hours, bits({7}));
}

TEST(CronParse, Ranges) {
  CronSchedule s = parse_ok("10-15 9-17 1-7 3-5 1-5");
  EXPECT_EQ(s.minutes, bit_range(10, 15));
  EXPECT_EQ(s.hours, bit_range(9, 17));
  EXPECT_EQ(s.days_of_month, bit_range(1, 7));
  EXPECT_EQ(s.months, bit_range(3, 5));
  EXPECT_EQ(s.days_of_week, bit_range(1, 5));
  EXPECT_EQ(parse_ok("7-7 * * * *").minutes, bits({7}));
}

TEST(CronParse, Steps) {
  EXPECT_EQ(parse_ok("*/15 * * * *").minutes, bits({0, 15, 30, 45}));
  EXPECT_EQ(parse_ok("* */6 * * *").hours, bits({0, 6, 12, 18}));
  EXPECT_EQ(parse_ok("* * */10 * *").days_of_month, bits({1, 11, 21, 31}));
  EXPECT_EQ(parse_ok("* * * */4 *").months, bits({1, 5, 9}));
  EXPECT_EQ(parse_ok("* * * * */2").days_of_week, bits({0, 2, 4, 6}));
  EXPECT_EQ(parse_ok("10-30/10 * * * *").minutes, bits({10, 20, 30}));
  EXPECT_EQ(parse_ok("1-10/4 * * * *").minutes, bits({1, 5, 9}));
  // `a/n` runs from a to the field's maximum.
  EXPECT_EQ(parse_ok("10/20 * * * *").minutes, bits({10, 30, 50}));
  EXPECT_EQ(parse_ok("* 20/2 * * *").hours, bits({20, 22}));
  // The largest step the field allows.
  EXPECT_EQ(parse_ok("*/59 * * * *").minutes, bits({0, 59}));
  EXPECT_EQ(parse_ok("* * * */11 *").months, bits({1, 12}));
}

TEST(CronParse, Lists) {
  CronSchedule s = parse_ok("0,30,45-47,*/20 1,2,3 1,15 1,6-7 1,3,5");
  EXPECT_EQ(s.minutes, bits({0, 20, 30, 40, 45, 46, 47}));
  EXPECT_EQ(s.hours, bits({1, 2, 3}));
  EXPECT_EQ(s.days_of_month, bits({1, 15}));
  EXPECT_EQ(s.months, bits({1, 6, 7}));
  EXPECT_EQ(s.days_of_week, bits({1, 3, 5}));
  EXPECT_EQ(parse_ok("5,5,5 * * * *").minutes, bits({5}));
}

TEST(CronParse, MonthNamesInAnyCase) {
  EXPECT_EQ(parse_ok("0 0 1 JAN *").months, bits({1}));
  EXPECT_EQ(parse_ok("0 0 1 dec *").months, bits({12}));
  EXPECT_EQ(parse_ok("0 0 1 jan,Jun,DEC *").months, bits({1, 6, 12}));
  EXPECT_EQ(parse_ok("0 0 1 MAR-may *").months, bits({3, 4, 5}));
  EXPECT_EQ(parse_ok("0 0 1 feb-Aug/3 *").months, bits({2, 5, 8}));
  EXPECT_EQ(parse_ok("0 0 1 oct/1 *").months, bits({10, 11, 12}));
  EXPECT_EQ(parse_ok("0 0 1 2-APR *").months, bits({2, 3, 4}));
  const char* names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  for (int m = 1; m <= 12; ++m)
    EXPECT_EQ(parse_ok(std::string("0 0 1 ") + names[m - 1] + " *").months, bits({m})) << names[m - 1];
}

TEST(CronParse, DayNamesInAnyCase) {
  EXPECT_EQ(parse_ok("0 9 * * MON-FRI").days_of_week, bit_range(1, 5));
  EXPECT_EQ(parse_ok("0 9 * * sun").days_of_week, bits({0}));
  EXPECT_EQ(parse_ok("0 9 * * Sat,sUn").days_of_week, bits({0, 6}));
  EXPECT_EQ(parse_ok("0 9 * * sun-sat/3").days_of_week, bits({0, 3, 6}));
  const char* names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  for (int d = 0; d < 7; ++d)
    EXPECT_EQ(parse_ok(std::string("0 0 * * ") + names[d]).days_of_week, bits({d})) << names[d];
}

TEST(CronParse, SevenIsSunday) {
  EXPECT_EQ(parse_ok("0 0 * * 7").days_of_week, bits({0}));
  EXPECT_EQ(parse_ok("0 0 * * 0,7").days_of_week, bits({0}));
  EXPECT_EQ(parse_ok("0 0 * * 5-7").days_of_week, bits({5, 6, 0}));
  EXPECT_EQ(parse_ok("0 0 * * 1-7").days_of_week, bit_range(0, 6));
  EXPECT_EQ(parse_ok("0 0 * * 0-7").days_of_week, bit_range(0, 6));
  EXPECT_EQ(parse_ok("0 0 * * 6/1").days_of_week, bits({6, 0}));
  EXPECT_EQ(parse_ok("0 0 * * */7").days_of_week, bits({0}));
}

TEST(CronParse, WhitespaceBetweenAndAroundFields) {
  CronSchedule s = parse_ok("  \t0\t12   *  * \t MON \r\n");
  EXPECT_EQ(s.minutes, bits({0}));
  EXPECT_EQ(s.hours, bits({12}));
  EXPECT_EQ(s.days_of_week, bits({1}));
}

TEST(CronParse, Macros) {
  struct Case {
    const char* macro;
    const char* equivalent;
  } cases[] = {
      {"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
      {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"},
  };
  for (const Case& c : cases) {
    CronSchedule a = parse_ok(c.macro), b = parse_ok(c.equivalent);
    EXPECT_EQ(a.minutes, b.minutes) << c.macro;
    EXPECT_EQ(a.hours, b.hours) << c.macro;
    EXPECT_EQ(a.days_of_month, b.days_of_month) << c.macro;
    EXPECT_EQ(a.months, b.months) << c.macro;
    EXPECT_EQ(a.days_of_week, b.days_of_week) << c.macro;
    EXPECT_EQ(a.dom_restricted, b.dom_restricted) << c.macro;
    EXPECT_EQ(a.dow_restricted, b.dow_restricted) << c.macro;
  }
  EXPECT_EQ(parse_ok("@hourly").minutes, bits({0}));
  EXPECT_EQ(parse_ok("@hourly").hours, bit_range(0, 23));
  EXPECT_EQ(parse_ok("@weekly").days_of_week, bits({0}));
  EXPECT_EQ(parse_ok(" @daily\n").hours, bits({0}));
  EXPECT_EQ(parse_ok("@Monthly").days_of_month, bits({1}));
}

TEST(CronParse, FailureLeavesOutputAloneAndErrorMayBeNull) {
  CronSchedule s;
  s.minutes = 42;
  EXPECT_FALSE(parse_cron("61 * * * *", &s, nullptr));
  EXPECT_EQ(s.minutes, 42u);
  EXPECT_TRUE(parse_cron("1 * * * *", &s, nullptr));
  EXPECT_EQ(s.minutes, bits({1}));
}

// ---- Parsing: rejections ----

TEST(CronReject, WrongFieldCount) {
  EXPECT_EQ(parse_error("* * * *"), "expected 5 fields, got 4");
  EXPECT_EQ(parse_error("* * * * * *"), "expected 5 fields, got 6");
  EXPECT_EQ(parse_error("0"), "expected 5 fields, got 1");
  EXPECT_NE(parse_error("").find("empty"), std::string::npos);
  EXPECT_NE(parse_error(" \t\n").find("empty"), std::string::npos);
}

TEST(CronReject, OutOfRange) {
  EXPECT_EQ(parse_error("61 * * * *"), "minute field: 61 is out of range 0-59");
  EXPECT_EQ(parse_error("60 * * * *"), "minute field: 60 is out of range 0-59");
  EXPECT_EQ(parse_error("* 24 * * *"), "hour field: 24 is out of range 0-23");
  EXPECT_EQ(parse_error("* * 0 * *"), "day-of-month field: 0 is out of range 1-31");
  EXPECT_EQ(parse_error("* * 32 * *"), "day-of-month field: 32 is out of range 1-31");
  EXPECT_EQ(parse_error("* * * 0 *"), "month field: 0 is out of range 1-12");
  EXPECT_EQ(parse_error("* * * 13 *"), "month field: 13 is out of range 1-12");
  EXPECT_EQ(parse_error("* * * * 8"), "day-of-week field: 8 is out of range 0-7");
  EXPECT_NE(parse_error("0-60 * * * *").find("60 is out of range"), std::string::npos);
  EXPECT_NE(parse_error("60/5 * * * *").find("60 is out of range"), std::string::npos);
  EXPECT_NE(parse_error("1,2,99 * * * *").find("99 is out of range"), std::string::npos);
  EXPECT_NE(parse_error("99999999999999999999 * * * *").find("99999999999999999999 is out of range"),
            std::string::npos);
}

TEST(CronReject, BackwardsRange) {
  EXPECT_NE(parse_error("30-10 * * * *").find("minute field: range 30-10"), std::string::npos);
  EXPECT_NE(parse_error("* * * DEC-JAN *").find("month field: range"), std::string::npos);
  EXPECT_NE(parse_error("* * * * FRI-MON").find("day-of-week field: range"), std::string::npos);
  EXPECT_NE(parse_error("* * * * 7-1").find("range 7-1"), std::string::npos);
  EXPECT_NE(parse_error("* * * * SAT-SUN").find("range"), std::string::npos);
}

TEST(CronReject, BadSteps) {
  EXPECT_NE(parse_error("*/0 * * * *").find("minute field: step 0"), std::string::npos);
  EXPECT_NE(parse_error("1-5/0 * * * *").find("step 0"), std::string::npos);
  EXPECT_NE(parse_error("*/60 * * * *").find("minute field: step 60"), std::string::npos);
  EXPECT_NE(parse_error("* */24 * * *").find("hour field: step 24"), std::string::npos);
  EXPECT_NE(parse_error("* * */31 * *").find("day-of-month field: step 31"), std::string::npos);
  EXPECT_NE(parse_error("* * * */12 *").find("month field: step 12"), std::string::npos);
  EXPECT_NE(parse_error("* * * * */8").find("day-of-week field: step 8"), std::string::npos);
  EXPECT_NE(parse_error("*/ * * * *").find("step"), std::string::npos);
  EXPECT_NE(parse_error("*/,5 * * * *").find("step"), std::string::npos);
  EXPECT_NE(parse_error("* * * * */MON").find("step"), std::string::npos);
  EXPECT_NE(parse_error("*/5/2 * * * *").find("unexpected character '/'"), std::string::npos);
}

TEST(CronReject, EmptyListItems) {
  EXPECT_EQ(parse_error("1,,2 * * * *"), "minute field: empty list item");
  EXPECT_EQ(parse_error(",1 * * * *"), "minute field: empty list item");
  EXPECT_EQ(parse_error("* 1, * * *"), "hour field: empty list item");
  EXPECT_EQ(parse_error("* * * * ,"), "day-of-week field: empty list item");
}

TEST(CronReject, GarbageCharacters) {
  EXPECT_NE(parse_error("1#2 * * * *").find("minute field: unexpected character '#'"), std::string::npos);
  EXPECT_NE(parse_error("5x * * * *").find("unexpected character 'x'"), std::string::npos);
  EXPECT_NE(parse_error("* * ? * *").find("day-of-month field: unexpected character '?'"), std::string::npos);
  EXPECT_NE(parse_error("* * * * 5#2").find("unexpected character '#'"), std::string::npos);
  EXPECT_NE(parse_error("** * * * *").find("unexpected character '*'"), std::string::npos);
  EXPECT_NE(parse_error("*-5 * * * *").find("unexpected character '-'"), std::string::npos);
  EXPECT_NE(parse_error("-5 * * * *").find("unexpected character '-'"), std::string::npos);
  EXPECT_NE(parse_error("1-5-7 * * * *").find("unexpected character '-'"), std::string::npos);
  EXPECT_NE(parse_error("1-* * * * *").find("unexpected character '*'"), std::string::npos);
  EXPECT_NE(parse_error("1- * * * *").find("missing end of range"), std::string::npos);
  EXPECT_NE(parse_error("0 0 * *\n* *").find("unexpected character '\\x0a'"), std::string::npos);
  EXPECT_NE(parse_error("0 0 * * \xc3\xb6").find("\\xc3"), std::string::npos);
  EXPECT_NE(parse_error(std::string_view("0 0 * * 1\0", 10)).find("\\x00"), std::string::npos);
}

TEST(CronReject, NamesWhereOnlyNumbersAreAllowed) {
  EXPECT_NE(parse_error("JAN * * * *").find("minute field: names"), std::string::npos);
  EXPECT_NE(parse_error("* MON * * *").find("hour field: names"), std::string::npos);
  EXPECT_NE(parse_error("* * MON * *").find("day-of-month field: names"), std::string::npos);
  EXPECT_NE(parse_error("* * L * *").find("day-of-month field: names"), std::string::npos);
  EXPECT_NE(parse_error("* * 1-FRI * *").find("day-of-month field: names"), std::string::npos);
}

TEST(CronReject, UnknownNames) {
  EXPECT_NE(parse_error("* * * MON *").find("month field: unknown month name 'MON'"), std::string::npos);
  EXPECT_NE(parse_error("* * * JANUARY *").find("unknown month name"), std::string::npos);
  EXPECT_NE(parse_error("* * * * JAN").find("day-of-week field: unknown day name 'JAN'"), std::string::npos);
  EXPECT_NE(parse_error("* * * * MONDAY").find("unknown day name"), std::string::npos);
}

TEST(CronReject, TooLong) {
  // 200 characters is accepted; 201 is not (a long list of valid minutes).
  std::string text = "0";
  while (text.size() < 200 - 9) text += ",0";
  text += " * * * *";
  while (text.size() < 200) text.insert(0, " ");
  ASSERT_EQ(text.size(), 200u);
  parse_ok(text);
  text.insert(0, " ");
  EXPECT_NE(parse_error(text).find("longer than 200"), std::string::npos);
  EXPECT_NE(parse_error(std::string(10000, '*')).find("longer than 200"), std::string::npos);
}

TEST(CronReject, BadMacros) {
  EXPECT_NE(parse_error("@reboot").find("unknown macro '@reboot'"), std::string::npos);
  EXPECT_NE(parse_error("@").find("unknown macro"), std::string::npos);
  EXPECT_NE(parse_error("@every_5m").find("unknown macro"), std::string::npos);
  EXPECT_NE(parse_error("@daily 5").find("@daily cannot be followed"), std::string::npos);
  EXPECT_NE(parse_error("0 0 @daily * *").find("unexpected character '@'"), std::string::npos);
}

// ---- next_cron_time ----

int64_t next(std::string_view text, int64_t after) { return next_cron_time(parse_ok(text), after); }

TEST(CronNext, EveryMinuteIsStrictlyAfter) {
  EXPECT_EQ(next("* * * * *", 0), 60);
  EXPECT_EQ(next("* * * * *", 1), 60);
  EXPECT_EQ(next("* * * * *", 59), 60);
  EXPECT_EQ(next("* * * * *", 60), 120);
  const int64_t t = utc(2025, 6, 15, 10, 30);
  EXPECT_EQ(next("* * * * *", t - 1), t);
  EXPECT_EQ(next("* * * * *", t), t + 60);
}

TEST(CronNext, AnExactMatchGivesTheNextOccurrence) {
  EXPECT_EQ(next("30 9 * * *", utc(2025, 1, 1, 9, 30)), utc(2025, 1, 2, 9, 30));
  EXPECT_EQ(next("30 9 * * *", utc(2025, 1, 1, 9, 29, 59)), utc(2025, 1, 1, 9, 30));
  EXPECT_EQ(next("30 9 * * *", utc(2025, 1, 1, 9, 30, 1)), utc(2025, 1, 2, 9, 30));
  EXPECT_EQ(next("@yearly", utc(2025, 1, 1)), utc(2026, 1, 1));
  EXPECT_EQ(next("@yearly", utc(2025, 12, 31, 23, 59, 59)), utc(2026, 1, 1));
}

TEST(CronNext, Macros) {
  const int64_t t = utc(2025, 5, 14, 13, 7, 12);  // a Wednesday
  EXPECT_EQ(next("@hourly", t), utc(2025, 5, 14, 14, 0));
  EXPECT_EQ(next("@daily", t), utc(2025, 5, 15));
  EXPECT_EQ(next("@midnight", t), utc(2025, 5, 15));
  EXPECT_EQ(next("@weekly", t), utc(2025, 5, 18));  // Sunday
  EXPECT_EQ(next("@monthly", t), utc(2025, 6, 1));
  EXPECT_EQ(next("@annually", t), utc(2026, 1, 1));
}

TEST(CronNext, HoursAndMinutesWithinAndAcrossDays) {
  const char* office = "*/15 9-17 * * MON-FRI";
  EXPECT_EQ(next(office, utc(2025, 1, 3, 10, 7, 30)), utc(2025, 1, 3, 10, 15));  // Friday
  EXPECT_EQ(next(office, utc(2025, 1, 3, 17, 45)), utc(2025, 1, 6, 9, 0));      // to Monday
  EXPECT_EQ(next(office, utc(2025, 1, 4, 12, 0)), utc(2025, 1, 6, 9, 0));       // from Saturday
  EXPECT_EQ(next("5 * * * *", utc(2025, 1, 1, 23, 6)), utc(2025, 1, 2, 0, 5));
  EXPECT_EQ(next("0 0 1 1 *", utc(2025, 12, 31, 23, 59, 59)), utc(2026, 1, 1));
}

TEST(CronNext, SkipsMonthsAndShortMonths) {
  EXPECT_EQ(next("0 0 31 * *", utc(2025, 1, 31)), utc(2025, 3, 31));
  EXPECT_EQ(next("0 0 31 * *", utc(2025, 4, 1)), utc(2025, 5, 31));
  EXPECT_EQ(next("0 0 1 JUL *", utc(2025, 8, 1)), utc(2026, 7, 1));
  EXPECT_EQ(next("0 6 * DEC *", utc(2025, 1, 10)), utc(2025, 12, 1, 6, 0));
  EXPECT_EQ(next("0 0 30 jan,feb,mar *", utc(2025, 1, 30, 0, 0, 1)), utc(2025, 3, 30));
}

TEST(CronNext, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  // January 2025: the 1st is a Wednesday, the 3rd and 10th Fridays, the 13th a Monday.
  const char* expr = "0 0 13 * FRI";
  EXPECT_EQ(next(expr, utc(2025, 1, 1)), utc(2025, 1, 3));
  EXPECT_EQ(next(expr, utc(2025, 1, 3)), utc(2025, 1, 10));
  EXPECT_EQ(next(expr, utc(2025, 1, 10)), utc(2025, 1, 13));
  EXPECT_EQ(next(expr, utc(2025, 1, 13)), utc(2025, 1, 17));
  // As in Vixie cron, a field starting with '*' is unrestricted, so "*/2"
  // days AND Mondays: Monday the 6th is even, Monday the 13th matches.
  EXPECT_EQ(next("0 0 */2 * MON", utc(2025, 1, 5)), utc(2025, 1, 13));
}

TEST(CronNext, BothMustMatchWhenOneIsStar) {
  EXPECT_EQ(next("0 0 13 * *", utc(2025, 1, 1)), utc(2025, 1, 13));
  EXPECT_EQ(next("0 0 * * FRI", utc(2025, 1, 1)), utc(2025, 1, 3));
  // A month restriction does not change that: Fridays in June (the 1st is a Sunday).
  EXPECT_EQ(next("0 0 * JUN FRI", utc(2025, 5, 20)), utc(2025, 6, 6));
}

TEST(CronNext, SevenAndZeroAreSunday) {
  const int64_t from = utc(2025, 1, 1);  // Wednesday; Sunday is the 5th
  EXPECT_EQ(next("30 8 * * 7", from), utc(2025, 1, 5, 8, 30));
  EXPECT_EQ(next("30 8 * * 0", from), utc(2025, 1, 5, 8, 30));
  EXPECT_EQ(next("30 8 * * SUN", from), utc(2025, 1, 5, 8, 30));
  EXPECT_EQ(next("30 8 * * 6-7", utc(2025, 1, 4, 9)), utc(2025, 1, 5, 8, 30));
}

TEST(CronNext, LeapYears) {
  EXPECT_EQ(next("0 12 29 2 *", utc(2025, 3, 1)), utc(2028, 2, 29, 12, 0));
  EXPECT_EQ(next("0 12 29 2 *", utc(2024, 2, 29, 11, 59)), utc(2024, 2, 29, 12, 0));
  EXPECT_EQ(next("0 12 29 2 *", utc(2024, 2, 29, 12, 0)), utc(2028, 2, 29, 12, 0));
  // 2100 is not a leap year: the 29th after 2096 is in 2104, too far from 2096...
  EXPECT_EQ(next("0 12 29 2 *", utc(2096, 3, 1)), 0);
  // ...but within five years of 2099.
  EXPECT_EQ(next("0 12 29 2 *", utc(2099, 3, 1)), utc(2104, 2, 29, 12, 0));
  // 2000 was one (divisible by 400).
  EXPECT_EQ(next("0 0 29 2 *", utc(1999, 6, 1)), utc(2000, 2, 29));
  EXPECT_EQ(next("0 0 1 3 *", utc(2028, 2, 28, 12)), utc(2028, 3, 1));
  // Skipping whole months must know February's length in 2000 and 2100.
  EXPECT_EQ(next("0 0 1 3 *", utc(2000, 2, 10)), utc(2000, 3, 1));
  EXPECT_EQ(next("0 0 1 3 *", utc(2100, 2, 10)), utc(2100, 3, 1));
  EXPECT_EQ(next("0 0 * 3 *", utc(2000, 1, 31, 12)), utc(2000, 3, 1));
}

TEST(CronNext, LooksAheadExactlyFiveTimes366Days) {
  constexpr int64_t kHorizon = 5 * 366 * 86400;
  const int64_t target = utc(2104, 2, 29, 12, 0);
  EXPECT_EQ(next("0 12 29 2 *", target - kHorizon), target);
  EXPECT_EQ(next("0 12 29 2 *", target - kHorizon - 1), 0);
  EXPECT_EQ(next("0 12 29 2 *", target - kHorizon - 6 * 3600), 0);
}

TEST(CronNext, NeverMatchingReturnsZero) {
  EXPECT_EQ(next("0 0 31 2 *", utc(2025, 1, 1)), 0);
  EXPECT_EQ(next("0 0 30 2 *", utc(2025, 1, 1)), 0);
  EXPECT_EQ(next("0 0 31 4,6,9,11 *", utc(2025, 1, 1)), 0);
  EXPECT_EQ(next_cron_time(CronSchedule{}, utc(2025, 1, 1)), 0);
}

TEST(CronNext, BeforeTheEpoch) {
  EXPECT_EQ(next("0 0 1 * *", utc(1969, 11, 15)), utc(1969, 12, 1));
  EXPECT_EQ(next("30 * * * *", utc(1969, 12, 31, 23, 59, 59)), utc(1970, 1, 1, 0, 30));
  EXPECT_EQ(next("* * * * *", -61), -60);
}

// A straightforward reference built on std::chrono's calendar: minute by
// minute within days whose date matches, a whole day at a time otherwise.
int64_t reference_next(const CronSchedule& s, int64_t after, int max_days) {
  int64_t t = (after >= 0 ? after / 60 : (after - 59) / 60) * 60 + 60;
  const int64_t end = t + int64_t{max_days} * 86400;
  while (t < end) {
    const sys_seconds tp{seconds{t}};
    const sys_days date = floor<days>(tp);
    const year_month_day ymd{date};
    const bool dom = (s.days_of_month >> unsigned(ymd.day())) & 1;
    const bool dow = (s.days_of_week >> weekday{date}.c_encoding()) & 1;
    const bool day_ok = (s.dom_restricted && s.dow_restricted) ? (dom || dow) : (dom && dow);
    if (!day_ok || !((s.months >> unsigned(ymd.month())) & 1)) {
      t = duration_cast<seconds>((date + days{1}).time_since_epoch()).count();
      continue;
    }
    const hh_mm_ss hms{tp - date};
    if (((s.hours >> hms.hours().count()) & 1) && ((s.minutes >> hms.minutes().count()) & 1)) return t;
    t += 60;
  }
  return -1;
}

TEST(CronNext, AgreesWithAReferenceSearch) {
  const char* exprs[] = {
      "* * * * *",         "*/7 * * * *",        "0 */5 * * *",      "15,45 9-17 * * 1-5", "0 0 1,15 * *",
      "0 0 13 * FRI",      "0 0 * * sat,sun",    "59 23 31 * *",     "0 12 * feb-apr *",   "5-10/2 3 */3 * *",
      "0 0 */2 * MON",     "10/20 20/2 * * 7",   "@weekly",          "@monthly",           "0 0 29 * *",
  };
  std::mt19937_64 rng(20250101);
  std::uniform_int_distribution<int64_t> when(utc(1995, 1, 1), utc(2060, 1, 1));
  for (const char* e : exprs) {
    const CronSchedule s = parse_ok(e);
    for (int i = 0; i < 20; ++i) {
      const int64_t after = when(rng);
      const int64_t got = next_cron_time(s, after);
      ASSERT_EQ(got, reference_next(s, after, 400)) << e << " after " << after;
      EXPECT_GT(got, after);
      EXPECT_EQ(got % 60, 0);
    }
  }
}

}  // namespace
}  // namespace claribi::model
