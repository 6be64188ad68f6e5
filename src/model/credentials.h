// The rules for user credentials, shared by the API and claribi-admin:
// email normalization and checks, the minimum password length.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace claribi::model {

inline constexpr size_t kMinPasswordLength = 8;

// Trimmed and lower-cased (emails are compared case-insensitively).
std::string normalize_email(std::string_view email);
// A plausible address: one '@', something before it, a dot after it, no spaces.
bool valid_email(std::string_view lower_email);

}  // namespace claribi::model
