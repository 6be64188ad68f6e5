#include "json/field_reader.h"

#include "common/text.h"
#include "model/field_rules.h"

namespace claribi::json {

std::optional<std::string> FieldReader::trimmed_string(std::string_view key, bool required, bool allow_blank,
                                                       size_t max_chars) {
  auto v = string(key, required, SIZE_MAX, allow_blank);
  if (!v) return std::nullopt;
  std::string_view t = trim_whitespace(*v);
  switch (model::fields::check_text(t, max_chars, allow_blank)) {
    case model::fields::Problem::kNone:
      return std::string(t);
    case model::fields::Problem::kBlank:
      error(std::string(key), "This field may not be blank.");
      return std::nullopt;
    default:
      error(std::string(key), "Ensure this field has no more than " + std::to_string(max_chars) + " characters.");
      return std::nullopt;
  }
}

std::optional<std::string> FieldReader::trimmed(std::string_view key, bool required, size_t max_chars) {
  return trimmed_string(key, required, false, max_chars);
}

std::optional<std::string> FieldReader::text(std::string_view key, size_t max_chars) {
  return trimmed_string(key, false, true, max_chars);
}

std::optional<std::string> FieldReader::email(std::string_view key, bool required) {
  auto v = string(key, required, SIZE_MAX);
  if (!v) return std::nullopt;
  std::string email = model::normalize_email(*v);
  switch (model::fields::check_email(email)) {
    case model::fields::Problem::kNone:
      return email;
    case model::fields::Problem::kTooLong:
      error(std::string(key),
            "Ensure this field has no more than " + std::to_string(model::fields::kMaxEmailChars) + " characters.");
      return std::nullopt;
    default:
      error(std::string(key), "Enter a valid email address.");
      return std::nullopt;
  }
}

std::optional<std::string_view> FieldReader::password(std::string_view key, bool required) {
  auto v = string(key, required, SIZE_MAX, true);
  if (!v) return std::nullopt;
  switch (model::fields::check_password(*v)) {
    case model::fields::Problem::kNone:
      return v;
    case model::fields::Problem::kTooShort:
      error(std::string(key), "This password is too short. It must contain at least " +
                                  std::to_string(model::fields::kMinPasswordLength) + " characters.");
      return std::nullopt;
    default:
      error(std::string(key), "Ensure this field has no more than " +
                                  std::to_string(model::fields::kMaxPasswordBytes) + " characters.");
      return std::nullopt;
  }
}

bool FieldReader::has(std::string_view key) const {
  simdjson::dom::element e;
  return !obj_.at_key(key).get(e);
}

std::optional<simdjson::dom::element> FieldReader::element(std::string_view key) const {
  simdjson::dom::element e;
  if (obj_.at_key(key).get(e)) return std::nullopt;
  return e;
}

std::optional<std::string_view> FieldReader::string(std::string_view key, bool required, size_t max_len,
                                                    bool allow_blank) {
  auto e = element(key);
  if (!e) {
    if (required) error(std::string(key), "This field is required.");
    return std::nullopt;
  }
  if (e->is_null()) {
    error(std::string(key), "This field may not be null.");
    return std::nullopt;
  }
  std::string_view v;
  if (e->get(v)) {
    error(std::string(key), "Not a valid string.");
    return std::nullopt;
  }
  if (!allow_blank && v.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    error(std::string(key), "This field may not be blank.");
    return std::nullopt;
  }
  if (v.size() > max_len) {
    error(std::string(key), "Ensure this field has no more than " + std::to_string(max_len) + " characters.");
    return std::nullopt;
  }
  return v;
}

std::optional<std::string_view> FieldReader::nullable_string(std::string_view key, bool* is_null, size_t max_len) {
  *is_null = false;
  auto e = element(key);
  if (!e) return std::nullopt;
  if (e->is_null()) {
    *is_null = true;
    return std::nullopt;
  }
  std::string_view v;
  if (e->get(v)) {
    error(std::string(key), "Not a valid string.");
    return std::nullopt;
  }
  if (v.size() > max_len) {
    error(std::string(key), "Ensure this field has no more than " + std::to_string(max_len) + " characters.");
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> FieldReader::integer(std::string_view key, bool required, int64_t min, int64_t max) {
  auto e = element(key);
  if (!e) {
    if (required) error(std::string(key), "This field is required.");
    return std::nullopt;
  }
  int64_t v;
  if (e->get(v)) {
    error(std::string(key), "A valid integer is required.");
    return std::nullopt;
  }
  if (v < min) {
    error(std::string(key), "Ensure this value is greater than or equal to " + std::to_string(min) + ".");
    return std::nullopt;
  }
  if (v > max) {
    error(std::string(key), "Ensure this value is less than or equal to " + std::to_string(max) + ".");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> FieldReader::boolean(std::string_view key, bool required) {
  auto e = element(key);
  if (!e) {
    if (required) error(std::string(key), "This field is required.");
    return std::nullopt;
  }
  bool v;
  if (e->get(v)) {
    error(std::string(key), "Must be a valid boolean.");
    return std::nullopt;
  }
  return v;
}

bool FieldReader::finish(http::Response& r) {
  if (errors_.empty()) return true;
  http::render_error(r, http::ErrorCode::kValidationError, "One or more fields are invalid.", &errors_);
  return false;
}

}  // namespace claribi::json
