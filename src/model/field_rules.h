// The rules of the fields people type — names, emails, passwords, plans —
// in one place for everyone who checks them: the API's handlers (through
// json::FieldReader and their own reads), claribi-admin's command-line
// options (server/admin_commands.cc), and the OpenAPI document
// (api/openapi_*_schemas.cc), which states the limits as maxLength,
// maxItems, minimum and maximum. A rule changed here changes all three.
// Each surface words its refusal its own way (DRF-style sentences in a §3
// body, a command-line problem on stderr); what is refused is decided here.
//
// The analytics query's limits are in analytics/query.h, the cron
// expression's in model/cron.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace claribi::model {

// Trimmed and lower-cased (emails are compared case-insensitively).
std::string normalize_email(std::string_view email);
// A plausible address: one '@', something before it, a dot after it, no spaces.
bool valid_email(std::string_view lower_email);

namespace fields {

// What a rule found wrong with a value.
enum class Problem {
  kNone,
  kBlank,     // empty or only whitespace where a value is needed
  kTooLong,   // over the maximum (characters, or bytes for a password)
  kTooShort,  // a password under kMinPasswordLength
  kInvalid,   // not an email address
};

// A text field (a name, a title, a plan): judged after trimming whitespace
// (common/text.h trim_whitespace, as DRF's CharField trims); lengths count
// characters (UTF-8 code points).
Problem check_text(std::string_view trimmed, size_t max_chars, bool allow_blank);

// An email address, already normalize_email()ed.
inline constexpr size_t kMaxEmailChars = 254;  // RFC 5321's path limit
Problem check_email(std::string_view normalized);

// A password, as given (never trimmed). The minimum and maximum count bytes;
// the maximum bounds the argon2 input.
inline constexpr size_t kMinPasswordLength = 8;
inline constexpr size_t kMaxPasswordBytes = 4096;
Problem check_password(std::string_view password);

namespace users {
inline constexpr size_t kMaxNameChars = 150;  // first_name, last_name: not blank
}  // namespace users

namespace api_keys {
inline constexpr size_t kMaxNameChars = 100;  // not blank
inline constexpr int64_t kMaxGracePeriodSeconds = 604800;  // 7 days (rotate)
}  // namespace api_keys

namespace organization {
inline constexpr size_t kMaxNameChars = 200;  // not blank
// Free text, not blank. Operators name plans in [rate_limits.plans.<plan>]
// (a TOML key: quote it there when it is more than letters, digits, - and _).
inline constexpr size_t kMaxPlanChars = 50;
}  // namespace organization

namespace data_sources {
inline constexpr size_t kMaxNameChars = 200;
inline constexpr size_t kMaxConfigBytes = 16 * 1024;  // the config object as canonical JSON
}  // namespace data_sources

namespace dashboards {
inline constexpr size_t kMaxNameChars = 200;
inline constexpr size_t kMaxDescriptionChars = 2000;
inline constexpr size_t kMaxTitleChars = 200;  // a widget's title
inline constexpr size_t kMaxWidgets = 50;
inline constexpr size_t kMaxWidgetIdChars = 64;
inline constexpr int64_t kMaxGrid = 10000;          // a widget position's x, y, w and h
inline constexpr int64_t kDefaultWidgetSize = 4;    // w and h of a widget sent without a position
inline constexpr std::string_view kWidgetTypes[] = {"kpi", "line", "bar", "pie", "table"};
}  // namespace dashboards

namespace reports {
inline constexpr size_t kMaxNameChars = 200;
inline constexpr size_t kMaxRecipients = 50;
}  // namespace reports

}  // namespace fields
}  // namespace claribi::model
