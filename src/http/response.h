// Response: what a handler produces — status, extra headers and a body
// rendered straight into reusable buffers — and the one function that turns
// it into bytes on the wire with the pre-rendered status line, the cached
// Date and the headers every response carries.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "http/body_source.h"

namespace claribi::http {

class Response {
 public:
  int status = 200;
  std::string body;           // usually JSON
  std::string extra_headers;  // "Name: value\r\n" lines
  std::string_view content_type = "application/json";
  bool close_connection = false;  // send Connection: close and close after
  // Set instead of body for a large body produced in parts (see
  // body_source.h); the connection pulls it as the client reads.
  std::unique_ptr<BodySource> stream;

  void reset() {
    status = 200;
    body.clear();
    stream.reset();
    extra_headers.clear();
    content_type = "application/json";
    close_connection = false;
  }
  void add_header(std::string_view name, std::string_view value);
  void add_header(std::string_view name, uint64_t value);
};

// Facts that the connection supplies for the head of every response.
struct ResponseMeta {
  std::string_view date;        // IMF-fixdate from the reactor's DateCache
  std::string_view request_id;  // X-Request-Id
  std::string_view cors;        // pre-rendered Access-Control-* lines, or empty
  std::string_view hsts;        // the Strict-Transport-Security line of an HTTPS answer, or empty
  bool keep_alive = true;
  bool keep_alive_header = false;  // HTTP/1.0 keep-alive: say so explicitly
  bool head_only = false;          // HEAD: Content-Length of the body, no body
};

// Appends the full response (head and body) to out. With r.stream set it
// appends the head only, saying Transfer-Encoding: chunked; the caller
// frames the parts.
void serialize_response(const Response& r, const ResponseMeta& meta, std::string& out);

// "HTTP/1.1 404 Not Found\r\n" for a status (pre-rendered table).
std::string_view status_line(int status);
std::string_view reason_phrase(int status);

}  // namespace claribi::http
