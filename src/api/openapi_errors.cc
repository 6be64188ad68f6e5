#include "api/openapi_errors.h"

#include <string>
#include <vector>

#include "auth/api_key.h"
#include "http/error.h"
#include "model/records.h"

namespace claribi::api::openapi {

namespace {

struct ErrorStatus {
  int status;
  std::string_view name;
  std::string_view when;  // what brings it, for the response's description
};

// Every error status an operation may list, in the order they are listed.
constexpr ErrorStatus kErrorStatuses[] = {
    {400, "BadRequest", "The body, the query or the credential headers fail validation (`fields` names each bad field), "
                        "or the body is not JSON (`detail` gives the byte offset)."},
    {401, "Unauthorized", "No credential, or one that is malformed, expired, revoked or of a disabled user "
                          "(`unauthorized`); for login, a wrong email or password (`invalid_credentials`)."},
    {403, "Forbidden", "The role does not allow it (`forbidden`), the API key lacks the scope "
                       "(`insufficient_scope`), or the request came over plain HTTP (`https_required`)."},
    {404, "NotFound", "No such record in the caller's organization (another organization's is 404 too), or a page "
                      "past the end of a list."},
    {409, "Conflict", "The change conflicts with the stored state (an email in use, the last administrator, a "
                      "revoked key; in cluster mode, the record changed at the same moment through another node: "
                      "nothing was stored, read it again and retry)."},
    {413, "PayloadTooLarge", "The body is larger than `http.max_body_bytes` (uploads: `http.max_upload_bytes`)."},
    {415, "UnsupportedMediaType", "A non-blank body that is not `application/json` (uploads also take "
                                  "`text/csv`); nothing was changed."},
    {429, "RateLimited", "Over the rate limit (§7); `Retry-After` says when the next request is admitted."},
    {503, "Unavailable", "Not available now: see `detail`."},
    {504, "QueryTimeout", "The query ran past `analytics.query_timeout` or `analytics.max_query_memory`."},
};

const ErrorStatus* find_status(int status) {
  for (const ErrorStatus& e : kErrorStatuses)
    if (e.status == status) return &e;
  return nullptr;
}

// The codes of §3 answered with `status`.
std::vector<http::ErrorCode> codes_of(int status) {
  std::vector<http::ErrorCode> out;
  for (int i = 0; i <= static_cast<int>(http::kLastErrorCode); ++i) {
    auto code = static_cast<http::ErrorCode>(i);
    if (http::error_status(code) == status) out.push_back(code);
  }
  return out;
}

void write_header_ref(JsonWriter& w, std::string_view name) {
  w.key(name).begin_object().field("$ref", "#/components/headers/" + std::string(name)).end_object();
}

constexpr std::string_view kRateLimitHeaders[] = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                                                  "RateLimit-Policy", "RateLimit"};

// One error response: the §3 body with `error` narrowed to the codes of the
// status, an example of the first code.
void write_error_response(JsonWriter& w, const ErrorStatus& e) {
  std::vector<http::ErrorCode> codes = codes_of(e.status);
  std::string description(e.when);
  w.begin_object();
  w.field("description", description);
  if (e.status == 401 || e.status == 429 || e.status == 503) {
    w.key("headers").begin_object();
    if (e.status == 401) write_header_ref(w, "WWW-Authenticate");
    if (e.status == 429 || e.status == 503) write_header_ref(w, "Retry-After");
    if (e.status == 429)
      for (std::string_view h : kRateLimitHeaders) write_header_ref(w, h);
    w.end_object();
  }
  w.key("content").begin_object().key("application/json").begin_object();
  w.key("schema").begin_object().key("allOf").begin_array();
  w.begin_object().field("$ref", "#/components/schemas/Error").end_object();
  w.begin_object().key("properties").begin_object().key("error").begin_object().key("enum").begin_array();
  for (http::ErrorCode c : codes) w.string(http::error_name(c));
  w.end_array().end_object().end_object().end_object();
  w.end_array().end_object();
  if (!codes.empty()) {
    w.key("example").begin_object();
    w.field("error", http::error_name(codes.front()));
    w.field("message", http::error_message(codes.front()));
    w.field("detail", http::error_message(codes.front()));
    w.end_object();
  }
  w.end_object().end_object();
  w.end_object();
}

}  // namespace

std::set<int> error_statuses(const Route& route, const RouteDoc* doc) {
  std::set<int> out;
  const bool body = doc != nullptr && !doc->request.content.empty();
  const bool parameters = doc != nullptr && !doc->parameters.empty();
  const bool credential = route.access != Access::kPublic;
  // Two credential headers are a 400 on every route that reads one.
  if (body || parameters || credential) out.insert(400);
  if (credential) out.insert(401);
  if (credential && (route.min_role > model::Role::kViewer || route.scope != 0 || route.access == Access::kJwtOnly ||
                     route.access == Access::kJwtOrOrgWrite))
    out.insert(403);
  if (std::string_view(route.pattern).find("{id}") != std::string_view::npos) out.insert(404);
  if (body) out.insert(413);
  // The pipeline refuses a non-JSON body on every buffered route, even one that reads none.
  if (body || route.body == BodyKind::kBuffered) out.insert(415);
  if (route.limit != LimitKind::kNone) out.insert(429);
  // A credential's limit in Redis (rate_limits.backend = "redis") with the
  // closed fallback: 503 while Redis does not answer.
  if (credential && route.limit == LimitKind::kCredential) out.insert(503);
  if (doc != nullptr) out.insert(doc->errors.begin(), doc->errors.end());
  return out;
}

std::string_view error_response_name(int status) {
  const ErrorStatus* e = find_status(status);
  return e != nullptr ? e->name : "Error";
}

void write_error_responses(JsonWriter& w, const std::set<int>& used) {
  for (const ErrorStatus& e : kErrorStatuses) {
    if (used.count(e.status) == 0) continue;
    w.key(e.name);
    write_error_response(w, e);
  }
  w.key("Error").begin_object();
  w.field("description",
          "Any other error, in the same §3 shape: `method_not_allowed` (405, with `Allow`), `request_timeout` "
          "(408), `request_header_fields_too_large` (431), `internal_error` (500, never with internals), "
          "`unavailable` (503).");
  w.key("content").begin_object().key("application/json").begin_object();
  w.key("schema").begin_object().field("$ref", "#/components/schemas/Error").end_object();
  w.end_object().end_object();
  w.end_object();
}

void write_headers(JsonWriter& w) {
  auto header = [&w](std::string_view name, std::string_view description, std::string_view type) {
    w.key(name).begin_object();
    w.field("description", description);
    w.key("schema").begin_object().field("type", type);
    if (type == "integer") w.field("minimum", 0);
    w.end_object();
    w.end_object();
  };
  header("Retry-After", "Whole seconds until a request would be admitted (never 0).", "integer");
  header("WWW-Authenticate", "`Bearer`.", "string");
  header("X-RateLimit-Limit", "Requests allowed in any rolling 60 seconds for this credential and route.", "integer");
  header("X-RateLimit-Remaining", "Requests left in the window, after counting this one.", "integer");
  header("X-RateLimit-Reset", "Whole seconds until the oldest request counted leaves the window (0 when none).",
         "integer");
  header("RateLimit-Policy", "IETF draft field: `\"default\";q=<limit>;w=60`.", "string");
  header("RateLimit", "IETF draft field: `\"default\";r=<remaining>;t=<reset>`.", "string");
}

void write_rate_limit_header_refs(JsonWriter& w) {
  w.key("headers").begin_object();
  for (std::string_view h : kRateLimitHeaders) write_header_ref(w, h);
  w.end_object();
}

void write_security_schemes(JsonWriter& w) {
  w.key("bearerAuth").begin_object();
  w.field("type", "http");
  w.field("scheme", "bearer");
  w.field("bearerFormat", "JWT");
  w.field("description",
          "`Authorization: Bearer <access>`: an access token from POST /api/auth/login/ (HS256; 1 hour by default). "
          "The user's role decides what it may do (§5).");
  w.end_object();
  std::string scopes;
  for (int i = 0; i < model::kScopeCount; ++i) scopes += (i ? ", `" : "`") + std::string(model::scope_name(i)) + "`";
  w.key("apiKeyAuth").begin_object();
  w.field("type", "apiKey");
  w.field("in", "header");
  w.field("name", "X-API-Key");
  w.field("description",
          "`X-API-Key: " + std::string(auth::kApiKeyPrefix) +
              "<secret>`: acts as its owner, narrowed to its scopes. An operation's security requirement lists the "
              "scopes it needs (all of them). Scopes: " +
              scopes + "; `write` implies `read`. Sending both headers is `400 validation_error`.");
  w.end_object();
}

}  // namespace claribi::api::openapi
