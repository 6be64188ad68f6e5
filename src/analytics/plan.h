// Plan: a Query (query.h) resolved against one table's schema — every field
// found and type-checked, every filter constant converted to the column's
// type and normalized into a Predicate the scan evaluates over whole
// vectors, the output columns named and typed, order_by resolved to output
// positions. plan() is where "no field x", "sum needs a number" and "a
// string is not a timestamp" become 400s naming the path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/query.h"
#include "http/error.h"
#include "storage/column_types.h"
#include "storage/row_store.h"

namespace claribi::analytics {

using storage::ColumnType;

// A row test on one column. Null rows never pass, except kIsNull.
struct Predicate {
  enum class Kind : uint8_t {
    kNever,       // no row passes (e.g. integer column eq 2.5)
    kIsNull,      // eq null
    kNotNull,     // ne null
    kIntRange,    // lo <= v <= hi (integer, timestamp, boolean columns)
    kIntNotEq,    // v != lo
    kIntIn,       // v in ints (sorted, distinct)
    kFloatRange,  // flo <(=) v <(=) fhi, openness per bound (float columns)
    kFloatNotEq,  // v != flo
    kFloatIn,     // v in floats (sorted, distinct)
    kString,      // string columns: tested per dictionary entry (string_matches)
  };
  uint32_t column = 0;
  ColumnType type = ColumnType::kInteger;
  Kind kind = Kind::kNever;
  int64_t lo = 0, hi = 0;
  double flo = 0, fhi = 0;
  bool flo_open = false, fhi_open = false;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  FilterOp op = FilterOp::kEq;       // kString
  std::vector<std::string> strings;  // kString: the value; sorted for kIn; lower-cased needle for kContains

  // Whether a row of a chunk with zone map z (of this column) may pass.
  bool may_match(const storage::ZoneMap& z) const;
  // Whether every row of such a chunk passes (the test can be skipped).
  bool always_matches(const storage::ZoneMap& z) const;
  // kString: whether the value s passes.
  bool string_matches(std::string_view s) const;
  // kIntRange..kIntIn / kFloat*: whether the non-null value v passes.
  bool int_matches(int64_t v) const;
  bool float_matches(double v) const;
};

struct KeyPlan {
  uint32_t column = 0;
  ColumnType type = ColumnType::kInteger;
  Granularity granularity = Granularity::kNone;  // only the time bucket (always first)
};

struct MetricPlan {
  MetricOp op = MetricOp::kCount;
  int32_t column = -1;  // -1: count of rows
  ColumnType in = ColumnType::kInteger;
  ColumnType out = ColumnType::kInteger;
};

struct OutputColumn {
  std::string name;
  ColumnType type = ColumnType::kInteger;
};

struct OrderKey {
  uint32_t output = 0;  // index into Plan::columns
  bool desc = false;
};

struct Plan {
  std::vector<KeyPlan> keys;        // the time bucket first (when bucketed), then the dimensions
  std::vector<MetricPlan> metrics;
  std::vector<Predicate> predicates;  // filters, and the time range
  std::vector<OutputColumn> columns;  // keys, then metrics
  std::vector<OrderKey> order;        // order_by; ties by the keys ascending (the executor adds them)
  size_t limit = size_t(kDefaultQueryLimit);
};

// Resolves q against the table's columns. On failure adds every problem to
// *errors (paths as in the request: "metrics[0].field", "filters[1].value")
// and returns false.
bool plan_query(const Query& q, const std::vector<storage::TableColumn>& schema, Plan* out,
                http::FieldErrors* errors);

}  // namespace claribi::analytics
