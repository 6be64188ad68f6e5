// Case-insensitive substring tests for the `contains` filter (API.md §10):
// ASCII letters compare without case; every other byte (so every non-ASCII
// UTF-8 character) compares exactly. Documented in docs/analytics.md.
#pragma once

#include <string>
#include <string_view>

namespace claribi::analytics {

// s with ASCII A-Z lowered.
std::string fold_case(std::string_view s);
// Whether `needle_folded` (already fold_case'd) occurs in s, ignoring ASCII case.
bool contains_folded(std::string_view s, std::string_view needle_folded);

}  // namespace claribi::analytics
