// QueryResult: what a query answers (API.md §10) — typed output columns and
// rows of cells — and its JSON form. The same result feeds the API answer,
// the result cache, dashboard widgets and report runs (CSV included).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analytics/plan.h"
#include "common/json_writer.h"

namespace claribi::analytics {

__extension__ typedef __int128 int128_t;

struct Value {
  enum class Kind : uint8_t { kNull, kInt, kFloat, kBool, kTimestamp, kString };
  Kind kind = Kind::kNull;
  int128_t i = 0;  // kInt (sums of integers may pass int64), kBool (0/1), kTimestamp (µs)
  double f = 0;
  std::string s;

  static Value null() { return Value{}; }
  static Value integer(int128_t v) { Value x; x.kind = Kind::kInt; x.i = v; return x; }
  static Value floating(double v) { Value x; x.kind = Kind::kFloat; x.f = v; return x; }
  static Value boolean(bool v) { Value x; x.kind = Kind::kBool; x.i = v ? 1 : 0; return x; }
  static Value timestamp(int64_t us) { Value x; x.kind = Kind::kTimestamp; x.i = us; return x; }
  static Value string(std::string v) { Value x; x.kind = Kind::kString; x.s = std::move(v); return x; }
};

// Orders two cells of one column: nulls after every value; otherwise the
// column's natural order (numbers, instants, false < true, strings bytewise).
// <0, 0, >0.
int compare_values(const Value& a, const Value& b);

struct QueryResult {
  std::vector<OutputColumn> columns;
  std::vector<std::vector<Value>> rows;
  bool truncated = false;
};

// Writes one cell as JSON: integers exactly (even past int64), floats in
// their shortest round-trip form (always with a '.' or an exponent),
// timestamps as ISO 8601 UTC strings.
void write_value(JsonWriter& w, const Value& v);
// A cell as CSV field text (unquoted): "" for null.
void append_value_text(std::string& out, const Value& v);
// The result as RFC 4180 CSV: a header row of the column names, then one
// record per row, fields quoted when they hold a comma, a quote, CR or LF
// (quotes doubled), every record ending in CRLF; null is an empty field.
void append_csv(std::string& out, const QueryResult& r);

// The JSON answer in two parts, so the result cache can keep the first:
// result_head_json is `{"columns": [...], "rows": [...], "row_count": N,
// "truncated": b` (unclosed); append_result_tail adds `,"elapsed_ms": x}`.
std::string result_head_json(const QueryResult& r);
void append_result_tail(std::string& out, double elapsed_ms);

}  // namespace claribi::analytics
