// The named schemas of the OpenAPI document (#/components/schemas/<name>):
// the records as render.cc and the handlers write them, the request bodies
// as the handlers read them (the limits from model/field_rules.h, the enums from
// model/ and analytics/), and the §3 error body. The route descriptions
// (openapi_routes.cc) refer to them by name with Schema::ref.
#pragma once

#include <string>
#include <vector>

#include "api/openapi_schema.h"

namespace claribi::api::openapi {

struct Component {
  std::string name;
  Schema schema;
};

// The §3 error body, accounts, keys, the organization (openapi_identity_schemas.cc).
void add_identity_components(std::vector<Component>* out);
// Data sources, rows, analytics queries, dashboards, reports and runs
// (openapi_bi_schemas.cc).
void add_bi_components(std::vector<Component>* out);
// Every component, in document order.
std::vector<Component> component_schemas();

// The §2 list envelope around items of `item`.
Schema list_of(Schema item);
// The values of an enum whose names come from a function (role_name,
// data_source_type_name, ...), for every value 0..last.
template <class Enum, class NameFn>
std::vector<std::string> enum_names(int first, int last, NameFn name) {
  std::vector<std::string> out;
  for (int i = first; i <= last; ++i) out.emplace_back(name(static_cast<Enum>(i)));
  return out;
}

}  // namespace claribi::api::openapi
