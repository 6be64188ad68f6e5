#include "config/redis_url.h"

#include <charconv>

namespace claribi {

namespace {

bool parse_port(std::string_view s, int* out) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 1 || v > 65535) return false;
  *out = v;
  return true;
}

bool parse_db(std::string_view s, int* out) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || v < 0 || v > 1'000'000) return false;
  *out = v;
  return true;
}

}  // namespace

std::string RedisEndpoint::shown() const {
  if (!socket_path.empty()) return "unix://" + socket_path;
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::string parse_redis_url(std::string_view url, RedisEndpoint* out) {
  RedisEndpoint e;
  constexpr std::string_view kUnix = "unix://", kRedis = "redis://";
  if (url.substr(0, kUnix.size()) == kUnix) {
    std::string_view rest = url.substr(kUnix.size());
    size_t q = rest.find('?');
    std::string_view path = rest.substr(0, q);
    if (path.empty() || path.front() != '/') return "a unix:// URL needs an absolute socket path (unix:///run/redis.sock)";
    e.socket_path = std::string(path);
    if (q != std::string_view::npos) {
      std::string_view query = rest.substr(q + 1);
      if (query.substr(0, 3) != "db=" || !parse_db(query.substr(3), &e.db)) return "the only query a unix:// URL takes is db=N";
    }
    *out = std::move(e);
    return "";
  }
  if (url.substr(0, kRedis.size()) != kRedis) return "use redis://[[user]:password@]host[:port][/db] or unix:///path";
  std::string_view rest = url.substr(kRedis.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && !parse_db(db, &e.db)) return "the path of a redis:// URL is a database number (/0)";
  }
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) return "the credentials of a redis:// URL are [user]:password@";
    e.user = std::string(userinfo.substr(0, colon));
    e.password = std::string(userinfo.substr(colon + 1));
  }
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return "an IPv6 host is written in brackets: redis://[::1]:6379";
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':' || !parse_port(after.substr(1), &e.port)) return "bad port in the redis:// URL";
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    if (!parse_port(authority.substr(colon + 1), &e.port)) return "bad port in the redis:// URL";
  }
  if (host.empty()) return "the redis:// URL has no host";
  e.host = std::string(host);
  *out = std::move(e);
  return "";
}

}  // namespace claribi
