// Config's derived values, the rate-limit override lookup and Environment.
#include "config/config.h"

#include <thread>

extern char** environ;  // POSIX

namespace claribi {
namespace {

std::string_view without_trailing_slash(std::string_view p) {
  if (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  return p;
}

bool same_route(std::string_view configured, std::string_view pattern) {
  return without_trailing_slash(configured) == without_trailing_slash(pattern);
}

uint32_t limit_for(const RateLimitsConfig& rl, std::optional<uint32_t> RateLimitOverride::*which, uint32_t fallback,
                   std::string_view plan, std::string_view route_pattern, std::string_view method) {
  const std::optional<uint32_t>* any_method = nullptr;
  for (const RouteRateLimits& r : rl.routes) {
    const std::optional<uint32_t>& v = r.limits.*which;
    if (!v || !same_route(r.path, route_pattern)) continue;
    if (r.method.empty()) {
      if (any_method == nullptr) any_method = &v;
    } else if (r.method == method) {
      return *v;
    }
  }
  if (any_method != nullptr) return **any_method;
  for (const PlanRateLimits& p : rl.plans) {
    const std::optional<uint32_t>& v = p.limits.*which;
    if (v && p.plan == plan) return *v;
  }
  return fallback;
}

}  // namespace

uint32_t RateLimitsConfig::jwt_limit_for(std::string_view plan, std::string_view route_pattern,
                                         std::string_view method) const {
  return limit_for(*this, &RateLimitOverride::jwt_per_minute, jwt_per_minute, plan, route_pattern, method);
}

uint32_t RateLimitsConfig::api_key_limit_for(std::string_view plan, std::string_view route_pattern,
                                             std::string_view method) const {
  return limit_for(*this, &RateLimitOverride::api_key_per_minute, api_key_per_minute, plan, route_pattern, method);
}

unsigned Config::reactor_threads() const {
  if (threads != 0) return threads;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

std::string Config::tls_cert_path() const {
  return tls.cert_file.empty() ? data_dir + "/tls/dev-cert.pem" : tls.cert_file;
}

std::string Config::tls_key_path() const {
  return tls.key_file.empty() ? data_dir + "/tls/dev-key.pem" : tls.key_file;
}

std::string Config::jwt_secret_path() const {
  return auth.jwt_secret_file.empty() ? data_dir + "/jwt.secret" : auth.jwt_secret_file;
}

Environment::Environment(std::initializer_list<std::pair<std::string_view, std::string_view>> vars) {
  for (const auto& [name, value] : vars) set(name, value);
}

Environment Environment::from_envp(const char* const* envp) {
  Environment env;
  if (envp == nullptr) return env;
  for (; *envp != nullptr; ++envp) {
    std::string_view kv(*envp);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    // The first definition wins, as getenv() does.
    env.vars_.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

Environment Environment::from_process() { return from_envp(environ); }

std::optional<std::string_view> Environment::get(std::string_view name) const {
  auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return std::string_view(it->second);
}

void Environment::set(std::string_view name, std::string_view value) {
  vars_.insert_or_assign(std::string(name), std::string(value));
}

}  // namespace claribi
