// The limits of the request fields (docs/resources.md, API.md §4 and §6), in
// one place for the two readers of them: the handlers that check a body
// (FieldReader calls such as f.trimmed("name", full, kMaxNameChars)) and the
// OpenAPI document (openapi_components.cc), which states them as maxLength,
// maxItems, minimum and maximum. A limit changed here changes both.
// The analytics query's limits are in analytics/query.h, the cron
// expression's in model/cron.h, the password minimum in model/credentials.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace claribi::api::fields {

// An email address (login, users, report recipients): RFC 5321's path limit.
inline constexpr size_t kMaxEmailChars = 254;
// A password, in bytes (login, password change, users): bounds the argon2 input.
inline constexpr size_t kMaxPasswordBytes = 4096;

namespace users {
inline constexpr size_t kMaxNameChars = 150;  // first_name, last_name
}  // namespace users

namespace api_keys {
inline constexpr size_t kMaxNameChars = 100;
inline constexpr int64_t kMaxGracePeriodSeconds = 604800;  // 7 days (rotate)
}  // namespace api_keys

namespace organization {
inline constexpr size_t kMaxNameChars = 200;
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

}  // namespace claribi::api::fields
