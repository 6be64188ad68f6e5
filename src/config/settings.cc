// The settings table and the text parsers every source shares.
//
// To add a setting: add a member (with its default) to Config in config.h, a
// row here, and the key, commented, to config/claribi.toml and
// docs/configuration.md. The flag, the environment variable, the TOML key and
// the --help entry follow from the row; the tests check the file and the docs
// against the table.
#include "config/settings.h"

#include <algorithm>
#include <charconv>
#include <concepts>
#include <cstdio>
#include <limits>
#include <type_traits>

#include "common/text.h"
#include "config/redis_url.h"

namespace claribi {
namespace {

// ---------------------------------------------------------------------------
// From a row to a Config member: Member<&Config::tls, &TlsConfig::cert_file>
// reaches config.tls.cert_file; put/get move a SettingValue in and out of a
// member of each type, and the member's type decides the setting's kind, so a
// row cannot describe a member as something it is not.

template <auto... Members>
struct Member;
template <auto M>
struct Member<M> {
  static auto& of(Config& c) { return c.*M; }
  static const auto& of(const Config& c) { return c.*M; }
};
template <auto M1, auto M2>
struct Member<M1, M2> {
  static auto& of(Config& c) { return (c.*M1).*M2; }
  static const auto& of(const Config& c) { return (c.*M1).*M2; }
};

template <class E>
struct EnumNames;
template <>
struct EnumNames<AccessLogMode> {
  static constexpr std::string_view kNames[] = {"off", "sampled", "all"};
};
static_assert(static_cast<int>(AccessLogMode::kAll) == 2, "kNames follows the enum's order");
template <>
struct EnumNames<StorageBackend> {
  static constexpr std::string_view kNames[] = {"rocksdb", "postgresql"};
};
static_assert(static_cast<int>(StorageBackend::kPostgresql) == 1, "kNames follows the enum's order");
template <>
struct EnumNames<LimitBackend> {
  static constexpr std::string_view kNames[] = {"local", "redis"};
};
static_assert(static_cast<int>(LimitBackend::kRedis) == 1, "kNames follows the enum's order");
template <>
struct EnumNames<RedisFallback> {
  static constexpr std::string_view kNames[] = {"local", "closed"};
};
static_assert(static_cast<int>(RedisFallback::kClosed) == 1, "kNames follows the enum's order");

template <class T>
consteval SettingKind kind_of() {
  if constexpr (std::is_same_v<T, std::string>) return SettingKind::kString;
  else if constexpr (std::is_same_v<T, bool>) return SettingKind::kBool;
  else if constexpr (std::is_integral_v<T>) return SettingKind::kInt;
  else if constexpr (std::is_enum_v<T>) return SettingKind::kEnum;
  else if constexpr (std::is_same_v<T, std::chrono::seconds>) return SettingKind::kDuration;
  else if constexpr (std::is_same_v<T, std::vector<std::string>>) return SettingKind::kStringList;
  else if constexpr (std::is_same_v<T, HostPort>) return SettingKind::kAddress;
  else if constexpr (std::is_same_v<T, TrustedProxies>) return SettingKind::kCidrList;
  else static_assert(sizeof(T) == 0, "no setting kind for this member type");
}

void put(std::string& m, SettingValue&& v) { m = std::move(v.text); }
void put(bool& m, SettingValue&& v) { m = v.flag; }
template <std::integral T>
void put(T& m, SettingValue&& v) { m = static_cast<T>(v.number); }
template <class E>
  requires std::is_enum_v<E>
void put(E& m, SettingValue&& v) { m = static_cast<E>(v.number); }
void put(std::chrono::seconds& m, SettingValue&& v) { m = std::chrono::seconds(v.number); }
void put(std::vector<std::string>& m, SettingValue&& v) { m = std::move(v.list); }
void put(HostPort& m, SettingValue&& v) { m = std::move(v.address); }
void put(TrustedProxies& m, SettingValue&& v) { m = std::move(v.cidrs); }

SettingValue get(const std::string& m) { SettingValue v; v.text = m; return v; }
SettingValue get(const bool& m) { SettingValue v; v.flag = m; return v; }
template <std::integral T>
SettingValue get(const T& m) { SettingValue v; v.number = static_cast<int64_t>(m); return v; }
template <class E>
  requires std::is_enum_v<E>
SettingValue get(const E& m) { SettingValue v; v.number = static_cast<int64_t>(m); return v; }
SettingValue get(const std::chrono::seconds& m) { SettingValue v; v.number = m.count(); return v; }
SettingValue get(const std::vector<std::string>& m) { SettingValue v; v.list = m; return v; }
SettingValue get(const HostPort& m) { SettingValue v; v.address = m; return v; }
SettingValue get(const TrustedProxies& m) { SettingValue v; v.cidrs = m; return v; }

// Not constexpr: reaching it while building the table is a compile error
// whose note shows `why`.
[[maybe_unused]] void bad_settings_row(const char* why) { std::fputs(why, stderr); }

template <auto... Ms>
consteval Setting row(std::string_view key, std::string_view value_name, std::string_view doc, int64_t min = 0,
                      int64_t max = 0) {
  using M = Member<Ms...>;
  using T = std::remove_cvref_t<decltype(M::of(std::declval<Config&>()))>;
  Setting s;
  s.key = key;
  s.kind = kind_of<T>();
  s.value_name = value_name;
  s.doc = doc;
  s.min = min;
  s.max = max;
  if constexpr (std::is_enum_v<T>) s.choices = EnumNames<T>::kNames;
  if (s.kind == SettingKind::kInt || s.kind == SettingKind::kDuration) {
    if (min > max) bad_settings_row("min > max");
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (min < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
          static_cast<uint64_t>(max) > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
        bad_settings_row("range does not fit the member's type");
      }
    }
  } else if (min != 0 || max != 0) {
    bad_settings_row("only numbers and durations have a range");
  }
  s.store = [](Config& c, SettingValue&& v) { put(M::of(c), std::move(v)); };
  s.load = [](const Config& c) { return get(M::of(c)); };
  return s;
}

consteval Setting allowing_empty(Setting s) {
  if (s.kind != SettingKind::kAddress) bad_settings_row("allowing_empty is for addresses");
  s.allow_empty = true;
  return s;
}

consteval Setting refined(Setting s, std::string (*refine)(std::string*)) {
  if (s.kind != SettingKind::kString && s.kind != SettingKind::kStringList) {
    bad_settings_row("refine is for strings and string lists");
  }
  s.refine = refine;
  return s;
}

// ---------------------------------------------------------------------------
// Refiners for strings.

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_http_scheme(std::string_view scheme) {
  std::string s(scheme);
  for (char& c : s) c = lower(c);
  return s == "http" || s == "https";
}

bool has_blank_or_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
}

std::string refine_not_empty(std::string* v) { return v->empty() ? "must not be empty" : ""; }

// public_url: an absolute http(s) URL without query or fragment, stored
// without trailing slash so "<public_url>/api/..." is right.
std::string refine_public_url(std::string* v) {
  const std::string problem = quote_value(*v) + " is not an http:// or https:// URL";
  size_t sep = v->find("://");
  if (sep == std::string::npos || !is_http_scheme(std::string_view(*v).substr(0, sep))) return problem;
  std::string_view rest = std::string_view(*v).substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.empty() || authority.find('@') != std::string_view::npos || has_blank_or_control(*v) ||
      v->find_first_of("?#") != std::string::npos) {
    return problem;
  }
  for (size_t i = 0; i < sep; ++i) (*v)[i] = lower((*v)[i]);
  while (v->size() > sep + 3 + authority.size() && v->back() == '/') v->pop_back();
  return "";
}

// cors.allowed_origins items: scheme://host[:port], compared with the Origin
// header byte for byte, so stored in lower case without trailing slash.
std::string refine_origin(std::string* v) {
  const std::string problem = quote_value(*v) + " is not an origin (http(s)://host[:port])";
  std::string s = *v;
  for (char& c : s) c = lower(c);
  if (!s.empty() && s.back() == '/') s.pop_back();
  size_t sep = s.find("://");
  if (sep == std::string::npos || !is_http_scheme(std::string_view(s).substr(0, sep))) return problem;
  std::string_view authority = std::string_view(s).substr(sep + 3);
  if (authority.empty() || authority.find_first_of("/?#@") != std::string_view::npos ||
      has_blank_or_control(authority)) {
    return problem;
  }
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.back() != ']') {
    std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
          return c >= '0' && c <= '9';
        })) {
      return problem;
    }
  }
  *v = std::move(s);
  return "";
}

// rate_limits.redis_url: redis://[[user]:password@]host[:port][/db] or unix:///path.
std::string refine_redis_url(std::string* v) {
  RedisEndpoint e;
  std::string why = parse_redis_url(*v, &e);
  return why.empty() ? "" : quote_value(mask_url_password(*v)) + ": " + why;
}

// storage.postgresql_url: empty, or a libpq URI (libpq checks the rest when it connects).
std::string refine_postgresql_url(std::string* v) {
  if (v->empty() || v->starts_with("postgresql://") || v->starts_with("postgres://")) return "";
  return quote_value(mask_url_password(*v)) + ": not a postgresql:// URL";
}

// ---------------------------------------------------------------------------
// The table. Defaults are Config's member initialisers (config.h).

constexpr int64_t kMaxPerMinute = 1'000'000'000;

constexpr Setting kSettings[] = {
    // Top level: process, listeners, proxies.
    refined(row<&Config::data_dir>("data_dir", "PATH",
                                   "Directory for the database, the generated JWT secret and the dev certificate"),
            refine_not_empty),
    row<&Config::listen>("listen", "HOST:PORT", "HTTPS listen address (IPv6 in brackets: [::]:8443; port 0 = any)"),
    allowing_empty(row<&Config::plain_listen>(
        "plain_listen", "HOST:PORT",
        "Plain-HTTP listen address; answers 403 https_required except to trusted proxies; empty = disabled")),
    allowing_empty(row<&Config::metrics_listen>(
        "metrics_listen", "HOST:PORT",
        "Prometheus metrics listener (GET /metrics), never the public port; empty = disabled")),
    row<&Config::threads>("threads", "N", "Reactor threads; 0 = one per CPU core", 0, 1024),
    refined(row<&Config::public_url>("public_url", "URL", "Base of absolute URLs in responses"), refine_public_url),
    row<&Config::trusted_proxies>(
        "trusted_proxies", "CIDRS",
        "Proxies (IPs/CIDRs, IPv4 and IPv6) whose X-Forwarded-Proto/-For are believed on the plain listener"),
    row<&Config::max_connections>("max_connections", "N",
                                  "Open connections across all reactors; more are closed at accept", 1, 10'000'000),
    row<&Config::pin_threads>("pin_threads", "BOOL", "Pin each reactor thread to one CPU core"),
    row<&Config::shutdown_timeout>("shutdown_timeout", "SECONDS",
                                   "On SIGTERM/SIGINT, how long in-flight requests may take to finish", 0, 3600),

    // [tls]
    row<&Config::tls, &TlsConfig::cert_file>(
        "tls.cert_file", "PATH", "PEM certificate chain; empty = self-signed dev certificate in <data_dir>/tls/"),
    row<&Config::tls, &TlsConfig::key_file>("tls.key_file", "PATH",
                                            "PEM private key of tls.cert_file; set both or neither"),
    row<&Config::tls, &TlsConfig::session_tickets>("tls.session_tickets", "BOOL",
                                                   "Resume TLS sessions with tickets (keys rotated by the server)"),
    row<&Config::tls, &TlsConfig::ticket_key_rotation>("tls.ticket_key_rotation", "SECONDS",
                                                       "How often a new session-ticket key is made", 1, 604800),

    // [http]
    row<&Config::http, &HttpConfig::max_header_bytes>("http.max_header_bytes", "BYTES",
                                                      "Largest request head (line + headers); larger: 431", 1024,
                                                      1 << 20),
    row<&Config::http, &HttpConfig::max_body_bytes>("http.max_body_bytes", "BYTES",
                                                    "Largest request body except row uploads; larger: 413", 1,
                                                    int64_t{1} << 30),
    row<&Config::http, &HttpConfig::max_upload_bytes>("http.max_upload_bytes", "BYTES",
                                                      "Largest row-upload body; larger: 413", 1, int64_t{1} << 34),
    row<&Config::http, &HttpConfig::header_timeout>("http.header_timeout", "SECONDS",
                                                    "Time to receive a whole request head; slower: 408 and close", 1,
                                                    3600),
    row<&Config::http, &HttpConfig::idle_timeout>("http.idle_timeout", "SECONDS",
                                                  "Keep-alive connection closed after this long without a request", 1,
                                                  86400),
    row<&Config::http, &HttpConfig::max_pipelined>("http.max_pipelined", "N",
                                                   "Pipelined requests queued per connection before reading pauses",
                                                   1, 1024),
    row<&Config::http, &HttpConfig::min_body_rate>("http.min_body_rate", "BYTES",
                                                   "Slowest request body accepted, bytes per second over each "
                                                   "header_timeout; slower: 408 and close; 0: no minimum",
                                                   0, 1 << 30),
    row<&Config::http, &HttpConfig::hsts_max_age>("http.hsts_max_age", "SECONDS",
                                                  "Strict-Transport-Security max-age on HTTPS answers; 0: not sent",
                                                  0, 63072000),

    // [cors]
    refined(row<&Config::cors, &CorsConfig::allowed_origins>(
                "cors.allowed_origins", "ORIGINS",
                "Origins given CORS answers (https://app.example.com); others get none"),
            refine_origin),
    row<&Config::cors, &CorsConfig::max_age>("cors.max_age", "SECONDS", "Access-Control-Max-Age of preflight answers",
                                             0, 86400),

    // [log]
    row<&Config::log, &LogConfig::access>("log.access", "off|sampled|all", "Access log: off, sampled or all requests"),
    row<&Config::log, &LogConfig::access_sample_rate>("log.access_sample_rate", "N",
                                                      "With log.access = sampled, log one request in N", 1,
                                                      1'000'000),
    row<&Config::log, &LogConfig::access_file>("log.access_file", "PATH", "Access log file; empty = stdout"),

    // [auth]
    row<&Config::auth, &AuthConfig::jwt_secret_file>(
        "auth.jwt_secret_file", "PATH",
        "HS256 secret file; empty = <data_dir>/jwt.secret, generated when missing (CLARIBI_JWT_SECRET wins)"),
    row<&Config::auth, &AuthConfig::access_ttl>("auth.access_ttl", "SECONDS", "Lifetime of access tokens", 1,
                                                2'592'000),
    row<&Config::auth, &AuthConfig::refresh_ttl>("auth.refresh_ttl", "SECONDS", "Lifetime of refresh tokens", 1,
                                                 31'536'000),
    row<&Config::auth, &AuthConfig::argon2_memory_kib>(
        "auth.argon2_memory_kib", "KIB",
        "argon2id memory per password hash; OWASP minimum 19456 (lower only for tests)", 1024, 4'194'304),
    row<&Config::auth, &AuthConfig::argon2_iterations>("auth.argon2_iterations", "N", "argon2id passes (t)", 1, 64),
    row<&Config::auth, &AuthConfig::argon2_parallelism>("auth.argon2_parallelism", "N", "argon2id lanes (p)", 1, 64),

    // [storage]
    row<&Config::storage, &StorageConfig::backend>(
        "storage.backend", "rocksdb|postgresql",
        "Where data is stored: rocksdb (embedded, under data_dir) or postgresql (a server several nodes share; "
        "run claribi-admin migrate first)"),
    refined(row<&Config::storage, &StorageConfig::postgresql_url>(
                "storage.postgresql_url", "URL",
                "PostgreSQL for storage.backend = postgresql: postgresql://[user[:password]@]host[:port]/dbname"
                "[?param=value...] (libpq's URI)"),
            refine_postgresql_url),
    row<&Config::storage, &StorageConfig::block_cache_mb>("storage.block_cache_mb", "MB", "RocksDB block cache size",
                                                          1, 1 << 20),
    row<&Config::storage, &StorageConfig::rows_memory_mb>(
        "storage.rows_memory_mb", "MB",
        "Memory for resident column chunks of uploaded rows; past it the least recently used are unloaded (read "
        "again from disk when needed)",
        16, 1 << 24),

    // [analytics]
    row<&Config::analytics, &AnalyticsConfig::query_threads>(
        "analytics.query_threads", "N", "Threads of the query pool; 0 = one per core", 0, 1024),
    row<&Config::analytics, &AnalyticsConfig::max_queued_queries>(
        "analytics.max_queued_queries", "N", "Queries waiting for the query pool; more: 503 with Retry-After", 1,
        1 << 20),
    row<&Config::analytics, &AnalyticsConfig::query_timeout>(
        "analytics.query_timeout", "SECONDS", "Longest a query may run; longer: 504 query_timeout", 1, 86400),
    row<&Config::analytics, &AnalyticsConfig::max_query_memory>(
        "analytics.max_query_memory", "MB",
        "Memory for one query's groups and aggregates; more: 504 query_timeout", 1, 1 << 20),
    row<&Config::analytics, &AnalyticsConfig::result_cache_mb>(
        "analytics.result_cache_mb", "MB",
        "Query results kept by (data source version, query); an upload makes them stale; 0 = off", 0, 1 << 20),

    // [reports]
    row<&Config::reports, &ReportsConfig::keep_runs>(
        "reports.keep_runs", "N", "Runs kept per report (manual and scheduled), newest first; older ones are removed",
        1, 100000),
    row<&Config::reports, &ReportsConfig::smtp_url>(
        "reports.smtp_url", "URL",
        "SMTP relay for e-mailing scheduled reports to their recipients: smtp://[user:password@]host[:port] "
        "(STARTTLS when offered) or smtps://...; empty = no delivery"),
    row<&Config::reports, &ReportsConfig::smtp_from>("reports.smtp_from", "ADDRESS",
                                                     "Sender address of report e-mails"),
    row<&Config::reports, &ReportsConfig::smtp_attempts>(
        "reports.smtp_attempts", "N", "Tries per report e-mail before its delivery is recorded as failed", 1, 100),
    row<&Config::reports, &ReportsConfig::smtp_retry_delay>(
        "reports.smtp_retry_delay", "SECONDS", "Wait before the second try of a report e-mail; doubled for each later one",
        1, 86400),

    // [rate_limits]
    row<&Config::rate_limits, &RateLimitsConfig::backend>(
        "rate_limits.backend", "local|redis",
        "Where credential limits are counted: local (this node) or redis (shared by every node, exact across "
        "them)"),
    refined(row<&Config::rate_limits, &RateLimitsConfig::redis_url>(
                "rate_limits.redis_url", "URL",
                "Redis for rate_limits.backend = redis: redis://[[user]:password@]host[:port][/db] or "
                "unix:///path/to/redis.sock"),
            refine_redis_url),
    row<&Config::rate_limits, &RateLimitsConfig::redis_timeout_ms>(
        "rate_limits.redis_timeout_ms", "MS",
        "Longest wait for Redis's answer to a check; later (or Redis down): rate_limits.redis_fallback decides",
        1, 60'000),
    row<&Config::rate_limits, &RateLimitsConfig::redis_fallback>(
        "rate_limits.redis_fallback", "local|closed",
        "While Redis does not answer: local (count against this node's share, limit / live nodes) or closed "
        "(503)"),
    row<&Config::rate_limits, &RateLimitsConfig::jwt_per_minute>(
        "rate_limits.jwt_per_minute", "N", "Requests per rolling minute per JWT user", 1, kMaxPerMinute),
    row<&Config::rate_limits, &RateLimitsConfig::api_key_per_minute>(
        "rate_limits.api_key_per_minute", "N", "Requests per rolling minute per API key", 1, kMaxPerMinute),
    row<&Config::rate_limits, &RateLimitsConfig::login_per_email>(
        "rate_limits.login_per_email", "N", "Login attempts per rolling minute per email", 1, kMaxPerMinute),
    row<&Config::rate_limits, &RateLimitsConfig::login_per_address>(
        "rate_limits.login_per_address", "N", "Login attempts per rolling minute per client address", 1,
        kMaxPerMinute),
    row<&Config::rate_limits, &RateLimitsConfig::refresh_per_address>(
        "rate_limits.refresh_per_address", "N",
        "Refresh and logout requests (together) per rolling minute per client address", 1, kMaxPerMinute),
};

// Checked while compiling: keys are lower-case words joined by '.', and no
// two keys give the same flag or environment variable.
consteval bool table_is_sound() {
  auto normal = [](char c) { return c == '.' || c == '_' ? '-' : c; };
  for (const Setting& s : kSettings) {
    if (s.key.empty() || s.key.front() == '.' || s.key.back() == '.') return false;
    for (char c : s.key) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
    }
    if (s.doc.empty() || s.value_name.empty()) return false;
  }
  for (size_t i = 0; i < std::size(kSettings); ++i) {
    for (size_t j = i + 1; j < std::size(kSettings); ++j) {
      std::string_view a = kSettings[i].key, b = kSettings[j].key;
      if (a.size() != b.size()) continue;
      bool same = true;
      for (size_t k = 0; k < a.size() && same; ++k) same = normal(a[k]) == normal(b[k]);
      if (same) return false;
    }
  }
  return true;
}
static_assert(table_is_sound(), "settings table: bad key, missing doc, or two keys map to one flag/env name");

// Keys that are not rows but are known to the file loader.
constexpr std::string_view kFileOnlyKeys[] = {"rate_limits.plans", "rate_limits.routes"};

// ---------------------------------------------------------------------------
// Text parsers.

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Whole-string signed decimal; no '+', blanks or other characters.
bool parse_int64(std::string_view text, int64_t* out, bool* overflow) {
  *overflow = false;
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (end != text.data() + text.size()) return false;
  if (ec == std::errc::result_out_of_range) {
    *overflow = true;
    return false;
  }
  return ec == std::errc();
}

std::string out_of_range(const Setting& s, std::string_view shown) {
  std::string out = std::string(shown) + " is out of range (" + std::to_string(s.min) + ".." + std::to_string(s.max);
  if (s.kind == SettingKind::kDuration) out += " seconds";
  out += ")";
  return out;
}

std::string parse_int_text(const Setting& s, std::string_view text, SettingValue* out) {
  int64_t n = 0;
  bool overflow = false;
  if (!parse_int64(text, &n, &overflow)) {
    return overflow ? out_of_range(s, text) : quote_value(text) + " is not an integer";
  }
  out->number = n;
  return check_setting_number(s, n);
}

std::string parse_bool_text(std::string_view text, SettingValue* out) {
  for (std::string_view t : {"true", "yes", "on", "1"}) {
    if (equals_ignoring_case(text, t)) {
      out->flag = true;
      return "";
    }
  }
  for (std::string_view f : {"false", "no", "off", "0"}) {
    if (equals_ignoring_case(text, f)) {
      out->flag = false;
      return "";
    }
  }
  return quote_value(text) + " is not a boolean (true or false)";
}

std::string parse_enum_text(const Setting& s, std::string_view text, SettingValue* out) {
  for (size_t i = 0; i < s.choices.size(); ++i) {
    if (equals_ignoring_case(text, s.choices[i])) {
      out->number = static_cast<int64_t>(i);
      return "";
    }
  }
  std::string problem = quote_value(text) + " is not one of ";
  for (size_t i = 0; i < s.choices.size(); ++i) {
    if (i != 0) problem += ", ";
    problem += s.choices[i];
  }
  return problem;
}

// "90", "90s", "15m", "2h", "7d".
std::string parse_duration_text(const Setting& s, std::string_view text, SettingValue* out) {
  std::string_view digits = text;
  int64_t unit = 1;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 's': unit = 1; digits.remove_suffix(1); break;
      case 'm': unit = 60; digits.remove_suffix(1); break;
      case 'h': unit = 3600; digits.remove_suffix(1); break;
      case 'd': unit = 86400; digits.remove_suffix(1); break;
      default: break;
    }
  }
  int64_t n = 0;
  bool overflow = false;
  if (!parse_int64(digits, &n, &overflow)) {
    if (overflow) return out_of_range(s, quote_value(text));
    return quote_value(text) + " is not a duration (seconds, or a number with s, m, h or d)";
  }
  if (n > std::numeric_limits<int64_t>::max() / unit || n < std::numeric_limits<int64_t>::min() / unit) {
    return out_of_range(s, quote_value(text));
  }
  out->number = n * unit;
  if (out->number < s.min || out->number > s.max) {
    return out_of_range(s, unit == 1 ? std::string(text) : quote_value(text));
  }
  return "";
}

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> items;
  while (true) {
    size_t comma = text.find(',');
    std::string_view item = trim_whitespace(text.substr(0, comma));
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string Setting::flag_name() const {
  std::string out = "--";
  for (char c : key) out.push_back(c == '.' || c == '_' ? '-' : c);
  return out;
}

std::string Setting::env_name() const {
  std::string out = "CLARIBI_";
  for (char c : key) out.push_back(c == '.' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c));
  return out;
}

std::string_view Setting::section() const {
  size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : key.substr(0, dot);
}

std::span<const Setting> all_settings() { return kSettings; }

const Setting* find_setting(std::string_view key) {
  for (const Setting& s : kSettings) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

bool is_settings_section(std::string_view key) {
  if (key.empty()) return false;
  for (const Setting& s : kSettings) {
    if (s.key.size() > key.size() && s.key.starts_with(key) && s.key[key.size()] == '.') return true;
  }
  return false;
}

std::string_view closest_match(std::string_view unknown, std::span<const std::string_view> candidates) {
  std::string_view best;
  size_t best_distance = std::max<size_t>(2, unknown.size() / 4) + 1;
  for (std::string_view candidate : candidates) {
    if (candidate == unknown) continue;
    size_t d = edit_distance(unknown, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  if (best.empty() && unknown.size() >= 3) {
    for (std::string_view candidate : candidates) {
      if (candidate.size() > unknown.size() && candidate.starts_with(unknown)) return candidate;
    }
  }
  return best;
}

std::string_view closest_key(std::string_view unknown) {
  static const std::vector<std::string_view> kKnown = [] {
    std::vector<std::string_view> keys;
    for (const Setting& s : kSettings) keys.push_back(s.key);
    for (std::string_view k : kFileOnlyKeys) keys.push_back(k);
    return keys;
  }();
  return closest_match(unknown, kKnown);
}

std::string check_setting_number(const Setting& s, int64_t value) {
  if (value < s.min || value > s.max) return out_of_range(s, std::to_string(value));
  return "";
}

std::string build_setting_list(const Setting& s, std::vector<std::string> items, SettingValue* out) {
  if (s.kind == SettingKind::kCidrList) {
    out->cidrs = TrustedProxies();
    for (const std::string& item : items) {
      Status st = out->cidrs.add(item);
      if (!st.ok()) return st.message();
    }
    return "";
  }
  for (std::string& item : items) {
    if (s.refine != nullptr) {
      std::string problem = s.refine(&item);
      if (!problem.empty()) return problem;
    }
  }
  out->list = std::move(items);
  return "";
}

std::string parse_setting_text(const Setting& s, std::string_view text, SettingValue* out) {
  switch (s.kind) {
    case SettingKind::kString:
      out->text = std::string(text);
      return s.refine != nullptr ? s.refine(&out->text) : "";
    case SettingKind::kInt:
      return parse_int_text(s, text, out);
    case SettingKind::kBool:
      return parse_bool_text(text, out);
    case SettingKind::kEnum:
      return parse_enum_text(s, text, out);
    case SettingKind::kDuration:
      return parse_duration_text(s, text, out);
    case SettingKind::kStringList:
    case SettingKind::kCidrList:
      return build_setting_list(s, split_commas(text), out);
    case SettingKind::kAddress: {
      if (text.empty() && s.allow_empty) {
        out->address = HostPort();
        return "";
      }
      Result<HostPort> hp = parse_host_port(text);
      if (!hp.ok()) return hp.status().message();
      out->address = std::move(hp).value();
      return "";
    }
  }
  return "unsupported setting kind";
}

std::string render_setting(const Setting& s, const Config& config) {
  SettingValue v = s.load(config);
  switch (s.kind) {
    case SettingKind::kString:
      return v.text;
    case SettingKind::kInt:
    case SettingKind::kDuration:
      return std::to_string(v.number);
    case SettingKind::kBool:
      return v.flag ? "true" : "false";
    case SettingKind::kEnum:
      return std::string(s.choices[static_cast<size_t>(v.number)]);
    case SettingKind::kStringList: {
      std::string out;
      for (const std::string& item : v.list) {
        if (!out.empty()) out.push_back(',');
        out += item;
      }
      return out;
    }
    case SettingKind::kAddress:
      return v.address.to_string();
    case SettingKind::kCidrList:
      return v.cidrs.to_string();
  }
  return "";
}

}  // namespace claribi
