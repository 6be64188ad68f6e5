#include "api/openapi_schema.h"

#include <utility>

namespace claribi::api::openapi {

Schema Schema::array(Schema items) {
  Schema s = typed("array");
  s.items_.push_back(std::move(items));
  return s;
}

Schema Schema::ref(std::string_view component) {
  Schema s;
  s.ref_ = "#/components/schemas/" + std::string(component);
  return s;
}

Schema Schema::one_of(std::vector<Schema> alternatives) {
  Schema s;
  s.one_of_ = std::move(alternatives);
  return s;
}

Schema Schema::all_of(std::vector<Schema> parts) {
  Schema s;
  s.all_of_ = std::move(parts);
  return s;
}

Schema Schema::timestamp() {
  return string().format("date-time").example_json("\"2025-06-15T10:30:00Z\"");
}

Schema Schema::id() { return integer().format("int64").minimum(1); }

Schema& Schema::nullable() {
  nullable_ = true;
  return *this;
}
Schema& Schema::describe(std::string_view text) {
  description_ = std::string(text);
  return *this;
}
Schema& Schema::format(std::string_view f) {
  format_ = std::string(f);
  return *this;
}
Schema& Schema::min_length(int64_t n) {
  min_length_ = n;
  return *this;
}
Schema& Schema::max_length(int64_t n) {
  max_length_ = n;
  return *this;
}
Schema& Schema::minimum(int64_t n) {
  minimum_ = n;
  return *this;
}
Schema& Schema::maximum(int64_t n) {
  maximum_ = n;
  return *this;
}
Schema& Schema::min_items(int64_t n) {
  min_items_ = n;
  return *this;
}
Schema& Schema::max_items(int64_t n) {
  max_items_ = n;
  return *this;
}
Schema& Schema::unique_items() {
  unique_items_ = true;
  return *this;
}
Schema& Schema::enumerate(std::vector<std::string> values) {
  enum_ = std::move(values);
  return *this;
}
Schema& Schema::constant(std::string_view value) {
  const_ = std::string(value);
  return *this;
}
Schema& Schema::default_json(std::string_view json) {
  default_json_ = std::string(json);
  return *this;
}
Schema& Schema::example_json(std::string_view json) {
  example_json_ = std::string(json);
  return *this;
}
Schema& Schema::read_only() {
  read_only_ = true;
  return *this;
}
Schema& Schema::write_only() {
  write_only_ = true;
  return *this;
}
Schema& Schema::prop(std::string_view name, Schema schema, bool required) {
  prop_names_.emplace_back(name);
  props_.push_back(std::move(schema));
  if (required) required_.emplace_back(name);
  return *this;
}
Schema& Schema::additional(Schema schema) {
  additional_.clear();
  additional_.push_back(std::move(schema));
  no_additional_ = false;
  return *this;
}
Schema& Schema::no_additional() {
  additional_.clear();
  no_additional_ = true;
  return *this;
}

void Schema::write(JsonWriter& w) const {
  if (nullable_ && type_.empty()) {
    // A $ref or a composition: null is the other alternative.
    Schema inner = *this;
    inner.nullable_ = false;
    inner.description_.clear();
    w.begin_object();
    w.key("oneOf").begin_array();
    inner.write(w);
    null().write(w);
    w.end_array();
    if (!description_.empty()) w.field("description", description_);
    w.end_object();
    return;
  }
  w.begin_object();
  if (!ref_.empty()) w.field("$ref", ref_);
  if (!type_.empty()) {
    if (nullable_) {
      w.key("type").begin_array().string(type_).string("null").end_array();
    } else {
      w.field("type", type_);
    }
  }
  if (!format_.empty()) w.field("format", format_);
  if (!description_.empty()) w.field("description", description_);
  if (!enum_.empty()) {
    w.key("enum").begin_array();
    for (const std::string& v : enum_) w.string(v);
    if (nullable_) w.null();
    w.end_array();
  }
  if (const_) w.field("const", *const_);
  if (!default_json_.empty()) w.key("default").raw(default_json_);
  if (min_length_) w.field("minLength", *min_length_);
  if (max_length_) w.field("maxLength", *max_length_);
  if (minimum_) w.field("minimum", *minimum_);
  if (maximum_) w.field("maximum", *maximum_);
  if (min_items_) w.field("minItems", *min_items_);
  if (max_items_) w.field("maxItems", *max_items_);
  if (unique_items_) w.field("uniqueItems", true);
  if (!items_.empty()) {
    w.key("items");
    items_.front().write(w);
  }
  if (!props_.empty()) {
    w.key("properties").begin_object();
    for (size_t i = 0; i < props_.size(); ++i) {
      w.key(prop_names_[i]);
      props_[i].write(w);
    }
    w.end_object();
  }
  if (!required_.empty()) {
    w.key("required").begin_array();
    for (const std::string& r : required_) w.string(r);
    w.end_array();
  }
  if (no_additional_) {
    w.field("additionalProperties", false);
  } else if (!additional_.empty()) {
    w.key("additionalProperties");
    additional_.front().write(w);
  }
  for (const auto* list : {&one_of_, &all_of_}) {
    if (list->empty()) continue;
    w.key(list == &one_of_ ? "oneOf" : "allOf").begin_array();
    for (const Schema& s : *list) s.write(w);
    w.end_array();
  }
  if (read_only_) w.field("readOnly", true);
  if (write_only_) w.field("writeOnly", true);
  if (!example_json_.empty()) w.key("examples").begin_array().raw(example_json_).end_array();
  w.end_object();
}

std::string code_list(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) {
    if (!out.empty()) out += ", ";
    out += "`" + v + "`";
  }
  return out;
}

}  // namespace claribi::api::openapi
