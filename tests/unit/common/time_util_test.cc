// parse_iso8601: instants as API.md writes them, and impossible dates
// refused (issue 15: February 31st used to be accepted).
#include <gtest/gtest.h>

#include "common/time_util.h"

namespace claribi {
namespace {

TEST(ParseIso8601, InstantsInUtc) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601("2026-12-31T23:59:59Z"), 1798761599);
  EXPECT_EQ(parse_iso8601("2024-02-29T12:00:00.250+00:00"), 1709208000);
  EXPECT_EQ(parse_iso8601("2000-02-29 00:00:00+0000"), 951782400);
}

TEST(ParseIso8601, ImpossibleDatesAreRefused) {
  for (const char* bad : {"2026-02-31T00:00:00Z", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
                          "2026-04-31T00:00:00Z", "2026-06-31T00:00:00Z", "2026-09-31T00:00:00Z",
                          "2026-11-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-00T00:00:00Z",
                          "2026-01-01T24:00:00Z", "2026-01-01T00:00:00+01:00"}) {
    EXPECT_FALSE(parse_iso8601(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace claribi
