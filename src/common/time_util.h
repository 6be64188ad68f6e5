// Clocks and timestamp formatting used across layers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace claribi {

// Wall clock, Unix seconds / milliseconds.
int64_t unix_now();
int64_t unix_now_ms();
// Monotonic clock in nanoseconds (for intervals, never for timestamps).
uint64_t monotonic_ns();

// "2025-06-15T10:30:00Z" (20 chars) into out; returns chars written.
inline constexpr size_t kIso8601Len = 20;
size_t format_iso8601(int64_t unix_seconds, char* out);
// Parses "YYYY-MM-DDTHH:MM:SSZ" (also with fractional seconds or +00:00).
std::optional<int64_t> parse_iso8601(std::string_view s);
// RFC 7231 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (29 chars).
inline constexpr size_t kHttpDateLen = 29;
size_t format_http_date(int64_t unix_seconds, char* out);

}  // namespace claribi
