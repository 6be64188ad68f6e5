#include "http/error.h"

#include "common/json_writer.h"

namespace claribi::http {

namespace {
struct ErrorInfo {
  int status;
  std::string_view name;
  std::string_view message;
};

const ErrorInfo& info(ErrorCode code) {
  static const ErrorInfo kTable[] = {
      {400, "validation_error", "The request failed validation."},
      {400, "invalid_json", "The request body is not valid JSON."},
      {401, "unauthorized", "Authentication credentials were missing or invalid."},
      {401, "invalid_credentials", "The email or password is incorrect."},
      {403, "forbidden", "You do not have permission to perform this action."},
      {403, "insufficient_scope", "The API key does not have the scope this action requires."},
      {403, "https_required", "This API is only served over HTTPS."},
      {404, "not_found", "The requested resource does not exist."},
      {405, "method_not_allowed", "The method is not allowed for this resource."},
      {408, "request_timeout", "The request was not received in time."},
      {409, "conflict", "The request conflicts with the current state of the resource."},
      {413, "payload_too_large", "The request body is too large."},
      {415, "unsupported_media_type", "The request body must be JSON (Content-Type: application/json)."},
      {429, "rate_limited", "Too many requests; slow down."},
      {431, "request_header_fields_too_large", "The request head is too large."},
      {400, "bad_request", "The request is not valid HTTP."},
      {500, "internal_error", "An internal error occurred."},
      {503, "unavailable", "The server is busy or shutting down; try again shortly."},
      {504, "query_timeout", "The query ran past its time or memory budget."},
  };
  return kTable[static_cast<size_t>(code)];
}
}  // namespace

int error_status(ErrorCode code) { return info(code).status; }
std::string_view error_name(ErrorCode code) { return info(code).name; }
std::string_view error_message(ErrorCode code) { return info(code).message; }

void render_error(Response& r, ErrorCode code, std::string_view detail, const FieldErrors* fields) {
  const ErrorInfo& e = info(code);
  r.status = e.status;
  r.content_type = "application/json";
  r.body.clear();
  JsonWriter w(r.body);
  w.begin_object();
  w.field("error", e.name);
  w.field("message", e.message);
  w.field("detail", detail.empty() ? e.message : detail);
  if (fields != nullptr && !fields->empty()) {
    w.key("fields").begin_object();
    const auto& items = fields->items();
    std::vector<bool> done(items.size(), false);
    for (size_t i = 0; i < items.size(); ++i) {
      if (done[i]) continue;
      w.key(items[i].first).begin_array();
      for (size_t j = i; j < items.size(); ++j) {
        if (!done[j] && items[j].first == items[i].first) {
          w.string(items[j].second);
          done[j] = true;
        }
      }
      w.end_array();
    }
    w.end_object();
  }
  w.end_object();
  if (code == ErrorCode::kUnauthorized || code == ErrorCode::kInvalidCredentials) {
    r.add_header("WWW-Authenticate", "Bearer");
  }
}

void render_not_found(Response& r, std::string_view label, uint64_t id) {
  render_error(r, ErrorCode::kNotFound, "No " + std::string(label) + " with ID " + std::to_string(id) + " was found.");
}

}  // namespace claribi::http
