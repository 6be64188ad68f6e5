// Handler functions, one file per resource. Declared here so the route table
// can name them.
#pragma once

#include <string_view>

#include "api/route_table.h"

namespace claribi::api {

// auth_handlers.cc
void handle_login(Ctx& c);
void handle_refresh(Ctx& c);
void handle_logout(Ctx& c);
void handle_password_change(Ctx& c);
void handle_status(Ctx& c);

// health.cc
void handle_health(Ctx& c);

// service_docs.cc: the OpenAPI document and its Redoc page
void handle_schema(Ctx& c);
void handle_docs(Ctx& c);
void handle_docs_script(Ctx& c);

// api_keys.cc
void handle_api_keys_list(Ctx& c);
void handle_api_keys_create(Ctx& c);
void handle_api_key_get(Ctx& c);
void handle_api_key_patch(Ctx& c);
void handle_api_key_put(Ctx& c);
void handle_api_key_delete(Ctx& c);
void handle_api_key_rotate(Ctx& c);
void handle_api_key_revoke(Ctx& c);

// users.cc
void handle_users_list(Ctx& c);
void handle_users_create(Ctx& c);
void handle_user_get(Ctx& c);
void handle_user_patch(Ctx& c);
void handle_user_put(Ctx& c);
void handle_user_delete(Ctx& c);

// organization.cc
void handle_organization_get(Ctx& c);
void handle_organization_patch(Ctx& c);

// data_sources.cc
void handle_data_sources_list(Ctx& c);
void handle_data_sources_create(Ctx& c);
void handle_data_source_get(Ctx& c);
void handle_data_source_patch(Ctx& c);
void handle_data_source_put(Ctx& c);
void handle_data_source_delete(Ctx& c);
void handle_rows_upload(Ctx& c);
void handle_rows_list(Ctx& c);
void handle_rows_schema(Ctx& c);

// analytics.cc
void handle_analytics_query(Ctx& c);
// Whether a Cache-Control value asks not to be answered from the result
// cache (no-cache or no-store, in any letter case, among other directives).
bool asks_no_cache(std::string_view cache_control);

// dashboard_data.cc
void handle_dashboard_data(Ctx& c);

// report_runs.cc
void handle_report_run(Ctx& c);
void handle_report_runs_list(Ctx& c);
void handle_report_run_get(Ctx& c);

// dashboards.cc
void handle_dashboards_list(Ctx& c);
void handle_dashboards_create(Ctx& c);
void handle_dashboard_get(Ctx& c);
void handle_dashboard_patch(Ctx& c);
void handle_dashboard_put(Ctx& c);
void handle_dashboard_delete(Ctx& c);

// reports.cc
void handle_reports_list(Ctx& c);
void handle_reports_create(Ctx& c);
void handle_report_get(Ctx& c);
void handle_report_patch(Ctx& c);
void handle_report_put(Ctx& c);
void handle_report_delete(Ctx& c);

}  // namespace claribi::api
