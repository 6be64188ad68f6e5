// The one place every error leaves through: API.md §3. A stable snake_case
// code, a generic message for the code, a detail specific to the request and,
// for validation errors, the fields map. Router, parser, auth, limiter and
// handlers all call render_error; nothing else writes an error body.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/response.h"

namespace claribi::http {

enum class ErrorCode : unsigned char {
  kValidationError,
  kInvalidJson,
  kUnauthorized,
  kInvalidCredentials,
  kForbidden,
  kInsufficientScope,
  kHttpsRequired,
  kNotFound,
  kMethodNotAllowed,
  kRequestTimeout,
  kConflict,
  kPayloadTooLarge,
  kUnsupportedMediaType,
  kRateLimited,
  kRequestHeaderFieldsTooLarge,
  kBadRequest,  // malformed HTTP (the parser's), not a body problem
  kInternalError,
  kServiceUnavailable,  // "unavailable" (§3): the analytics queue is full, or shutting down
  kQueryTimeout,        // a query past analytics.query_timeout or analytics.max_query_memory
};
// The last code, for code that lists every one (the OpenAPI document's enum of codes).
inline constexpr ErrorCode kLastErrorCode = ErrorCode::kQueryTimeout;

int error_status(ErrorCode code);
std::string_view error_name(ErrorCode code);
std::string_view error_message(ErrorCode code);

// Field errors for validation_error, in the order they were found; several
// messages for one field are grouped under it.
class FieldErrors {
 public:
  void add(std::string field, std::string message) {
    items_.emplace_back(std::move(field), std::move(message));
  }
  bool empty() const { return items_.empty(); }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// Replaces the response's status and body with the §3 error. Headers already
// added (Allow, Retry-After, rate-limit headers) are kept; 401 adds
// WWW-Authenticate: Bearer.
void render_error(Response& r, ErrorCode code, std::string_view detail,
                  const FieldErrors* fields = nullptr);
// "No dashboard with ID 7 was found." as 404 not_found.
void render_not_found(Response& r, std::string_view label, uint64_t id);

}  // namespace claribi::http
