// Analytics queries (api/analytics_query.h) read through a FieldReader: the
// full example of API.md §6 is accepted and written in canonical form (known
// keys only, fixed key order, timestamps as YYYY-MM-DDTHH:MM:SSZ, order_by's
// default "asc"), whatever the key order, whitespace and unknown keys of the
// input; every invalid case is rejected and reports exactly the expected
// field paths ("query.metrics[0].op", "query.time.granularity",
// "query.filters[0].value", "query.limit", ...), several problems at once are
// all reported, and a query nested in a widget is named with its full path.
#include "api/analytics_query.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace claribi::api {
namespace {

struct Outcome {
  bool ok = false;
  std::string out;
  std::set<std::string> fields;  // field paths with an error
  std::vector<std::pair<std::string, std::string>> errors;
};

// Reads {"query": <query_json>} with read_analytics_query(f, "query", ...).
Outcome read_query(std::string_view query_json) {
  Outcome o;
  std::string body = "{\"query\":" + std::string(query_json) + "}";
  simdjson::padded_string padded(body);
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(padded).get(obj)) {
    ADD_FAILURE() << "test input is not JSON: " << query_json;
    return o;
  }
  FieldReader f(obj);
  simdjson::dom::element e;
  EXPECT_FALSE(obj.at_key("query").get(e));
  o.ok = read_analytics_query(f, "query", e, &o.out);
  o.errors = f.errors().items();
  for (auto& [field, msg] : o.errors) o.fields.insert(field);
  EXPECT_EQ(o.ok, o.errors.empty()) << "return value disagrees with the errors reported";
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

TEST(ApiAnalyticsQuery, ApiMdExampleIsAcceptedAndCanonical) {
  Outcome o = read_query(kExample);
  ASSERT_TRUE(o.ok) << describe(o);
  EXPECT_EQ(o.out, kExampleCanonical);
  // Canonical form is a fixed point.
  Outcome again = read_query(o.out);
  ASSERT_TRUE(again.ok) << describe(again);
  EXPECT_EQ(again.out, kExampleCanonical);
}

TEST(ApiAnalyticsQuery, KeyOrderWhitespaceAndUnknownKeysDoNotMatter) {
  Outcome o = read_query(R"({ "limit" : 100, "extra": {"x": [1, 2]}, "order_by": [{"note": 1, "dir": "desc", "field": "revenue"}],
    "filters": [{"value": ["DE", "FR"], "op": "in", "field": "country", "comment": "eu"}],
    "time": {"to": "2025-02-01T00:00:00.000Z", "tz": "UTC", "from": "2025-01-01 00:00:00+00:00", "granularity": "day", "field": "ts"},
    "dimensions": ["region"],
    "metrics": [{"as": "revenue", "field": "revenue", "op": "sum", "unit": "EUR"}, {"op": "count"}],
    "data_source_id": 3, "data_source": "ignored" })");
  ASSERT_TRUE(o.ok) << describe(o);
  EXPECT_EQ(o.out, kExampleCanonical);
}

TEST(ApiAnalyticsQuery, MinimalAndOptionalParts) {
  Outcome o = read_query(R"({"data_source_id": 1})");
  ASSERT_TRUE(o.ok) << describe(o);
  EXPECT_EQ(o.out, R"({"data_source_id":1})");
  // order_by's dir defaults to asc; count may name a field; empty arrays stay.
  o = read_query(R"({"data_source_id": 9223372036854775807, "metrics": [{"op": "count", "field": "id"}],
                     "dimensions": [], "filters": [], "order_by": [{"field": "a"}], "limit": 1})");
  ASSERT_TRUE(o.ok) << describe(o);
  EXPECT_EQ(o.out, R"({"data_source_id":9223372036854775807,"metrics":[{"op":"count","field":"id"}],)"
                   R"("dimensions":[],"filters":[],"order_by":[{"field":"a","dir":"asc"}],"limit":1})");
  // time with only a field; null from/to are as absent.
  o = read_query(R"({"data_source_id": 2, "time": {"field": "ts", "from": null, "to": null}, "limit": 100000})");
  ASSERT_TRUE(o.ok) << describe(o);
  EXPECT_EQ(o.out, R"({"data_source_id":2,"time":{"field":"ts"},"limit":100000})");
  // Every operator and granularity is accepted.
  for (std::string_view op : {"count_distinct", "sum", "avg", "min", "max"}) {
    o = read_query(R"({"data_source_id":1,"metrics":[{"op":")" + std::string(op) + R"(","field":"f"}]})");
    EXPECT_TRUE(o.ok) << op << describe(o);
  }
  for (std::string_view g : {"minute", "hour", "day", "week", "month", "quarter", "year"}) {
    o = read_query(R"({"data_source_id":1,"time":{"field":"t","granularity":")" + std::string(g) + R"("}})");
    EXPECT_TRUE(o.ok) << g << describe(o);
  }
  // Filter values: any scalar, an array of scalars for "in", a string for "contains".
  o = read_query(R"({"data_source_id":1,"filters":[{"field":"a","op":"eq","value":null},
      {"field":"b","op":"ne","value":true},{"field":"c","op":"lt","value":1.5},{"field":"d","op":"lte","value":-3},
      {"field":"e","op":"gt","value":"x"},{"field":"f","op":"gte","value":0},{"field":"g","op":"in","value":[]},
      {"field":"h","op":"in","value":[1,"a",null,false]},{"field":"i","op":"contains","value":"sub\"str"}]})");
  ASSERT_TRUE(o.ok) << describe(o);
  EXPECT_EQ(o.out, R"({"data_source_id":1,"filters":[{"field":"a","op":"eq","value":null},)"
                   R"({"field":"b","op":"ne","value":true},{"field":"c","op":"lt","value":1.5},)"
                   R"({"field":"d","op":"lte","value":-3},{"field":"e","op":"gt","value":"x"},)"
                   R"({"field":"f","op":"gte","value":0},{"field":"g","op":"in","value":[]},)"
                   R"({"field":"h","op":"in","value":[1,"a",null,false]},)"
                   R"({"field":"i","op":"contains","value":"sub\"str"}]})");
}

struct BadCase {
  const char* query;
  std::set<std::string> fields;
};

TEST(ApiAnalyticsQuery, InvalidQueriesNameTheField) {
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
      {R"({"data_source_id": 1, "time": {"field": "ts", "from": "2025-01-01T00:00:00+01:00"}})", {"query.time.from"}},
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
    Outcome o = read_query(c.query);
    EXPECT_FALSE(o.ok) << c.query;
    EXPECT_EQ(o.fields, c.fields) << c.query << describe(o);
    for (auto& [field, msg] : o.errors) EXPECT_FALSE(msg.empty()) << field;
  }
}

TEST(ApiAnalyticsQuery, ListSizeLimits) {
  auto repeat = [](const std::string& item, size_t n) {
    std::string s = "[";
    for (size_t i = 0; i < n; ++i) s += (i ? "," : "") + item;
    return s + "]";
  };
  const std::string metric = R"({"op":"count"})";
  EXPECT_TRUE(read_query(R"({"data_source_id":1,"metrics":)" + repeat(metric, 50) + "}").ok);
  Outcome o = read_query(R"({"data_source_id":1,"metrics":)" + repeat(metric, 51) + "}");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.metrics"})) << describe(o);
  o = read_query(R"({"data_source_id":1,"dimensions":)" + repeat("\"d\"", 51) + "}");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.dimensions"})) << describe(o);
  o = read_query(R"({"data_source_id":1,"filters":)" + repeat(R"({"field":"a","op":"eq","value":1})", 51) + "}");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.filters"})) << describe(o);
  o = read_query(R"({"data_source_id":1,"order_by":)" + repeat(R"({"field":"a"})", 51) + "}");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.order_by"})) << describe(o);
  // "in" takes at most 1,000 values.
  EXPECT_TRUE(read_query(R"({"data_source_id":1,"filters":[{"field":"a","op":"in","value":)" + repeat("1", 1000) +
                         "}]}")
                  .ok);
  o = read_query(R"({"data_source_id":1,"filters":[{"field":"a","op":"in","value":)" + repeat("1", 1001) + "}]}");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.filters[0].value"})) << describe(o);
  // Field names of at most 200 characters.
  const std::string f200(200, 'f'), f201(201, 'f');
  EXPECT_TRUE(read_query(R"({"data_source_id":1,"dimensions":[")" + f200 + R"("]})").ok);
  o = read_query(R"({"data_source_id":1,"dimensions":[")" + f201 + R"("]})");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.dimensions[0]"})) << describe(o);
  o = read_query(R"({"data_source_id":1,"metrics":[{"op":"sum","field":")" + f201 + R"("}]})");
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.metrics[0].field"})) << describe(o);
}

TEST(ApiAnalyticsQuery, EveryProblemIsReported) {
  Outcome o = read_query(R"({"metrics": [{"op": "sum"}, {"op": "nope"}], "dimensions": [1],
      "time": {"granularity": "fortnight", "from": "bad"},
      "filters": [{"field": "a", "op": "in", "value": 1}, {"op": "eq"}],
      "order_by": [{"field": "a", "dir": "sideways"}], "limit": 0})");
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.fields, (std::set<std::string>{"query.data_source_id", "query.metrics[0].field", "query.metrics[1].op",
                                             "query.dimensions[0]", "query.time.field", "query.time.granularity",
                                             "query.time.from", "query.filters[0].value", "query.filters[1].field",
                                             "query.filters[1].value", "query.order_by[0].dir", "query.limit"}))
      << describe(o);
}

// As a widget's query: errors carry the widget's path; errors the caller
// recorded before do not make a valid query fail.
TEST(ApiAnalyticsQuery, NestedInAWidget) {
  std::string body = R"({"name": "", "widgets": [{"type": "kpi"}, {"type": "line",
      "query": {"data_source_id": 1, "time": {"field": "ts", "granularity": "hourly"}}}]})";
  simdjson::padded_string padded(body);
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  ASSERT_FALSE(parser.parse(padded).get(root));
  FieldReader top(root);
  top.error("name", "This field may not be blank.");  // an earlier, unrelated error
  simdjson::dom::array widgets;
  ASSERT_FALSE(root["widgets"].get(widgets));
  simdjson::dom::object w1;
  ASSERT_FALSE(widgets.at(1).get(w1));
  FieldReader wr = top.nested(w1, "widgets[1]");
  std::string out;
  simdjson::dom::element q;
  ASSERT_FALSE(w1.at_key("query").get(q));
  EXPECT_FALSE(read_analytics_query(wr, "query", q, &out));
  std::set<std::string> fields;
  for (auto& [field, msg] : top.errors().items()) fields.insert(field);
  EXPECT_EQ(fields, (std::set<std::string>{"name", "widgets[1].query.time.granularity"}));

  // A valid query read after unrelated errors still returns true.
  std::string ok_body = R"({"query": {"data_source_id": 5}})";
  simdjson::padded_string ok_padded(ok_body);
  simdjson::dom::parser p2;
  simdjson::dom::object ok_root;
  ASSERT_FALSE(p2.parse(ok_padded).get(ok_root));
  FieldReader r2(ok_root);
  r2.error("other", "bad");
  simdjson::dom::element oq;
  ASSERT_FALSE(ok_root.at_key("query").get(oq));
  EXPECT_TRUE(read_analytics_query(r2, "query", oq, &out));
  EXPECT_EQ(out, R"({"data_source_id":5})");
  EXPECT_EQ(r2.error_count(), 1u);
}

}  // namespace
}  // namespace claribi::api
