// The data source a request names for its rows (§10): it must be the
// caller's organization's and of type `upload` (the only kind that holds
// rows). Shared by the rows routes, analytics queries, dashboard data and
// report runs, so all refuse the same way.
#pragma once

#include <cstdint>
#include <string_view>

#include "http/response.h"
#include "model/resources.h"
#include "resources/resource_service.h"

namespace claribi::resources {

// True with *ds set when the organization has data source `id` and it is an
// `upload` source. Otherwise renders the §3 refusal into *err and returns
// false: 404 not_found (no such source in the organization), 400
// validation_error naming `field` (another type), 500 (unreadable).
bool find_upload_source(const ResourceService<model::DataSource>& sources, uint64_t org_id, uint64_t id,
                        std::string_view field, model::DataSource* ds, http::Response* err);

}  // namespace claribi::resources
