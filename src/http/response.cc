#include "http/response.h"

#include <array>
#include <charconv>

namespace claribi::http {

void Response::add_header(std::string_view name, std::string_view value) {
  extra_headers.append(name);
  extra_headers.append(": ");
  extra_headers.append(value);
  extra_headers.append("\r\n");
}

void Response::add_header(std::string_view name, uint64_t value) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  add_header(name, std::string_view(buf, size_t(r.ptr - buf)));
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

namespace {
struct StatusLines {
  std::array<std::string, 600> lines;
  StatusLines() {
    for (int s = 100; s < 600; ++s) {
      lines[size_t(s)] = "HTTP/1.1 " + std::to_string(s) + " " + std::string(reason_phrase(s)) + "\r\n";
    }
  }
};
const StatusLines& status_lines() {
  static const StatusLines table;
  return table;
}
}  // namespace

std::string_view status_line(int status) {
  if (status < 100 || status >= 600) status = 500;
  return status_lines().lines[size_t(status)];
}

void serialize_response(const Response& r, const ResponseMeta& meta, std::string& out) {
  out.append(status_line(r.status));
  out.append("Date: ");
  out.append(meta.date);
  out.append("\r\nServer: claribi\r\n");
  // 204 and 304 carry neither a body nor Content-Length (RFC 9110 §8.6).
  bool bodiless = r.status == 204 || r.status == 304 || r.status < 200;
  if (!bodiless) {
    if (!r.body.empty() || !meta.head_only) {
      out.append("Content-Type: ");
      out.append(r.content_type);
      out.append("\r\n");
    }
    out.append("Content-Length: ");
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, r.body.size());
    out.append(buf, size_t(res.ptr - buf));
    out.append("\r\n");
  }
  if (!meta.request_id.empty()) {
    out.append("X-Request-Id: ");
    out.append(meta.request_id);
    out.append("\r\n");
  }
  if (!meta.keep_alive || r.close_connection) {
    out.append("Connection: close\r\n");
  } else if (meta.keep_alive_header) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append(meta.cors);
  out.append(r.extra_headers);
  out.append("\r\n");
  if (!bodiless && !meta.head_only) out.append(r.body);
}

}  // namespace claribi::http
