// The shape of an analytics query (API.md §6), as a widget or a report stores
// it: checked when saved — keys, types, operators, granularities, timestamps
// — and kept in canonical form (known keys only, in a fixed order). Whether
// `data_source_id` names an existing source, and whether the fields exist in
// it, is for the analytics engine to say when the query runs.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "api/json_body.h"

namespace claribi::api {

inline constexpr int64_t kMaxQueryLimit = 100000;

// Reads the value `e` of field `name` of reader f as a query; errors are
// named "<name>.<key>" in f. On success writes the canonical JSON to *out and
// returns true.
bool read_analytics_query(FieldReader& f, std::string_view name, simdjson::dom::element e, std::string* out);

}  // namespace claribi::api
