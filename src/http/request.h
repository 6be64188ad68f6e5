// Request: one parsed HTTP request as views into the connection's read
// buffer (no copies of the head). Views are valid only while the handler runs
// synchronously; a handler that answers later must copy what it needs first.
#pragma once

#include <cstdint>
#include <string_view>

namespace claribi::http {

enum class Method : uint8_t { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther, kCount };

std::string_view method_name(Method m);

struct Header {
  std::string_view name;
  std::string_view value;
};

// Header fields per request (431 above it). The real limit is the head's
// size (http.max_head_bytes); this count is far above what clients send
// (browsers ~20, h2o allows 100).
inline constexpr int kMaxHeaders = 128;

// ASCII case-insensitive equality (header names). Inline: most calls end
// at the size check.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x == y) continue;
    if ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z') return false;
  }
  return true;
}

struct Request {
  Method method = Method::kOther;
  std::string_view method_text;
  std::string_view target;  // path and query as sent (an absolute-form target without its scheme and authority)
  std::string_view path;    // target up to '?'
  std::string_view query;   // after '?', without it; empty when none
  Header headers[kMaxHeaders];
  int header_count = 0;
  std::string_view body;
  uint8_t http_major = 1;
  uint8_t http_minor = 1;
  bool keep_alive = true;

  // Facts of the transport, filled in by the connection.
  bool secure = false;             // arrived over TLS or from a trusted proxy with X-Forwarded-Proto: https
  std::string_view client_address; // peer IP, or the X-Forwarded-For last hop for a trusted proxy
  std::string_view request_id;     // echoed or generated

  // First header with this name (case-insensitive), or null.
  const Header* find_header(std::string_view name) const {
    for (int i = 0; i < header_count; ++i)
      if (iequals(headers[i].name, name)) return &headers[i];
    return nullptr;
  }
  // Its value, or empty.
  std::string_view header(std::string_view name) const {
    const Header* h = find_header(name);
    return h != nullptr ? h->value : std::string_view();
  }
  bool has_header(std::string_view name) const { return find_header(name) != nullptr; }
  int header_count_of(std::string_view name) const {
    int n = 0;
    for (int i = 0; i < header_count; ++i) n += iequals(headers[i].name, name) ? 1 : 0;
    return n;
  }
};

// Raw (still percent-encoded) value of a query parameter; false when absent.
// Repeated, the last one counts (Django's QueryDict, as DRF reads it).
bool query_param(std::string_view query, std::string_view name, std::string_view* value);
// Percent-decodes a query component ('+' is a space) into out; false on a bad escape.
bool url_decode(std::string_view in, std::string* out);

}  // namespace claribi::http
