// find_upload_source (see upload_source.h).
#include "resources/upload_source.h"

#include <string>

#include "http/error.h"

namespace claribi::resources {

bool find_upload_source(const ResourceService<model::DataSource>& sources, uint64_t org_id, uint64_t id,
                        std::string_view field, model::DataSource* ds, http::Response* err) {
  Status st = sources.read(org_id, id, ds);
  if (st.code() == StatusCode::kNotFound) {
    http::render_not_found(*err, "data source", id);
    return false;
  }
  if (!st.ok()) {
    http::render_error(*err, http::ErrorCode::kInternalError, "The data source could not be read.");
    return false;
  }
  if (ds->type != model::DataSourceType::kUpload) {
    http::FieldErrors fe;
    fe.add(std::string(field), "Data sources of type \"" + std::string(model::data_source_type_name(ds->type)) +
                                   "\" hold no rows; only \"upload\" data sources do.");
    http::render_error(*err, http::ErrorCode::kValidationError,
                       "Data source " + std::to_string(ds->id) + " is not an upload data source.", &fe);
    return false;
  }
  return true;
}

}  // namespace claribi::resources
