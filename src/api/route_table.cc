#include "api/route_table.h"

#include "api/handlers.h"

namespace claribi::api {

namespace {
using http::Method;
using model::Role;
constexpr Role kViewer = Role::kViewer;
constexpr Role kEditor = Role::kEditor;
constexpr Role kAdmin = Role::kAdministrator;

// method, pattern, handler, access, minimum role, key scope, rate limit
const Route kRoutes[] = {
    {Method::kPost, "/api/auth/login/", handle_login, Access::kPublic, kViewer, 0, LimitKind::kLogin},
    {Method::kPost, "/api/auth/token/refresh/", handle_refresh, Access::kPublic, kViewer, 0, LimitKind::kAddress},
    {Method::kPost, "/api/auth/logout/", handle_logout, Access::kPublic, kViewer, 0, LimitKind::kAddress},
    {Method::kPost, "/api/auth/password/", handle_password_change, Access::kJwtOnly, kViewer, 0, LimitKind::kCredential},
    {Method::kGet, "/api/auth/status/", handle_status, Access::kAuthenticated, kViewer, 0, LimitKind::kCredential},
    // Service routes: public, never rate limited.
    {Method::kGet, "/api/health/", handle_health, Access::kPublic, kViewer, 0, LimitKind::kNone},
    // The OpenAPI document of this table (openapi.h) and its Redoc page.
    {Method::kGet, "/api/schema/", handle_schema, Access::kPublic, kViewer, 0, LimitKind::kNone},
    {Method::kGet, "/api/docs/", handle_docs, Access::kPublic, kViewer, 0, LimitKind::kNone},
    {Method::kGet, "/api/docs/redoc.standalone.js/", handle_docs_script, Access::kPublic, kViewer, 0, LimitKind::kNone},

    // API keys: everyone manages their own keys (viewers: read-only keys);
    // administrators see and manage everyone's. Keys need organization:write.
    {Method::kGet, "/api/api-keys/", handle_api_keys_list, Access::kJwtOrOrgWrite, kViewer, 0, LimitKind::kCredential},
    {Method::kPost, "/api/api-keys/", handle_api_keys_create, Access::kJwtOrOrgWrite, kViewer, 0, LimitKind::kCredential},
    {Method::kGet, "/api/api-keys/{id}/", handle_api_key_get, Access::kJwtOrOrgWrite, kViewer, 0, LimitKind::kCredential},
    {Method::kPatch, "/api/api-keys/{id}/", handle_api_key_patch, Access::kJwtOrOrgWrite, kViewer, 0, LimitKind::kCredential},
    {Method::kPut, "/api/api-keys/{id}/", handle_api_key_put, Access::kJwtOrOrgWrite, kViewer, 0, LimitKind::kCredential},
    {Method::kDelete, "/api/api-keys/{id}/", handle_api_key_delete, Access::kJwtOrOrgWrite, kViewer, 0, LimitKind::kCredential},
    {Method::kPost, "/api/api-keys/{id}/rotate/", handle_api_key_rotate, Access::kJwtOrOrgWrite, kViewer, 0, LimitKind::kCredential},
    {Method::kPost, "/api/api-keys/{id}/revoke/", handle_api_key_revoke, Access::kJwtOrOrgWrite, kViewer, 0, LimitKind::kCredential},

    // Users: everyone reads; administrators create, change and delete.
    {Method::kGet, "/api/users/", handle_users_list, Access::kAuthenticated, kViewer, model::kScopeUsersRead, LimitKind::kCredential},
    {Method::kPost, "/api/users/", handle_users_create, Access::kAuthenticated, kAdmin, model::kScopeUsersWrite, LimitKind::kCredential},
    {Method::kGet, "/api/users/{id}/", handle_user_get, Access::kAuthenticated, kViewer, model::kScopeUsersRead, LimitKind::kCredential},
    {Method::kPatch, "/api/users/{id}/", handle_user_patch, Access::kAuthenticated, kAdmin, model::kScopeUsersWrite, LimitKind::kCredential},
    {Method::kPut, "/api/users/{id}/", handle_user_put, Access::kAuthenticated, kAdmin, model::kScopeUsersWrite, LimitKind::kCredential},
    {Method::kDelete, "/api/users/{id}/", handle_user_delete, Access::kAuthenticated, kAdmin, model::kScopeUsersWrite, LimitKind::kCredential},

    // The caller's organization: everyone reads; administrators change it.
    {Method::kGet, "/api/organization/", handle_organization_get, Access::kAuthenticated, kViewer, model::kScopeOrganizationRead, LimitKind::kCredential},
    {Method::kPatch, "/api/organization/", handle_organization_patch, Access::kAuthenticated, kAdmin, model::kScopeOrganizationWrite, LimitKind::kCredential},

    // Data sources, dashboards, reports: everyone reads; editors and
    // administrators create, change and delete (§5).
    {Method::kGet, "/api/data-sources/", handle_data_sources_list, Access::kAuthenticated, kViewer, model::kScopeDataSourcesRead, LimitKind::kCredential},
    {Method::kPost, "/api/data-sources/", handle_data_sources_create, Access::kAuthenticated, kEditor, model::kScopeDataSourcesWrite, LimitKind::kCredential},
    {Method::kGet, "/api/data-sources/{id}/", handle_data_source_get, Access::kAuthenticated, kViewer, model::kScopeDataSourcesRead, LimitKind::kCredential},
    {Method::kPatch, "/api/data-sources/{id}/", handle_data_source_patch, Access::kAuthenticated, kEditor, model::kScopeDataSourcesWrite, LimitKind::kCredential},
    {Method::kPut, "/api/data-sources/{id}/", handle_data_source_put, Access::kAuthenticated, kEditor, model::kScopeDataSourcesWrite, LimitKind::kCredential},
    {Method::kDelete, "/api/data-sources/{id}/", handle_data_source_delete, Access::kAuthenticated, kEditor, model::kScopeDataSourcesWrite, LimitKind::kCredential},
    // Rows of upload data sources (§10): the upload body is streamed.
    {Method::kPost, "/api/data-sources/{id}/rows/", handle_rows_upload, Access::kAuthenticated, kEditor, model::kScopeDataSourcesWrite, LimitKind::kCredential, BodyKind::kStreamedUpload},
    {Method::kGet, "/api/data-sources/{id}/rows/", handle_rows_list, Access::kAuthenticated, kViewer, model::kScopeDataSourcesRead, LimitKind::kCredential},
    {Method::kGet, "/api/data-sources/{id}/schema/", handle_rows_schema, Access::kAuthenticated, kViewer, model::kScopeDataSourcesRead, LimitKind::kCredential},
    // Analytics (§10): every role may query.
    {Method::kPost, "/api/analytics/query/", handle_analytics_query, Access::kAuthenticated, kViewer, model::kScopeAnalyticsRead, LimitKind::kCredential},

    {Method::kGet, "/api/dashboards/", handle_dashboards_list, Access::kAuthenticated, kViewer, model::kScopeDashboardsRead, LimitKind::kCredential},
    {Method::kPost, "/api/dashboards/", handle_dashboards_create, Access::kAuthenticated, kEditor, model::kScopeDashboardsWrite, LimitKind::kCredential},
    {Method::kGet, "/api/dashboards/{id}/", handle_dashboard_get, Access::kAuthenticated, kViewer, model::kScopeDashboardsRead, LimitKind::kCredential},
    {Method::kPatch, "/api/dashboards/{id}/", handle_dashboard_patch, Access::kAuthenticated, kEditor, model::kScopeDashboardsWrite, LimitKind::kCredential},
    {Method::kPut, "/api/dashboards/{id}/", handle_dashboard_put, Access::kAuthenticated, kEditor, model::kScopeDashboardsWrite, LimitKind::kCredential},
    {Method::kDelete, "/api/dashboards/{id}/", handle_dashboard_delete, Access::kAuthenticated, kEditor, model::kScopeDashboardsWrite, LimitKind::kCredential},
    // Dashboard data and report runs (§10): every role; keys also need analytics:read to run queries.
    {Method::kGet, "/api/dashboards/{id}/data/", handle_dashboard_data, Access::kAuthenticated, kViewer, model::kScopeDashboardsRead | model::kScopeAnalyticsRead, LimitKind::kCredential},

    {Method::kGet, "/api/reports/", handle_reports_list, Access::kAuthenticated, kViewer, model::kScopeReportsRead, LimitKind::kCredential},
    {Method::kPost, "/api/reports/", handle_reports_create, Access::kAuthenticated, kEditor, model::kScopeReportsWrite, LimitKind::kCredential},
    {Method::kGet, "/api/reports/{id}/", handle_report_get, Access::kAuthenticated, kViewer, model::kScopeReportsRead, LimitKind::kCredential},
    {Method::kPatch, "/api/reports/{id}/", handle_report_patch, Access::kAuthenticated, kEditor, model::kScopeReportsWrite, LimitKind::kCredential},
    {Method::kPut, "/api/reports/{id}/", handle_report_put, Access::kAuthenticated, kEditor, model::kScopeReportsWrite, LimitKind::kCredential},
    {Method::kDelete, "/api/reports/{id}/", handle_report_delete, Access::kAuthenticated, kEditor, model::kScopeReportsWrite, LimitKind::kCredential},
    {Method::kPost, "/api/reports/{id}/run/", handle_report_run, Access::kAuthenticated, kViewer, model::kScopeReportsRead | model::kScopeAnalyticsRead, LimitKind::kCredential},
    {Method::kGet, "/api/reports/{id}/runs/", handle_report_runs_list, Access::kAuthenticated, kViewer, model::kScopeReportsRead, LimitKind::kCredential},
    {Method::kGet, "/api/reports/{id}/runs/{id}/", handle_report_run_get, Access::kAuthenticated, kViewer, model::kScopeReportsRead, LimitKind::kCredential},
};
}  // namespace

std::span<const Route> routes() { return kRoutes; }

}  // namespace claribi::api
