// What the route table cannot say about a route, for the OpenAPI document:
// its prose, its tag, its request body, its success answer, its query
// parameters and the errors particular to it. Keyed by method + pattern; the
// table (route_table.cc) stays the one source of paths, methods, access,
// roles, scopes, limits and body kinds (openapi.cc walks it, and
// tests/unit/api/openapi_test.cc fails when the two disagree).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/openapi_schema.h"
#include "api/route_table.h"
#include "http/request.h"

namespace claribi::api::openapi {

struct Content {
  std::string media_type;  // "application/json", "text/csv", ...
  Schema schema;
};

struct Body {
  std::string description;
  std::vector<Content> content;  // empty: no body (204)
};

struct Parameter {
  std::string name;
  std::string in;  // "query" or "header"
  std::string description;
  Schema schema;
};

struct RouteDoc {
  http::Method method;
  std::string pattern;  // as in the route table, "/api/reports/{id}/runs/{id}/"
  std::string operation_id;
  std::string tag;
  std::string summary;
  std::string description;  // Markdown; access, role, scope and limit are added from the table
  Body request;             // no content: the route reads no body
  int status = 200;         // the success status
  Body response;
  std::vector<Parameter> parameters;
  // Errors particular to the route (404, 409, 503, 504, ...); those that follow
  // from the table (401, 403, 429, 400/413/415 for bodies, 404 for {id}) are added.
  std::vector<int> errors;
};

struct Tag {
  std::string name;
  std::string description;
};

// Every route's description (one per route of the table), built once.
const std::vector<RouteDoc>& route_docs();
// The tags the descriptions use, in the order the document lists them.
const std::vector<Tag>& tags();

}  // namespace claribi::api::openapi
