#include "analytics/text_fold.h"

namespace claribi::analytics {

namespace {
inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c + ('a' - 'A')) : c; }
}  // namespace

std::string fold_case(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool contains_folded(std::string_view s, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > s.size()) return false;
  const char first = needle[0];
  for (size_t i = 0, last = s.size() - needle.size(); i <= last; ++i) {
    if (lower(s[i]) != first) continue;
    size_t j = 1;
    while (j < needle.size() && lower(s[i + j]) == needle[j]) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

}  // namespace claribi::analytics
