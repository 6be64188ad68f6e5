// Strict, allocation-free, locale-free readers and writers of value text, used
// by the upload parsers: CSV type inference asks "is this field an integer, a
// float, a boolean, a timestamp?" for every field of every row, and answers
// must not depend on the process locale, must round correctly, and must refuse
// anything ambiguous (whitespace, hex, nan/inf) so that what is inferred as a
// number reads back as the same number. The writers render values so that
// they read back as the same value and type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace claribi::ingest {

// [+-]?[0-9]+ that fits int64. Leading zeros are accepted ("007" is 7).
// Refused: empty, a bare sign, whitespace anywhere, "0x..", "1_000", "1.0", "1e3".
std::optional<int64_t> parse_int64_text(std::string_view s);

// A decimal number: [+-]? ( digits [ "." digits? ] | "." digits ) ( [eE] [+-]? digits )?
// So "1", "-1.5", "+2", "1.", ".5", "1e3", "1.5E-7" are accepted; "", ".", "e3",
// "1e", "1e+", " 1", "1 ", "0x1p3", "1,5", "1_000", "nan", "inf", "infinity"
// are refused. (This is what DuckDB's CSV reader takes for DOUBLE, minus its
// whitespace trimming and its nan/inf spellings, which are refused.) The
// result is correctly rounded (std::from_chars). A magnitude too large for a
// double ("1e999") is refused; one too small rounds to (signed) zero, as
// strtod and simdjson do ("1e-999" is 0.0).
std::optional<double> parse_float_text(std::string_view s);

// "true" / "false", ASCII case-insensitively ("TRUE", "False"). Nothing else
// ("t", "1", "yes" are refused).
std::optional<bool> parse_bool_text(std::string_view s);

// Microseconds since the Unix epoch, UTC, from ISO 8601 text:
//   YYYY-MM-DD                                   midnight UTC
//   YYYY-MM-DD<sep>HH:MM:SS[.f{1,9}]<zone>
// <sep> is 'T', 't' or ' '; <zone> is 'Z', 'z', or an offset "+HH:MM",
// "-HH:MM", "+HHMM", "-HHMM", "+HH", "-HH" (HH 00-23, MM 00-59). Fractional
// seconds beyond microseconds are truncated (toward the earlier instant).
// Years 0001-9999; impossible dates (Feb 30, Feb 29 of a non-leap year, month
// 13), hour 24, minute 60 and second 60 are refused, and so is a date-time
// without 'Z' or an offset (that is a local time, read as a string), a time
// without seconds, and any whitespace around the text.
std::optional<int64_t> parse_timestamp_text(std::string_view s);

// "YYYY-MM-DDTHH:MM:SSZ", or with ".f" (1-6 digits, trailing zeros trimmed)
// when the second has a fraction: "2025-01-01T00:00:00.5Z". Works for every
// int64 (pre-1970 included); years outside 0000-9999 are written with a sign
// and at least 5 digits (ISO 8601 expanded years, "+10000-01-01T00:00:00Z",
// "-0001-..."); parse_timestamp_text reads back everything in 0001-9999.
// Writes at most kTimestampTextMax chars (no terminator); returns the count.
inline constexpr size_t kTimestampTextMax = 32;
size_t format_timestamp_micros(int64_t micros, char* out);

// The shortest text that reads back as the same double (std::to_chars), made
// to read back as a *float*: when the shortest form has neither '.' nor an
// exponent, ".0" is appended ("3.0", "-0.0", "100.0"); exponent forms stay as
// to_chars writes them ("1e+300", "1e-07": valid JSON). Non-finite values
// (which no parser here produces) are written as "null". Writes at most
// kDoubleTextMax chars (no terminator); returns the count.
inline constexpr size_t kDoubleTextMax = 32;
size_t format_double_shortest(double v, char* out);

// Offset of the first byte of the first invalid UTF-8 sequence in s (RFC 3629:
// no overlongs, no surrogates, nothing above U+10FFFF), or npos when s is
// valid. With allow_truncated_tail, a sequence cut short by the end of s is
// not an error (the rest may still come).
size_t utf8_first_invalid(std::string_view s, bool allow_truncated_tail = false);

}  // namespace claribi::ingest
