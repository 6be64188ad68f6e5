// Schema: a JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) built in
// code rather than written as text, so that the limits it states are the
// constants the handlers check (model/field_rules.h) and its enums are the names
// the model renders. Built with chained calls on a temporary:
//   Schema::string().max_length(kMaxNameChars).describe("Trimmed.")
//   Schema::object().prop("name", ..., kRequired).prop("is_public", Schema::boolean())
// and written with JsonWriter (openapi.cc renders the document once).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.h"

namespace claribi::api::openapi {

inline constexpr bool kRequired = true;

class Schema {
 public:
  static Schema string() { return typed("string"); }
  static Schema integer() { return typed("integer"); }
  static Schema number() { return typed("number"); }
  static Schema boolean() { return typed("boolean"); }
  static Schema null() { return typed("null"); }
  static Schema object() { return typed("object"); }
  static Schema array(Schema items);
  // {"$ref": "#/components/schemas/<name>"}
  static Schema ref(std::string_view component);
  // {}: any JSON value.
  static Schema any() { return Schema(); }
  static Schema one_of(std::vector<Schema> alternatives);
  static Schema all_of(std::vector<Schema> parts);
  // An ISO 8601 UTC timestamp as the server renders it ("2025-06-15T10:30:00Z").
  static Schema timestamp();
  // A positive integer id.
  static Schema id();

  // null is allowed too: "type": [..., "null"], or a oneOf with null around a $ref.
  Schema& nullable();
  Schema& describe(std::string_view text);
  Schema& format(std::string_view f);
  Schema& min_length(int64_t n);
  Schema& max_length(int64_t n);
  Schema& minimum(int64_t n);
  Schema& maximum(int64_t n);
  Schema& min_items(int64_t n);
  Schema& max_items(int64_t n);
  Schema& unique_items();
  Schema& enumerate(std::vector<std::string> values);
  Schema& constant(std::string_view value);
  // Already-rendered JSON (trusted) for "default" and "examples": [example].
  Schema& default_json(std::string_view json);
  Schema& example_json(std::string_view json);
  Schema& read_only();
  Schema& write_only();
  Schema& prop(std::string_view name, Schema schema, bool required = false);
  // additionalProperties: a schema for the other members, or false.
  Schema& additional(Schema schema);
  Schema& no_additional();

  void write(JsonWriter& w) const;

 private:
  static Schema typed(std::string_view type) {
    Schema s;
    s.type_ = std::string(type);
    return s;
  }

  std::string type_;  // empty: no "type" (a $ref, a oneOf, any value)
  bool nullable_ = false;
  std::string ref_;
  std::string description_, format_;
  std::optional<int64_t> min_length_, max_length_, minimum_, maximum_, min_items_, max_items_;
  bool unique_items_ = false;
  std::vector<std::string> enum_;
  std::optional<std::string> const_;
  std::string default_json_, example_json_;
  bool read_only_ = false, write_only_ = false;
  std::vector<std::string> prop_names_;
  std::vector<Schema> props_;
  std::vector<std::string> required_;
  std::vector<Schema> items_;       // "items": none or one
  std::vector<Schema> additional_;  // "additionalProperties": none or one
  bool no_additional_ = false;
  std::vector<Schema> one_of_, all_of_;
};

// "a, b, c" → "`a`, `b`, `c`" (Markdown), for descriptions that name choices.
std::string code_list(const std::vector<std::string>& values);

}  // namespace claribi::api::openapi
