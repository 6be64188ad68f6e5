// plan_query (analytics/plan.h): the refusals of API.md §10 with their exact
// field paths — a missing field, sum/avg of a non-number, min/max of a
// boolean, a time field that is not a timestamp, a filter value of the wrong
// type for each column type, contains on a non-string, no metrics — each
// beside a positive control that plans; the output columns and their types;
// and Predicate normalization: an integer column against 2.5 (and other
// non-integer, integral and out-of-range constants) for every operator, in
// lists sorted and deduplicated with nulls dropped, null tests, timestamp
// constants with offsets; may_match/always_matches against hand-made zone maps.
#include "analytics/plan.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/query.h"
#include "json/field_reader.h"

namespace claribi::analytics {
namespace {

using K = Predicate::Kind;
using storage::ZoneMap;
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

const std::vector<storage::TableColumn> kSchema = {
    {"i", ColumnType::kInteger, true},   {"f", ColumnType::kFloat, true},
    {"b", ColumnType::kBoolean, true},   {"t", ColumnType::kTimestamp, true},
    {"s", ColumnType::kString, true},
};

// Reads a query body (which must be valid as a query).
Query read(std::string_view body) {
  std::string text = "{\"data_source_id\": 7, " + std::string(body) + "}";
  simdjson::padded_string padded(text);
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  Query q;
  if (parser.parse(padded).get(obj)) {
    ADD_FAILURE() << "not JSON: " << text;
    return q;
  }
  json::FieldReader f(obj);
  if (!read_query(f, &q)) {
    std::string why;
    for (auto& [field, msg] : f.errors().items()) why += " " + field + ": " + msg;
    ADD_FAILURE() << "query does not read: " << text << why;
  }
  return q;
}

struct Planned {
  bool ok = false;
  Plan plan;
  std::set<std::string> fields;
  std::string describe;
};

Planned plan(std::string_view body, const std::vector<storage::TableColumn>& schema = kSchema) {
  Planned p;
  http::FieldErrors errors;
  p.ok = plan_query(read(body), schema, &p.plan, &errors);
  for (auto& [field, msg] : errors.items()) {
    p.fields.insert(field);
    p.describe += "\n  " + field + ": " + msg;
    EXPECT_FALSE(msg.empty()) << field;
  }
  EXPECT_EQ(p.ok, errors.empty()) << body;
  return p;
}

void expect_refused(std::string_view body, std::set<std::string> fields) {
  Planned p = plan(body);
  EXPECT_FALSE(p.ok) << body;
  EXPECT_EQ(p.fields, fields) << body << p.describe;
}

void expect_planned(std::string_view body) {
  Planned p = plan(body);
  EXPECT_TRUE(p.ok) << body << p.describe;
}

TEST(AnalyticsPlan, MetricRefusals) {
  expect_refused(R"("metrics": [{"op": "sum", "field": "nope"}])", {"metrics[0].field"});
  expect_refused(R"("metrics": [{"op": "count"}, {"op": "count", "field": "nope"}])", {"metrics[1].field"});
  expect_refused(R"("metrics": [{"op": "count_distinct", "field": "I"}])", {"metrics[0].field"});  // names are exact
  for (const char* field : {"s", "b", "t"}) {
    for (const char* op : {"sum", "avg"}) {
      std::string body = std::string(R"("metrics": [{"op": ")") + op + R"(", "field": ")" + field + R"("}])";
      expect_refused(body, {"metrics[0].field"});
    }
  }
  expect_refused(R"("metrics": [{"op": "min", "field": "b"}])", {"metrics[0].field"});
  expect_refused(R"("metrics": [{"op": "count"}, {"op": "max", "field": "b"}])", {"metrics[1].field"});
  // Positive controls.
  for (const char* field : {"i", "f"})
    for (const char* op : {"sum", "avg", "min", "max", "count", "count_distinct"})
      expect_planned(std::string(R"("metrics": [{"op": ")") + op + R"(", "field": ")" + field + R"("}])");
  for (const char* field : {"t", "s"})
    for (const char* op : {"min", "max", "count", "count_distinct"})
      expect_planned(std::string(R"("metrics": [{"op": ")") + op + R"(", "field": ")" + field + R"("}])");
  for (const char* op : {"count", "count_distinct"})
    expect_planned(std::string(R"("metrics": [{"op": ")") + op + R"(", "field": "b"}])");
}

TEST(AnalyticsPlan, MissingMetrics) {
  expect_refused(R"("dimensions": ["s"])", {"metrics"});
  expect_refused(R"("metrics": [])", {"metrics"});
  expect_refused(R"("metrics": [], "dimensions": ["nope"])", {"metrics", "dimensions[0]"});
  expect_planned(R"("metrics": [{"op": "count"}])");
}

TEST(AnalyticsPlan, TimeAndDimensionRefusals) {
  for (const char* field : {"i", "f", "b", "s"}) {
    expect_refused(std::string(R"("metrics": [{"op": "count"}], "time": {"field": ")") + field + R"("})",
                   {"time.field"});
    expect_refused(std::string(R"("metrics": [{"op": "count"}], "time": {"field": ")") + field +
                       R"(", "granularity": "day", "from": "2025-01-01"})",
                   {"time.field"});
  }
  expect_refused(R"("metrics": [{"op": "count"}], "time": {"field": "nope", "granularity": "day"})", {"time.field"});
  expect_planned(R"("metrics": [{"op": "count"}], "time": {"field": "t", "granularity": "week"})");
  expect_refused(R"("metrics": [{"op": "count"}], "dimensions": ["s", "nope"])", {"dimensions[1]"});
  expect_planned(R"("metrics": [{"op": "count"}], "dimensions": ["s", "i", "f", "b", "t"])");
}

TEST(AnalyticsPlan, FilterValueOfTheWrongType) {
  struct Bad {
    const char* field;
    const char* value;
  };
  const Bad bad[] = {
      {"i", R"("3")"},  {"i", "true"},   {"i", R"("2025-01-01")"},
      {"f", R"("1.5")"}, {"f", "false"},
      {"b", "1"},       {"b", "0.0"},    {"b", R"("true")"},
      {"t", "1735689600"}, {"t", R"("yesterday")"}, {"t", "true"}, {"t", R"("2025-01-01T00:00:00")"},
      {"s", "5"},       {"s", "1.5"},    {"s", "true"},
  };
  for (const Bad& b : bad) {
    for (const char* op : {"eq", "ne", "lt", "gte"}) {
      std::string body = std::string(R"("metrics": [{"op": "count"}], "filters": [{"field": "i", "op": "gt", "value": 0},)") +
                         R"({"field": ")" + b.field + R"(", "op": ")" + op + R"(", "value": )" + b.value + "}]";
      expect_refused(body, {"filters[1].value"});
    }
    // In a list, one bad element spoils it.
    std::string body = std::string(R"("metrics": [{"op": "count"}], "filters": [{"field": "i", "op": "gt", "value": 0},)") +
                       R"({"field": ")" + b.field + R"(", "op": "in", "value": [null, )" + b.value + "]}]";
    expect_refused(body, {"filters[1].value"});
  }
  // Positive controls: a value of each column's type (float columns take integers).
  const Bad good[] = {
      {"i", "3"}, {"i", "2.5"}, {"i", "-1e30"}, {"f", "1.5"}, {"f", "2"}, {"b", "true"},
      {"t", R"("2025-01-01T00:00:00Z")"}, {"t", R"("2025-01-01")"}, {"t", R"("2025-01-01 10:00:00.5+05:30")"},
      {"s", R"("x")"}, {"s", R"("")"},
  };
  for (const Bad& g : good) {
    for (const char* op : {"eq", "ne", "lt", "lte", "gt", "gte"})
      expect_planned(std::string(R"("metrics": [{"op": "count"}], "filters": [{"field": ")") + g.field +
                     R"(", "op": ")" + op + R"(", "value": )" + g.value + "}]");
    expect_planned(std::string(R"("metrics": [{"op": "count"}], "filters": [{"field": ")") + g.field +
                   R"(", "op": "in", "value": [null, )" + g.value + ", " + g.value + "]}]");
  }
  // null tests every type.
  for (const char* field : {"i", "f", "b", "t", "s"})
    for (const char* op : {"eq", "ne"})
      expect_planned(std::string(R"("metrics": [{"op": "count"}], "filters": [{"field": ")") + field +
                     R"(", "op": ")" + op + R"(", "value": null}])");
  expect_refused(R"("metrics": [{"op": "count"}], "filters": [{"field": "nope", "op": "eq", "value": 1}])",
                 {"filters[0].field"});
}

TEST(AnalyticsPlan, ContainsNeedsAString) {
  for (const char* field : {"i", "f", "b", "t"})
    expect_refused(std::string(R"("metrics": [{"op": "count"}], "filters": [{"field": ")") + field +
                       R"(", "op": "contains", "value": "1"}])",
                   {"filters[0].op"});
  expect_planned(R"("metrics": [{"op": "count"}], "filters": [{"field": "s", "op": "contains", "value": "1"}])");
}

TEST(AnalyticsPlan, EveryProblemIsReported) {
  expect_refused(R"("metrics": [{"op": "sum", "field": "s"}, {"op": "min", "field": "b"}, {"op": "avg", "field": "x"}],
      "dimensions": ["i", "y"], "time": {"field": "f", "granularity": "day"},
      "filters": [{"field": "i", "op": "contains", "value": "a"}, {"field": "t", "op": "eq", "value": 3},
                  {"field": "z", "op": "eq", "value": 3}])",
                 {"metrics[0].field", "metrics[1].field", "metrics[2].field", "dimensions[1]", "time.field",
                  "filters[0].op", "filters[1].value", "filters[2].field"});
}

TEST(AnalyticsPlan, OutputColumnsAndOrder) {
  Planned p = plan(R"("metrics": [{"op": "sum", "field": "i"}, {"op": "sum", "field": "f"}, {"op": "avg", "field": "i"},
      {"op": "min", "field": "t"}, {"op": "max", "field": "s", "as": "last"}, {"op": "count"},
      {"op": "count", "field": "f"}, {"op": "count_distinct", "field": "b"}, {"op": "max", "field": "f"}],
      "dimensions": ["s", "b"], "time": {"field": "t", "granularity": "month"},
      "order_by": [{"field": "last", "dir": "desc"}, {"field": "t"}, {"field": "count"}], "limit": 7)");
  ASSERT_TRUE(p.ok) << p.describe;
  const std::vector<std::pair<std::string, ColumnType>> want = {
      {"t", ColumnType::kTimestamp},       {"s", ColumnType::kString},         {"b", ColumnType::kBoolean},
      {"sum_i", ColumnType::kInteger},     {"sum_f", ColumnType::kFloat},      {"avg_i", ColumnType::kFloat},
      {"min_t", ColumnType::kTimestamp},   {"last", ColumnType::kString},      {"count", ColumnType::kInteger},
      {"count_f", ColumnType::kInteger},   {"count_distinct_b", ColumnType::kInteger},
      {"max_f", ColumnType::kFloat},
  };
  ASSERT_EQ(p.plan.columns.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(p.plan.columns[i].name, want[i].first) << i;
    EXPECT_EQ(p.plan.columns[i].type, want[i].second) << i;
  }
  ASSERT_EQ(p.plan.keys.size(), 3u);
  EXPECT_EQ(p.plan.keys[0].column, 3u);
  EXPECT_EQ(p.plan.keys[0].granularity, Granularity::kMonth);
  EXPECT_EQ(p.plan.keys[1].column, 4u);
  EXPECT_EQ(p.plan.keys[2].column, 2u);
  ASSERT_EQ(p.plan.metrics.size(), 9u);
  EXPECT_EQ(p.plan.metrics[5].column, -1);  // the bare count
  ASSERT_EQ(p.plan.order.size(), 3u);
  EXPECT_EQ(p.plan.order[0].output, 7u);
  EXPECT_TRUE(p.plan.order[0].desc);
  EXPECT_EQ(p.plan.order[1].output, 0u);
  EXPECT_FALSE(p.plan.order[1].desc);
  EXPECT_EQ(p.plan.order[2].output, 8u);
  EXPECT_EQ(p.plan.limit, 7u);
  // Defaults: limit 1,000; no time key without a granularity.
  Planned d = plan(R"("metrics": [{"op": "count"}], "time": {"field": "t", "from": "2025-01-01"})");
  ASSERT_TRUE(d.ok) << d.describe;
  EXPECT_EQ(d.plan.limit, 1000u);
  EXPECT_TRUE(d.plan.keys.empty());
  ASSERT_EQ(d.plan.columns.size(), 1u);
  EXPECT_EQ(d.plan.columns[0].name, "count");
}

// The one predicate of a query with a single filter on `field`.
Predicate predicate(const std::string& field, const std::string& op, const std::string& value) {
  Planned p = plan(R"("metrics": [{"op": "count"}], "filters": [{"field": ")" + field + R"(", "op": ")" + op +
                   R"(", "value": )" + value + "}]");
  EXPECT_TRUE(p.ok) << field << " " << op << " " << value << p.describe;
  if (p.plan.predicates.size() != 1) {
    ADD_FAILURE() << "expected one predicate for " << field << " " << op << " " << value;
    return Predicate{};
  }
  return p.plan.predicates[0];
}

// Checks an integer-column predicate: kind, and for ranges lo/hi; and that
// int_matches agrees with the exact comparison at sample points.
void expect_int(const std::string& op, const std::string& value, K kind, int64_t lo = 0, int64_t hi = 0) {
  SCOPED_TRACE("i " + op + " " + value);
  Predicate p = predicate("i", op, value);
  EXPECT_EQ(p.column, 0u);
  EXPECT_EQ(int(p.kind), int(kind));
  if (kind == K::kIntRange) {
    EXPECT_EQ(p.lo, lo);
    EXPECT_EQ(p.hi, hi);
  } else if (kind == K::kIntNotEq) {
    EXPECT_EQ(p.lo, lo);
  }
  // Exact comparison of v with the constant (read as a long double, which
  // holds every int64 and every double exactly for these constants).
  const long double c = std::stold(value);
  for (int64_t v : {kMin, kMin + 1, int64_t(-4), int64_t(-3), int64_t(-2), int64_t(-1), int64_t(0), int64_t(1),
                    int64_t(2), int64_t(3), int64_t(4), kMax - 1, kMax}) {
    const long double x = (long double)v;
    bool want = op == "eq" ? x == c : op == "ne" ? x != c : op == "lt" ? x < c : op == "lte" ? x <= c
                : op == "gt" ? x > c : x >= c;
    if (kind == K::kNever) {
      EXPECT_FALSE(want) << v;
      continue;
    }
    EXPECT_EQ(p.int_matches(v), want) << v;
  }
}

TEST(AnalyticsPlan, IntegerColumnAgainstFloatConstants) {
  // x op 2.5: no integer equals it; x < 2.5 <=> x <= 2; x > 2.5 <=> x >= 3.
  expect_int("eq", "2.5", K::kNever);
  expect_int("ne", "2.5", K::kNotNull);
  expect_int("lt", "2.5", K::kIntRange, kMin, 2);
  expect_int("lte", "2.5", K::kIntRange, kMin, 2);
  expect_int("gt", "2.5", K::kIntRange, 3, kMax);
  expect_int("gte", "2.5", K::kIntRange, 3, kMax);
  // Negative fractions round the right way.
  expect_int("eq", "-2.5", K::kNever);
  expect_int("lt", "-2.5", K::kIntRange, kMin, -3);
  expect_int("lte", "-2.5", K::kIntRange, kMin, -3);
  expect_int("gt", "-2.5", K::kIntRange, -2, kMax);
  expect_int("gte", "-2.5", K::kIntRange, -2, kMax);
  // An integral float is that integer.
  expect_int("eq", "3.0", K::kIntRange, 3, 3);
  expect_int("ne", "3.0", K::kIntNotEq, 3);
  expect_int("lt", "3.0", K::kIntRange, kMin, 2);
  expect_int("lte", "3.0", K::kIntRange, kMin, 3);
  expect_int("gt", "3.0", K::kIntRange, 4, kMax);
  expect_int("gte", "3.0", K::kIntRange, 3, kMax);
  expect_int("eq", "-0.0", K::kIntRange, 0, 0);
  // Beyond int64: every value, or none.
  expect_int("lt", "1e19", K::kIntRange, kMin, kMax);
  expect_int("lte", "1e19", K::kIntRange, kMin, kMax);
  expect_int("gt", "1e19", K::kNever);
  expect_int("gte", "1e19", K::kNever);
  expect_int("eq", "1e19", K::kNever);
  expect_int("ne", "1e19", K::kNotNull);
  expect_int("lt", "-1e19", K::kNever);
  expect_int("lte", "-1e19", K::kNever);
  expect_int("gt", "-1e19", K::kIntRange, kMin, kMax);
  expect_int("gte", "-1e19", K::kIntRange, kMin, kMax);
  // 2^63 (an unsigned JSON integer, read as a float) is above every int64.
  expect_int("lt", "9223372036854775808", K::kIntRange, kMin, kMax);
  expect_int("gte", "9223372036854775808", K::kNever);
  expect_int("eq", "18446744073709551615", K::kNever);
  // -2^63 as a float is exactly int64's minimum.
  expect_int("lt", "-9223372036854775808.0", K::kNever);
  expect_int("lte", "-9223372036854775808.0", K::kIntRange, kMin, kMin);
  expect_int("gt", "-9223372036854775808.0", K::kIntRange, kMin + 1, kMax);
  expect_int("gte", "-9223372036854775808.0", K::kIntRange, kMin, kMax);
  expect_int("eq", "-9223372036854775808.0", K::kIntRange, kMin, kMin);
  // Integer constants at the ends of int64.
  expect_int("lt", "-9223372036854775808", K::kNever);
  expect_int("gt", "9223372036854775807", K::kNever);
  expect_int("gte", "9223372036854775807", K::kIntRange, kMax, kMax);
  expect_int("lte", "-9223372036854775808", K::kIntRange, kMin, kMin);
  expect_int("ne", "7", K::kIntNotEq, 7);
}

TEST(AnalyticsPlan, InListsAreSortedAndDeduplicated) {
  Predicate p = predicate("i", "in", "[3, 2.5, 1.0, null, 3, 1e19, -7, 1]");
  EXPECT_EQ(int(p.kind), int(K::kIntIn));
  EXPECT_EQ(p.ints, (std::vector<int64_t>{-7, 1, 3}));
  EXPECT_TRUE(p.int_matches(1));
  EXPECT_FALSE(p.int_matches(2));
  EXPECT_EQ(int(predicate("i", "in", "[null]").kind), int(K::kNever));
  EXPECT_EQ(int(predicate("i", "in", "[]").kind), int(K::kNever));
  EXPECT_EQ(int(predicate("i", "in", "[2.5, null, 1e300]").kind), int(K::kNever));

  p = predicate("f", "in", "[2, 1.5, -0.0, 0.0, 2.0, null, 0]");
  EXPECT_EQ(int(p.kind), int(K::kFloatIn));
  ASSERT_EQ(p.floats.size(), 3u);
  EXPECT_EQ(p.floats[0], 0.0);
  EXPECT_EQ(p.floats[1], 1.5);
  EXPECT_EQ(p.floats[2], 2.0);
  EXPECT_TRUE(p.float_matches(-0.0));
  EXPECT_TRUE(p.float_matches(0.0));
  EXPECT_FALSE(p.float_matches(1.0));
  EXPECT_EQ(int(predicate("f", "in", "[null, null]").kind), int(K::kNever));

  p = predicate("s", "in", R"(["b", "a", "b", null, "", "B"])");
  EXPECT_EQ(int(p.kind), int(K::kString));
  EXPECT_EQ(p.strings, (std::vector<std::string>{"", "B", "a", "b"}));
  EXPECT_TRUE(p.string_matches(""));
  EXPECT_TRUE(p.string_matches("B"));
  EXPECT_FALSE(p.string_matches("c"));
  EXPECT_EQ(int(predicate("s", "in", "[null]").kind), int(K::kNever));

  p = predicate("b", "in", "[true, null, true]");
  EXPECT_EQ(int(p.kind), int(K::kIntIn));
  EXPECT_EQ(p.ints, (std::vector<int64_t>{1}));

  p = predicate("t", "in", R"(["2025-01-01T01:00:00+01:00", "2025-01-01", null, "1969-12-31T23:59:59.999999Z"])");
  EXPECT_EQ(int(p.kind), int(K::kIntIn));
  EXPECT_EQ(p.ints, (std::vector<int64_t>{-1, 1735689600000000}));
}

TEST(AnalyticsPlan, NullTestsAndOtherTypes) {
  for (const char* f : {"i", "f", "b", "t", "s"}) {
    EXPECT_EQ(int(predicate(f, "eq", "null").kind), int(K::kIsNull)) << f;
    EXPECT_EQ(int(predicate(f, "ne", "null").kind), int(K::kNotNull)) << f;
  }
  // Timestamps with an offset, a date, a fraction.
  Predicate p = predicate("t", "gte", R"("2025-01-01T05:30:00+05:30")");
  EXPECT_EQ(int(p.kind), int(K::kIntRange));
  EXPECT_EQ(p.lo, 1735689600000000);
  EXPECT_EQ(p.hi, kMax);
  p = predicate("t", "lt", R"("1970-01-01")");
  EXPECT_EQ(p.lo, kMin);
  EXPECT_EQ(p.hi, -1);
  p = predicate("t", "eq", R"("1970-01-01T00:00:00.0000019Z")");  // beyond µs: truncated
  EXPECT_EQ(p.lo, 1);
  EXPECT_EQ(p.hi, 1);
  // Booleans: false < true.
  p = predicate("b", "lt", "true");
  EXPECT_EQ(int(p.kind), int(K::kIntRange));
  EXPECT_TRUE(p.int_matches(0));
  EXPECT_FALSE(p.int_matches(1));
  p = predicate("b", "ne", "false");
  EXPECT_TRUE(p.int_matches(1));
  EXPECT_FALSE(p.int_matches(0));
  p = predicate("b", "gt", "true");
  EXPECT_FALSE(p.int_matches(0));
  EXPECT_FALSE(p.int_matches(1));
  // Float columns: integer constants; open and closed bounds.
  p = predicate("f", "gt", "2");
  EXPECT_EQ(int(p.kind), int(K::kFloatRange));
  EXPECT_FALSE(p.float_matches(2.0));
  EXPECT_TRUE(p.float_matches(2.0000000001));
  p = predicate("f", "lte", "-0.0");
  EXPECT_TRUE(p.float_matches(0.0));
  EXPECT_TRUE(p.float_matches(-0.0));
  EXPECT_FALSE(p.float_matches(1e-300));
  p = predicate("f", "ne", "0");
  EXPECT_EQ(int(p.kind), int(K::kFloatNotEq));
  EXPECT_FALSE(p.float_matches(-0.0));
  EXPECT_TRUE(p.float_matches(5e-324));
  // contains folds the needle's ASCII letters only.
  p = predicate("s", "contains", R"("ÄbC")");
  EXPECT_EQ(p.strings, (std::vector<std::string>{"Äbc"}));
  EXPECT_TRUE(p.string_matches("xxÄBCxx"));
  EXPECT_FALSE(p.string_matches("xxäbcxx"));
  p = predicate("s", "contains", R"("")");
  EXPECT_TRUE(p.string_matches(""));
  // Strings order bytewise (UTF-8 bytes unsigned).
  p = predicate("s", "gt", R"("z")");
  EXPECT_TRUE(p.string_matches("é"));
  EXPECT_FALSE(p.string_matches("Z"));
  // The time range: from <= t < to, one closed integer range.
  Planned r = plan(R"("metrics": [{"op": "count"}], "time": {"field": "t", "from": "1970-01-01T00:00:01Z", "to": "1970-01-01T00:00:02Z"})");
  ASSERT_TRUE(r.ok) << r.describe;
  ASSERT_EQ(r.plan.predicates.size(), 1u);
  EXPECT_EQ(r.plan.predicates[0].column, 3u);
  EXPECT_EQ(int(r.plan.predicates[0].kind), int(K::kIntRange));
  EXPECT_EQ(r.plan.predicates[0].lo, 1000000);
  EXPECT_EQ(r.plan.predicates[0].hi, 1999999);
}

ZoneMap izone(int64_t lo, int64_t hi, uint32_t rows = 10, uint32_t nulls = 0, ColumnType t = ColumnType::kInteger) {
  ZoneMap z;
  z.type = t;
  z.rows = rows;
  z.null_count = nulls;
  z.min_int = lo;
  z.max_int = hi;
  return z;
}
ZoneMap fzone(double lo, double hi, uint32_t nulls = 0) {
  ZoneMap z;
  z.type = ColumnType::kFloat;
  z.rows = 10;
  z.null_count = nulls;
  z.min_float = lo;
  z.max_float = hi;
  return z;
}
ZoneMap szone(std::string lo, std::string hi, uint32_t nulls = 0) {
  ZoneMap z;
  z.type = ColumnType::kString;
  z.rows = 10;
  z.null_count = nulls;
  z.min_string = std::move(lo);
  z.max_string = std::move(hi);
  return z;
}
ZoneMap all_null(ColumnType t) {
  ZoneMap z;
  z.type = t;
  z.rows = 10;
  z.null_count = 10;
  return z;
}

// may_match and always_matches of p on z.
void zone(const Predicate& p, const ZoneMap& z, bool may, bool always, const char* what) {
  EXPECT_EQ(p.may_match(z), may) << what;
  EXPECT_EQ(p.always_matches(z), always) << what;
  if (always) {
    EXPECT_TRUE(may) << what;
  }
}

TEST(AnalyticsPlan, ZoneMapsOfIntegerPredicates) {
  Predicate r = predicate("i", "gte", "3");
  r.hi = 10;  // [3, 10]
  zone(r, izone(0, 2), false, false, "below");
  zone(r, izone(11, 20), false, false, "above");
  zone(r, izone(0, 3), true, false, "touching lo");
  zone(r, izone(10, 12), true, false, "touching hi");
  zone(r, izone(3, 10), true, true, "inside");
  zone(r, izone(3, 10, 10, 1), true, false, "inside with a null");
  zone(r, all_null(ColumnType::kInteger), false, false, "all null");
  zone(predicate("i", "lt", "2.5"), izone(3, 9), false, false, "x < 2.5 over [3, 9]");
  zone(predicate("i", "lt", "2.5"), izone(2, 9), true, false, "x < 2.5 over [2, 9]");
  zone(predicate("i", "gt", "2.5"), izone(3, 9), true, true, "x > 2.5 over [3, 9]");
  zone(predicate("i", "eq", "2.5"), izone(kMin, kMax), false, false, "x = 2.5");

  Predicate ne = predicate("i", "ne", "5");
  zone(ne, izone(5, 5), false, false, "ne 5 over [5, 5]");
  zone(ne, izone(5, 5, 10, 3), false, false, "ne 5 over [5, 5] and nulls");
  zone(ne, izone(5, 6), true, false, "ne 5 over [5, 6]");
  zone(ne, izone(6, 9), true, true, "ne 5 over [6, 9]");
  zone(ne, izone(-9, 4), true, true, "ne 5 over [-9, 4]");

  Predicate in = predicate("i", "in", "[1, 3]");
  zone(in, izone(2, 2), false, false, "in over [2, 2]");
  zone(in, izone(2, 3), true, false, "in over [2, 3]");
  zone(in, izone(4, 9), false, false, "in over [4, 9]");
  zone(in, izone(-5, 0), false, false, "in over [-5, 0]");
  zone(in, izone(1, 1), true, false, "in over [1, 1]");

  Predicate is_null = predicate("i", "eq", "null");
  zone(is_null, izone(1, 2), false, false, "is null, no nulls");
  zone(is_null, izone(1, 2, 10, 1), true, false, "is null, one null");
  zone(is_null, all_null(ColumnType::kInteger), true, false, "is null, all null");
  Predicate not_null = predicate("i", "ne", "null");
  zone(not_null, izone(1, 2), true, true, "not null, no nulls");
  zone(not_null, izone(1, 2, 10, 9), true, false, "not null, some nulls");
  zone(not_null, all_null(ColumnType::kInteger), false, false, "not null, all null");

  Predicate ts = predicate("t", "lt", R"("1970-01-01T00:00:00Z")");
  zone(ts, izone(-5, -1, 10, 0, ColumnType::kTimestamp), true, true, "t < epoch over pre-1970");
  zone(ts, izone(0, 5, 10, 0, ColumnType::kTimestamp), false, false, "t < epoch over post-1970");
  Predicate b = predicate("b", "eq", "true");
  zone(b, izone(0, 0, 10, 0, ColumnType::kBoolean), false, false, "b = true over all false");
  zone(b, izone(0, 1, 10, 0, ColumnType::kBoolean), true, false, "b = true over mixed");
  zone(b, izone(1, 1, 10, 0, ColumnType::kBoolean), true, true, "b = true over all true");
}

TEST(AnalyticsPlan, ZoneMapsOfFloatPredicates) {
  zone(predicate("f", "eq", "1.5"), fzone(1.5, 1.5), true, true, "eq over [1.5, 1.5]");
  zone(predicate("f", "eq", "1.5"), fzone(0, 1.4), false, false, "eq over [0, 1.4]");
  zone(predicate("f", "lt", "1.5"), fzone(1.5, 9), false, false, "lt over [1.5, 9]");
  zone(predicate("f", "lte", "1.5"), fzone(1.5, 9), true, false, "lte over [1.5, 9]");
  zone(predicate("f", "gt", "1.5"), fzone(-3, 1.5), false, false, "gt over [-3, 1.5]");
  zone(predicate("f", "gte", "1.5"), fzone(-3, 1.5), true, false, "gte over [-3, 1.5]");
  zone(predicate("f", "gt", "-1"), fzone(-0.5, 1.5), true, true, "gt -1 over [-0.5, 1.5]");
  zone(predicate("f", "eq", "0"), fzone(-0.0, -0.0), true, true, "eq 0 over [-0.0, -0.0]");
  zone(predicate("f", "ne", "2"), fzone(2, 2), false, false, "ne over [2, 2]");
  zone(predicate("f", "ne", "2"), fzone(1, 2), true, false, "ne over [1, 2]");
  zone(predicate("f", "in", "[1.5, 4]"), fzone(2, 3), false, false, "in over [2, 3]");
  zone(predicate("f", "in", "[1.5, 4]"), fzone(2, 4), true, false, "in over [2, 4]");
  zone(predicate("f", "gt", "0"), all_null(ColumnType::kFloat), false, false, "all null");
  // A float column's chunk written as integers (widened later): its zone map
  // holds integers; range predicates still prune through them, never "always".
  zone(predicate("f", "gt", "3.5"), izone(1, 3), false, false, "gt 3.5 over integer [1, 3]");
  zone(predicate("f", "gt", "2.5"), izone(1, 3), true, false, "gt 2.5 over integer [1, 3]");
  zone(predicate("f", "lt", "1"), izone(1, 3), false, false, "lt 1 over integer [1, 3]");
  zone(predicate("f", "lte", "1"), izone(1, 3), true, false, "lte 1 over integer [1, 3]");
  zone(predicate("f", "ne", "2"), izone(2, 2), true, false, "ne over integer [2, 2] (not pruned)");
}

TEST(AnalyticsPlan, ZoneMapsOfStringPredicates) {
  zone(predicate("s", "eq", R"("m")"), szone("a", "z"), true, false, "eq m over [a, z]");
  zone(predicate("s", "eq", R"("m")"), szone("n", "z"), false, false, "eq m over [n, z]");
  zone(predicate("s", "eq", R"("m")"), szone("m", "m"), true, true, "eq m over [m, m]");
  zone(predicate("s", "eq", R"("m")"), szone("m", "m", 1), true, false, "eq m over [m, m] and a null");
  zone(predicate("s", "ne", R"("m")"), szone("m", "m"), false, false, "ne m over [m, m]");
  zone(predicate("s", "ne", R"("m")"), szone("n", "z"), true, true, "ne m over [n, z]");
  zone(predicate("s", "lt", R"("b")"), szone("b", "c"), false, false, "lt b over [b, c]");
  zone(predicate("s", "lt", R"("m")"), szone("a", "l"), true, true, "lt m over [a, l]");
  zone(predicate("s", "lte", R"("b")"), szone("b", "c"), true, false, "lte b over [b, c]");
  zone(predicate("s", "gt", R"("y")"), szone("a", "y"), false, false, "gt y over [a, y]");
  zone(predicate("s", "gte", R"("y")"), szone("a", "y"), true, false, "gte y over [a, y]");
  zone(predicate("s", "gt", R"("Z")"), szone("a", "b"), true, true, "gt Z over [a, b] (bytewise)");
  zone(predicate("s", "in", R"(["c", "x"])"), szone("d", "w"), false, false, "in over [d, w]");
  zone(predicate("s", "in", R"(["c", "x"])"), szone("d", "x"), true, false, "in over [d, x]");
  zone(predicate("s", "contains", R"("q")"), szone("a", "b"), true, false, "contains is never pruned");
  zone(predicate("s", "contains", R"("q")"), all_null(ColumnType::kString), false, false, "contains, all null");
  zone(predicate("s", "eq", R"("")"), szone("", "a"), true, false, "eq empty over [\"\", a]");
  // A string column's chunk stored as integers (widened to string later):
  // its zone map says nothing about the strings.
  zone(predicate("s", "eq", R"("7")"), izone(100, 200), true, false, "eq over an integer zone");
  zone(predicate("s", "ne", "null"), izone(100, 200), true, false, "not null over an integer zone");
  zone(predicate("s", "eq", "null"), izone(100, 200, 10, 2), true, false, "is null over an integer zone");
}

}  // namespace
}  // namespace claribi::analytics
