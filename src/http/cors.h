// CorsPolicy: CORS for the origins listed in config. Header lines are
// rendered once per origin at start; a request from a listed origin gets
// them, any other origin gets none. "*" in the list allows every origin
// (answered with "*", as no credentials/cookies are involved).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace claribi::http {

class CorsPolicy {
 public:
  CorsPolicy() = default;
  CorsPolicy(const std::vector<std::string>& origins, int max_age_seconds);

  // Lines for an actual (non-preflight) request from origin; empty if none.
  std::string_view actual_headers(std::string_view origin) const;
  // Lines for a preflight answer to origin; empty if the origin is not listed.
  std::string_view preflight_headers(std::string_view origin) const;
  // OPTIONS carrying Origin and Access-Control-Request-Method.
  static bool is_preflight(const Request& r) {
    return r.method == Method::kOptions && r.has_header("origin") &&
           r.has_header("access-control-request-method");
  }
  bool enabled() const { return !entries_.empty(); }

 private:
  struct Entry {
    std::string origin;
    std::string actual;
    std::string preflight;
  };
  const Entry* find(std::string_view origin) const;
  std::vector<Entry> entries_;
};

}  // namespace claribi::http
