#include "server/config_check.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>

#include "config/quote.h"
#include "config/settings.h"
#include "net/tls_context.h"

namespace claribi::server {
namespace {

struct Checks {
  std::string text;
  bool ok = true;
  void pass(std::string_view what) { text.append("ok    ").append(what).append("\n"); }
  void fail(std::string_view what) {
    text.append("FAIL  ").append(what).append("\n");
    ok = false;
  }
};

// A TOML basic string: the report's settings can be pasted into a file.
std::string toml_string(std::string_view v) {
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// The setting as a TOML value: numbers and booleans bare, lists as arrays.
std::string toml_value(const Setting& s, const std::string& text) {
  switch (s.kind) {
    case SettingKind::kInt:
    case SettingKind::kDuration:
    case SettingKind::kBool:
      return text;
    case SettingKind::kStringList:
    case SettingKind::kCidrList: {
      std::string out = "[";
      size_t begin = 0;
      while (begin < text.size()) {
        size_t end = text.find(',', begin);
        if (end == std::string::npos) end = text.size();
        if (out.size() > 1) out += ", ";
        out += toml_string(std::string_view(text).substr(begin, end - begin));
        begin = end + 1;
      }
      return out + "]";
    }
    default:
      return toml_string(text);
  }
}

bool is_dir(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string parent_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

void check_data_dir(const Config& c, Checks& k) {
  if (is_dir(c.data_dir)) {
    if (::access(c.data_dir.c_str(), R_OK | W_OK | X_OK) == 0) {
      k.pass("data_dir " + c.data_dir + " exists and is writable");
    } else {
      k.fail("data_dir " + c.data_dir + ": not writable by this user (" + std::strerror(errno) + ")");
    }
    return;
  }
  const std::string parent = parent_of(c.data_dir);
  if (is_dir(parent) && ::access(parent.c_str(), W_OK | X_OK) == 0) {
    k.pass("data_dir " + c.data_dir + " does not exist yet; it will be created in " + parent);
  } else {
    k.fail("data_dir " + c.data_dir + " does not exist and cannot be created in " + parent);
  }
}

void check_tls(const Config& c, Checks& k) {
  net::TlsOptions o;
  if (c.uses_dev_certificate()) {
    o.cert_file = c.data_dir + "/tls/dev-cert.pem";
    o.key_file = c.data_dir + "/tls/dev-key.pem";
    if (::access(o.cert_file.c_str(), F_OK) != 0) {
      k.pass("tls: no certificate configured; a development certificate will be generated in " + c.data_dir +
             "/tls/ at the first start");
      return;
    }
  } else {
    o.cert_file = c.tls.cert_file;
    o.key_file = c.tls.key_file;
  }
  o.session_tickets = c.tls.session_tickets;
  auto ctx = net::TlsContext::Create(o);
  if (ctx.ok()) {
    k.pass("tls: certificate " + o.cert_file + " and key " + o.key_file + " load and match");
  } else {
    k.fail("tls: " + ctx.status().message());
  }
}

void check_jwt_secret(const Config& c, Checks& k) {
  if (!c.jwt_secret_env.empty()) {
    k.pass(std::string(kJwtSecretEnv) + " is set (" + std::to_string(c.jwt_secret_env.size()) +
           " bytes, not shown)");
    return;
  }
  const std::string path = c.jwt_secret_path();
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    k.pass("jwt secret " + path + " does not exist yet; it will be generated at the first start");
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    k.fail("jwt secret " + path + " cannot be read (" + std::strerror(errno) + ")");
    return;
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    k.fail("jwt secret " + path + " is readable by others (mode must be 0600)");
    return;
  }
  k.pass("jwt secret " + path + " is readable (" + std::to_string(st.st_size) + " bytes, not shown)");
}

}  // namespace

bool check_config(const Config& config, std::string* report) {
  std::string& out = *report;
  out = "# claribi-server --check-config";
  if (!config.config_file.empty()) out += " (file " + config.config_file + ")";
  out += "\n# effective settings (defaults < file < CLARIBI_* environment < flags)\n";
  for (const Setting& s : all_settings()) {
    std::string value = render_setting(s, config);
    if (s.key == "reports.smtp_url" || s.key == "rate_limits.redis_url" || s.key == "storage.postgresql_url") {
      value = mask_url_password(value);
    }
    out.append(s.key).append(" = ").append(toml_value(s, value)).append("\n");
  }
  out += "# " + std::string(kJwtSecretEnv) + ": " + (config.jwt_secret_env.empty() ? "not set" : "set, not shown") + "\n";
  out += "# checks\n";
  Checks k;
  check_data_dir(config, k);
  check_jwt_secret(config, k);
  check_tls(config, k);
  out += k.text;
  out += k.ok ? "claribi-server: the configuration is valid\n" : "claribi-server: the configuration has problems\n";
  return k.ok;
}

}  // namespace claribi::server
