// Query: the typed form of an analytics query (API.md §6 and §10), the one
// model that `POST /api/analytics/query/`, dashboard widgets and reports
// share. Reading it checks the *shape* — keys, types, operators,
// granularities, timestamps, list sizes, unique output names, order_by
// naming an output — with every problem named by its path
// ("metrics[0].op", "widgets[1].query.time.granularity"). Whether the data
// source exists and holds the named fields is checked when the query runs
// (plan.h), since a saved widget may outlive a column.
//
// A stored query is its canonical JSON (known keys only, fixed key order,
// timestamps as ISO 8601 UTC, order_by's dir explicit): canonical_json()
// writes it, and reading the canonical text gives the same Query back. The
// canonical text is also the result cache's key.
//
// Saving is lenient in one way only: `metrics` may be absent or empty (a
// widget being drafted); running such a query is a 400 (plan.h).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.h"
#include "common/status.h"
#include "json/field_reader.h"

namespace claribi::analytics {

inline constexpr int64_t kMaxQueryLimit = 100000;
inline constexpr int64_t kDefaultQueryLimit = 1000;
inline constexpr size_t kMaxFieldChars = 200;
inline constexpr size_t kMaxQueryItems = 50;  // metrics, dimensions, filters, order_by entries
inline constexpr size_t kMaxInValues = 1000;

enum class MetricOp : uint8_t { kCount, kCountDistinct, kSum, kAvg, kMin, kMax };
enum class FilterOp : uint8_t { kEq, kNe, kLt, kLte, kGt, kGte, kIn, kContains };
enum class Granularity : uint8_t { kNone, kMinute, kHour, kDay, kWeek, kMonth, kQuarter, kYear };
// The last of each, for code that lists every value (the OpenAPI document's enums).
inline constexpr uint8_t kLastMetricOp = static_cast<uint8_t>(MetricOp::kMax);
inline constexpr uint8_t kLastFilterOp = static_cast<uint8_t>(FilterOp::kContains);
inline constexpr uint8_t kLastGranularity = static_cast<uint8_t>(Granularity::kYear);

std::string_view metric_op_name(MetricOp op);
std::string_view filter_op_name(FilterOp op);
std::string_view granularity_name(Granularity g);

// A filter constant as sent: a JSON scalar. Integers beyond int64 (only
// unsigned ones parse that far) are kept as floats.
struct Literal {
  enum class Kind : uint8_t { kNull, kBool, kInt, kFloat, kString };
  Kind kind = Kind::kNull;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
};

struct Metric {
  MetricOp op = MetricOp::kCount;
  std::string field;  // empty: a bare count (rows)
  std::string as;     // empty: not given
  // The output column's name: `as`, else "count" for a bare count, else
  // "<op>_<field>".
  std::string name() const;
};

struct TimeSpec {
  std::string field;
  Granularity granularity = Granularity::kNone;
  std::optional<int64_t> from_us, to_us;  // microseconds since the epoch, UTC; from <= t < to
};

struct Filter {
  std::string field;
  FilterOp op = FilterOp::kEq;
  std::vector<Literal> values;  // exactly one, except for kIn
};

struct Order {
  std::string field;
  bool desc = false;
};

struct Query {
  uint64_t data_source_id = 0;
  std::vector<Metric> metrics;
  bool has_metrics = false, has_dimensions = false, has_filters = false, has_order_by = false;  // as sent (canonical form keeps empty lists)
  std::vector<std::string> dimensions;
  std::optional<TimeSpec> time;
  std::vector<Filter> filters;
  std::vector<Order> order_by;
  std::optional<int64_t> limit;  // absent: kDefaultQueryLimit

  int64_t effective_limit() const { return limit ? *limit : kDefaultQueryLimit; }
  // Whether the time field is a group key (bucketed).
  bool bucketed() const { return time && time->granularity != Granularity::kNone; }
};

// Reads the fields of f's object as a query (the request body of
// POST /api/analytics/query/): errors go to f, named "<field>...".
// Returns whether this query added no error.
bool read_query(json::FieldReader& f, Query* out);
// Reads `e`, the value of field `name` of `parent`, as a query (a widget's or
// a report's): errors are named "<name>.<field>" in parent.
bool read_query_field(json::FieldReader& parent, std::string_view name, simdjson::dom::element e, Query* out);

void write_canonical(JsonWriter& w, const Query& q);
std::string canonical_json(const Query& q);
// Reads a stored canonical query back (Corruption when it is not one).
Status parse_stored_query(std::string_view json, Query* out);

}  // namespace claribi::analytics
