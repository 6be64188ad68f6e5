#include "api/analytics_query.h"

#include <array>
#include <optional>

#include "json/json_value.h"
#include "common/json_writer.h"
#include "common/time_util.h"

namespace claribi::api {

namespace {

constexpr std::array<std::string_view, 6> kMetricOps = {"count", "count_distinct", "sum", "avg", "min", "max"};
constexpr std::array<std::string_view, 8> kFilterOps = {"eq", "ne", "lt", "lte", "gt", "gte", "in", "contains"};
constexpr std::array<std::string_view, 7> kGranularities = {"minute", "hour", "day", "week", "month", "quarter", "year"};
constexpr size_t kMaxFieldChars = 200;
constexpr size_t kMaxItems = 50;  // metrics, dimensions, filters, order_by entries
constexpr size_t kMaxInValues = 1000;

template <size_t N>
std::string choices(const std::array<std::string_view, N>& names) {
  std::string s;
  for (std::string_view n : names) {
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
}

// A string that must be one of `names`.
template <size_t N>
std::optional<std::string_view> one_of(FieldReader& f, std::string_view key, bool required,
                                       const std::array<std::string_view, N>& names) {
  auto v = f.string(key, required, 64);
  if (!v) return std::nullopt;
  for (std::string_view n : names)
    if (n == *v) return v;
  f.error(std::string(key), "\"" + std::string(*v) + "\" is not a valid choice (" + choices(names) + ").");
  return std::nullopt;
}

// An array field of at most kMaxItems; nullopt when absent or not an array.
std::optional<simdjson::dom::array> array_field(FieldReader& f, std::string_view key) {
  auto e = f.element(key);
  if (!e) return std::nullopt;
  simdjson::dom::array arr;
  if (e->get(arr)) {
    f.error(std::string(key), "Expected a list of items.");
    return std::nullopt;
  }
  if (arr.size() > kMaxItems) {
    f.error(std::string(key), "Ensure this field has no more than " + std::to_string(kMaxItems) + " elements.");
    return std::nullopt;
  }
  return arr;
}

// Calls item(reader) for each element of an array of objects, named key[i].
template <class Fn>
void each_object(FieldReader& f, std::string_view key, simdjson::dom::array arr, Fn&& item) {
  size_t i = 0;
  for (auto el : arr) {
    std::string name = std::string(key) + "[" + std::to_string(i++) + "]";
    simdjson::dom::object obj;
    if (el.get(obj)) {
      f.error(name, "Expected an object.");
      continue;
    }
    FieldReader r = f.nested(obj, name);
    item(r);
  }
}

bool is_scalar(simdjson::dom::element e) {
  auto t = e.type();
  return t != simdjson::dom::element_type::ARRAY && t != simdjson::dom::element_type::OBJECT;
}

std::optional<int64_t> timestamp(FieldReader& f, std::string_view key) {
  bool is_null = false;
  auto v = f.nullable_string(key, &is_null, 64);
  if (!v) return std::nullopt;
  auto t = parse_iso8601(*v);
  if (!t) f.error(std::string(key), "Datetime has wrong format. Use ISO 8601, e.g. 2025-01-01T00:00:00Z.");
  return t;
}

void write_time(JsonWriter& w, std::string_view key, int64_t t) {
  char buf[32];
  w.key(key).string(std::string_view(buf, format_iso8601(t, buf)));
}

}  // namespace

bool read_analytics_query(FieldReader& parent, std::string_view name, simdjson::dom::element e, std::string* out) {
  simdjson::dom::object obj;
  if (e.get(obj)) {
    parent.error(std::string(name), "Expected an analytics query object.");
    return false;
  }
  FieldReader f = parent.nested(obj, std::string(name));
  size_t errors_before = f.error_count();

  out->clear();
  JsonWriter w(*out);
  w.begin_object();
  if (auto id = f.integer("data_source_id", true, 1, INT64_MAX)) w.field("data_source_id", *id);

  if (auto metrics = array_field(f, "metrics")) {
    w.key("metrics").begin_array();
    each_object(f, "metrics", *metrics, [&](FieldReader& m) {
      auto op = one_of(m, "op", true, kMetricOps);
      auto field = m.string("field", op && *op != "count", kMaxFieldChars);
      auto as = m.string("as", false, kMaxFieldChars);
      w.begin_object();
      if (op) w.field("op", *op);
      if (field) w.field("field", *field);
      if (as) w.field("as", *as);
      w.end_object();
    });
    w.end_array();
  }

  if (auto dims = array_field(f, "dimensions")) {
    w.key("dimensions").begin_array();
    size_t i = 0;
    for (auto d : *dims) {
      std::string_view s;
      std::string item = "dimensions[" + std::to_string(i++) + "]";
      if (d.get(s) || s.empty()) {
        f.error(item, "Expected a field name.");
      } else if (s.size() > kMaxFieldChars) {
        f.error(item, "Ensure this field has no more than " + std::to_string(kMaxFieldChars) + " characters.");
      } else {
        w.string(s);
      }
    }
    w.end_array();
  }

  if (auto time = f.element("time")) {
    simdjson::dom::object t;
    if (time->get(t)) {
      f.error("time", "Expected an object.");
    } else {
      FieldReader tr = f.nested(t, "time");
      auto field = tr.string("field", true, kMaxFieldChars);
      auto gran = one_of(tr, "granularity", false, kGranularities);
      auto from = timestamp(tr, "from");
      auto to = timestamp(tr, "to");
      if (from && to && *to <= *from) tr.error("to", "Must be later than \"from\".");
      w.key("time").begin_object();
      if (field) w.field("field", *field);
      if (gran) w.field("granularity", *gran);
      if (from) write_time(w, "from", *from);
      if (to) write_time(w, "to", *to);
      w.end_object();
    }
  }

  if (auto filters = array_field(f, "filters")) {
    w.key("filters").begin_array();
    each_object(f, "filters", *filters, [&](FieldReader& fr) {
      auto field = fr.string("field", true, kMaxFieldChars);
      auto op = one_of(fr, "op", true, kFilterOps);
      auto value = fr.element("value");
      if (!value) {
        fr.error("value", "This field is required.");
      } else if (op && *op == "in") {
        simdjson::dom::array vals;
        if (value->get(vals)) {
          fr.error("value", "Expected a list of values for \"in\".");
        } else if (vals.size() > kMaxInValues) {
          fr.error("value", "Ensure this field has no more than " + std::to_string(kMaxInValues) + " elements.");
        } else {
          for (auto v : vals)
            if (!is_scalar(v)) {
              fr.error("value", "Expected a list of strings, numbers, booleans or nulls.");
              break;
            }
        }
      } else if (!is_scalar(*value)) {
        fr.error("value", "Expected a string, number, boolean or null.");
      } else if (op && *op == "contains" && value->type() != simdjson::dom::element_type::STRING) {
        fr.error("value", "Expected a string for \"contains\".");
      }
      w.begin_object();
      if (field) w.field("field", *field);
      if (op) w.field("op", *op);
      if (value) json::write_json(w.key("value"), *value);
      w.end_object();
    });
    w.end_array();
  }

  if (auto order = array_field(f, "order_by")) {
    static constexpr std::array<std::string_view, 2> kDirs = {"asc", "desc"};
    w.key("order_by").begin_array();
    each_object(f, "order_by", *order, [&](FieldReader& o) {
      auto field = o.string("field", true, kMaxFieldChars);
      auto dir = one_of(o, "dir", false, kDirs);
      w.begin_object();
      if (field) w.field("field", *field);
      w.field("dir", dir ? *dir : std::string_view("asc"));
      w.end_object();
    });
    w.end_array();
  }

  if (auto limit = f.integer("limit", false, 1, kMaxQueryLimit)) w.field("limit", *limit);
  w.end_object();
  return f.error_count() == errors_before;
}

}  // namespace claribi::api
