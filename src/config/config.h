// Config: every setting of claribi-server (and claribi-admin) after the four
// sources have been combined, lowest first:
//
//   embedded defaults  <  config file  <  CLARIBI_* environment  <  --flags
//
// The defaults are the member initialisers below; Config{} is the
// configuration of a server started with no file, no environment and no flags.
// The file is read only when `--config PATH` or CLARIBI_CONFIG names one.
//
// Which key, flag and environment variable set which member is decided by one
// table (settings.cc); the TOML loader, the flags, the environment and --help
// are all derived from it. config/claribi.toml documents every key, and
// docs/configuration.md is the reference.
//
// Loading never throws and never exits: it returns kRun, kExitOk (--help; the
// message is the help text) or kExitError (the message is one line naming the
// key, where the value came from and what is wrong with it). main() prints
// the message and exits with exit_code(outcome).
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/cidr.h"
#include "config/host_port.h"

namespace claribi {

struct TlsConfig {
  std::string cert_file;  // PEM chain; empty (with key_file) = dev certificate under <data_dir>/tls/
  std::string key_file;   // PEM private key; set both or neither
  bool session_tickets = true;
  std::chrono::seconds ticket_key_rotation{3600};
  bool operator==(const TlsConfig&) const = default;
};

struct HttpConfig {
  uint32_t max_header_bytes = 16384;      // request line + headers; over it: 431
  uint64_t max_body_bytes = 1048576;      // any body but row uploads; over it: 413
  uint64_t max_upload_bytes = 1073741824; // row uploads (streamed, never held whole)
  std::chrono::seconds header_timeout{10};  // whole head must arrive within it: 408
  std::chrono::seconds idle_timeout{60};    // keep-alive connection with no request
  uint32_t max_pipelined = 32;            // requests queued per connection
  // A body slower than this (bytes per second, measured over each
  // header_timeout) is ended with 408; 0: no minimum.
  uint32_t min_body_rate = 1024;
  // Strict-Transport-Security: max-age on HTTPS responses; 0: not sent.
  std::chrono::seconds hsts_max_age{31536000};
  bool operator==(const HttpConfig&) const = default;
};

struct CorsConfig {
  std::vector<std::string> allowed_origins;  // "https://app.example.com", lower-case, no trailing slash
  std::chrono::seconds max_age{600};         // Access-Control-Max-Age of preflight answers
  bool operator==(const CorsConfig&) const = default;
};

enum class AccessLogMode : uint8_t { kOff, kSampled, kAll };

struct LogConfig {
  AccessLogMode access = AccessLogMode::kAll;
  uint32_t access_sample_rate = 100;  // kSampled: one request in N is logged
  std::string access_file;            // empty = stdout
  bool operator==(const LogConfig&) const = default;
};

struct AuthConfig {
  std::string jwt_secret_file;  // empty = <data_dir>/jwt.secret (generated when missing)
  std::chrono::seconds access_ttl{3600};
  std::chrono::seconds refresh_ttl{604800};
  uint32_t argon2_memory_kib = 19456;  // OWASP minimum for argon2id: 19456 KiB (19 MiB), t=2, p=1
  uint32_t argon2_iterations = 2;
  uint32_t argon2_parallelism = 1;
  bool operator==(const AuthConfig&) const = default;
};

// Where identities, resources, runs and rows are stored: the embedded
// RocksDB database under data_dir, or a PostgreSQL server that several nodes
// can share (storage/pg_database.h).
enum class StorageBackend : uint8_t { kRocksdb, kPostgresql };

struct StorageConfig {
  StorageBackend backend = StorageBackend::kRocksdb;
  std::string postgresql_url;  // libpq URL, for backend = postgresql
  uint32_t block_cache_mb = 64;  // RocksDB block cache
  uint32_t rows_memory_mb = 4096;  // resident column chunks of uploaded rows; beyond it the least used are unloaded
  bool operator==(const StorageConfig&) const = default;
};

struct AnalyticsConfig {
  uint32_t query_threads = 0;          // query pool threads; 0 = one per core
  uint32_t max_queued_queries = 64;    // queries waiting for the pool; more: 503
  std::chrono::seconds query_timeout{30};
  uint32_t max_query_memory = 1024;    // MB of aggregate state per query; more: 504
  uint32_t result_cache_mb = 256;      // rendered results kept by (data source version, query); 0 = off
  bool operator==(const AnalyticsConfig&) const = default;
};

struct ReportsConfig {
  uint32_t keep_runs = 100;  // runs kept per report, newest first
  std::string smtp_url;      // smtp://[user:password@]host[:port] or smtps://...; empty = no delivery
  std::string smtp_from = "claribi@localhost";
  uint32_t smtp_attempts = 5;  // tries per message before it is recorded as failed
  std::chrono::seconds smtp_retry_delay{30};  // before the second try; doubled for each later one
  bool operator==(const ReportsConfig&) const = default;
};

// Per-plan or per-route replacement of the default limits. An unset member
// falls through to the next level (route -> plan -> default).
struct RateLimitOverride {
  std::optional<uint32_t> jwt_per_minute;
  std::optional<uint32_t> api_key_per_minute;
  bool operator==(const RateLimitOverride&) const = default;
};

struct PlanRateLimits {  // [rate_limits.plans.<plan>]
  std::string plan;
  RateLimitOverride limits;
  bool operator==(const PlanRateLimits&) const = default;
};

struct RouteRateLimits {  // [[rate_limits.routes]]
  std::string method;  // upper-case ("POST"); empty = every method
  std::string path;    // route pattern as in the router table, with trailing slash
  RateLimitOverride limits;
  bool operator==(const RouteRateLimits&) const = default;
};

// Where credential limits are counted: this node alone, or a Redis server all
// nodes share (limit/redis_limiter.h).
enum class LimitBackend : uint8_t { kLocal, kRedis };
// What a node does while Redis does not answer in time: count against its
// share of each limit locally, or refuse (503).
enum class RedisFallback : uint8_t { kLocal, kClosed };

struct RateLimitsConfig {
  LimitBackend backend = LimitBackend::kLocal;
  std::string redis_url = "redis://127.0.0.1:6379";
  uint32_t redis_timeout_ms = 5;
  RedisFallback redis_fallback = RedisFallback::kLocal;
  uint32_t jwt_per_minute = 1000;     // per user
  uint32_t api_key_per_minute = 100;  // per key
  uint32_t login_per_email = 10;
  uint32_t login_per_address = 30;
  uint32_t refresh_per_address = 60;  // refresh and logout share it
  std::vector<PlanRateLimits> plans;    // file only
  std::vector<RouteRateLimits> routes;  // file only

  // The limit for a request. A route override wins over a plan override,
  // which wins over the default; among route overrides one naming the method
  // wins over one for every method. route_pattern is the router's pattern
  // ("/api/analytics/query/"; a missing trailing slash is tolerated), method is
  // upper-case. Allocation-free; a linear scan of the (short) override lists,
  // so a caller may also resolve it once per route at start-up.
  uint32_t jwt_limit_for(std::string_view plan, std::string_view route_pattern, std::string_view method) const;
  uint32_t api_key_limit_for(std::string_view plan, std::string_view route_pattern, std::string_view method) const;

  bool operator==(const RateLimitsConfig&) const = default;
};

struct Config {
  std::string data_dir = "./data";
  HostPort listen{"127.0.0.1", 8443};        // HTTPS
  HostPort plain_listen{"127.0.0.1", 8080};  // plain HTTP; empty() = disabled
  HostPort metrics_listen{"127.0.0.1", 9464};  // Prometheus metrics (GET /metrics); empty() = disabled
  uint32_t threads = 0;                      // reactor threads; 0 = number of cores
  std::string public_url = "https://localhost:8443";  // no trailing slash
  TrustedProxies trusted_proxies;
  uint32_t max_connections = 10000;
  bool pin_threads = false;
  std::chrono::seconds shutdown_timeout{10};

  TlsConfig tls;
  HttpConfig http;
  CorsConfig cors;
  LogConfig log;
  AuthConfig auth;
  StorageConfig storage;
  AnalyticsConfig analytics;
  ReportsConfig reports;
  RateLimitsConfig rate_limits;

  // Not settings: where the values came from.
  std::string config_file;     // the file that was read; empty = none
  std::string jwt_secret_env;  // CLARIBI_JWT_SECRET (>= 32 bytes) or empty; never print it

  // Derived values, so every layer resolves them the same way.
  unsigned reactor_threads() const;  // threads, or the number of cores when 0
  bool uses_dev_certificate() const { return tls.cert_file.empty(); }
  std::string tls_cert_path() const;  // tls.cert_file or <data_dir>/tls/dev-cert.pem
  std::string tls_key_path() const;   // tls.key_file or <data_dir>/tls/dev-key.pem
  std::string jwt_secret_path() const;  // auth.jwt_secret_file or <data_dir>/jwt.secret

  uint32_t jwt_limit_for(std::string_view plan, std::string_view route_pattern, std::string_view method) const {
    return rate_limits.jwt_limit_for(plan, route_pattern, method);
  }
  uint32_t api_key_limit_for(std::string_view plan, std::string_view route_pattern, std::string_view method) const {
    return rate_limits.api_key_limit_for(plan, route_pattern, method);
  }

  bool operator==(const Config&) const = default;
};

// The environment as the loader sees it: passed in, never read behind the
// caller's back, so tests can hand it any variables.
class Environment {
 public:
  Environment() = default;
  Environment(std::initializer_list<std::pair<std::string_view, std::string_view>> vars);
  // From "NAME=VALUE" strings, NULL-terminated (main's envp, or environ).
  static Environment from_envp(const char* const* envp);
  // From this process's environ.
  static Environment from_process();

  std::optional<std::string_view> get(std::string_view name) const;
  void set(std::string_view name, std::string_view value);

 private:
  std::map<std::string, std::string, std::less<>> vars_;
};

// kCheck: claribi-server --check-config; *out holds the configuration to check.
enum class ConfigOutcome { kRun, kExitOk /* --help */, kExitError, kCheck };

inline constexpr int kConfigErrorExitCode = 2;
// 0 for kRun, kExitOk and kCheck, 2 for kExitError.
inline int exit_code(ConfigOutcome outcome) {
  return outcome == ConfigOutcome::kExitError ? kConfigErrorExitCode : 0;
}

// claribi-server's whole command line: every setting has a flag, plus
// --config and --help. program_name starts error lines ("claribi-server: ...")
// and names the program in --help. On kRun *out holds the configuration; on
// kExitOk/kExitError *message holds the help text or the one error line (no
// trailing newline for errors) and *out is unspecified.
// claribi-admin, which has subcommands, uses ConfigFlags (config_flags.h).
ConfigOutcome load_config(std::string_view program_name, int argc, const char* const* argv, const Environment& env,
                          Config* out, std::string* message);
// The same with this process's environment.
ConfigOutcome load_config_from_process(std::string_view program_name, int argc, const char* const* argv, Config* out,
                                       std::string* message);

// Names read from the environment that are not settings.
inline constexpr std::string_view kConfigFileEnv = "CLARIBI_CONFIG";
inline constexpr std::string_view kJwtSecretEnv = "CLARIBI_JWT_SECRET";
inline constexpr size_t kMinJwtSecretBytes = 32;  // RFC 7518 3.2: HS256 keys are at least 256 bits

}  // namespace claribi
