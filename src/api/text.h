// Small text rules shared by handlers: email normalization and checks.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace claribi::api {

inline constexpr size_t kMinPasswordLength = 8;

// Trimmed and lower-cased (emails are compared case-insensitively).
std::string normalize_email(std::string_view email);
// A plausible address: one '@', something before it, a dot after it, no spaces.
bool valid_email(std::string_view lower_email);

}  // namespace claribi::api
