#include "http/response.h"

#include <array>
#include <charconv>
#include <cstring>

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
    case 499: return "Client Closed Request";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
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
  // Every piece is known up front: size the output once, then copy.
  constexpr std::string_view kDate = "Date: ";
  // nosniff on every answer: a JSON (or CSV) body is never read as anything else.
  constexpr std::string_view kServer = "\r\nServer: claribi\r\nX-Content-Type-Options: nosniff\r\n";
  constexpr std::string_view kContentType = "Content-Type: ";
  constexpr std::string_view kContentLength = "Content-Length: ";
  constexpr std::string_view kChunked = "Transfer-Encoding: chunked\r\n";
  constexpr std::string_view kRequestId = "X-Request-Id: ";
  constexpr std::string_view kCrlf = "\r\n";
  const std::string_view status = status_line(r.status);
  // 204 and 304 carry neither a body nor Content-Length (RFC 9110 §8.6).
  const bool bodiless = r.status == 204 || r.status == 304 || r.status < 200;
  const bool content_type = !bodiless && (!r.body.empty() || !meta.head_only);
  const bool chunked = !bodiless && r.stream != nullptr;
  const bool body = !bodiless && !meta.head_only && !chunked;
  char length[24];
  size_t length_size = 0;
  if (!bodiless && !chunked) length_size = size_t(std::to_chars(length, length + sizeof length, r.body.size()).ptr - length);
  std::string_view connection;
  if (!meta.keep_alive || r.close_connection) {
    connection = "Connection: close\r\n";
  } else if (meta.keep_alive_header) {
    connection = "Connection: keep-alive\r\n";
  }

  size_t total = status.size() + kDate.size() + meta.date.size() + kServer.size() + connection.size() +
                 meta.cors.size() + meta.hsts.size() + r.extra_headers.size() + kCrlf.size();
  if (content_type) total += kContentType.size() + r.content_type.size() + kCrlf.size();
  if (chunked) {
    total += kChunked.size();
  } else if (!bodiless) {
    total += kContentLength.size() + length_size + kCrlf.size();
  }
  if (!meta.request_id.empty()) total += kRequestId.size() + meta.request_id.size() + kCrlf.size();

  // The head is sized once and copied into; the body is appended (no
  // zero-fill of a large body before it is copied).
  const size_t start = out.size();
  if (body) out.reserve(start + total + r.body.size());
  out.resize(start + total);
  char* p = out.data() + start;
  auto put = [&p](std::string_view s) {
    if (s.empty()) return;  // an empty view may have no data pointer at all
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put(status);
  put(kDate);
  put(meta.date);
  put(kServer);
  if (content_type) {
    put(kContentType);
    put(r.content_type);
    put(kCrlf);
  }
  if (chunked) {
    put(kChunked);
  } else if (!bodiless) {
    put(kContentLength);
    put(std::string_view(length, length_size));
    put(kCrlf);
  }
  if (!meta.request_id.empty()) {
    put(kRequestId);
    put(meta.request_id);
    put(kCrlf);
  }
  put(connection);
  put(meta.cors);
  put(meta.hsts);
  put(r.extra_headers);
  put(kCrlf);
  if (body) out.append(r.body);
}

}  // namespace claribi::http
