#include "analytics/plan.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "analytics/text_fold.h"
#include "ingest/value_text.h"

namespace claribi::analytics {

namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

bool is_numeric(ColumnType t) { return t == ColumnType::kInteger || t == ColumnType::kFloat; }

std::string type_word(ColumnType t) {
  std::string_view n = storage::column_type_name(t);
  return (t == ColumnType::kInteger ? "an " : "a ") + std::string(n);
}

int find_column(const std::vector<storage::TableColumn>& schema, std::string_view name) {
  for (size_t i = 0; i < schema.size(); ++i)
    if (schema[i].name == name) return int(i);
  return -1;
}

// A numeric constant's comparison with an integer column, as an integer
// range [lo, hi] (empty when lo > hi). `c` may have a fraction or lie
// outside int64.
void int_bound_from_double(FilterOp op, double c, int64_t* lo, int64_t* hi) {
  *lo = kMin;
  *hi = kMax;
  // 2^63 as a double: every double >= it is above int64; -2^63 is exact.
  constexpr double kTwo63 = 9223372036854775808.0;
  auto floor_clamped = [&](double x, bool* above, bool* below) {
    *above = x >= kTwo63;
    *below = x < -kTwo63;
    return (*above || *below) ? 0 : int64_t(std::floor(x));
  };
  bool above, below;
  switch (op) {
    case FilterOp::kLt: {  // v < c  <=>  v <= ceil(c) - 1
      double cc = std::ceil(c);
      int64_t f = floor_clamped(cc, &above, &below);
      if (above) return;  // every value
      if (below || f == kMin) { *lo = 1; *hi = 0; return; }
      *hi = f - 1;
      return;
    }
    case FilterOp::kLte: {  // v <= floor(c)
      int64_t f = floor_clamped(c, &above, &below);
      if (above) return;
      if (below) { *lo = 1; *hi = 0; return; }
      *hi = f;
      return;
    }
    case FilterOp::kGt: {  // v >= floor(c) + 1
      int64_t f = floor_clamped(c, &above, &below);
      if (below) return;
      if (above || f == kMax) { *lo = 1; *hi = 0; return; }
      *lo = f + 1;
      return;
    }
    case FilterOp::kGte: {  // v >= ceil(c)
      int64_t f = floor_clamped(std::ceil(c), &above, &below);
      if (below) return;
      if (above) { *lo = 1; *hi = 0; return; }
      *lo = f;
      return;
    }
    default: {  // eq
      int64_t f = floor_clamped(c, &above, &below);
      if (above || below || double(f) != c) { *lo = 1; *hi = 0; return; }
      *lo = *hi = f;
      return;
    }
  }
}

class Planner {
 public:
  Planner(const Query& q, const std::vector<storage::TableColumn>& schema, http::FieldErrors* errors)
      : q_(q), schema_(schema), errors_(errors) {}

  bool run(Plan* out) {
    if (q_.metrics.empty()) errors_->add("metrics", "At least one metric is required.");
    if (q_.time) {
      int c = column("time.field", q_.time->field);
      if (c >= 0 && schema_[c].type != ColumnType::kTimestamp) {
        errors_->add("time.field", "\"" + q_.time->field + "\" is " + type_word(schema_[c].type) +
                                       " column; time needs a timestamp column.");
      } else if (c >= 0) {
        if (q_.time->granularity != Granularity::kNone) {
          out->keys.push_back({uint32_t(c), ColumnType::kTimestamp, q_.time->granularity});
          out->columns.push_back({q_.time->field, ColumnType::kTimestamp});
        }
        if (q_.time->from_us || q_.time->to_us) {
          Predicate p;
          p.column = uint32_t(c);
          p.type = ColumnType::kTimestamp;
          p.kind = Predicate::Kind::kIntRange;
          p.lo = q_.time->from_us ? *q_.time->from_us : kMin;
          p.hi = q_.time->to_us ? *q_.time->to_us - 1 : kMax;
          out->predicates.push_back(std::move(p));
        }
      }
    }
    for (size_t i = 0; i < q_.dimensions.size(); ++i) {
      int c = column("dimensions[" + std::to_string(i) + "]", q_.dimensions[i]);
      if (c < 0) continue;
      out->keys.push_back({uint32_t(c), schema_[c].type, Granularity::kNone});
      out->columns.push_back({q_.dimensions[i], schema_[c].type});
    }
    for (size_t i = 0; i < q_.metrics.size(); ++i) metric(i, out);
    for (size_t i = 0; i < q_.filters.size(); ++i) filter(i, out);
    if (!errors_->empty()) return false;
    for (const Order& o : q_.order_by) {
      for (size_t j = 0; j < out->columns.size(); ++j)
        if (out->columns[j].name == o.field) {
          out->order.push_back({uint32_t(j), o.desc});
          break;
        }
    }
    out->limit = size_t(q_.effective_limit());
    return true;
  }

 private:
  int column(const std::string& path, const std::string& name) {
    int c = find_column(schema_, name);
    if (c < 0)
      errors_->add(path, "No field \"" + name + "\" in data source " + std::to_string(q_.data_source_id) + ".");
    return c;
  }

  void metric(size_t i, Plan* out) {
    const Metric& m = q_.metrics[i];
    MetricPlan mp;
    mp.op = m.op;
    if (m.field.empty()) {  // a bare count
      out->metrics.push_back(mp);
      out->columns.push_back({m.name(), ColumnType::kInteger});
      return;
    }
    const std::string path = "metrics[" + std::to_string(i) + "].field";
    int c = column(path, m.field);
    if (c < 0) return;
    const ColumnType t = schema_[c].type;
    mp.column = c;
    mp.in = t;
    switch (m.op) {
      case MetricOp::kCount:
      case MetricOp::kCountDistinct:
        mp.out = ColumnType::kInteger;
        break;
      case MetricOp::kSum:
      case MetricOp::kAvg:
        if (!is_numeric(t)) {
          errors_->add(path, std::string(metric_op_name(m.op)) + " takes a numeric field; \"" + m.field + "\" is " +
                                 type_word(t) + " column.");
          return;
        }
        mp.out = (m.op == MetricOp::kSum && t == ColumnType::kInteger) ? ColumnType::kInteger : ColumnType::kFloat;
        break;
      case MetricOp::kMin:
      case MetricOp::kMax:
        if (t == ColumnType::kBoolean) {
          errors_->add(path, std::string(metric_op_name(m.op)) + " does not take a boolean field (\"" + m.field + "\").");
          return;
        }
        mp.out = t;
        break;
    }
    out->metrics.push_back(mp);
    out->columns.push_back({m.name(), mp.out});
  }

  // The literal as an int64 of an int-like column (integers, timestamps,
  // booleans); false (error recorded) when its type does not fit.
  bool int_literal(const std::string& path, ColumnType t, const Literal& l, int64_t* v, double* fv, bool* is_float) {
    *is_float = false;
    switch (t) {
      case ColumnType::kInteger:
        if (l.kind == Literal::Kind::kInt) {
          *v = l.i;
          return true;
        }
        if (l.kind == Literal::Kind::kFloat) {
          *fv = l.f;
          *is_float = true;
          return true;
        }
        errors_->add(path, "Expected a number for an integer column.");
        return false;
      case ColumnType::kBoolean:
        if (l.kind == Literal::Kind::kBool) {
          *v = l.b ? 1 : 0;
          return true;
        }
        errors_->add(path, "Expected true or false for a boolean column.");
        return false;
      case ColumnType::kTimestamp:
        if (l.kind == Literal::Kind::kString) {
          if (auto us = ingest::parse_timestamp_text(l.s)) {
            *v = *us;
            return true;
          }
        }
        errors_->add(path, "Expected an ISO 8601 timestamp string (e.g. 2025-01-01T00:00:00Z) for a timestamp column.");
        return false;
      default:
        return false;
    }
  }

  void filter(size_t i, Plan* out) {
    const Filter& f = q_.filters[i];
    const std::string base = "filters[" + std::to_string(i) + "]";
    int c = column(base + ".field", f.field);
    if (c < 0) return;
    const ColumnType t = schema_[c].type;
    const std::string path = base + ".value";
    Predicate p;
    p.column = uint32_t(c);
    p.type = t;
    p.op = f.op;
    using K = Predicate::Kind;

    if ((f.op == FilterOp::kEq || f.op == FilterOp::kNe) && f.values.size() == 1 &&
        f.values[0].kind == Literal::Kind::kNull) {
      p.kind = f.op == FilterOp::kEq ? K::kIsNull : K::kNotNull;
      out->predicates.push_back(std::move(p));
      return;
    }
    if (f.op == FilterOp::kContains && t != ColumnType::kString) {
      errors_->add(base + ".op", "contains tests strings; \"" + f.field + "\" is " + type_word(t) + " column.");
      return;
    }

    if (t == ColumnType::kString) {
      p.kind = K::kString;
      for (const Literal& l : f.values) {
        if (l.kind == Literal::Kind::kNull && f.op == FilterOp::kIn) continue;  // matches nothing (SQL)
        if (l.kind != Literal::Kind::kString) {
          errors_->add(path, "Expected a string for a string column.");
          return;
        }
        p.strings.push_back(f.op == FilterOp::kContains ? fold_case(l.s) : l.s);
      }
      if (f.op == FilterOp::kIn) {
        std::sort(p.strings.begin(), p.strings.end());
        p.strings.erase(std::unique(p.strings.begin(), p.strings.end()), p.strings.end());
        if (p.strings.empty()) p.kind = K::kNever;
      }
      out->predicates.push_back(std::move(p));
      return;
    }

    if (t == ColumnType::kFloat) {
      std::vector<double> vals;
      for (const Literal& l : f.values) {
        if (l.kind == Literal::Kind::kNull && f.op == FilterOp::kIn) continue;
        if (l.kind == Literal::Kind::kInt) {
          vals.push_back(double(l.i));
        } else if (l.kind == Literal::Kind::kFloat) {
          vals.push_back(l.f);
        } else {
          errors_->add(path, "Expected a number for a float column.");
          return;
        }
      }
      if (f.op == FilterOp::kIn) {
        std::sort(vals.begin(), vals.end());
        vals.erase(std::unique(vals.begin(), vals.end()), vals.end());
        p.kind = vals.empty() ? K::kNever : K::kFloatIn;
        p.floats = std::move(vals);
      } else {
        const double v = vals[0];
        const double inf = std::numeric_limits<double>::infinity();
        p.kind = K::kFloatRange;
        p.flo = -inf;
        p.fhi = inf;
        switch (f.op) {
          case FilterOp::kEq: p.flo = p.fhi = v; break;
          case FilterOp::kNe: p.kind = K::kFloatNotEq; p.flo = v; break;
          case FilterOp::kLt: p.fhi = v; p.fhi_open = true; break;
          case FilterOp::kLte: p.fhi = v; break;
          case FilterOp::kGt: p.flo = v; p.flo_open = true; break;
          case FilterOp::kGte: p.flo = v; break;
          default: break;
        }
      }
      out->predicates.push_back(std::move(p));
      return;
    }

    // integer, timestamp, boolean
    if (f.op == FilterOp::kIn) {
      std::vector<int64_t> vals;
      for (const Literal& l : f.values) {
        if (l.kind == Literal::Kind::kNull) continue;
        int64_t v = 0;
        double fv = 0;
        bool is_float = false;
        if (!int_literal(path, t, l, &v, &fv, &is_float)) return;
        if (is_float) {
          int64_t lo, hi;
          int_bound_from_double(FilterOp::kEq, fv, &lo, &hi);
          if (lo > hi) continue;  // 2.5 is no integer
          v = lo;
        }
        vals.push_back(v);
      }
      std::sort(vals.begin(), vals.end());
      vals.erase(std::unique(vals.begin(), vals.end()), vals.end());
      p.kind = vals.empty() ? K::kNever : K::kIntIn;
      p.ints = std::move(vals);
      out->predicates.push_back(std::move(p));
      return;
    }
    int64_t v = 0;
    double fv = 0;
    bool is_float = false;
    if (!int_literal(path, t, f.values[0], &v, &fv, &is_float)) return;
    p.kind = K::kIntRange;
    if (is_float) {
      if (f.op == FilterOp::kNe) {
        int64_t lo, hi;
        int_bound_from_double(FilterOp::kEq, fv, &lo, &hi);
        if (lo > hi) {
          p.kind = K::kNotNull;  // no integer equals 2.5
        } else {
          p.kind = K::kIntNotEq;
          p.lo = lo;
        }
      } else {
        int_bound_from_double(f.op, fv, &p.lo, &p.hi);
        if (p.lo > p.hi) p.kind = K::kNever;
      }
      out->predicates.push_back(std::move(p));
      return;
    }
    p.lo = kMin;
    p.hi = kMax;
    switch (f.op) {
      case FilterOp::kEq: p.lo = p.hi = v; break;
      case FilterOp::kNe: p.kind = K::kIntNotEq; p.lo = v; break;
      case FilterOp::kLt:
        if (v == kMin) p.kind = K::kNever; else p.hi = v - 1;
        break;
      case FilterOp::kLte: p.hi = v; break;
      case FilterOp::kGt:
        if (v == kMax) p.kind = K::kNever; else p.lo = v + 1;
        break;
      case FilterOp::kGte: p.lo = v; break;
      default: break;
    }
    out->predicates.push_back(std::move(p));
  }

  const Query& q_;
  const std::vector<storage::TableColumn>& schema_;
  http::FieldErrors* errors_;
};

}  // namespace

bool Predicate::int_matches(int64_t v) const {
  switch (kind) {
    case Kind::kIntRange: return v >= lo && v <= hi;
    case Kind::kIntNotEq: return v != lo;
    case Kind::kIntIn: return std::binary_search(ints.begin(), ints.end(), v);
    case Kind::kNotNull: return true;
    case Kind::kFloatRange:
    case Kind::kFloatNotEq:
    case Kind::kFloatIn: return float_matches(double(v));
    default: return false;
  }
}

bool Predicate::float_matches(double v) const {
  switch (kind) {
    case Kind::kFloatRange:
      return (flo_open ? v > flo : v >= flo) && (fhi_open ? v < fhi : v <= fhi);
    case Kind::kFloatNotEq: return v != flo;
    case Kind::kFloatIn: return std::binary_search(floats.begin(), floats.end(), v);
    case Kind::kNotNull: return true;
    default: return false;
  }
}

bool Predicate::string_matches(std::string_view s) const {
  switch (kind) {
    case Kind::kNotNull: return true;
    case Kind::kString: break;
    default: return false;
  }
  switch (op) {
    case FilterOp::kEq: return s == strings[0];
    case FilterOp::kNe: return s != strings[0];
    case FilterOp::kLt: return s < strings[0];
    case FilterOp::kLte: return s <= strings[0];
    case FilterOp::kGt: return s > strings[0];
    case FilterOp::kGte: return s >= strings[0];
    case FilterOp::kIn: return std::binary_search(strings.begin(), strings.end(), s);
    case FilterOp::kContains: return contains_folded(s, strings[0]);
  }
  return false;
}

bool Predicate::may_match(const storage::ZoneMap& z) const {
  if (kind == Kind::kNever) return false;
  if (kind == Kind::kIsNull) return z.null_count > 0;
  if (!z.has_values()) return false;  // every row null
  if (z.type != type) {
    // A float column's chunk written as integers (or a string column's as
    // anything): compare through floats where that is exact enough, else
    // do not prune.
    if (type == ColumnType::kFloat && z.type == ColumnType::kInteger && kind == Kind::kFloatRange)
      return !((fhi_open ? double(z.min_int) >= fhi : double(z.min_int) > fhi) ||
               (flo_open ? double(z.max_int) <= flo : double(z.max_int) < flo));
    return true;
  }
  switch (kind) {
    case Kind::kIntRange: return z.max_int >= lo && z.min_int <= hi;
    case Kind::kIntNotEq: return !(z.min_int == lo && z.max_int == lo);
    case Kind::kIntIn: {
      auto it = std::lower_bound(ints.begin(), ints.end(), z.min_int);
      return it != ints.end() && *it <= z.max_int;
    }
    case Kind::kFloatRange:
      return !((fhi_open ? z.min_float >= fhi : z.min_float > fhi) ||
               (flo_open ? z.max_float <= flo : z.max_float < flo));
    case Kind::kFloatNotEq: return !(z.min_float == flo && z.max_float == flo);
    case Kind::kFloatIn: {
      auto it = std::lower_bound(floats.begin(), floats.end(), z.min_float);
      return it != floats.end() && *it <= z.max_float;
    }
    case Kind::kString:
      switch (op) {
        case FilterOp::kEq: return z.min_string <= strings[0] && strings[0] <= z.max_string;
        case FilterOp::kNe: return !(z.min_string == strings[0] && z.max_string == strings[0]);
        case FilterOp::kLt: return z.min_string < strings[0];
        case FilterOp::kLte: return z.min_string <= strings[0];
        case FilterOp::kGt: return z.max_string > strings[0];
        case FilterOp::kGte: return z.max_string >= strings[0];
        case FilterOp::kIn: {
          auto it = std::lower_bound(strings.begin(), strings.end(), z.min_string);
          return it != strings.end() && *it <= z.max_string;
        }
        case FilterOp::kContains: return true;
      }
      return true;
    default: return true;
  }
}

bool Predicate::always_matches(const storage::ZoneMap& z) const {
  if (z.null_count != 0 || !z.has_values() || z.type != type) return false;
  switch (kind) {
    case Kind::kNotNull: return true;
    case Kind::kIntRange: return z.min_int >= lo && z.max_int <= hi;
    case Kind::kIntNotEq: return z.max_int < lo || z.min_int > lo;
    case Kind::kFloatRange:
      return (flo_open ? z.min_float > flo : z.min_float >= flo) && (fhi_open ? z.max_float < fhi : z.max_float <= fhi);
    case Kind::kString:
      switch (op) {
        case FilterOp::kNe: return z.max_string < strings[0] || z.min_string > strings[0];
        case FilterOp::kLt: return z.max_string < strings[0];
        case FilterOp::kLte: return z.max_string <= strings[0];
        case FilterOp::kGt: return z.min_string > strings[0];
        case FilterOp::kGte: return z.min_string >= strings[0];
        case FilterOp::kEq: return z.min_string == strings[0] && z.max_string == strings[0];
        default: return false;
      }
    default: return false;
  }
}

bool plan_query(const Query& q, const std::vector<storage::TableColumn>& schema, Plan* out,
                http::FieldErrors* errors) {
  *out = Plan{};
  return Planner(q, schema, errors).run(out);
}

}  // namespace claribi::analytics
