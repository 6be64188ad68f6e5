// The config-file source. toml++ is used header-only with exceptions off
// (its parse errors come back as values), and only in this file.
#include "config/toml_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <span>
#include <tuple>

#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#define TOML_ENABLE_FORMATTERS 0
#include <toml++/toml.h>

#include "config/settings.h"

namespace claribi {
namespace {

std::string_view type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string_view expected_for(SettingKind kind) {
  switch (kind) {
    case SettingKind::kString: return "a string";
    case SettingKind::kInt: return "an integer";
    case SettingKind::kBool: return "a boolean (true or false)";
    case SettingKind::kEnum: return "a string";
    case SettingKind::kDuration: return "a number of seconds (or a string such as \"15m\")";
    case SettingKind::kStringList: return "an array of strings";
    case SettingKind::kCidrList: return "an array of strings";
    case SettingKind::kAddress: return "a string \"host:port\"";
  }
  return "something else";
}

// Keys of the file-only records, with the setting whose range they share.
struct OverrideKey {
  std::string_view name;
  std::string_view range_of;
  std::optional<uint32_t> RateLimitOverride::*member;
};
constexpr OverrideKey kOverrideKeys[] = {
    {"jwt_per_minute", "rate_limits.jwt_per_minute", &RateLimitOverride::jwt_per_minute},
    {"api_key_per_minute", "rate_limits.api_key_per_minute", &RateLimitOverride::api_key_per_minute},
};

constexpr std::string_view kPlanKeys[] = {"jwt_per_minute", "api_key_per_minute"};
constexpr std::string_view kRouteKeys[] = {"method", "path", "jwt_per_minute", "api_key_per_minute"};
constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

class TomlApplier {
 public:
  TomlApplier(std::string_view path, Config* config, std::vector<std::string>* keys_set)
      : path_(path), config_(config), keys_set_(keys_set) {}

  std::string run(std::string_view text) {
    toml::parse_result parsed = toml::parse(text, path_);
    if (!parsed) {
      const toml::parse_error& err = parsed.error();
      return "cannot parse config file " + path_ + " (line " + std::to_string(err.source().begin.line) +
             ", column " + std::to_string(err.source().begin.column) + "): " + std::string(err.description());
    }
    walk(parsed.table(), "");
    return error_ ? error_->message : "";
  }

 private:
  struct Error {
    toml::source_position where;
    std::string message;
  };

  std::string at(const toml::source_region& where) const {
    return path_ + " line " + std::to_string(where.begin.line);
  }

  // Keeps the error nearest the top of the file (tables iterate by key, not
  // by position, so "first seen" would not be "first in the file").
  void fail(const toml::source_region& where, std::string message) {
    ++errors_;
    auto pos = [](const toml::source_position& p) { return std::make_tuple(p.line, p.column); };
    if (!error_ || pos(where.begin) < pos(error_->where)) error_ = Error{where.begin, std::move(message)};
  }

  void fail_value(std::string_view key, const toml::node& node, const std::string& problem) {
    fail(node.source(), "invalid value for " + std::string(key) + " (from " + at(node.source()) + "): " + problem);
  }

  void fail_type(std::string_view key, const toml::node& node, std::string_view expected) {
    fail_value(key, node, "expected " + std::string(expected) + ", got " + std::string(type_name(node.type())));
  }

  // candidates: the names allowed where the key is (for a hint); by default
  // every key of the file.
  void fail_unknown(std::string_view key, const toml::source_region& where,
                    std::span<const std::string_view> candidates = {}) {
    std::string message = "unknown key " + std::string(key) + " (in " + at(where);
    std::string_view hint = candidates.empty() ? closest_key(key)
                                               : closest_match(key.substr(key.rfind('.') + 1), candidates);
    if (!hint.empty()) message += "; did you mean " + std::string(hint) + "?";
    message += ")";
    fail(where, std::move(message));
  }

  void walk(const toml::table& table, const std::string& prefix) {
    for (const auto& [k, node] : table) {
      std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
      // A quoted key holding a dot ("tls.cert_file" = ...) is not a path.
      const Setting* setting = k.str().find('.') == std::string_view::npos ? find_setting(key) : nullptr;
      if (setting != nullptr) {
        apply(*setting, node);
      } else if (key == "rate_limits.plans") {
        apply_plans(node);
      } else if (key == "rate_limits.routes") {
        apply_routes(node);
      } else if (k.str().find('.') == std::string_view::npos && is_settings_section(key)) {
        if (const toml::table* t = node.as_table()) {
          walk(*t, key);
        } else {
          fail_type(key, node, "a table");
        }
      } else if (k.str().find('.') != std::string_view::npos && find_setting(key) != nullptr) {
        fail(k.source(), "unknown key \"" + std::string(k.str()) + "\" (in " + at(k.source()) + "; write " +
                             std::string(k.str()) + " without the quotes)");
      } else {
        fail_unknown(key, k.source());
      }
    }
  }

  void apply(const Setting& s, const toml::node& node) {
    SettingValue value;
    std::string problem;
    switch (s.kind) {
      case SettingKind::kInt:
        if (!node.is_integer()) return fail_type(s.key, node, expected_for(s.kind));
        value.number = node.as_integer()->get();
        problem = check_setting_number(s, value.number);
        break;
      case SettingKind::kBool:
        if (!node.is_boolean()) return fail_type(s.key, node, expected_for(s.kind));
        value.flag = node.as_boolean()->get();
        break;
      case SettingKind::kDuration:
        if (node.is_integer()) {
          value.number = node.as_integer()->get();
          problem = check_setting_number(s, value.number);
        } else if (node.is_string()) {
          problem = parse_setting_text(s, node.as_string()->get(), &value);
        } else {
          return fail_type(s.key, node, expected_for(s.kind));
        }
        break;
      case SettingKind::kStringList:
      case SettingKind::kCidrList:
        if (const toml::array* array = node.as_array()) {
          std::vector<std::string> items;
          for (const toml::node& item : *array) {
            if (!item.is_string()) {
              return fail_value(s.key, item,
                                "expected an array of strings, found " + std::string(type_name(item.type())) +
                                    " in it");
            }
            items.push_back(item.as_string()->get());
          }
          problem = build_setting_list(s, std::move(items), &value);
        } else if (node.is_string()) {  // "a, b" as on the command line
          problem = parse_setting_text(s, node.as_string()->get(), &value);
        } else {
          return fail_type(s.key, node, expected_for(s.kind));
        }
        break;
      case SettingKind::kString:
      case SettingKind::kEnum:
      case SettingKind::kAddress:
        if (!node.is_string()) return fail_type(s.key, node, expected_for(s.kind));
        problem = parse_setting_text(s, node.as_string()->get(), &value);
        break;
    }
    if (!problem.empty()) return fail_value(s.key, node, problem);
    s.store(*config_, std::move(value));
    if (keys_set_ != nullptr) keys_set_->emplace_back(s.key);
  }

  // jwt_per_minute / api_key_per_minute inside a plan or route record.
  bool apply_override_key(std::string_view record_key, std::string_view name, const toml::node& node,
                          RateLimitOverride* out) {
    for (const OverrideKey& ok : kOverrideKeys) {
      if (ok.name != name) continue;
      std::string key = std::string(record_key) + "." + std::string(name);
      if (!node.is_integer()) {
        fail_type(key, node, "an integer");
        return true;
      }
      int64_t n = node.as_integer()->get();
      std::string problem = check_setting_number(*find_setting(ok.range_of), n);
      if (!problem.empty()) {
        fail_value(key, node, problem);
      } else {
        (*out).*ok.member = static_cast<uint32_t>(n);
      }
      return true;
    }
    return false;
  }

  // [rate_limits.plans.<plan>] jwt_per_minute = N, api_key_per_minute = N
  void apply_plans(const toml::node& node) {
    const toml::table* plans = node.as_table();
    if (plans == nullptr) return fail_type("rate_limits.plans", node, "a table of [rate_limits.plans.<plan>] tables");
    for (const auto& [plan_key, plan_node] : *plans) {
      std::string record_key = "rate_limits.plans." + std::string(plan_key.str());
      const toml::table* t = plan_node.as_table();
      if (t == nullptr) {
        fail_type(record_key, plan_node, "a table");
        continue;
      }
      if (plan_key.str().empty()) {
        fail(plan_key.source(), "invalid value for rate_limits.plans (from " + at(plan_key.source()) +
                                    "): a plan name must not be empty");
        continue;
      }
      PlanRateLimits plan;
      plan.plan = std::string(plan_key.str());
      const int errors_before = errors_;
      for (const auto& [k, v] : *t) {
        if (!apply_override_key(record_key, k.str(), v, &plan.limits)) {
          fail_unknown(record_key + "." + std::string(k.str()), k.source(), kPlanKeys);
        }
      }
      if (errors_ != errors_before) continue;
      if (plan.limits == RateLimitOverride{}) {
        fail(plan_node.source(), "invalid value for " + record_key + " (from " + at(plan_node.source()) +
                                     "): sets neither jwt_per_minute nor api_key_per_minute");
        continue;
      }
      config_->rate_limits.plans.push_back(std::move(plan));
    }
  }

  // [[rate_limits.routes]] method = "POST" (optional), path = "/api/x/",
  // jwt_per_minute = N, api_key_per_minute = N
  void apply_routes(const toml::node& node) {
    const toml::array* routes = node.as_array();
    if (routes == nullptr || !routes->is_array_of_tables()) {
      return fail_type("rate_limits.routes", node, "an array of [[rate_limits.routes]] tables");
    }
    size_t index = 0;
    for (const toml::node& route_node : *routes) {
      std::string record_key = "rate_limits.routes[" + std::to_string(index++) + "]";
      const toml::table& t = *route_node.as_table();
      RouteRateLimits route;
      bool has_path = false;
      const int errors_before = errors_;
      for (const auto& [k, v] : t) {
        std::string key = record_key + "." + std::string(k.str());
        if (k.str() == "method") {
          if (!v.is_string()) {
            fail_type(key, v, "a string");
            continue;
          }
          std::string method = v.as_string()->get();
          for (char& c : method) {
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
          }
          bool known = false;
          for (std::string_view m : kMethods) known = known || m == method;
          if (!known) {
            fail_value(key, v, quote_value(v.as_string()->get()) +
                                   " is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
            continue;
          }
          route.method = std::move(method);
        } else if (k.str() == "path") {
          if (!v.is_string()) {
            fail_type(key, v, "a string");
            continue;
          }
          std::string path = v.as_string()->get();
          bool clean = !path.empty() && path.front() == '/' &&
                       path.find_first_of(" \t\r\n?#") == std::string::npos;
          if (!clean) {
            fail_value(key, v, quote_value(path) + " is not a route pattern (like \"/api/analytics/query/\")");
            continue;
          }
          if (path.back() != '/') path.push_back('/');
          route.path = std::move(path);
          has_path = true;
        } else if (!apply_override_key(record_key, k.str(), v, &route.limits)) {
          fail_unknown(key, k.source(), kRouteKeys);
        }
      }
      if (errors_ != errors_before) continue;
      if (!has_path) {
        fail(route_node.source(), "invalid value for " + record_key + " (from " + at(route_node.source()) +
                                      "): path is missing");
        continue;
      }
      if (route.limits == RateLimitOverride{}) {
        fail(route_node.source(), "invalid value for " + record_key + " (from " + at(route_node.source()) +
                                      "): sets neither jwt_per_minute nor api_key_per_minute");
        continue;
      }
      for (const RouteRateLimits& other : config_->rate_limits.routes) {
        if (other.method == route.method && other.path == route.path) {
          fail(route_node.source(), "invalid value for " + record_key + " (from " + at(route_node.source()) +
                                        "): a route override for " +
                                        (route.method.empty() ? std::string("every method") : route.method) + " " +
                                        route.path + " is already given above");
        }
      }
      config_->rate_limits.routes.push_back(std::move(route));
    }
  }

  std::string path_;
  Config* config_;
  std::vector<std::string>* keys_set_;
  std::optional<Error> error_;
  int errors_ = 0;  // every fail(), so a record can tell whether its keys failed
};

}  // namespace

std::string apply_toml_text(std::string_view text, std::string_view source_path, Config* config,
                            std::vector<std::string>* keys_set) {
  return TomlApplier(source_path, config, keys_set).run(text);
}

std::string apply_toml_file(const std::string& path, std::string_view named_by, Config* config,
                            std::vector<std::string>* keys_set) {
  auto cannot_read = [&](int err) {
    return "cannot read config file " + path + " (from " + std::string(named_by) + "): " + std::strerror(err);
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return cannot_read(errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return cannot_read(err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return cannot_read(S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
  }
  std::string text;
  char buf[16384];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return cannot_read(err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return apply_toml_text(text, path, config, keys_set);
}

}  // namespace claribi
