#include "analytics/query.h"

#include <array>
#include <set>

#include "common/text.h"
#include "ingest/value_text.h"

namespace claribi::analytics {

namespace {

constexpr std::array<std::string_view, 6> kMetricOps = {"count", "count_distinct", "sum", "avg", "min", "max"};
constexpr std::array<std::string_view, 8> kFilterOps = {"eq", "ne", "lt", "lte", "gt", "gte", "in", "contains"};
constexpr std::array<std::string_view, 8> kGranularities = {"",    "minute", "hour",    "day",
                                                            "week", "month", "quarter", "year"};
constexpr std::array<std::string_view, 2> kDirs = {"asc", "desc"};

template <size_t N>
std::string choices(const std::array<std::string_view, N>& names) {
  std::string s;
  for (std::string_view n : names) {
    if (n.empty()) continue;
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
}

// The index of a string field's value in `names`, or nullopt (error recorded).
template <size_t N>
std::optional<size_t> one_of(json::FieldReader& f, std::string_view key, bool required,
                             const std::array<std::string_view, N>& names) {
  auto v = f.string(key, required, 64);
  if (!v) return std::nullopt;
  for (size_t i = 0; i < N; ++i)
    if (!names[i].empty() && names[i] == *v) return i;
  f.error(std::string(key), "\"" + std::string(*v) + "\" is not a valid choice (" + choices(names) + ").");
  return std::nullopt;
}

// An array field of at most kMaxQueryItems; nullopt when absent or invalid.
std::optional<simdjson::dom::array> array_field(json::FieldReader& f, std::string_view key) {
  auto e = f.element(key);
  if (!e) return std::nullopt;
  simdjson::dom::array arr;
  if (e->get(arr)) {
    f.error(std::string(key), "Expected a list of items.");
    return std::nullopt;
  }
  if (arr.size() > kMaxQueryItems) {
    f.error(std::string(key), "Ensure this field has no more than " + std::to_string(kMaxQueryItems) + " elements.");
    return std::nullopt;
  }
  return arr;
}

// Calls item(reader, i) for each element of an array of objects, named key[i].
template <class Fn>
void each_object(json::FieldReader& f, std::string_view key, simdjson::dom::array arr, Fn&& item) {
  size_t i = 0;
  for (auto el : arr) {
    std::string name = std::string(key) + "[" + std::to_string(i) + "]";
    simdjson::dom::object obj;
    if (el.get(obj)) {
      f.error(name, "Expected an object.");
    } else {
      json::FieldReader r = f.nested(obj, name);
      item(r, i);
    }
    ++i;
  }
}

// A JSON scalar as a Literal; false for arrays and objects.
bool to_literal(simdjson::dom::element e, Literal* out) {
  using T = simdjson::dom::element_type;
  *out = Literal{};
  switch (e.type()) {
    case T::NULL_VALUE:
      out->kind = Literal::Kind::kNull;
      return true;
    case T::BOOL:
      out->kind = Literal::Kind::kBool;
      out->b = bool(e.get_bool());
      return true;
    case T::INT64:
      out->kind = Literal::Kind::kInt;
      out->i = int64_t(e.get_int64());
      return true;
    case T::UINT64:
      out->kind = Literal::Kind::kFloat;
      out->f = double(uint64_t(e.get_uint64()));
      return true;
    case T::DOUBLE:
      out->kind = Literal::Kind::kFloat;
      out->f = double(e.get_double());
      return true;
    case T::STRING:
      out->kind = Literal::Kind::kString;
      out->s = std::string(std::string_view(e.get_string()));
      return true;
    default:
      return false;
  }
}

void write_literal(JsonWriter& w, const Literal& l) {
  switch (l.kind) {
    case Literal::Kind::kNull: w.null(); return;
    case Literal::Kind::kBool: w.boolean(l.b); return;
    case Literal::Kind::kInt: w.number(l.i); return;
    case Literal::Kind::kFloat: {
      char buf[ingest::kDoubleTextMax];
      w.raw(std::string_view(buf, ingest::format_double_shortest(l.f, buf)));
      return;
    }
    case Literal::Kind::kString: w.string(l.s); return;
  }
}

std::optional<int64_t> timestamp(json::FieldReader& f, std::string_view key) {
  bool is_null = false;
  auto v = f.nullable_string(key, &is_null, 64);
  if (!v) return std::nullopt;
  auto t = ingest::parse_timestamp_text(*v);
  if (!t) f.error(std::string(key), "Datetime has wrong format. Use ISO 8601, e.g. 2025-01-01T00:00:00Z.");
  return t;
}

void write_time(JsonWriter& w, std::string_view key, int64_t us) {
  char buf[ingest::kTimestampTextMax];
  w.key(key).string(std::string_view(buf, ingest::format_timestamp_micros(us, buf)));
}

std::optional<std::string> field_name(json::FieldReader& f, std::string_view key, bool required) {
  auto v = f.string(key, required, SIZE_MAX);
  if (!v) return std::nullopt;
  if (utf8_chars(*v) > kMaxFieldChars) {
    f.error(std::string(key), "Ensure this field has no more than " + std::to_string(kMaxFieldChars) + " characters.");
    return std::nullopt;
  }
  return std::string(*v);
}

}  // namespace

std::string_view metric_op_name(MetricOp op) { return kMetricOps[size_t(op)]; }
std::string_view filter_op_name(FilterOp op) { return kFilterOps[size_t(op)]; }
std::string_view granularity_name(Granularity g) { return kGranularities[size_t(g)]; }

std::string Metric::name() const {
  if (!as.empty()) return as;
  if (field.empty()) return std::string(metric_op_name(op));
  return std::string(metric_op_name(op)) + "_" + field;
}

bool read_query(json::FieldReader& f, Query* out) {
  const size_t errors_before = f.error_count();
  *out = Query{};
  if (auto id = f.integer("data_source_id", true, 1, INT64_MAX)) out->data_source_id = uint64_t(*id);

  if (auto metrics = array_field(f, "metrics")) {
    out->has_metrics = true;
    each_object(f, "metrics", *metrics, [&](json::FieldReader& m, size_t) {
      Metric metric;
      auto op = one_of(m, "op", true, kMetricOps);
      if (op) metric.op = MetricOp(*op);
      auto field = field_name(m, "field", op && metric.op != MetricOp::kCount);
      if (field) metric.field = *field;
      if (m.has("as")) {
        if (auto as = field_name(m, "as", true)) metric.as = *as;
      }
      out->metrics.push_back(std::move(metric));
    });
  }

  if (auto dims = array_field(f, "dimensions")) {
    out->has_dimensions = true;
    size_t i = 0;
    for (auto d : *dims) {
      std::string_view s;
      std::string item = "dimensions[" + std::to_string(i++) + "]";
      if (d.get(s) || s.empty()) {
        f.error(item, "Expected a field name.");
      } else if (utf8_chars(s) > kMaxFieldChars) {
        f.error(item, "Ensure this field has no more than " + std::to_string(kMaxFieldChars) + " characters.");
      } else {
        out->dimensions.emplace_back(s);
      }
    }
  }

  if (auto time = f.element("time")) {
    simdjson::dom::object t;
    if (time->get(t)) {
      f.error("time", "Expected an object.");
    } else {
      json::FieldReader tr = f.nested(t, "time");
      TimeSpec spec;
      if (auto field = field_name(tr, "field", true)) spec.field = *field;
      if (auto g = one_of(tr, "granularity", false, kGranularities)) spec.granularity = Granularity(*g);
      spec.from_us = timestamp(tr, "from");
      spec.to_us = timestamp(tr, "to");
      if (spec.from_us && spec.to_us && *spec.to_us <= *spec.from_us) tr.error("to", "Must be later than \"from\".");
      out->time = std::move(spec);
    }
  }

  if (auto filters = array_field(f, "filters")) {
    out->has_filters = true;
    each_object(f, "filters", *filters, [&](json::FieldReader& fr, size_t) {
      Filter filter;
      if (auto field = field_name(fr, "field", true)) filter.field = *field;
      auto op = one_of(fr, "op", true, kFilterOps);
      if (op) filter.op = FilterOp(*op);
      auto value = fr.element("value");
      if (!value) {
        fr.error("value", "This field is required.");
      } else if (op && filter.op == FilterOp::kIn) {
        simdjson::dom::array vals;
        if (value->get(vals)) {
          fr.error("value", "Expected a list of values for \"in\".");
        } else if (vals.size() > kMaxInValues) {
          fr.error("value", "Ensure this field has no more than " + std::to_string(kMaxInValues) + " elements.");
        } else {
          for (auto v : vals) {
            Literal l;
            if (!to_literal(v, &l)) {
              fr.error("value", "Expected a list of strings, numbers, booleans or nulls.");
              break;
            }
            filter.values.push_back(std::move(l));
          }
        }
      } else {
        Literal l;
        if (!to_literal(*value, &l)) {
          fr.error("value", "Expected a string, number, boolean or null.");
        } else if (op && filter.op == FilterOp::kContains && l.kind != Literal::Kind::kString) {
          fr.error("value", "Expected a string for \"contains\".");
        } else if (op && l.kind == Literal::Kind::kNull && filter.op != FilterOp::kEq && filter.op != FilterOp::kNe) {
          fr.error("value", "Only \"eq\" and \"ne\" take null (they test for null).");
        } else {
          filter.values.push_back(std::move(l));
        }
      }
      out->filters.push_back(std::move(filter));
    });
  }

  if (auto order = array_field(f, "order_by")) {
    out->has_order_by = true;
    each_object(f, "order_by", *order, [&](json::FieldReader& o, size_t) {
      Order entry;
      if (auto field = field_name(o, "field", true)) entry.field = *field;
      if (auto dir = one_of(o, "dir", false, kDirs)) entry.desc = *dir == 1;
      out->order_by.push_back(std::move(entry));
    });
  }

  if (f.has("limit")) out->limit = f.integer("limit", true, 1, kMaxQueryLimit);

  // Output names: unique over the time bucket, the dimensions and the
  // metrics; order_by names one of them. Checked only when the parts read.
  if (f.error_count() == errors_before) {
    std::set<std::string> names;
    if (out->bucketed()) names.insert(out->time->field);
    for (size_t i = 0; i < out->dimensions.size(); ++i)
      if (!names.insert(out->dimensions[i]).second)
        f.error("dimensions[" + std::to_string(i) + "]",
                "\"" + out->dimensions[i] + "\" is already a group key; output names must be unique.");
    for (size_t i = 0; i < out->metrics.size(); ++i) {
      const Metric& m = out->metrics[i];
      std::string name = m.name();
      if (!names.insert(name).second)
        f.error("metrics[" + std::to_string(i) + "]" + (m.as.empty() ? "" : ".as"),
                "The output name \"" + name + "\" is already used; give this metric a unique \"as\".");
    }
    for (size_t i = 0; i < out->order_by.size(); ++i)
      if (!names.count(out->order_by[i].field))
        f.error("order_by[" + std::to_string(i) + "].field",
                "\"" + out->order_by[i].field + "\" is not an output of this query (a group key or a metric name).");
  }
  return f.error_count() == errors_before;
}

bool read_query_field(json::FieldReader& parent, std::string_view name, simdjson::dom::element e, Query* out) {
  simdjson::dom::object obj;
  if (e.get(obj)) {
    parent.error(std::string(name), "Expected an analytics query object.");
    return false;
  }
  json::FieldReader f = parent.nested(obj, std::string(name));
  return read_query(f, out);
}

void write_canonical(JsonWriter& w, const Query& q) {
  w.begin_object();
  if (q.data_source_id != 0) w.field("data_source_id", q.data_source_id);
  if (q.has_metrics) {
    w.key("metrics").begin_array();
    for (const Metric& m : q.metrics) {
      w.begin_object();
      w.field("op", metric_op_name(m.op));
      if (!m.field.empty()) w.field("field", m.field);
      if (!m.as.empty()) w.field("as", m.as);
      w.end_object();
    }
    w.end_array();
  }
  if (q.has_dimensions) {
    w.key("dimensions").begin_array();
    for (const std::string& d : q.dimensions) w.string(d);
    w.end_array();
  }
  if (q.time) {
    w.key("time").begin_object();
    w.field("field", q.time->field);
    if (q.time->granularity != Granularity::kNone) w.field("granularity", granularity_name(q.time->granularity));
    if (q.time->from_us) write_time(w, "from", *q.time->from_us);
    if (q.time->to_us) write_time(w, "to", *q.time->to_us);
    w.end_object();
  }
  if (q.has_filters) {
    w.key("filters").begin_array();
    for (const Filter& f : q.filters) {
      w.begin_object();
      w.field("field", f.field);
      w.field("op", filter_op_name(f.op));
      w.key("value");
      if (f.op == FilterOp::kIn) {
        w.begin_array();
        for (const Literal& l : f.values) write_literal(w, l);
        w.end_array();
      } else if (!f.values.empty()) {
        write_literal(w, f.values[0]);
      } else {
        w.null();
      }
      w.end_object();
    }
    w.end_array();
  }
  if (q.has_order_by) {
    w.key("order_by").begin_array();
    for (const Order& o : q.order_by) {
      w.begin_object();
      w.field("field", o.field);
      w.field("dir", o.desc ? std::string_view("desc") : std::string_view("asc"));
      w.end_object();
    }
    w.end_array();
  }
  if (q.limit) w.field("limit", *q.limit);
  w.end_object();
}

std::string canonical_json(const Query& q) {
  std::string s;
  JsonWriter w(s);
  write_canonical(w, q);
  return s;
}

Status parse_stored_query(std::string_view json, Query* out) {
  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::object obj;
  if (parser.parse(padded).get(obj)) return Status::Corruption("a stored query is not a JSON object");
  json::FieldReader f(obj);
  if (!read_query(f, out)) return Status::Corruption("a stored query does not read back: " + f.errors().items()[0].first);
  return Status::Ok();
}

}  // namespace claribi::analytics
