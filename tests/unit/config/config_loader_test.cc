// The configuration loader as a user meets it: defaults, the TOML file, the
// CLARIBI_* environment and the flags, their precedence, the one-line errors,
// --help, the repository's config/claribi.toml and docs/configuration.md, the
// rate-limit override lookup, and reuse by a subcommand tool (claribi-admin).
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.h"
#include "config/config_flags.h"
#include "config/settings.h"
#include "config/toml_source.h"

namespace claribi {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct Loaded {
  ConfigOutcome outcome = ConfigOutcome::kExitError;
  Config config;
  std::string message;
};

Loaded load(const std::vector<std::string>& args, const Environment& env = {}) {
  std::vector<const char*> argv = {"claribi-server"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  Loaded r;
  r.outcome = load_config("claribi-server", static_cast<int>(argv.size() - 1), argv.data(), env, &r.config,
                          &r.message);
  return r;
}

// Expects kExitError with exactly this one line.
void expect_error(const Loaded& r, const std::string& line) {
  EXPECT_EQ(r.outcome, ConfigOutcome::kExitError);
  EXPECT_EQ(exit_code(r.outcome), 2);
  EXPECT_EQ(r.message, line);
}

void expect_one_line_error(const Loaded& r) {
  EXPECT_EQ(r.outcome, ConfigOutcome::kExitError);
  EXPECT_THAT(r.message, StartsWith("claribi-server: "));
  EXPECT_EQ(r.message.find('\n'), std::string::npos) << r.message;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A temporary directory for config files, removed with its files.
class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "claribi-config-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const std::string& f : files_) std::remove(f.c_str());
    rmdir(dir_.c_str());
  }
  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }
  std::string dir_;
  std::vector<std::string> files_;
};

// --------------------------------------------------------------------------
// Defaults.

TEST(ConfigDefaults, NoFileNoEnvironmentNoFlagsGivesTheEmbeddedDefaults) {
  Loaded r = load({});
  ASSERT_EQ(r.outcome, ConfigOutcome::kRun) << r.message;
  EXPECT_EQ(exit_code(r.outcome), 0);
  EXPECT_EQ(r.config, Config{});
  const Config& c = r.config;
  EXPECT_EQ(c.config_file, "");
  EXPECT_EQ(c.data_dir, "./data");
  EXPECT_EQ(c.listen.to_string(), "127.0.0.1:8443");
  EXPECT_EQ(c.plain_listen.to_string(), "127.0.0.1:8080");
  EXPECT_EQ(c.threads, 0u);
  EXPECT_GE(c.reactor_threads(), 1u);
  EXPECT_EQ(c.public_url, "https://localhost:8443");
  EXPECT_TRUE(c.trusted_proxies.empty());
  EXPECT_EQ(c.max_connections, 10000u);
  EXPECT_FALSE(c.pin_threads);
  EXPECT_EQ(c.shutdown_timeout.count(), 10);
  EXPECT_EQ(c.tls.cert_file, "");
  EXPECT_EQ(c.tls.key_file, "");
  EXPECT_TRUE(c.uses_dev_certificate());
  EXPECT_EQ(c.tls_cert_path(), "./data/tls/dev-cert.pem");
  EXPECT_EQ(c.tls_key_path(), "./data/tls/dev-key.pem");
  EXPECT_TRUE(c.tls.session_tickets);
  EXPECT_EQ(c.tls.ticket_key_rotation.count(), 3600);
  EXPECT_EQ(c.http.max_header_bytes, 16384u);
  EXPECT_EQ(c.http.max_body_bytes, 1048576u);
  EXPECT_EQ(c.http.max_upload_bytes, 1073741824u);
  EXPECT_EQ(c.http.header_timeout.count(), 10);
  EXPECT_EQ(c.http.idle_timeout.count(), 60);
  EXPECT_EQ(c.http.max_pipelined, 32u);
  EXPECT_TRUE(c.cors.allowed_origins.empty());
  EXPECT_EQ(c.cors.max_age.count(), 600);
  EXPECT_EQ(c.log.access, AccessLogMode::kAll);
  EXPECT_EQ(c.log.access_sample_rate, 100u);
  EXPECT_EQ(c.log.access_file, "");
  EXPECT_EQ(c.auth.jwt_secret_file, "");
  EXPECT_EQ(c.jwt_secret_path(), "./data/jwt.secret");
  EXPECT_EQ(c.auth.access_ttl.count(), 3600);
  EXPECT_EQ(c.auth.refresh_ttl.count(), 604800);
  EXPECT_EQ(c.auth.argon2_memory_kib, 19456u);
  EXPECT_EQ(c.auth.argon2_iterations, 2u);
  EXPECT_EQ(c.auth.argon2_parallelism, 1u);
  EXPECT_EQ(c.storage.block_cache_mb, 64u);
  EXPECT_EQ(c.storage.rows_memory_mb, 4096u);
  EXPECT_EQ(c.rate_limits.jwt_per_minute, 1000u);
  EXPECT_EQ(c.rate_limits.api_key_per_minute, 100u);
  EXPECT_EQ(c.rate_limits.login_per_email, 10u);
  EXPECT_EQ(c.rate_limits.login_per_address, 30u);
  EXPECT_EQ(c.rate_limits.refresh_per_address, 60u);
  EXPECT_TRUE(c.rate_limits.plans.empty());
  EXPECT_TRUE(c.rate_limits.routes.empty());
  EXPECT_EQ(c.jwt_secret_env, "");
}

TEST(ConfigNames, FlagAndEnvironmentNamesFollowTheKey) {
  const Setting* cert = find_setting("tls.cert_file");
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(cert->flag_name(), "--tls-cert-file");
  EXPECT_EQ(cert->env_name(), "CLARIBI_TLS_CERT_FILE");
  const Setting* data = find_setting("data_dir");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->flag_name(), "--data-dir");
  EXPECT_EQ(data->env_name(), "CLARIBI_DATA_DIR");
  const Setting* jwt = find_setting("rate_limits.jwt_per_minute");
  ASSERT_NE(jwt, nullptr);
  EXPECT_EQ(jwt->flag_name(), "--rate-limits-jwt-per-minute");
  EXPECT_EQ(jwt->env_name(), "CLARIBI_RATE_LIMITS_JWT_PER_MINUTE");
  EXPECT_EQ(find_setting("rate_limits.api_key_per_minute")->env_name(), "CLARIBI_RATE_LIMITS_API_KEY_PER_MINUTE");
}

TEST(ConfigFlags, TheRequiredFlagsExistWithTheseNames) {
  Loaded r = load({"--data-dir", "/srv/claribi", "--listen", "0.0.0.0:443", "--plain-listen", "10.0.0.5:80",
                   "--trusted-proxies", "10.0.0.0/8,::1", "--public-url", "https://bi.example.com/", "--threads",
                   "3", "--config", ""});
  ASSERT_EQ(r.outcome, ConfigOutcome::kRun) << r.message;
  EXPECT_EQ(r.config.data_dir, "/srv/claribi");
  EXPECT_EQ(r.config.listen.to_string(), "0.0.0.0:443");
  EXPECT_EQ(r.config.plain_listen.to_string(), "10.0.0.5:80");
  EXPECT_TRUE(r.config.trusted_proxies.is_trusted("10.200.0.1"));
  EXPECT_TRUE(r.config.trusted_proxies.is_trusted("::1"));
  EXPECT_FALSE(r.config.trusted_proxies.is_trusted("192.168.0.1"));
  EXPECT_EQ(r.config.public_url, "https://bi.example.com");  // trailing slash dropped
  EXPECT_EQ(r.config.threads, 3u);
  EXPECT_EQ(r.config.reactor_threads(), 3u);
}

// Every setting's flag and environment variable accept the rendering of its
// default and give back the defaults: all of them exist and round-trip.
TEST(ConfigFlags, EverySettingHasAFlagAndAnEnvironmentVariable) {
  std::vector<std::string> args;
  Environment env;
  for (const Setting& s : all_settings()) {
    args.push_back(s.flag_name() + "=" + render_setting(s, Config{}));
    env.set(s.env_name(), render_setting(s, Config{}));
  }
  Loaded by_flags = load(args);
  ASSERT_EQ(by_flags.outcome, ConfigOutcome::kRun) << by_flags.message;
  EXPECT_EQ(by_flags.config, Config{});
  Loaded by_env = load({}, env);
  ASSERT_EQ(by_env.outcome, ConfigOutcome::kRun) << by_env.message;
  EXPECT_EQ(by_env.config, Config{});
}

// --------------------------------------------------------------------------
// Sources and precedence.

TEST_F(ConfigFileTest, FileOverridesDefaults) {
  std::string path = write("claribi.toml", R"(
data_dir = "/var/lib/claribi"
listen = "[::]:9443"
plain_listen = ""
trusted_proxies = ["10.0.0.0/8", "fd00::/8"]
shutdown_timeout = "2m"

[tls]
cert_file = "/etc/claribi/cert.pem"
key_file = "/etc/claribi/key.pem"
session_tickets = false

[http]
max_body_bytes = 2097152
idle_timeout = 30

[cors]
allowed_origins = ["https://App.Example.com/", "http://localhost:3000"]

[log]
access = "sampled"
access_sample_rate = 10

[rate_limits]
jwt_per_minute = 2000
)");
  Loaded r = load({"--config", path});
  ASSERT_EQ(r.outcome, ConfigOutcome::kRun) << r.message;
  const Config& c = r.config;
  EXPECT_EQ(c.config_file, path);
  EXPECT_EQ(c.data_dir, "/var/lib/claribi");
  EXPECT_EQ(c.listen.host, "::");
  EXPECT_EQ(c.listen.port, 9443);
  EXPECT_TRUE(c.plain_listen.empty());
  EXPECT_TRUE(c.trusted_proxies.is_trusted("10.9.9.9"));
  EXPECT_TRUE(c.trusted_proxies.is_trusted("fd12::1"));
  EXPECT_EQ(c.shutdown_timeout.count(), 120);
  EXPECT_EQ(c.tls.cert_file, "/etc/claribi/cert.pem");
  EXPECT_FALSE(c.uses_dev_certificate());
  EXPECT_EQ(c.tls_key_path(), "/etc/claribi/key.pem");
  EXPECT_FALSE(c.tls.session_tickets);
  EXPECT_EQ(c.http.max_body_bytes, 2097152u);
  EXPECT_EQ(c.http.idle_timeout.count(), 30);
  EXPECT_EQ(c.cors.allowed_origins, (std::vector<std::string>{"https://app.example.com", "http://localhost:3000"}));
  EXPECT_EQ(c.log.access, AccessLogMode::kSampled);
  EXPECT_EQ(c.log.access_sample_rate, 10u);
  EXPECT_EQ(c.rate_limits.jwt_per_minute, 2000u);
  // Untouched keys keep their defaults.
  EXPECT_EQ(c.http.max_header_bytes, 16384u);
  EXPECT_EQ(c.rate_limits.api_key_per_minute, 100u);
}

TEST_F(ConfigFileTest, ClaribiConfigNamesTheFileWhenThereIsNoFlag) {
  std::string path = write("a.toml", "threads = 7\n");
  Loaded r = load({}, {{"CLARIBI_CONFIG", path}});
  ASSERT_EQ(r.outcome, ConfigOutcome::kRun) << r.message;
  EXPECT_EQ(r.config.threads, 7u);
  EXPECT_EQ(r.config.config_file, path);
}

TEST_F(ConfigFileTest, ConfigFlagWinsOverClaribiConfig) {
  std::string a = write("a.toml", "threads = 7\n");
  std::string b = write("b.toml", "threads = 9\n");
  Loaded r = load({"--config", b}, {{"CLARIBI_CONFIG", a}});
  ASSERT_EQ(r.outcome, ConfigOutcome::kRun) << r.message;
  EXPECT_EQ(r.config.threads, 9u);
  // An empty --config reads no file at all.
  Loaded none = load({"--config", ""}, {{"CLARIBI_CONFIG", a}});
  ASSERT_EQ(none.outcome, ConfigOutcome::kRun) << none.message;
  EXPECT_EQ(none.config, Config{});
}

TEST_F(ConfigFileTest, EnvironmentOverridesFile) {
  std::string path = write("c.toml",
                           "listen = \"127.0.0.1:1000\"\n"
                           "[rate_limits]\njwt_per_minute = 5\napi_key_per_minute = 6\n");
  Loaded r = load({"--config", path}, {{"CLARIBI_LISTEN", "127.0.0.1:2000"},
                                       {"CLARIBI_RATE_LIMITS_JWT_PER_MINUTE", "1000000"},
                                       {"CLARIBI_RATE_LIMITS_API_KEY_PER_MINUTE", "500000"},
                                       {"CLARIBI_HTTP_IDLE_TIMEOUT", "2m"},
                                       {"CLARIBI_PIN_THREADS", "yes"},
                                       {"CLARIBI_UNRELATED", "ignored"}});
  ASSERT_EQ(r.outcome, ConfigOutcome::kRun) << r.message;
  EXPECT_EQ(r.config.listen.port, 2000);
  EXPECT_EQ(r.config.rate_limits.jwt_per_minute, 1000000u);
  EXPECT_EQ(r.config.rate_limits.api_key_per_minute, 500000u);
  EXPECT_EQ(r.config.http.idle_timeout.count(), 120);
  EXPECT_TRUE(r.config.pin_threads);
}

TEST_F(ConfigFileTest, FlagsOverrideEnvironmentAndFile) {
  std::string path = write("d.toml", "listen = \"127.0.0.1:1000\"\nthreads = 2\n");
  Loaded r = load({"--config", path, "--listen=127.0.0.1:3000", "--threads", "4", "--pin-threads=false"},
                  {{"CLARIBI_LISTEN", "127.0.0.1:2000"}, {"CLARIBI_THREADS", "3"}, {"CLARIBI_PIN_THREADS", "true"}});
  ASSERT_EQ(r.outcome, ConfigOutcome::kRun) << r.message;
  EXPECT_EQ(r.config.listen.port, 3000);
  EXPECT_EQ(r.config.threads, 4u);
  EXPECT_FALSE(r.config.pin_threads);
}

TEST(ConfigFlags, BooleanFlagAloneMeansTrueAndTheLastRepeatWins) {
  Loaded r = load({"--pin-threads", "--threads", "1", "--threads", "2"});
  ASSERT_EQ(r.outcome, ConfigOutcome::kRun) << r.message;
  EXPECT_TRUE(r.config.pin_threads);
  EXPECT_EQ(r.config.threads, 2u);
}

TEST(ConfigFlags, EmptyPlainListenDisablesThePlainListener) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--plain-listen="}, std::vector<std::string>{"--plain-listen", ""}}) {
    Loaded r = load(args);
    ASSERT_EQ(r.outcome, ConfigOutcome::kRun) << r.message;
    EXPECT_TRUE(r.config.plain_listen.empty());
  }
  Loaded by_env = load({}, {{"CLARIBI_PLAIN_LISTEN", ""}});
  ASSERT_EQ(by_env.outcome, ConfigOutcome::kRun) << by_env.message;
  EXPECT_TRUE(by_env.config.plain_listen.empty());
  // ... but an empty HTTPS address is an error.
  expect_error(load({"--listen="}), "claribi-server: --listen: 1 required HOST:PORT missing (see --help)");
  expect_error(load({}, {{"CLARIBI_LISTEN", ""}}),
               "claribi-server: invalid value for listen (from CLARIBI_LISTEN): \"\" is not host:port");
}

TEST(ConfigFlags, ListsAreCommaSeparated) {
  Loaded r = load({"--cors-allowed-origins", "https://A.example.com/, http://localhost:3000",
                   "--trusted-proxies= 10.0.0.1 , 2001:db8::/32"});
  ASSERT_EQ(r.outcome, ConfigOutcome::kRun) << r.message;
  EXPECT_EQ(r.config.cors.allowed_origins,
            (std::vector<std::string>{"https://a.example.com", "http://localhost:3000"}));
  EXPECT_EQ(r.config.trusted_proxies.to_string(), "10.0.0.1/32,2001:db8::/32");
}

TEST(ConfigSecret, JwtSecretComesFromTheEnvironmentAndIsNeverShown) {
  const std::string secret = "0123456789abcdef0123456789abcdef-secret";
  Loaded r = load({}, {{"CLARIBI_JWT_SECRET", secret}});
  ASSERT_EQ(r.outcome, ConfigOutcome::kRun) << r.message;
  EXPECT_EQ(r.config.jwt_secret_env, secret);

  Loaded help = load({"--help"}, {{"CLARIBI_JWT_SECRET", secret}});
  EXPECT_THAT(help.message, Not(HasSubstr(secret)));

  Loaded short_secret = load({}, {{"CLARIBI_JWT_SECRET", "hunter2"}});
  expect_error(short_secret,
               "claribi-server: invalid value for CLARIBI_JWT_SECRET: it is 7 bytes long, HS256 needs at least 32 "
               "(value not shown)");
  EXPECT_THAT(short_secret.message, Not(HasSubstr("hunter2")));
}

// --------------------------------------------------------------------------
// Bad values: one line naming the key, its source and the problem; exit 2.

TEST(ConfigErrors, BadValuesFromFlagsAndEnvironment) {
  expect_error(load({"--listen", "abc"}),
               "claribi-server: invalid value for listen (from --listen): \"abc\" is not host:port");
  expect_error(load({"--threads", "abc"}),
               "claribi-server: invalid value for threads (from --threads): \"abc\" is not an integer");
  expect_error(load({"--threads=4x"}),
               "claribi-server: invalid value for threads (from --threads): \"4x\" is not an integer");
  expect_error(load({}, {{"CLARIBI_THREADS", "5000"}}),
               "claribi-server: invalid value for threads (from CLARIBI_THREADS): 5000 is out of range (0..1024)");
  expect_error(load({"--rate-limits-jwt-per-minute", "0"}),
               "claribi-server: invalid value for rate_limits.jwt_per_minute (from --rate-limits-jwt-per-minute): "
               "0 is out of range (1..1000000000)");
  expect_error(load({"--max-connections", "99999999999999999999999"}),
               "claribi-server: invalid value for max_connections (from --max-connections): "
               "99999999999999999999999 is out of range (1..10000000)");
  expect_error(load({}, {{"CLARIBI_HTTP_IDLE_TIMEOUT", "2 minutes"}}),
               "claribi-server: invalid value for http.idle_timeout (from CLARIBI_HTTP_IDLE_TIMEOUT): "
               "\"2 minutes\" is not a duration (seconds, or a number with s, m, h or d)");
  expect_error(load({"--shutdown-timeout", "2h"}),
               "claribi-server: invalid value for shutdown_timeout (from --shutdown-timeout): \"2h\" is out of "
               "range (0..3600 seconds)");
  expect_error(load({"--trusted-proxies", "10.0.0.0/8,10.0.0.0/33"}),
               "claribi-server: invalid value for trusted_proxies (from --trusted-proxies): \"10.0.0.0/33\" is not "
               "an IP address or CIDR block (prefix must be 0..32)");
  expect_error(load({}, {{"CLARIBI_TRUSTED_PROXIES", "proxy.internal"}}),
               "claribi-server: invalid value for trusted_proxies (from CLARIBI_TRUSTED_PROXIES): "
               "\"proxy.internal\" is not an IP address or CIDR block");
  expect_error(load({"--log-access", "verbose"}),
               "claribi-server: invalid value for log.access (from --log-access): \"verbose\" is not one of off, "
               "sampled, all");
  expect_error(load({"--pin-threads=maybe"}),
               "claribi-server: invalid value for pin_threads (from --pin-threads): \"maybe\" is not a boolean "
               "(true or false)");
  expect_error(load({"--public-url", "ftp://files"}),
               "claribi-server: invalid value for public_url (from --public-url): \"ftp://files\" is not an "
               "http:// or https:// URL");
  expect_error(load({"--cors-allowed-origins", "https://a.example.com/app"}),
               "claribi-server: invalid value for cors.allowed_origins (from --cors-allowed-origins): "
               "\"https://a.example.com/app\" is not an origin (http(s)://host[:port])");
  expect_error(load({"--data-dir="}),
               "claribi-server: invalid value for data_dir (from --data-dir): must not be empty");
  expect_error(load({"--auth-argon2-memory-kib", "512"}),
               "claribi-server: invalid value for auth.argon2_memory_kib (from --auth-argon2-memory-kib): 512 is "
               "out of range (1024..4194304)");
}

TEST(ConfigErrors, ABadValueIsAnErrorEvenWhenAFlagOverridesIt) {
  expect_error(load({"--listen", "127.0.0.1:1"}, {{"CLARIBI_LISTEN", "nope"}}),
               "claribi-server: invalid value for listen (from CLARIBI_LISTEN): \"nope\" is not host:port");
}

TEST(ConfigErrors, ValuesWithControlCharactersStayOnOneLine) {
  Loaded r = load({"--listen", "a\nb\"c"});
  expect_error(r, "claribi-server: invalid value for listen (from --listen): \"a\\x0ab\\\"c\" is not host:port");
}

TEST(ConfigErrors, UnknownFlagOrStrayArgument) {
  Loaded r = load({"--lisen", "1.2.3.4:5"});
  expect_one_line_error(r);
  EXPECT_THAT(r.message, HasSubstr("--lisen"));
  EXPECT_THAT(r.message, HasSubstr("see --help"));
  expect_one_line_error(load({"serve"}));
  expect_one_line_error(load({"--listen"}));
}

TEST(ConfigErrors, KeysThatMustGoTogether) {
  expect_error(load({"--tls-cert-file", "/etc/cert.pem"}),
               "claribi-server: invalid value for tls.key_file: it must be set together with tls.cert_file (from "
               "--tls-cert-file)");
  expect_error(load({}, {{"CLARIBI_TLS_KEY_FILE", "/k.pem"}}),
               "claribi-server: invalid value for tls.cert_file: it must be set together with tls.key_file (from "
               "CLARIBI_TLS_KEY_FILE)");
  expect_error(load({"--plain-listen", "127.0.0.1:8443"}),
               "claribi-server: invalid value for plain_listen (from --plain-listen): 127.0.0.1:8443 is also the "
               "HTTPS listen address (from default)");
}

TEST_F(ConfigFileTest, BadValuesInTheFile) {
  struct Case {
    std::string toml;
    std::string line;  // after "claribi-server: ", with PATH for the file
  };
  const std::vector<Case> cases = {
      {"listen = \"abc\"\n", "invalid value for listen (from PATH line 1): \"abc\" is not host:port"},
      {"\n\nthreads = \"4\"\n", "invalid value for threads (from PATH line 3): expected an integer, got a string"},
      {"threads = 4.5\n",
       "invalid value for threads (from PATH line 1): expected an integer, got a floating-point number"},
      {"[http]\nmax_body_bytes = 0\n",
       "invalid value for http.max_body_bytes (from PATH line 2): 0 is out of range (1..1073741824)"},
      {"[log]\naccess = \"verbose\"\n",
       "invalid value for log.access (from PATH line 2): \"verbose\" is not one of off, sampled, all"},
      {"trusted_proxies = [\"10.0.0.0/8\", \"300.0.0.0/8\"]\n",
       "invalid value for trusted_proxies (from PATH line 1): \"300.0.0.0/8\" is not an IP address or CIDR block"},
      {"trusted_proxies = [\"10.0.0.0/8\", 7]\n",
       "invalid value for trusted_proxies (from PATH line 1): expected an array of strings, found an integer in it"},
      {"pin_threads = \"yes\"\n",
       "invalid value for pin_threads (from PATH line 1): expected a boolean (true or false), got a string"},
      {"tls = 5\n", "invalid value for tls (from PATH line 1): expected a table, got an integer"},
      {"[listen]\nhost = \"x\"\n", "invalid value for listen (from PATH line 1): expected a string \"host:port\", "
                                   "got a table"},
      // Unknown keys, with a suggestion when one is close.
      {"# comment\n[rate_limits]\njwt_per_minit = 5\n",
       "unknown key rate_limits.jwt_per_minit (in PATH line 3; did you mean rate_limits.jwt_per_minute?)"},
      {"colour = \"blue\"\n", "unknown key colour (in PATH line 1)"},
      {"[tls]\ncert = \"x\"\n", "unknown key tls.cert (in PATH line 2; did you mean tls.cert_file?)"},
      {"jwt_secret = \"do-not-put-it-here\"\n", "unknown key jwt_secret (in PATH line 1)"},
      {"\"tls.cert_file\" = \"x\"\n",
       "unknown key \"tls.cert_file\" (in PATH line 1; write tls.cert_file without the quotes)"},
      // Several problems: the one nearest the top is told.
      {"zeta = 1\nalpha = 2\n", "unknown key zeta (in PATH line 1)"},
      {"threads = -1\nlisten = \"x\"\n", "invalid value for threads (from PATH line 1): -1 is out of range (0..1024)"},
      // Malformed TOML: the parser's words, with line and column.
      {"listen = \"127.0.0.1:8443\"\nthreads = \n",
       "cannot parse config file PATH (line 2, column 11): Error while parsing key-value pair: expected "
       "value, saw '\\n'"},
  };
  int n = 0;
  for (const Case& c : cases) {
    std::string path = write("bad" + std::to_string(n++) + ".toml", c.toml);
    std::string expected = "claribi-server: " + c.line;
    expected.replace(expected.find("PATH"), 4, path);
    Loaded r = load({"--config", path});
    EXPECT_EQ(r.outcome, ConfigOutcome::kExitError) << c.toml;
    EXPECT_EQ(r.message, expected) << c.toml;
    expect_one_line_error(r);
  }
}

TEST_F(ConfigFileTest, MalformedTomlNamesTheLine) {
  std::string path = write("broken.toml", "threads = 1\n\n[http\nmax_body_bytes = 5\n");
  Loaded r = load({"--config", path});
  expect_one_line_error(r);
  EXPECT_THAT(r.message, StartsWith("claribi-server: cannot parse config file " + path + " (line 3, column "));
}

TEST_F(ConfigFileTest, UnreadableFile) {
  expect_error(load({"--config", dir_ + "/missing.toml"}),
               "claribi-server: cannot read config file " + dir_ +
                   "/missing.toml (from --config): No such file or directory");
  expect_error(load({}, {{"CLARIBI_CONFIG", dir_}}),
               "claribi-server: cannot read config file " + dir_ + " (from CLARIBI_CONFIG): Is a directory");
}

// --------------------------------------------------------------------------
// --help.

TEST(ConfigHelp, ListsEveryFlagWithItsEnvironmentVariableAndDefault) {
  Loaded r = load({"--help"});
  ASSERT_EQ(r.outcome, ConfigOutcome::kExitOk);
  EXPECT_EQ(exit_code(r.outcome), 0);
  const std::string& help = r.message;
  EXPECT_THAT(help, HasSubstr("claribi-server"));
  EXPECT_THAT(help, HasSubstr("--config PATH"));
  EXPECT_THAT(help, HasSubstr("CLARIBI_CONFIG"));
  EXPECT_THAT(help, HasSubstr("CLARIBI_JWT_SECRET"));
  for (const Setting& s : all_settings()) {
    EXPECT_THAT(help, HasSubstr("  " + s.flag_name() + " ")) << s.key;
    std::string shown = render_setting(s, Config{});
    EXPECT_THAT(help, HasSubstr("env " + s.env_name() + ", default " + (shown.empty() ? "(empty)" : shown)))
        << s.key;
  }
  EXPECT_THAT(help, HasSubstr("env CLARIBI_LISTEN, default 127.0.0.1:8443"));
  EXPECT_THAT(help, HasSubstr("env CLARIBI_PLAIN_LISTEN, default 127.0.0.1:8080"));
  EXPECT_THAT(help, HasSubstr("env CLARIBI_PUBLIC_URL, default https://localhost:8443"));
  EXPECT_THAT(help, HasSubstr("[rate_limits] settings:"));
  EXPECT_EQ(load({"-h"}).outcome, ConfigOutcome::kExitOk);
}

// --------------------------------------------------------------------------
// The repository's files agree with the table.

TEST(ConfigRepositoryFiles, ShippedClaribiTomlSetsEveryKeyToItsDefault) {
  const std::string path = std::string(CLARIBI_SOURCE_DIR) + "/config/claribi.toml";
  Loaded r = load({"--config", path});
  ASSERT_EQ(r.outcome, ConfigOutcome::kRun) << r.message;
  Config expected;
  expected.config_file = path;
  EXPECT_EQ(r.config, expected);

  // It documents every key: each one is present (set to its default).
  Config scratch;
  std::vector<std::string> keys_set;
  ASSERT_EQ(apply_toml_file(path, "test", &scratch, &keys_set), "");
  for (const Setting& s : all_settings()) {
    EXPECT_NE(std::find(keys_set.begin(), keys_set.end(), s.key), keys_set.end())
        << s.key << " is missing from config/claribi.toml";
  }
  // ... and shows the file-only overrides.
  std::string text = read_file(path);
  EXPECT_THAT(text, HasSubstr("[rate_limits.plans."));
  EXPECT_THAT(text, HasSubstr("[[rate_limits.routes]]"));
  EXPECT_THAT(text, HasSubstr("CLARIBI_JWT_SECRET"));
}

TEST(ConfigRepositoryFiles, ShippedExamplesOfOverridesParse) {
  // The commented examples at the end of claribi.toml, uncommented.
  std::string text = read_file(std::string(CLARIBI_SOURCE_DIR) + "/config/claribi.toml");
  size_t at = text.find("# [rate_limits.plans.");
  ASSERT_NE(at, std::string::npos);
  std::string examples = "[rate_limits]\n";
  std::istringstream lines(text.substr(at));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# ", 0) == 0) examples += line.substr(2) + "\n";
  }
  Config c;
  ASSERT_EQ(apply_toml_text(examples, "examples", &c), "") << examples;
  EXPECT_EQ(c.rate_limits.plans.size(), 1u);
  EXPECT_EQ(c.rate_limits.routes.size(), 1u);
}

TEST(ConfigRepositoryFiles, DocsDescribeEverySetting) {
  std::string docs = read_file(std::string(CLARIBI_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_FALSE(docs.empty());
  for (const Setting& s : all_settings()) {
    std::string shown = render_setting(s, Config{});
    EXPECT_THAT(docs, HasSubstr("| `" + std::string(s.key) + "` | `" + s.flag_name() + "` | `" + s.env_name() +
                                "` | " + (shown.empty() ? "(empty)" : "`" + shown + "`") + " |"))
        << s.key;
  }
  EXPECT_THAT(docs, HasSubstr("CLARIBI_CONFIG"));
  EXPECT_THAT(docs, HasSubstr("CLARIBI_JWT_SECRET"));
  EXPECT_THAT(docs, HasSubstr("rate_limits.routes"));
}

// --------------------------------------------------------------------------
// Per-plan and per-route rate limits (file only).

TEST_F(ConfigFileTest, PlanAndRouteOverrides) {
  std::string path = write("limits.toml", R"(
[rate_limits]
jwt_per_minute = 1000
api_key_per_minute = 100

[rate_limits.plans.pro]
jwt_per_minute = 3000
api_key_per_minute = 300

[rate_limits.plans.free]
api_key_per_minute = 20

[[rate_limits.routes]]
path = "/api/analytics/query"
jwt_per_minute = 60

[[rate_limits.routes]]
method = "post"
path = "/api/analytics/query/"
jwt_per_minute = 30
api_key_per_minute = 10
)");
  Loaded r = load({"--config", path});
  ASSERT_EQ(r.outcome, ConfigOutcome::kRun) << r.message;
  const Config& c = r.config;
  ASSERT_EQ(c.rate_limits.routes.size(), 2u);
  EXPECT_EQ(c.rate_limits.routes[0].path, "/api/analytics/query/");  // slash added
  EXPECT_EQ(c.rate_limits.routes[1].method, "POST");                 // upper-cased

  // Defaults.
  EXPECT_EQ(c.jwt_limit_for("", "/api/orgs/", "GET"), 1000u);
  EXPECT_EQ(c.api_key_limit_for("", "/api/orgs/", "GET"), 100u);
  // Plan overrides; what a plan leaves out falls through to the default.
  EXPECT_EQ(c.jwt_limit_for("pro", "/api/orgs/", "GET"), 3000u);
  EXPECT_EQ(c.api_key_limit_for("pro", "/api/orgs/", "GET"), 300u);
  EXPECT_EQ(c.api_key_limit_for("free", "/api/orgs/", "GET"), 20u);
  EXPECT_EQ(c.jwt_limit_for("free", "/api/orgs/", "GET"), 1000u);
  EXPECT_EQ(c.jwt_limit_for("unknown-plan", "/api/orgs/", "GET"), 1000u);
  // Route overrides win over plans; one naming the method wins over one without.
  EXPECT_EQ(c.jwt_limit_for("pro", "/api/analytics/query/", "GET"), 60u);
  EXPECT_EQ(c.jwt_limit_for("pro", "/api/analytics/query/", "POST"), 30u);
  EXPECT_EQ(c.jwt_limit_for("", "/api/analytics/query", "POST"), 30u);  // trailing slash optional
  EXPECT_EQ(c.api_key_limit_for("pro", "/api/analytics/query/", "POST"), 10u);
  // The method-less route sets no API-key limit: the plan's applies.
  EXPECT_EQ(c.api_key_limit_for("pro", "/api/analytics/query/", "GET"), 300u);
  EXPECT_EQ(c.api_key_limit_for("", "/api/analytics/query/", "GET"), 100u);
  // Environment still sets the defaults under the overrides.
  Loaded env = load({"--config", path}, {{"CLARIBI_RATE_LIMITS_JWT_PER_MINUTE", "7"}});
  ASSERT_EQ(env.outcome, ConfigOutcome::kRun) << env.message;
  EXPECT_EQ(env.config.jwt_limit_for("", "/api/orgs/", "GET"), 7u);
  EXPECT_EQ(env.config.jwt_limit_for("pro", "/api/orgs/", "GET"), 3000u);
}

TEST_F(ConfigFileTest, BadOverrides) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[rate_limits.plans.pro]\njwt_per_minit = 5\n",
       "unknown key rate_limits.plans.pro.jwt_per_minit (in PATH line 2; did you mean jwt_per_minute?)"},
      {"[rate_limits.plans.pro]\njwt_per_minute = 0\n",
       "invalid value for rate_limits.plans.pro.jwt_per_minute (from PATH line 2): 0 is out of range "
       "(1..1000000000)"},
      {"[rate_limits.plans.pro]\n",
       "invalid value for rate_limits.plans.pro (from PATH line 1): sets neither jwt_per_minute nor "
       "api_key_per_minute"},
      {"[rate_limits]\nplans = 3\n",
       "invalid value for rate_limits.plans (from PATH line 2): expected a table of [rate_limits.plans.<plan>] "
       "tables, got an integer"},
      {"[[rate_limits.routes]]\njwt_per_minute = 5\n",
       "invalid value for rate_limits.routes[0] (from PATH line 1): path is missing"},
      {"[[rate_limits.routes]]\npath = \"/api/x/\"\n",
       "invalid value for rate_limits.routes[0] (from PATH line 1): sets neither jwt_per_minute nor "
       "api_key_per_minute"},
      {"[[rate_limits.routes]]\npath = \"api/x\"\njwt_per_minute = 5\n",
       "invalid value for rate_limits.routes[0].path (from PATH line 2): \"api/x\" is not a route pattern (like "
       "\"/api/analytics/query/\")"},
      {"[[rate_limits.routes]]\nmethod = \"FETCH\"\npath = \"/api/x/\"\njwt_per_minute = 5\n",
       "invalid value for rate_limits.routes[0].method (from PATH line 2): \"FETCH\" is not one of GET, HEAD, "
       "POST, PUT, PATCH, DELETE, OPTIONS"},
      {"[[rate_limits.routes]]\npath = \"/api/x/\"\njwt_per_minute = 5\nburst = 2\n",
       "unknown key rate_limits.routes[0].burst (in PATH line 4)"},
      {"[[rate_limits.routes]]\npath = \"/api/x/\"\njwt_per_minute = 5\n"
       "[[rate_limits.routes]]\npath = \"/api/x\"\napi_key_per_minute = 5\n",
       "invalid value for rate_limits.routes[1] (from PATH line 4): a route override for every method /api/x/ is "
       "already given above"},
  };
  int n = 0;
  for (const auto& [toml, line] : cases) {
    std::string path = write("o" + std::to_string(n++) + ".toml", toml);
    std::string expected = "claribi-server: " + line;
    expected.replace(expected.find("PATH"), 4, path);
    Loaded r = load({"--config", path});
    EXPECT_EQ(r.message, expected) << toml;
    expect_one_line_error(r);
  }
}

// --------------------------------------------------------------------------
// Reuse by a tool with subcommands (claribi-admin).

struct AdminRun {
  ConfigOutcome outcome;
  Config config;
  std::string message;
  std::string email;
  bool bootstrap = false;
};

AdminRun run_admin(std::vector<std::string> args, const Environment& env) {
  CLI::App app{"clariBI administration", "claribi-admin"};
  ConfigFlags flags("claribi-admin");
  static constexpr std::string_view kAdminFlags[] = {"data_dir"};
  flags.add_to(app, kAdminFlags);
  app.fallthrough();
  app.require_subcommand(1);
  AdminRun run;
  CLI::App* bootstrap = app.add_subcommand("bootstrap", "Create the first organization and owner");
  bootstrap->add_option("--email", run.email, "Owner's email")->required();
  app.add_subcommand("stats", "Print storage statistics");

  std::vector<const char*> argv = {"claribi-admin"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  run.outcome = parse_command_line(app, "claribi-admin", static_cast<int>(argv.size()), argv.data(), &run.message);
  if (run.outcome == ConfigOutcome::kRun) run.outcome = flags.finalize(env, &run.config, &run.message);
  run.bootstrap = bootstrap->parsed();
  return run;
}

TEST_F(ConfigFileTest, AdminToolReusesTheLoaderWithItsOwnSubcommands) {
  std::string path = write("admin.toml", "data_dir = \"/from/file\"\n[auth]\nargon2_memory_kib = 65536\n");
  AdminRun run = run_admin({"bootstrap", "--email", "a@b.c", "--data-dir", "/from/flag"},
                           {{"CLARIBI_CONFIG", path}, {"CLARIBI_AUTH_ARGON2_ITERATIONS", "3"}});
  ASSERT_EQ(run.outcome, ConfigOutcome::kRun) << run.message;
  EXPECT_TRUE(run.bootstrap);
  EXPECT_EQ(run.email, "a@b.c");
  EXPECT_EQ(run.config.data_dir, "/from/flag");
  EXPECT_EQ(run.config.auth.argon2_memory_kib, 65536u);  // file
  EXPECT_EQ(run.config.auth.argon2_iterations, 3u);      // environment

  // Only the chosen flags exist; the others are unknown to the admin tool.
  AdminRun listen = run_admin({"stats", "--listen", "1.2.3.4:5"}, {});
  EXPECT_EQ(listen.outcome, ConfigOutcome::kExitError);
  EXPECT_THAT(listen.message, StartsWith("claribi-admin: "));

  // Errors and help speak in the admin tool's name.
  AdminRun bad = run_admin({"stats"}, {{"CLARIBI_THREADS", "x"}});
  EXPECT_EQ(bad.message, "claribi-admin: invalid value for threads (from CLARIBI_THREADS): \"x\" is not an integer");
  AdminRun help = run_admin({"--help"}, {});
  EXPECT_EQ(help.outcome, ConfigOutcome::kExitOk);
  EXPECT_THAT(help.message, HasSubstr("--data-dir PATH"));
  EXPECT_THAT(help.message, HasSubstr("env CLARIBI_DATA_DIR, default ./data"));
  EXPECT_THAT(help.message, HasSubstr("bootstrap"));
  EXPECT_THAT(help.message, Not(HasSubstr("--listen")));
  AdminRun sub_help = run_admin({"bootstrap", "--help"}, {});
  EXPECT_EQ(sub_help.outcome, ConfigOutcome::kExitOk);
  EXPECT_THAT(sub_help.message, HasSubstr("--email"));
  AdminRun missing = run_admin({}, {});
  EXPECT_EQ(missing.outcome, ConfigOutcome::kExitError);
}

TEST(ConfigEnvironment, FromEnvp) {
  const char* envp[] = {"CLARIBI_THREADS=5", "PATH=/bin", "NOEQUALS", "CLARIBI_THREADS=6", "EMPTY=", nullptr};
  Environment env = Environment::from_envp(envp);
  EXPECT_EQ(env.get("CLARIBI_THREADS"), "5");  // first wins, like getenv
  EXPECT_EQ(env.get("EMPTY"), "");
  EXPECT_EQ(env.get("NOEQUALS"), std::nullopt);
  EXPECT_EQ(env.get("MISSING"), std::nullopt);
  Loaded r = load({}, env);
  ASSERT_EQ(r.outcome, ConfigOutcome::kRun) << r.message;
  EXPECT_EQ(r.config.threads, 5u);
}

}  // namespace
}  // namespace claribi
