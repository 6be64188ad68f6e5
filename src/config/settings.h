// The settings table: one row per configuration key, in the spirit of Redis's
// command table. A row says the key's dotted name, its kind, its limits, a
// one-line doc and which Config member it fills. Everything else is derived
// from the rows: the TOML loader (toml_source.cc), the flags and the
// environment variables (config_flags.cc), --help, and the default shown for
// each (rendered from Config{}).
//
//   key                       flag                         environment
//   listen                    --listen                     CLARIBI_LISTEN
//   tls.cert_file             --tls-cert-file              CLARIBI_TLS_CERT_FILE
//   rate_limits.jwt_per_minute --rate-limits-jwt-per-minute CLARIBI_RATE_LIMITS_JWT_PER_MINUTE
//
// Two TOML tables are not rows because they are lists of records and exist
// only in the file: [rate_limits.plans.<plan>] and [[rate_limits.routes]].
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/quote.h"

namespace claribi {

enum class SettingKind : uint8_t {
  kString,      // any text; `refine` may check/normalise it
  kInt,         // whole number within [min, max]
  kBool,        // true/false (text: true false yes no on off 1 0)
  kEnum,        // one of `choices`
  kDuration,    // seconds within [min, max]; text may carry a unit: 90, 90s, 15m, 2h, 7d
  kStringList,  // TOML array of strings; text is comma-separated
  kAddress,     // host:port
  kCidrList,    // addresses and CIDR blocks; TOML array or comma-separated text
};

// A value on its way into Config; only the member for the setting's kind is used.
struct SettingValue {
  std::string text;               // kString
  int64_t number = 0;             // kInt, kDuration (seconds), kEnum (index into choices)
  bool flag = false;              // kBool
  std::vector<std::string> list;  // kStringList
  HostPort address;               // kAddress
  TrustedProxies cidrs;           // kCidrList
};

struct Setting {
  std::string_view key;         // "tls.cert_file"
  SettingKind kind = SettingKind::kString;
  std::string_view value_name;  // placeholder in --help: PATH, HOST:PORT, N, SECONDS...
  std::string_view doc;         // one line
  int64_t min = 0;              // kInt, kDuration
  int64_t max = 0;
  std::span<const std::string_view> choices;  // kEnum
  bool allow_empty = false;                   // kAddress: "" is allowed (and means "disabled")
  // kString and each kStringList item: checks and may normalise the value;
  // returns an empty string when fine, else the problem.
  std::string (*refine)(std::string* value) = nullptr;
  void (*store)(Config&, SettingValue&&) = nullptr;  // writes the member
  SettingValue (*load)(const Config&) = nullptr;     // reads the member

  // "--tls-cert-file": "--" + key with '.' and '_' turned into '-'.
  std::string flag_name() const;
  // "CLARIBI_TLS_CERT_FILE": "CLARIBI_" + upper-case key with '.' turned into '_'.
  std::string env_name() const;
  // The section the key lives in ("tls"; "" for top-level keys).
  std::string_view section() const;
};

// Every row, in the order of config/claribi.toml.
std::span<const Setting> all_settings();
// The row for a dotted key, or nullptr.
const Setting* find_setting(std::string_view key);
// True when key names a section that holds settings ("tls", "rate_limits").
bool is_settings_section(std::string_view key);
// For "did you mean": the candidate closest to an unknown name (a small edit
// distance, or the unknown name is its beginning); empty if none is close.
std::string_view closest_match(std::string_view unknown, std::span<const std::string_view> candidates);
// closest_match() over every known key of the file.
std::string_view closest_key(std::string_view unknown);

// Parses text from a flag or an environment variable. On failure the returned
// string is the problem, e.g. `"abc" is not host:port` or
// `70000 is out of range (1..65535)`; it is empty on success.
std::string parse_setting_text(const Setting& s, std::string_view text, SettingValue* out);
// Range check for kInt/kDuration values that arrive already typed (TOML).
std::string check_setting_number(const Setting& s, int64_t value);
// Builds a list value (kStringList, kCidrList) from items, refining each.
std::string build_setting_list(const Setting& s, std::vector<std::string> items, SettingValue* out);
// The member's current value as text a flag would accept ("127.0.0.1:8443",
// "3600", "true", "a,b"); --help shows it for Config{} as the default.
std::string render_setting(const Setting& s, const Config& config);

}  // namespace claribi
