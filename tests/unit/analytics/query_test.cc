// The analytics query model (analytics/query.h), ported from the API-level
// test of the former api/analytics_query.h: a query read through a
// FieldReader (read_query_field, as a widget's or a body's member) is written
// in canonical form (known keys only, fixed key order, timestamps as ISO 8601
// UTC, order_by's default "asc" explicit) whatever the key order, whitespace
// and unknown keys of the input; every invalid case is refused with exactly
// the expected field paths, several problems at once are all reported, and a
// query nested in a widget is named with its full path. New in this model:
// time bounds may carry an offset or be bare dates (canonicalized to UTC);
// null filter values are for eq/ne only; output names must be unique and
// order_by must name an output; a stored canonical query parses back
// (parse_stored_query) to the same query.
#include "analytics/query.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "json/field_reader.h"

namespace claribi::analytics {
namespace {

struct Outcome {
  bool ok = false;
  std::string out;  // canonical_json of the query read
  Query query;
  std::set<std::string> fields;  // field paths with an error
  std::vector<std::pair<std::string, std::string>> errors;
};

// Reads {"query": <query_json>} with read_query_field(f, "query", ...).
Outcome read(std::string_view query_json) {
  Outcome o;
  std::string body = "{\"query\":" + std::string(query_json) + "}";
  simdjson::padded_string padded(body);
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(padded).get(obj)) {
    ADD_FAILURE() << "test input is not JSON: " << query_json;
    return o;
  }
  json::FieldReader f(obj);
  simdjson::dom::element e;
  EXPECT_FALSE(obj.at_key("query").get(e));
  o.ok = read_query_field(f, "query", e, &o.query);
  if (o.ok) o.out = canonical_json(o.query);
  o.errors = f.errors().items();
  for (auto& [field, msg] : o.errors) o.fields.insert(field);
  EXPECT_EQ(o.ok, o.errors.empty()) << "return value disagrees with the errors reported: " << query_json;
  return o;
}

std::string describe(const Outcome& o) {
  std::string s;
  for (auto& [field, msg] : o.errors) s += "\n  " + field + ": " + msg;
  return s.empty() ? " (no errors) out=" + o.out : s;
}

constexpr std::string_view kExample = R"({"data_source_id": 3,
 "metrics": [{"op": "sum", "field": "revenue", "as": "revenue"}, {"op": "count"}],
 "dimensions": ["region"],
 "time": {"field": "ts", "granularity": "day", "from": "2025-01-01T00:00:00Z", "to": "2025-02-01T00:00:00Z"},
 "filters": [{"field": "country", "op": "in", "value": ["DE", "FR"]}],
 "order_by": [{"field": "revenue", "dir": "desc"}], "limit": 100})";

constexpr std::string_view kExampleCanonical =
    R"({"data_source_id":3,"metrics":[{"op":"sum","field":"revenue","as":"revenue"},{"op":"count"}],)"
    R"("dimensions":["region"],"time":{"field":"ts","granularity":"day","from":"2025-01-01T00:00:00Z",)"
    R"("to":"2025-02-01T00:00:00Z"},"filters":[{"field":"country","op":"in","value":["DE","FR"]}],)"
    R"("order_by":[{"field":"revenue","dir":"desc"}],"limit":100})";

TEST(AnalyticsQuery, ApiMdExampleIsAcceptedAndCanonical) {
  Outcome o = read(kExample);
  ASSERT_TRUE(o.ok) << describe(o);
  EXPECT_EQ(o.out, kExampleCanonical);
  // Canonical form is a fixed point.
  Outcome again = read(o.out);
  ASSERT_TRUE(again.ok) << describe(again);
  EXPECT_EQ(again.out, kExampleCanonical);
  // The typed form.
  const Query& q = o.query;
  EXPECT_EQ(q.data_source_id, 3u);
  ASSERT_EQ(q.metrics.size(), 2u);
  EXPECT_EQ(q.metrics[0].op, MetricOp::kSum);
  EXPECT_EQ(q.metrics[0].name(), "revenue");
  EXPECT_EQ(q.metrics[1].name(), "count");
  ASSERT_TRUE(q.time.has_value());
  EXPECT_EQ(q.time->granularity, Granularity::kDay);
  EXPECT_EQ(q.time->from_us, 1735689600000000);
  EXPECT_EQ(q.time->to_us, 1738368000000000);
  EXPECT_TRUE(q.bucketed());
  ASSERT_EQ(q.filters.size(), 1u);
  EXPECT_EQ(q.filters[0].op, FilterOp::kIn);
  ASSERT_EQ(q.filters[0].values.size(), 2u);
  EXPECT_EQ(q.filters[0].values[1].s, "FR");
  ASSERT_EQ(q.order_by.size(), 1u);
  EXPECT_TRUE(q.order_by[0].desc);
  EXPECT_EQ(q.effective_limit(), 100);
}

TEST(AnalyticsQuery, KeyOrderWhitespaceAndUnknownKeysDoNotMatter) {
  Outcome o = read(R"({ "limit" : 100, "extra": {"x": [1, 2]}, "order_by": [{"note": 1, "dir": "desc", "field": "revenue"}],
    "filters": [{"value": ["DE", "FR"], "op": "in", "field": "country", "comment": "eu"}],
    "time": {"to": "2025-02-01T00:00:00.000Z", "tz": "UTC", "from": "2025-01-01 00:00:00+00:00", "granularity": "day", "field": "ts"},
    "dimensions": ["region"],
    "metrics": [{"as": "revenue", "field": "revenue", "op": "sum", "unit": "EUR"}, {"op": "count"}],
    "data_source_id": 3, "data_source": "ignored" })");
  ASSERT_TRUE(o.ok) << describe(o);
  EXPECT_EQ(o.out, kExampleCanonical);
}

TEST(AnalyticsQuery, MinimalAndOptionalParts) {
  Outcome o = read(R"({"data_source_id": 1})");
  ASSERT_TRUE(o.ok) << describe(o);
  EXPECT_EQ(o.out, R"({"data_source_id":1})");
  EXPECT_EQ(o.query.effective_limit(), 1000);
  EXPECT_FALSE(o.query.has_metrics);
  // order_by's dir defaults to asc; count may name a field; empty arrays stay.
  o = read(R"({"data_source_id": 9223372036854775807, "metrics": [{"op": "count", "field": "id"}],
                "dimensions": [], "filters": [], "order_by": [{"field": "count_id"}], "limit": 1})");
  ASSERT_TRUE(o.ok) << describe(o);
  EXPECT_EQ(o.out, R"({"data_source_id":9223372036854775807,"metrics":[{"op":"count","field":"id"}],)"
                   R"("dimensions":[],"filters":[],"order_by":[{"field":"count_id","dir":"asc"}],"limit":1})");
  // Empty metrics are kept (a widget being drafted; running it is refused by the planner).
  o = read(R"({"data_source_id": 1, "metrics": []})");
  ASSERT_TRUE(o.ok) << describe(o);
  EXPECT_EQ(o.out, R"({"data_source_id":1,"metrics":[]})");
  // time with only a field; null from/to are as absent.
  o = read(R"({"data_source_id": 2, "time": {"field": "ts", "from": null, "to": null}, "limit": 100000})");
  ASSERT_TRUE(o.ok) << describe(o);
  EXPECT_EQ(o.out, R"({"data_source_id":2,"time":{"field":"ts"},"limit":100000})");
  EXPECT_FALSE(o.query.bucketed());
  // Every operator and granularity is accepted.
  for (std::string_view op : {"count_distinct", "sum", "avg", "min", "max"}) {
    o = read(R"({"data_source_id":1,"metrics":[{"op":")" + std::string(op) + R"(","field":"f"}]})");
    EXPECT_TRUE(o.ok) << op << describe(o);
    EXPECT_EQ(o.query.metrics[0].name(), std::string(op) + "_f");
  }
  for (std::string_view g : {"minute", "hour", "day", "week", "month", "quarter", "year"}) {
    o = read(R"({"data_source_id":1,"time":{"field":"t","granularity":")" + std::string(g) + R"("}})");
    EXPECT_TRUE(o.ok) << g << describe(o);
    EXPECT_EQ(granularity_name(o.query.time->granularity), g);
  }
  // Filter values: any scalar, an array of scalars for "in", a string for "contains".
  o = read(R"({"data_source_id":1,"filters":[{"field":"a","op":"eq","value":null},
      {"field":"b","op":"ne","value":true},{"field":"c","op":"lt","value":1.5},{"field":"d","op":"lte","value":-3},
      {"field":"e","op":"gt","value":"x"},{"field":"f","op":"gte","value":0},{"field":"g","op":"in","value":[]},
      {"field":"h","op":"in","value":[1,"a",null,false]},{"field":"i","op":"contains","value":"sub\"str"},
      {"field":"j","op":"ne","value":null},{"field":"k","op":"eq","value":2.0},{"field":"l","op":"lt","value":18446744073709551615}]})");
  ASSERT_TRUE(o.ok) << describe(o);
  EXPECT_EQ(o.out, R"({"data_source_id":1,"filters":[{"field":"a","op":"eq","value":null},)"
                   R"({"field":"b","op":"ne","value":true},{"field":"c","op":"lt","value":1.5},)"
                   R"({"field":"d","op":"lte","value":-3},{"field":"e","op":"gt","value":"x"},)"
                   R"({"field":"f","op":"gte","value":0},{"field":"g","op":"in","value":[]},)"
                   R"({"field":"h","op":"in","value":[1,"a",null,false]},)"
                   R"({"field":"i","op":"contains","value":"sub\"str"},{"field":"j","op":"ne","value":null},)"
                   R"({"field":"k","op":"eq","value":2.0},{"field":"l","op":"lt","value":18446744073709551616.0}]})");
  // Literal kinds: an integer stays an integer, 2.0 a float, an unsigned
  // integer past int64 a float.
  EXPECT_EQ(o.query.filters[3].values[0].kind, Literal::Kind::kInt);
  EXPECT_EQ(o.query.filters[10].values[0].kind, Literal::Kind::kFloat);
  EXPECT_EQ(o.query.filters[11].values[0].kind, Literal::Kind::kFloat);
  EXPECT_EQ(o.query.filters[11].values[0].f, 18446744073709551615.0);
}

TEST(AnalyticsQuery, TimeBoundsWithOffsetsAndDatesAreCanonicalizedToUtc) {
  struct Case {
    const char* from;
    const char* canonical;
  };
  const Case cases[] = {
      {"2025-01-01T00:00:00+01:00", "2024-12-31T23:00:00Z"},
      {"2025-01-01T00:00:00-05:30", "2025-01-01T05:30:00Z"},
      {"2025-01-01T00:00:00+0100", "2024-12-31T23:00:00Z"},
      {"2025-01-01T00:00:00+01", "2024-12-31T23:00:00Z"},
      {"2025-01-01", "2025-01-01T00:00:00Z"},
      {"2024-02-29", "2024-02-29T00:00:00Z"},
      {"2025-01-01 12:30:00z", "2025-01-01T12:30:00Z"},
      {"2025-01-01T00:00:00.500Z", "2025-01-01T00:00:00.5Z"},
      {"2025-01-01T00:00:00.1234567Z", "2025-01-01T00:00:00.123456Z"},
      {"1969-12-31T23:59:59.999999Z", "1969-12-31T23:59:59.999999Z"},
      {"0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
  };
  for (const Case& c : cases) {
    Outcome o = read(R"({"data_source_id":1,"time":{"field":"ts","from":")" + std::string(c.from) + R"("}})");
    ASSERT_TRUE(o.ok) << c.from << describe(o);
    EXPECT_EQ(o.out, R"({"data_source_id":1,"time":{"field":"ts","from":")" + std::string(c.canonical) + R"("}})")
        << c.from;
  }
  // to must be later than from after conversion: 01:00+01:00 is 00:00Z.
  Outcome o = read(R"({"data_source_id":1,"time":{"field":"ts","from":"2025-01-01T00:00:00Z","to":"2025-01-01T01:00:00+01:00"}})");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.time.to"})) << describe(o);
  o = read(R"({"data_source_id":1,"time":{"field":"ts","from":"2025-01-01T00:00:00Z","to":"2025-01-01T01:00:00+00:59"}})");
  EXPECT_TRUE(o.ok) << describe(o);
}

struct BadCase {
  const char* query;
  std::set<std::string> fields;
};

TEST(AnalyticsQuery, InvalidQueriesNameTheField) {
  const BadCase cases[] = {
      // The query itself.
      {R"([])", {"query"}},
      {R"("select *")", {"query"}},
      {R"(null)", {"query"}},
      // data_source_id
      {R"({})", {"query.data_source_id"}},
      {R"({"data_source_id": 0})", {"query.data_source_id"}},
      {R"({"data_source_id": -3})", {"query.data_source_id"}},
      {R"({"data_source_id": "3"})", {"query.data_source_id"}},
      {R"({"data_source_id": 1.5})", {"query.data_source_id"}},
      {R"({"data_source_id": null})", {"query.data_source_id"}},
      // metrics
      {R"({"data_source_id": 1, "metrics": {"op": "count"}})", {"query.metrics"}},
      {R"({"data_source_id": 1, "metrics": [{"op": "median", "field": "x"}]})", {"query.metrics[0].op"}},
      {R"({"data_source_id": 1, "metrics": [{"field": "x"}]})", {"query.metrics[0].op"}},
      {R"({"data_source_id": 1, "metrics": [{"op": "COUNT"}]})", {"query.metrics[0].op"}},
      {R"({"data_source_id": 1, "metrics": [{"op": 1}]})", {"query.metrics[0].op"}},
      {R"({"data_source_id": 1, "metrics": [{"op": "count"}, {"op": "sum"}]})", {"query.metrics[1].field"}},
      {R"({"data_source_id": 1, "metrics": [{"op": "avg", "field": ""}]})", {"query.metrics[0].field"}},
      {R"({"data_source_id": 1, "metrics": [{"op": "avg", "field": 7}]})", {"query.metrics[0].field"}},
      {R"({"data_source_id": 1, "metrics": [{"op": "count", "as": 5}]})", {"query.metrics[0].as"}},
      {R"({"data_source_id": 1, "metrics": [{"op": "count"}, "sum"]})", {"query.metrics[1]"}},
      // dimensions
      {R"({"data_source_id": 1, "dimensions": "region"})", {"query.dimensions"}},
      {R"({"data_source_id": 1, "dimensions": ["region", 5]})", {"query.dimensions[1]"}},
      {R"({"data_source_id": 1, "dimensions": ["", "b"]})", {"query.dimensions[0]"}},
      // time
      {R"({"data_source_id": 1, "time": "day"})", {"query.time"}},
      {R"({"data_source_id": 1, "time": {"granularity": "day"}})", {"query.time.field"}},
      {R"({"data_source_id": 1, "time": {"field": "ts", "granularity": "fortnight"}})", {"query.time.granularity"}},
      {R"({"data_source_id": 1, "time": {"field": "ts", "granularity": "Day"}})", {"query.time.granularity"}},
      {R"({"data_source_id": 1, "time": {"field": "ts", "from": "yesterday"}})", {"query.time.from"}},
      {R"({"data_source_id": 1, "time": {"field": "ts", "from": "2025-01-01T00:00:00"}})", {"query.time.from"}},
      {R"({"data_source_id": 1, "time": {"field": "ts", "from": "2025-02-30"}})", {"query.time.from"}},
      {R"({"data_source_id": 1, "time": {"field": "ts", "from": " 2025-01-01"}})", {"query.time.from"}},
      {R"({"data_source_id": 1, "time": {"field": "ts", "to": 1735689600}})", {"query.time.to"}},
      {R"({"data_source_id": 1, "time": {"field": "ts", "from": "2025-02-01T00:00:00Z", "to": "2025-01-01T00:00:00Z"}})",
       {"query.time.to"}},
      {R"({"data_source_id": 1, "time": {"field": "ts", "from": "2025-01-01T00:00:00Z", "to": "2025-01-01T00:00:00Z"}})",
       {"query.time.to"}},
      // filters
      {R"({"data_source_id": 1, "filters": {"field": "a"}})", {"query.filters"}},
      {R"({"data_source_id": 1, "filters": [{"field": "a", "op": "eq"}]})", {"query.filters[0].value"}},
      {R"({"data_source_id": 1, "filters": [{"field": "a", "op": "in", "value": "DE"}]})", {"query.filters[0].value"}},
      {R"({"data_source_id": 1, "filters": [{"field": "a", "op": "in", "value": [["DE"]]}]})",
       {"query.filters[0].value"}},
      {R"({"data_source_id": 1, "filters": [{"field": "a", "op": "eq", "value": [1]}]})", {"query.filters[0].value"}},
      {R"({"data_source_id": 1, "filters": [{"field": "a", "op": "eq", "value": {"x": 1}}]})",
       {"query.filters[0].value"}},
      {R"({"data_source_id": 1, "filters": [{"field": "a", "op": "contains", "value": 5}]})",
       {"query.filters[0].value"}},
      {R"({"data_source_id": 1, "filters": [{"field": "a", "op": "like", "value": "x"}]})", {"query.filters[0].op"}},
      {R"({"data_source_id": 1, "filters": [{"field": "a", "value": "x"}]})", {"query.filters[0].op"}},
      {R"({"data_source_id": 1, "filters": [{"op": "eq", "value": "x"}]})", {"query.filters[0].field"}},
      {R"({"data_source_id": 1, "filters": [{"field": "a", "op": "eq", "value": 1}, 3]})", {"query.filters[1]"}},
      // null is for eq/ne only (they test for null).
      {R"({"data_source_id": 1, "filters": [{"field": "a", "op": "lt", "value": null}]})", {"query.filters[0].value"}},
      {R"({"data_source_id": 1, "filters": [{"field": "a", "op": "lte", "value": null}]})", {"query.filters[0].value"}},
      {R"({"data_source_id": 1, "filters": [{"field": "a", "op": "gt", "value": null}]})", {"query.filters[0].value"}},
      {R"({"data_source_id": 1, "filters": [{"field": "a", "op": "gte", "value": null}]})", {"query.filters[0].value"}},
      {R"({"data_source_id": 1, "filters": [{"field": "a", "op": "contains", "value": null}]})",
       {"query.filters[0].value"}},
      {R"({"data_source_id": 1, "filters": [{"field": "a", "op": "in", "value": null}]})", {"query.filters[0].value"}},
      // order_by
      {R"({"data_source_id": 1, "order_by": [{"field": "a", "dir": "up"}]})", {"query.order_by[0].dir"}},
      {R"({"data_source_id": 1, "order_by": [{"dir": "asc"}]})", {"query.order_by[0].field"}},
      {R"({"data_source_id": 1, "order_by": ["a"]})", {"query.order_by[0]"}},
      {R"({"data_source_id": 1, "order_by": {"field": "a"}})", {"query.order_by"}},
      // limit
      {R"({"data_source_id": 1, "limit": 0})", {"query.limit"}},
      {R"({"data_source_id": 1, "limit": -1})", {"query.limit"}},
      {R"({"data_source_id": 1, "limit": 100001})", {"query.limit"}},
      {R"({"data_source_id": 1, "limit": "10"})", {"query.limit"}},
      {R"({"data_source_id": 1, "limit": 2.5})", {"query.limit"}},
      {R"({"data_source_id": 1, "limit": null})", {"query.limit"}},
  };
  for (const BadCase& c : cases) {
    Outcome o = read(c.query);
    EXPECT_FALSE(o.ok) << c.query;
    EXPECT_EQ(o.fields, c.fields) << c.query << describe(o);
    for (auto& [field, msg] : o.errors) EXPECT_FALSE(msg.empty()) << field;
  }
}

TEST(AnalyticsQuery, OutputNamesAreUniqueAndOrderByNamesOne) {
  const BadCase cases[] = {
      {R"({"data_source_id": 1, "metrics": [{"op": "count"}, {"op": "count"}]})", {"query.metrics[1]"}},
      {R"({"data_source_id": 1, "metrics": [{"op": "sum", "field": "x"}, {"op": "sum", "field": "x"}]})",
       {"query.metrics[1]"}},
      {R"({"data_source_id": 1, "metrics": [{"op": "count"}, {"op": "sum", "field": "x", "as": "count"}]})",
       {"query.metrics[1].as"}},
      {R"({"data_source_id": 1, "dimensions": ["region"], "metrics": [{"op": "count", "as": "region"}]})",
       {"query.metrics[0].as"}},
      {R"({"data_source_id": 1, "dimensions": ["a", "b", "a"], "metrics": [{"op": "count"}]})",
       {"query.dimensions[2]"}},
      {R"({"data_source_id": 1, "time": {"field": "ts", "granularity": "day"}, "dimensions": ["ts"]})",
       {"query.dimensions[0]"}},
      {R"({"data_source_id": 1, "time": {"field": "ts", "granularity": "day"}, "metrics": [{"op": "count", "as": "ts"}]})",
       {"query.metrics[0].as"}},
      // order_by names an output: a group key or a metric's name.
      {R"({"data_source_id": 1, "metrics": [{"op": "count"}], "order_by": [{"field": "nope"}]})",
       {"query.order_by[0].field"}},
      {R"({"data_source_id": 1, "metrics": [{"op": "sum", "field": "x", "as": "total"}], "order_by": [{"field": "sum_x"}]})",
       {"query.order_by[0].field"}},
      {R"({"data_source_id": 1, "metrics": [{"op": "count"}], "order_by": [{"field": "count"}, {"field": "x"}]})",
       {"query.order_by[1].field"}},
      // Without a granularity the time field is not an output.
      {R"({"data_source_id": 1, "time": {"field": "ts"}, "metrics": [{"op": "count"}], "order_by": [{"field": "ts"}]})",
       {"query.order_by[0].field"}},
  };
  for (const BadCase& c : cases) {
    Outcome o = read(c.query);
    EXPECT_FALSE(o.ok) << c.query;
    EXPECT_EQ(o.fields, c.fields) << c.query << describe(o);
  }
  // Positive controls.
  for (const char* good : {
           R"({"data_source_id": 1, "metrics": [{"op": "count"}, {"op": "count", "as": "n"}], "order_by": [{"field": "n"}]})",
           R"({"data_source_id": 1, "metrics": [{"op": "count"}, {"op": "count", "field": "x"}, {"op": "count_distinct", "field": "x"}]})",
           R"({"data_source_id": 1, "time": {"field": "ts"}, "dimensions": ["ts"], "metrics": [{"op": "count"}], "order_by": [{"field": "ts"}]})",
           R"({"data_source_id": 1, "time": {"field": "ts", "granularity": "week"}, "dimensions": ["r"], "metrics": [{"op": "min", "field": "ts"}],)"
           R"( "order_by": [{"field": "ts", "dir": "desc"}, {"field": "r"}, {"field": "min_ts"}, {"field": "ts"}]})",
       }) {
    Outcome o = read(good);
    EXPECT_TRUE(o.ok) << good << describe(o);
  }
}

TEST(AnalyticsQuery, ListSizeLimits) {
  auto repeat = [](const std::string& item, size_t n) {
    std::string s = "[";
    for (size_t i = 0; i < n; ++i) s += (i ? "," : "") + item;
    return s + "]";
  };
  std::string metrics50 = "[";
  for (int i = 0; i < 50; ++i) metrics50 += (i ? "," : "") + std::string(R"({"op":"count","as":"m)") + std::to_string(i) + "\"}";
  metrics50 += "]";
  Outcome o = read(R"({"data_source_id":1,"metrics":)" + metrics50 + "}");
  EXPECT_TRUE(o.ok) << describe(o);
  o = read(R"({"data_source_id":1,"metrics":)" + repeat(R"({"op":"count"})", 51) + "}");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.metrics"})) << describe(o);
  o = read(R"({"data_source_id":1,"dimensions":)" + repeat("\"d\"", 51) + "}");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.dimensions"})) << describe(o);
  o = read(R"({"data_source_id":1,"filters":)" + repeat(R"({"field":"a","op":"eq","value":1})", 50) + "}");
  EXPECT_TRUE(o.ok) << describe(o);
  o = read(R"({"data_source_id":1,"filters":)" + repeat(R"({"field":"a","op":"eq","value":1})", 51) + "}");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.filters"})) << describe(o);
  o = read(R"({"data_source_id":1,"order_by":)" + repeat(R"({"field":"a"})", 51) + "}");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.order_by"})) << describe(o);
  // "in" takes at most 1,000 values.
  o = read(R"({"data_source_id":1,"filters":[{"field":"a","op":"in","value":)" + repeat("1", 1000) + "}]}");
  EXPECT_TRUE(o.ok) << describe(o);
  o = read(R"({"data_source_id":1,"filters":[{"field":"a","op":"in","value":)" + repeat("1", 1001) + "}]}");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.filters[0].value"})) << describe(o);
  // Field names of at most 200 characters (characters, not bytes).
  const std::string f200(200, 'f'), f201(201, 'f');
  std::string u200;
  for (int i = 0; i < 200; ++i) u200 += "é";
  EXPECT_TRUE(read(R"({"data_source_id":1,"dimensions":[")" + f200 + R"("]})").ok);
  EXPECT_TRUE(read(R"({"data_source_id":1,"dimensions":[")" + u200 + R"("]})").ok);
  o = read(R"({"data_source_id":1,"dimensions":[")" + f201 + R"("]})");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.dimensions[0]"})) << describe(o);
  o = read(R"({"data_source_id":1,"metrics":[{"op":"sum","field":")" + f201 + R"("}]})");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.metrics[0].field"})) << describe(o);
  o = read(R"({"data_source_id":1,"metrics":[{"op":"count","as":")" + f201 + R"("}]})");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.metrics[0].as"})) << describe(o);
  o = read(R"({"data_source_id":1,"time":{"field":")" + f201 + R"("}})");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.time.field"})) << describe(o);
  o = read(R"({"data_source_id":1,"filters":[{"field":")" + f201 + R"(","op":"eq","value":1}]})");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.filters[0].field"})) << describe(o);
}

TEST(AnalyticsQuery, EveryProblemIsReported) {
  Outcome o = read(R"({"metrics": [{"op": "sum"}, {"op": "nope"}], "dimensions": [1],
      "time": {"granularity": "fortnight", "from": "bad"},
      "filters": [{"field": "a", "op": "in", "value": 1}, {"op": "eq"}, {"field": "b", "op": "gt", "value": null}],
      "order_by": [{"field": "a", "dir": "sideways"}], "limit": 0})");
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.data_source_id", "query.metrics[0].field", "query.metrics[1].op",
                                             "query.dimensions[0]", "query.time.field", "query.time.granularity",
                                             "query.time.from", "query.filters[0].value", "query.filters[1].field",
                                             "query.filters[1].value", "query.filters[2].value",
                                             "query.order_by[0].dir", "query.limit"}))
      << describe(o);
}

// As a widget's query: errors carry the widget's path; errors the caller
// recorded before do not make a valid query fail.
TEST(AnalyticsQuery, NestedInAWidget) {
  std::string body = R"({"name": "", "widgets": [{"type": "kpi"}, {"type": "line",
      "query": {"data_source_id": 1, "time": {"field": "ts", "granularity": "hourly"}}}]})";
  simdjson::padded_string padded(body);
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  ASSERT_FALSE(parser.parse(padded).get(root));
  json::FieldReader top(root);
  top.error("name", "This field may not be blank.");  // an earlier, unrelated error
  simdjson::dom::array widgets;
  ASSERT_FALSE(root["widgets"].get(widgets));
  simdjson::dom::object w1;
  ASSERT_FALSE(widgets.at(1).get(w1));
  json::FieldReader wr = top.nested(w1, "widgets[1]");
  Query q;
  simdjson::dom::element e;
  ASSERT_FALSE(w1.at_key("query").get(e));
  EXPECT_FALSE(read_query_field(wr, "query", e, &q));
  std::set<std::string> fields;
  for (auto& [field, msg] : top.errors().items()) fields.insert(field);
  EXPECT_EQ(fields, (std::set<std::string>{"name", "widgets[1].query.time.granularity"}));

  // Names are checked within the widget's query, with its path.
  std::string dup = R"({"query": {"data_source_id": 1, "metrics": [{"op": "count"}, {"op": "count"}]}})";
  simdjson::padded_string dup_padded(dup);
  simdjson::dom::parser p3;
  simdjson::dom::object dup_root;
  ASSERT_FALSE(p3.parse(dup_padded).get(dup_root));
  json::FieldReader r3(dup_root);
  ASSERT_FALSE(dup_root.at_key("query").get(e));
  json::FieldReader nested = r3.nested(dup_root, "widgets[0]");
  EXPECT_FALSE(read_query_field(nested, "query", e, &q));
  ASSERT_EQ(r3.errors().items().size(), 1u);
  EXPECT_EQ(r3.errors().items()[0].first, "widgets[0].query.metrics[1]");

  // A valid query read after unrelated errors still returns true.
  std::string ok_body = R"({"query": {"data_source_id": 5}})";
  simdjson::padded_string ok_padded(ok_body);
  simdjson::dom::parser p2;
  simdjson::dom::object ok_root;
  ASSERT_FALSE(p2.parse(ok_padded).get(ok_root));
  json::FieldReader r2(ok_root);
  r2.error("other", "bad");
  simdjson::dom::element oq;
  ASSERT_FALSE(ok_root.at_key("query").get(oq));
  EXPECT_TRUE(read_query_field(r2, "query", oq, &q));
  EXPECT_EQ(canonical_json(q), R"({"data_source_id":5})");
  EXPECT_EQ(r2.error_count(), 1u);
  // A non-object is refused by name.
  json::FieldReader r4(ok_root);
  simdjson::dom::element five;
  ASSERT_FALSE(ok_root.at_key("query").at_key("data_source_id").get(five));
  EXPECT_FALSE(read_query_field(r4, "query", five, &q));
  ASSERT_EQ(r4.errors().items().size(), 1u);
  EXPECT_EQ(r4.errors().items()[0].first, "query");
}

TEST(AnalyticsQuery, StoredQueriesParseBack) {
  for (std::string_view json : {
           kExample,
           std::string_view(R"({"data_source_id": 1})"),
           std::string_view(R"({"data_source_id": 1, "metrics": [], "dimensions": [], "filters": [], "order_by": []})"),
           std::string_view(R"({"data_source_id": 7, "metrics": [{"op": "avg", "field": "x", "as": "é"}],
               "time": {"field": "t", "granularity": "quarter", "from": "1969-12-31T23:59:59.5-01:00"},
               "filters": [{"field": "x", "op": "in", "value": [1, 2.5, null, "s", true, -0.0, 1e300]},
                           {"field": "y", "op": "contains", "value": "\u00e9\n\"\\"}],
               "order_by": [{"field": "t"}], "limit": 99999})"),
       }) {
    Outcome o = read(json);
    ASSERT_TRUE(o.ok) << json << describe(o);
    Query back;
    ASSERT_TRUE(parse_stored_query(o.out, &back).ok()) << o.out;
    EXPECT_EQ(canonical_json(back), o.out);
  }
  Query q;
  EXPECT_FALSE(parse_stored_query("not json", &q).ok());
  EXPECT_FALSE(parse_stored_query("[1]", &q).ok());
  EXPECT_FALSE(parse_stored_query(R"({"data_source_id": 0})", &q).ok());
  EXPECT_FALSE(parse_stored_query(R"({"data_source_id": 1, "limit": 0})", &q).ok());
}

}  // namespace
}  // namespace claribi::analytics
