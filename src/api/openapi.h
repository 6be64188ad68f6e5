// The OpenAPI 3.1 document of GET /api/schema/, generated from the route
// table so that it cannot drift from what the server does: every route of
// api::routes() is a path and method of the document, its security, scopes,
// minimum role and the 401/403/429 answers come from the route's access,
// scope and limit, the 400/413/415 answers from its body; the prose and the
// body schemas from the description table (openapi_routes.cc). Rendered once
// per process, at first use, and served from memory.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/openapi_routes.h"
#include "api/route_table.h"

namespace claribi::api::openapi {

struct Document {
  std::string json;
  std::string yaml;  // the same document
};

// The document of this server's routes, with `server_url` (the configured
// public URL) as its server. Built on the first call; later calls return it.
const Document& document(std::string_view server_url);

// The document for a route table and its descriptions (tests pass their own).
// A route without a description is still a path of the document, with a
// placeholder summary; description_problems() is what says so.
std::string render_json(std::span<const Route> table, const std::vector<RouteDoc>& docs, std::string_view server_url);

// What disagrees between a route table and its descriptions: a route without
// a description, a description of no route, a route described twice, a
// description whose tag is not in tags(). Empty when they agree.
std::vector<std::string> description_problems(std::span<const Route> table, const std::vector<RouteDoc>& docs);

// The OpenAPI path of a route pattern: each `{id}` gets its own name, the
// first `id`, a later one the singular of the segment before it plus `_id`
// ("/api/reports/{id}/runs/{id}/" → "/api/reports/{id}/runs/{run_id}/", as
// API.md names it).
std::string openapi_path(std::string_view pattern);

}  // namespace claribi::api::openapi
