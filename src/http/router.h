// Router: one table of routes, method + path pattern → route index, like
// Redis's command table. Patterns are literal segments and `{id}` segments
// (a positive integer); the trailing slash is optional on the request path.
// Matching allocates nothing.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace claribi::http {

inline constexpr int kMaxPathIds = 2;

class Router {
 public:
  // Adds `method pattern` → route_index. Patterns start with '/' and end
  // with '/'. Adding the same method and pattern twice is a programming error.
  void add(Method method, std::string_view pattern, int route_index);

  enum class Outcome { kFound, kNotFound, kMethodNotAllowed };
  struct Match {
    Outcome outcome = Outcome::kNotFound;
    int route_index = -1;
    uint64_t ids[kMaxPathIds] = {0, 0};
    int id_count = 0;
    std::string_view allow;    // "GET, POST, OPTIONS" for the matched path
    std::string_view pattern;  // the matched pattern, e.g. "/api/users/{id}/"
  };
  // OPTIONS finds the path (kFound with route_index -1) whenever any route
  // has it, so the caller can answer preflights and Allow. HEAD falls back to
  // the GET route.
  Match match(Method method, std::string_view path) const;

 private:
  struct Segment {
    bool is_id;
    std::string literal;
  };
  struct Pattern {
    std::string text;
    std::vector<Segment> segments;
    std::array<int, static_cast<size_t>(Method::kCount)> routes;
    std::string allow;
  };
  std::vector<Pattern> patterns_;
};

// Parses a path segment as an id: decimal digits, 1..2^63-1, no leading zero.
bool parse_id(std::string_view s, uint64_t* out);

}  // namespace claribi::http
