// The §10 query body (POST /api/analytics/query/, widget and report
// queries) read from arbitrary JSON, then stored and read back: a query
// that reads must survive its canonical form (parse_stored_query).
#include <simdjson.h>

#include <cstddef>
#include <cstdint>

#include "analytics/query.h"
#include "json/field_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace claribi;
  static simdjson::dom::parser parser;
  simdjson::padded_string text(reinterpret_cast<const char*>(data), size);
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc)) return 0;
  simdjson::dom::object obj;
  if (doc.get(obj)) return 0;
  json::FieldReader f(obj);
  analytics::Query q;
  if (!analytics::read_query(f, &q)) return 0;
  std::string stored = analytics::canonical_json(q);
  analytics::Query back;
  if (!analytics::parse_stored_query(stored, &back).ok()) __builtin_trap();
  if (analytics::canonical_json(back) != stored) __builtin_trap();
  return 0;
}
