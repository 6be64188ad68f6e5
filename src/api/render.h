// JSON renderings of the records (§4, §6), shared by handlers. The BI
// records render once per write, into the string their Collection keeps
// (resources::ResourceService calls these).
#pragma once

#include <memory>
#include <string>

#include "common/json_writer.h"
#include "http/body_source.h"
#include "model/records.h"
#include "model/resources.h"

namespace claribi::api {

void write_user(JsonWriter& w, const model::User& u);
void write_organization_brief(JsonWriter& w, const model::Organization& o);
void write_api_key(JsonWriter& w, const model::ApiKey& k);
void write_scopes(JsonWriter& w, uint32_t scopes);

// Replace *out with the record's JSON (a data source's secrets masked).
void render_user(const model::User& u, std::string* out);
void render_api_key(const model::ApiKey& k, std::string* out);
void render_data_source(const model::DataSource& d, std::string* out);
void render_dashboard(const model::Dashboard& d, std::string* out);
void render_report(const model::Report& r, std::string* out);
// A run as §10 lists it: id, report_id, trigger, status, started_at,
// finished_at, row_count, error (a §3 body or null), delivery.
void write_report_run(JsonWriter& w, const model::ReportRun& r);
// One run with its `result` (the JSON object run/ answered, or its CSV text
// as a string; null for a failed run), as a body sent in parts: the stored
// result is moved out of `run`, never copied or escaped whole.
std::unique_ptr<http::BodySource> report_run_body(model::ReportRun& run);

}  // namespace claribi::api
