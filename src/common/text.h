// Text helpers: UTF-8 length and validity, and for lists `search` (case-insensitive substring) and
// `ordering=name` (case-insensitive, then bytewise). ASCII case folding only:
// other characters compare by their UTF-8 bytes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace claribi {

// s without surrounding whitespace (space, tab, CR, LF, FF, VT): the one trim
// of field values (DRF's CharField trims), emails, command-line options and
// configuration values.
inline std::string_view trim_whitespace(std::string_view s) {
  constexpr std::string_view kWs = " \t\r\n\f\v";
  size_t b = s.find_first_not_of(kWs);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kWs);
  return s.substr(b, e - b + 1);
}

// Characters (UTF-8 code points) in s; length limits count these, as DRF does.
inline size_t utf8_chars(std::string_view s) {
  size_t n = 0;
  for (char ch : s)
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++n;
  return n;
}

// Length of the valid UTF-8 sequence starting at s[i] (1-4 bytes of a code
// point up to U+10FFFF, not a surrogate, shortest form), or 0 if invalid.
// For a lead byte (s[i] >= 0x80); the one check JSON writing and reading use.
inline size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t min;
  if (c >= 0xC2 && c <= 0xDF) { n = 2; min = 0x80; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; min = 0x800; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; min = 0x10000; }
  else return 0;
  if (i + n > s.size()) return 0;
  uint32_t cp = c & (0xFF >> (n + 1));
  for (size_t k = 1; k < n; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

inline char ascii_lower(char ch) { return (ch >= 'A' && ch <= 'Z') ? char(ch - 'A' + 'a') : ch; }

// Case-insensitive (ASCII) substring test, for `search`. An empty needle matches.
inline bool contains_icase(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return true;
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return ascii_lower(a) == ascii_lower(b); });
  return it != haystack.end();
}

// Three-way comparison for ordering by a text field: case-insensitive
// (ASCII) first, then bytewise, so "alpha" < "Beta" < "charlie".
inline int compare_text_icase(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    char x = ascii_lower(a[i]), y = ascii_lower(b[i]);
    if (x != y) return static_cast<unsigned char>(x) < static_cast<unsigned char>(y) ? -1 : 1;
  }
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace claribi
