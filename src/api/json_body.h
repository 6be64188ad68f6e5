// Request bodies: Content-Type check (415), JSON parsing with simdjson
// (400 invalid_json with the byte offset of the first error), and typed
// field readers that collect every problem into one validation_error with
// the `fields` map, the way DRF serializers report them.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/text.h"
#include "json/field_reader.h"

#include "http/error.h"
#include "http/request.h"
#include "http/response.h"

namespace claribi::api {

using claribi::utf8_chars;

// Whether a Content-Type header names `type` (case-insensitive, parameters
// such as "; charset=utf-8" ignored).
bool has_media_type(std::string_view content_type, std::string_view type);

// 0-based offset of the first JSON syntax error in text, or -1 if valid.
int64_t json_error_offset(std::string_view text);

// 415 unless the body is blank or sent as application/json. The pipeline
// asks it of every route with a buffered body, before the handler runs (so
// a refused request changes nothing, even on routes that read no body).
bool check_body_media_type(const http::Request& req, http::Response& r);

// Parses the request body as a JSON object into *out. On failure renders the
// §3 error into r and returns false. An empty body counts as {}. A key named
// twice in one object, or a NUL (\u0000) in any key or string, is a 400
// validation_error naming the field (e.g. "query.metrics[0].op").
bool parse_json_object(const http::Request& req, http::Response& r, simdjson::dom::parser& parser,
                       simdjson::dom::object* out);

using json::FieldReader;

}  // namespace claribi::api
