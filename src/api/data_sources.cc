// §6 data sources: /api/data-sources/ list, create, get, patch, put, delete.
// name, type, config, status, row_count; the field rules are in
// docs/resources.md. Secret config values (password, token, secret,
// private_key, api_key, at any depth) are stored and never rendered: every
// response shows "********", and a write that leaves a secret out, or echoes
// the mask, keeps the stored value (json_value.h json::merge_secrets).
#include <optional>
#include <string>

#include "model/field_rules.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "json/json_value.h"
#include "api/pipeline.h"
#include "api/resource_handlers.h"

namespace claribi::api {

namespace {

using model::fields::data_sources::kMaxConfigBytes;
using model::fields::data_sources::kMaxNameChars;

// What a request sets; absent fields stay as they are.
struct DataSourceEdit {
  std::optional<std::string> name;
  std::optional<model::DataSourceType> type;
  std::optional<std::string> config_json;  // as sent (canonical), masks and nulls included

  void apply(model::DataSource& d) const {
    if (name) d.name = *name;
    if (type) d.type = *type;
    if (config_json) d.config_json = json::merge_secrets(*config_json, d.config_json);
  }
};

std::optional<model::DataSourceType> read_type(FieldReader& f, bool required) {
  auto v = f.string("type", required, 64);
  if (!v) return std::nullopt;
  auto t = model::parse_data_source_type(*v);
  if (!t)
    f.error("type", "\"" + std::string(*v) + "\" is not a valid choice (" +
                        std::string(model::data_source_type_choices()) + ").");
  return t;
}

std::optional<std::string> read_config(FieldReader& f) {
  auto e = f.element("config");
  if (!e) return std::nullopt;
  simdjson::dom::object obj;
  if (e->is_null()) {
    f.error("config", "This field may not be null.");
    return std::nullopt;
  }
  if (e->get(obj)) {
    f.error("config", "Expected an object.");
    return std::nullopt;
  }
  if (json::json_depth(*e) > json::kMaxJsonDepth) {
    f.error("config", "Nested more than " + std::to_string(json::kMaxJsonDepth) + " levels deep.");
    return std::nullopt;
  }
  std::string json = json::canonical_json(*e);
  if (json.size() > kMaxConfigBytes) {
    f.error("config", "Ensure this object is at most " + std::to_string(kMaxConfigBytes) + " bytes as JSON.");
    return std::nullopt;
  }
  return json;
}

// POST and PUT need every required field; PATCH none. Renders 400 on a problem.
bool read_edit(Ctx& c, bool full, DataSourceEdit* edit) {
  simdjson::dom::object obj;
  if (!parse_json_object(c.req, c.res, thread_json_parser(), &obj)) return false;
  FieldReader f(obj);
  edit->name = f.trimmed("name", full, kMaxNameChars);
  edit->type = read_type(f, full);
  edit->config_json = read_config(f);
  return f.finish(c.res);
}

void handle_data_source_edit(Ctx& c, bool full) {
  auto& svc = c.app.resources.data_sources;
  if (!check_resource_exists(c, svc)) return c.finish();
  DataSourceEdit edit;
  if (!read_edit(c, full, &edit)) return c.finish();
  update_resource(c, svc, [edit = std::move(edit)](model::DataSource& d) { edit.apply(d); });
}

}  // namespace

void handle_data_sources_list(Ctx& c) { list_resources(c, c.app.resources.data_sources); }

void handle_data_sources_create(Ctx& c) {
  DataSourceEdit edit;
  if (!read_edit(c, true, &edit)) return c.finish();
  model::DataSource d;
  edit.apply(d);  // a new record: masks and nulls in config store nothing
  create_resource(c, c.app.resources.data_sources, std::move(d));
}

void handle_data_source_get(Ctx& c) { get_resource(c, c.app.resources.data_sources); }
void handle_data_source_patch(Ctx& c) { handle_data_source_edit(c, false); }
void handle_data_source_put(Ctx& c) { handle_data_source_edit(c, true); }
// The rows go with the record, in the same batch (§10).
void handle_data_source_delete(Ctx& c) {
  uint64_t id = c.ids[0];
  c.app.resources.data_sources.remove(c.who.org_id, id,
                                      resource_detail::answer(&c.ex, 204, "data source", id),
                                      c.app.rows.table_removal(id));
}

}  // namespace claribi::api
