// The route table: for every route, its handler, who may call it (access
// rule, minimum role, API-key scope) and which rate limit applies. One table,
// enforced by one piece of code (Pipeline), like Redis's command table.
#pragma once

#include <cstdint>
#include <span>

#include "api/api_context.h"
#include "api/principal.h"
#include "http/request.h"
#include "http/response.h"
#include "model/records.h"
#include "net/exchange.h"

namespace claribi::api {

struct Route;

// What a handler gets.
struct Ctx {
  ApiContext& app;
  net::Exchange& ex;
  const http::Request& req;
  http::Response& res;
  const Route& route;
  Principal who;
  uint64_t ids[2] = {0, 0};
  int64_t now = 0;  // Unix seconds
  // Rate-limit header lines to repeat on a response finished later.
  void finish() { ex.finish(); }
};

using HandlerFn = void (*)(Ctx&);

enum class Access : uint8_t {
  kPublic,         // no credential (login, refresh, logout)
  kAuthenticated,  // JWT or API key
  kJwtOnly,        // an API key gets 403 forbidden
  kJwtOrOrgWrite,  // JWT, or an API key with organization:write (§4 /api/api-keys/)
};

enum class LimitKind : uint8_t {
  kCredential,  // per API key / per user
  kLogin,       // per client address (and per email, in the handler)
  kAddress,     // refresh, logout: per client address
  kNone,        // the service routes a load balancer or a browser polls (health, schema, docs)
};

enum class BodyKind : uint8_t {
  kBuffered,        // up to http.max_body_bytes, read whole before the handler runs
  kStreamedUpload,  // up to http.max_upload_bytes, streamed to the handler (net::BodyConsumer)
};

struct Route {
  http::Method method;
  const char* pattern;
  HandlerFn handler;
  Access access;
  model::Role min_role;
  uint32_t scope;  // required of an API key (0 = none)
  LimitKind limit;
  BodyKind body = BodyKind::kBuffered;
};

std::span<const Route> routes();

}  // namespace claribi::api
