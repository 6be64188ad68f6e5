// FieldReader: typed reads of the fields of a parsed JSON object that
// collect every problem (named by its path, "widgets[0].type" or
// "filters[1].value") into one §3 validation_error with the `fields` map,
// the way DRF serializers report them. Used by every handler that reads a
// body and by the analytics query model.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/text.h"
#include "http/error.h"
#include "http/response.h"

namespace claribi::json {

// Reads fields of a parsed object, collecting errors.
class FieldReader {
 public:
  explicit FieldReader(simdjson::dom::object obj) : obj_(obj), sink_(&errors_) {}
  FieldReader(const FieldReader&) = delete;
  FieldReader& operator=(const FieldReader&) = delete;

  // A reader of a nested object whose errors go to this reader's, named
  // `<path>.<field>` (path like "widgets[0]" or "query.time").
  FieldReader nested(simdjson::dom::object obj, std::string path) { return FieldReader(obj, sink_, prefix_ + path + "."); }

  bool has(std::string_view key) const;
  // Strings are returned trimmed of nothing; lengths count bytes.
  std::optional<std::string_view> string(std::string_view key, bool required, size_t max_len = 255,
                                         bool allow_blank = false);
  std::optional<std::string_view> nullable_string(std::string_view key, bool* is_null, size_t max_len = 255);
  // A non-blank string, trimmed, of at most max_chars characters
  // (model::fields::check_text, the rule claribi-admin applies too).
  std::optional<std::string> trimmed(std::string_view key, bool required, size_t max_chars);
  // A string that may be blank, trimmed, of at most max_chars characters.
  std::optional<std::string> text(std::string_view key, size_t max_chars);
  // An email address, normalized (trimmed, lower-cased) and checked by
  // model::fields::check_email.
  std::optional<std::string> email(std::string_view key, bool required);
  // A new password (model::fields::check_password); never trimmed.
  std::optional<std::string_view> password(std::string_view key, bool required);
  std::optional<int64_t> integer(std::string_view key, bool required, int64_t min, int64_t max);
  std::optional<bool> boolean(std::string_view key, bool required);
  // Raw element (any type), or nullopt when absent.
  std::optional<simdjson::dom::element> element(std::string_view key) const;

  void error(std::string field, std::string message) { sink_->add(prefix_ + field, std::move(message)); }
  // The full name of a field of this reader ("widgets[0].type").
  std::string path(std::string_view field) const { return prefix_ + std::string(field); }
  bool ok() const { return sink_->empty(); }
  // Errors so far (of the outermost reader and every nested one).
  size_t error_count() const { return sink_->items().size(); }
  const http::FieldErrors& errors() const { return errors_; }
  // Renders validation_error when there were problems; returns ok().
  bool finish(http::Response& r);

 private:
  std::optional<std::string> trimmed_string(std::string_view key, bool required, bool allow_blank, size_t max_chars);
  FieldReader(simdjson::dom::object obj, http::FieldErrors* sink, std::string prefix)
      : obj_(obj), sink_(sink), prefix_(std::move(prefix)) {}
  simdjson::dom::object obj_;
  http::FieldErrors errors_;  // used by the outermost reader
  http::FieldErrors* sink_;
  std::string prefix_;
};

}  // namespace claribi::json
