#include "http/cors.h"

namespace claribi::http {

namespace {
constexpr std::string_view kExposed =
    "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, "
    "RateLimit, RateLimit-Policy, Retry-After";
constexpr std::string_view kMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
constexpr std::string_view kAllowedHeaders = "Authorization, Content-Type, X-API-Key, X-Request-Id";
}  // namespace

CorsPolicy::CorsPolicy(const std::vector<std::string>& origins, int max_age) {
  for (const std::string& o : origins) {
    Entry e;
    e.origin = o;
    std::string allow = "Access-Control-Allow-Origin: " + o + "\r\n";
    if (o != "*") allow += "Vary: Origin\r\n";
    e.actual = allow + "Access-Control-Expose-Headers: " + std::string(kExposed) + "\r\n";
    e.preflight = allow + "Access-Control-Allow-Methods: " + std::string(kMethods) +
                  "\r\nAccess-Control-Allow-Headers: " + std::string(kAllowedHeaders) +
                  "\r\nAccess-Control-Max-Age: " + std::to_string(max_age) + "\r\n";
    entries_.push_back(std::move(e));
  }
}

const CorsPolicy::Entry* CorsPolicy::find(std::string_view origin) const {
  if (origin.empty()) return nullptr;
  for (const Entry& e : entries_)
    if (e.origin == origin || e.origin == "*") return &e;
  return nullptr;
}

std::string_view CorsPolicy::actual_headers(std::string_view origin) const {
  const Entry* e = find(origin);
  return e ? std::string_view(e->actual) : std::string_view();
}

std::string_view CorsPolicy::preflight_headers(std::string_view origin) const {
  const Entry* e = find(origin);
  return e ? std::string_view(e->preflight) : std::string_view();
}

}  // namespace claribi::http
