// JSON text → the same document as YAML (1.2, block style), for
// GET /api/schema/?format=yaml. Written from the parsed JSON, so the YAML
// cannot say anything the JSON does not: objects keep their key order, every
// key and string is double-quoted (YAML's double-quoted style takes JSON's
// escapes), numbers, booleans and null are written as they are.
#pragma once

#include <string>
#include <string_view>

namespace claribi::api::openapi {

// The YAML of a valid JSON document (an empty string when it is not valid).
std::string json_to_yaml(std::string_view json);

}  // namespace claribi::api::openapi
