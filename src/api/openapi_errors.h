// The parts of the OpenAPI document that follow from the route table alone:
// which error answers an operation has (from its access, minimum role,
// scope, rate limit and body), their shared response objects
// (#/components/responses/<name>, the §3 body with the codes of that
// status), the rate-limit headers (§7) and the two security schemes (§4).
#pragma once

#include <set>
#include <string_view>

#include "api/openapi_routes.h"
#include "api/route_table.h"
#include "common/json_writer.h"

namespace claribi::api::openapi {

// The error statuses of an operation, those that follow from the table and
// those its description adds.
std::set<int> error_statuses(const Route& route, const RouteDoc* doc);
// "NotFound" for 404: the name of the shared response of an error status.
std::string_view error_response_name(int status);

// #/components/responses: every error status in `used`, and "Error" (the
// catch-all `default` of every operation).
void write_error_responses(JsonWriter& w, const std::set<int>& used);
// #/components/headers: Retry-After, WWW-Authenticate and the §7 rate-limit fields.
void write_headers(JsonWriter& w);
// The "headers" member of a response answered after the rate limiter.
void write_rate_limit_header_refs(JsonWriter& w);
// #/components/securitySchemes: bearerAuth (JWT) and apiKeyAuth (X-API-Key).
void write_security_schemes(JsonWriter& w);

}  // namespace claribi::api::openapi
