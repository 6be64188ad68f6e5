#include "model/field_rules.h"

#include "common/text.h"

namespace claribi::model {

std::string normalize_email(std::string_view email) {
  std::string out(trim_whitespace(email));
  for (char& ch : out) ch = ascii_lower(ch);
  return out;
}

bool valid_email(std::string_view e) {
  size_t at = e.find('@');
  if (at == std::string_view::npos || at == 0 || e.find('@', at + 1) != std::string_view::npos) return false;
  std::string_view domain = e.substr(at + 1);
  size_t dot = domain.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= domain.size()) return false;
  for (char ch : e)
    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') return false;
  return true;
}

namespace fields {

Problem check_text(std::string_view trimmed, size_t max_chars, bool allow_blank) {
  if (!allow_blank && trimmed.empty()) return Problem::kBlank;
  if (utf8_chars(trimmed) > max_chars) return Problem::kTooLong;
  return Problem::kNone;
}

Problem check_email(std::string_view normalized) {
  if (utf8_chars(normalized) > kMaxEmailChars) return Problem::kTooLong;
  if (!valid_email(normalized)) return Problem::kInvalid;
  return Problem::kNone;
}

Problem check_password(std::string_view password) {
  if (password.size() < kMinPasswordLength) return Problem::kTooShort;
  if (password.size() > kMaxPasswordBytes) return Problem::kTooLong;
  return Problem::kNone;
}

}  // namespace fields
}  // namespace claribi::model
