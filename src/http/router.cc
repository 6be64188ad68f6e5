#include "http/router.h"

#include <cassert>

namespace claribi::http {

bool parse_id(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19 || s[0] == '0') return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  if (v > uint64_t(INT64_MAX)) return false;
  *out = v;
  return true;
}

void Router::add(Method method, std::string_view pattern, int route_index) {
  assert(!pattern.empty() && pattern.front() == '/' && pattern.back() == '/');
  Pattern* p = nullptr;
  for (auto& existing : patterns_)
    if (existing.text == pattern) p = &existing;
  if (p == nullptr) {
    patterns_.push_back(Pattern{std::string(pattern), {}, {}, {}});
    p = &patterns_.back();
    p->routes.fill(-1);
    std::string_view rest = pattern.substr(1, pattern.size() - 2);
    while (!rest.empty()) {
      size_t slash = rest.find('/');
      std::string_view seg = rest.substr(0, slash);
      p->segments.push_back(Segment{seg == "{id}", std::string(seg)});
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
  }
  assert(p->routes[static_cast<size_t>(method)] == -1);
  p->routes[static_cast<size_t>(method)] = route_index;
  // Allow lists the methods in a fixed order, then OPTIONS.
  p->allow.clear();
  for (Method m : {Method::kGet, Method::kPost, Method::kPut, Method::kPatch, Method::kDelete}) {
    if (p->routes[static_cast<size_t>(m)] < 0) continue;
    if (!p->allow.empty()) p->allow += ", ";
    p->allow += method_name(m);
    if (m == Method::kGet) p->allow += ", HEAD";
  }
  p->allow += p->allow.empty() ? "OPTIONS" : ", OPTIONS";
}

Router::Match Router::match(Method method, std::string_view path) const {
  Match m;
  if (path.empty() || path.front() != '/') return m;
  // "/api/x/" and "/api/x" are the same; strip one trailing slash.
  std::string_view body = path.substr(1);
  if (!body.empty() && body.back() == '/') body.remove_suffix(1);
  // Split once; a pattern must have exactly as many segments.
  constexpr size_t kMaxSegments = 16;  // longer than any route
  std::string_view segs[kMaxSegments];
  size_t nseg = 0;
  for (size_t pos = 0;;) {
    if (nseg == kMaxSegments) return m;
    size_t slash = body.find('/', pos);
    size_t end = slash == std::string_view::npos ? body.size() : slash;
    segs[nseg++] = body.substr(pos, end - pos);
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  for (const Pattern& p : patterns_) {
    if (p.segments.size() != nseg) continue;
    uint64_t ids[kMaxPathIds] = {0, 0};
    int id_count = 0;
    bool ok = true;
    for (size_t i = 0; i < nseg; ++i) {
      const Segment& s = p.segments[i];
      if (s.is_id) {
        if (id_count >= kMaxPathIds || !parse_id(segs[i], &ids[id_count])) { ok = false; break; }
        ++id_count;
      } else if (segs[i] != s.literal) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    m.pattern = p.text;
    m.allow = p.allow;
    for (int k = 0; k < id_count; ++k) m.ids[k] = ids[k];
    m.id_count = id_count;
    int idx = p.routes[static_cast<size_t>(method)];
    if (idx < 0 && method == Method::kHead) idx = p.routes[static_cast<size_t>(Method::kGet)];
    if (idx >= 0 || method == Method::kOptions) {
      m.outcome = Outcome::kFound;
      m.route_index = idx;
    } else {
      m.outcome = Outcome::kMethodNotAllowed;
    }
    return m;
  }
  return m;
}

}  // namespace claribi::http
