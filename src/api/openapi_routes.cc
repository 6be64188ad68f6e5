// The description table of the OpenAPI document: one entry per route of
// route_table.cc, keyed by method + pattern. Only prose, bodies and the
// errors particular to a route are here; who may call it, its scope, its
// rate limit and the errors that follow from those come from the route table.
#include "api/openapi_routes.h"

#include <span>

#include "api/list_query.h"
#include "api/openapi_components.h"
#include "api/resource_handlers.h"

namespace claribi::api::openapi {

namespace {

using http::Method;
using S = Schema;

Body json(std::string description, Schema schema) { return Body{std::move(description), {{"application/json", std::move(schema)}}}; }
Body json_ref(std::string description, std::string_view component) {
  return json(std::move(description), S::ref(component));
}
Body no_content(std::string description) { return Body{std::move(description), {}}; }
Body no_body() { return Body{}; }

Parameter query(std::string name, std::string description, Schema schema) {
  return Parameter{std::move(name), "query", std::move(description), std::move(schema)};
}

// page and page_size (§2), on every list.
std::vector<Parameter> page_parameters() {
  return {query("page", "1-based page number; a page past the end is 404.", S::integer().minimum(1).default_json("1")),
          query("page_size",
                "Items per page; larger values are clamped to " + std::to_string(kMaxPageSize) + ".",
                S::integer().minimum(1).default_json(std::to_string(kDefaultPageSize)))};
}

// page, page_size, ordering (the list's orderable fields, `-` for descending)
// and search.
std::vector<Parameter> list_parameters(std::span<const std::string_view> orderable, std::string search) {
  std::vector<Parameter> out = page_parameters();
  std::vector<std::string> orderings;
  for (std::string_view f : orderable) {
    orderings.emplace_back(f);
    orderings.push_back("-" + std::string(f));
  }
  out.push_back(query("ordering", "Sort order; ties break by id.",
                      S::string().enumerate(std::move(orderings)).default_json("\"id\"")));
  out.push_back(query("search", std::move(search), S::string()));
  return out;
}

std::vector<Parameter> name_list() {
  return list_parameters(kNameOrderings, "Case-insensitive substring of `name`.");
}

Parameter no_cache_header() {
  return Parameter{"Cache-Control", "header", "`no-cache` (or `no-store`) skips the result cache's lookup.",
                   S::string()};
}

// The standard routes of a collection (§6): list, create, get, patch, put, delete.
void add_collection(std::vector<RouteDoc>* out, std::string path, std::string tag, std::string one, std::string many,
                    std::string component, std::vector<Parameter> list, std::vector<int> write_errors = {}) {
  const std::string item = path + "{id}/";
  const std::string plural = component + "s";
  out->push_back({Method::kGet, path, "list" + plural, tag, "List " + many, "A page of the organization's " + many + ".",
                  no_body(), 200, json("A page of " + many + ".", list_of(S::ref(component))), std::move(list), {404}});
  out->push_back({Method::kPost, path, "create" + component, tag, "Create " + one, "",
                  json_ref("The new " + one + ".", component + "Input"), 201,
                  json_ref("Created; durable before this answer (§9).", component), {}, write_errors});
  out->push_back({Method::kGet, item, "get" + component, tag, "Get " + one, "", no_body(), 200,
                  json_ref("The " + one + ".", component), {}, {404}});
  std::vector<int> item_errors = write_errors;
  item_errors.push_back(404);
  out->push_back({Method::kPatch, item, "update" + component, tag, "Update " + one, "Changes the fields sent.",
                  json_ref("The fields to change.", component + "Patch"), 200,
                  json_ref("The " + one + " as stored.", component), {}, item_errors});
  out->push_back({Method::kPut, item, "replace" + component, tag, "Replace " + one,
                  "The required fields must all be sent; optional fields left out keep their values.",
                  json_ref("The " + one + ".", component + "Input"), 200,
                  json_ref("The " + one + " as stored.", component), {}, item_errors});
  out->push_back({Method::kDelete, item, "delete" + component, tag, "Delete " + one, "", no_body(), 204,
                  no_content("Deleted."), {}, item_errors});
}

std::vector<RouteDoc> build() {
  std::vector<RouteDoc> d;
  // ---- authentication (§4)
  d.push_back({Method::kPost, "/api/auth/login/", "login", "Authentication", "Log in",
               "Exchanges an email and password for an access token and a refresh token. A wrong email or "
               "password, or a disabled user, is `401 invalid_credentials`, in the same time either way; "
               "also limited per email.",
               json_ref("The credentials.", "LoginRequest"), 200, json_ref("The tokens.", "TokenPair"), {}, {401}});
  d.push_back({Method::kPost, "/api/auth/token/refresh/", "refreshToken", "Authentication", "Refresh the access token",
               "The refresh token itself does not change. An access token, or an expired, tampered or "
               "blacklisted refresh token, is `401 unauthorized`.",
               json_ref("The refresh token.", "RefreshRequest"), 200, json_ref("A new access token.", "AccessToken"),
               {}, {401}});
  d.push_back({Method::kPost, "/api/auth/logout/", "logout", "Authentication", "Log out",
               "Blacklists the refresh token; access tokens already issued live out their lifetime. Needs no "
               "`Authorization`.",
               json_ref("The refresh token to blacklist.", "RefreshRequest"), 204, no_content("Logged out."), {},
               {401}});
  d.push_back({Method::kPost, "/api/auth/password/", "changePassword", "Authentication", "Change the password",
               "Every token issued to the user before stops working. A wrong `current_password` is `400 "
               "validation_error` with `fields.current_password`.",
               json_ref("The current and the new password.", "PasswordChange"), 204, no_content("Changed."), {}, {}});
  d.push_back({Method::kGet, "/api/auth/status/", "getAuthStatus", "Authentication", "Who am I",
               "The caller, their organization, and how they authenticated (with an API key: the key's id and "
               "scopes).",
               no_body(), 200, json_ref("The caller.", "AuthStatus"), {}, {}});
  d.push_back({Method::kGet, "/api/health/", "getHealth", "Service", "Health check",
               "For load balancers and probes. `503 unavailable` (the §3 body, its `detail` saying which) while the "
               "server is starting, while it drains after SIGTERM, or when storage cannot take durable writes.",
               no_body(), 200, json_ref("Serving, and storage takes durable writes.", "Health"), {}, {503}});
  d.push_back({Method::kGet, "/api/schema/", "getOpenApiDocument", "Service", "This OpenAPI document",
               "OpenAPI 3.1, generated from the server's route table.", no_body(), 200,
               Body{"The document.",
                    {{"application/json", S::object()},
                     {"application/yaml", S::string().describe("The same document as YAML (`?format=yaml`).")}}},
               {query("format", "`yaml` answers the same document as YAML (`application/yaml`).",
                      S::string().enumerate({"json", "yaml"}).default_json("\"json\""))},
               {}});
  d.push_back({Method::kGet, "/api/docs/", "getApiReference", "Service", "API reference page",
               "An HTML page that renders this document with Redoc. `503 unavailable` when the Redoc bundle was not "
               "installed with the server.",
               no_body(), 200, Body{"The page.", {{"text/html", S::string()}}}, {}, {503}});
  d.push_back({Method::kGet, "/api/docs/redoc.standalone.js/", "getRedocBundle", "Service", "Redoc bundle",
               "The script the reference page loads (the `redoc` npm package's standalone bundle, installed at "
               "build time). `503 unavailable` when it was not installed.",
               no_body(), 200, Body{"The script.", {{"text/javascript", S::string()}}}, {}, {503}});

  // ---- API keys (§4, §6)
  const std::string key = "/api/api-keys/{id}/";
  d.push_back({Method::kGet, "/api/api-keys/", "listApiKeys", "API keys", "List API keys",
               "Administrators see every key of the organization, others their own. Revoked keys are listed "
               "until deleted.",
               no_body(), 200, json("A page of keys.", list_of(S::ref("ApiKey"))), name_list(), {404}});
  d.push_back({Method::kPost, "/api/api-keys/", "createApiKey", "API keys", "Create an API key",
               "The key belongs to the caller and acts as them, narrowed to its scopes. Scopes beyond the "
               "caller's are `403 forbidden`.",
               json_ref("The key's name, scopes and expiry.", "ApiKeyInput"), 201,
               json_ref("The key, with its full secret shown this once.", "ApiKeyWithSecret"), {}, {}});
  d.push_back({Method::kGet, key, "getApiKey", "API keys", "Get an API key", "", no_body(), 200,
               json_ref("The key.", "ApiKey"), {}, {404}});
  d.push_back({Method::kPatch, key, "updateApiKey", "API keys", "Update an API key", "Changes the fields sent.",
               json_ref("The fields to change.", "ApiKeyPatch"), 200, json_ref("The key as stored.", "ApiKey"), {},
               {404, 409}});
  d.push_back({Method::kPut, key, "replaceApiKey", "API keys", "Replace an API key",
               "`name` and `scopes` are required; an absent `expires_at` clears the expiry.",
               json_ref("The key's name, scopes and expiry.", "ApiKeyInput"), 200,
               json_ref("The key as stored.", "ApiKey"), {}, {404, 409}});
  d.push_back({Method::kDelete, key, "deleteApiKey", "API keys", "Delete an API key",
               "Revokes the key at once and removes it from lists.", no_body(), 204, no_content("Deleted."), {},
               {404, 409}});
  d.push_back({Method::kPost, key + "rotate/", "rotateApiKey", "API keys", "Rotate an API key",
               "A new key with the same name, scopes and expiry. During the grace period the old key shows "
               "`expires_at` = its end, then stops. A revoked or expired key cannot be rotated (`409 conflict`).",
               json_ref("The grace period.", "ApiKeyRotate"), 201,
               json_ref("The new key, with its full secret shown this once.", "ApiKeyWithSecret"), {}, {404, 409}});
  d.push_back({Method::kPost, key + "revoke/", "revokeApiKey", "API keys", "Revoke an API key",
               "Effective at once; revoking again keeps the first time.", no_body(), 200,
               json_ref("The revoked key.", "ApiKey"), {}, {404, 409}});

  // ---- users and the organization (§5, §6)
  const std::string user = "/api/users/{id}/";
  d.push_back({Method::kGet, "/api/users/", "listUsers", "Users", "List users", "The organization's users.",
               no_body(), 200, json("A page of users.", list_of(S::ref("User"))),
               list_parameters(kEmailOrderings, "Case-insensitive substring of `email`, `first_name` or `last_name`."),
               {404}});
  d.push_back({Method::kPost, "/api/users/", "createUser", "Users", "Create a user",
               "With an initial password. An email already in use (in any organization) is `409 conflict`.",
               json_ref("The new user.", "UserCreate"), 201, json_ref("Created.", "User"), {}, {409}});
  d.push_back({Method::kGet, user, "getUser", "Users", "Get a user", "", no_body(), 200, json_ref("The user.", "User"),
               {}, {404}});
  d.push_back({Method::kPatch, user, "updateUser", "Users", "Update a user",
               "Changes the fields sent; `is_active: false` disables the user, whose tokens and keys stop at once.",
               json_ref("The fields to change.", "UserPatch"), 200, json_ref("The user as stored.", "User"), {},
               {404, 409}});
  d.push_back({Method::kPut, user, "replaceUser", "Users", "Replace a user", "",
               json_ref("The user.", "UserReplace"), 200, json_ref("The user as stored.", "User"), {}, {404, 409}});
  d.push_back({Method::kDelete, user, "deleteUser", "Users", "Delete a user",
               "Their tokens and keys stop at once; the records they created keep `created_by`. The last active "
               "administrator cannot be deleted (`409 conflict`).",
               no_body(), 204, no_content("Deleted."), {}, {404, 409}});
  d.push_back({Method::kGet, "/api/organization/", "getOrganization", "Organization", "Get the organization",
               "The caller's organization with its member, key and resource counts.", no_body(), 200,
               json_ref("The organization.", "Organization"), {}, {}});
  d.push_back({Method::kPatch, "/api/organization/", "updateOrganization", "Organization", "Update the organization",
               "Changes the fields sent.", json_ref("The fields to change.", "OrganizationPatch"), 200,
               json_ref("The organization as stored.", "Organization"), {}, {409}});

  // ---- data sources and their rows (§6, §10)
  add_collection(&d, "/api/data-sources/", "Data sources", "a data source", "data sources", "DataSource", name_list());
  d.back().description = "Its rows go with it.";
  d.push_back({Method::kPost, "/api/data-sources/{id}/rows/", "uploadRows", "Rows", "Upload rows",
               "Appends rows to an `upload` data source (other types: `400`), atomically and durably; the body is "
               "streamed, up to `http.max_upload_bytes`. Column types are inferred; a bad row refuses the whole "
               "upload with `400`, its `detail` naming the row and column. See docs/rows.md.",
               Body{"The rows.",
                    {{"application/json", S::array(S::ref("Row")).describe("A JSON array of flat objects.")},
                     {"text/csv", S::string().describe("RFC 4180 with a header row, UTF-8.")}}},
               201, json_ref("Every row is on disk.", "RowsAppended"),
               {query("mode", "`replace` swaps all rows for the uploaded ones in one step.",
                      S::string().enumerate({"append", "replace"}).default_json("\"append\""))},
               {404, 503}});
  d.push_back({Method::kGet, "/api/data-sources/{id}/rows/", "listRows", "Rows", "List rows",
               "Rows in upload order, nulls included.", no_body(), 200,
               json("A page of rows.", list_of(S::ref("Row"))), page_parameters(), {404}});
  d.push_back({Method::kGet, "/api/data-sources/{id}/schema/", "getTableSchema", "Rows", "Get the inferred schema",
               "", no_body(), 200, json_ref("The columns and the row count.", "TableSchema"), {}, {404}});
  d.push_back({Method::kPost, "/api/analytics/query/", "runQuery", "Analytics", "Run an analytics query",
               "Over one consistent snapshot of an `upload` data source, off the reactors. `503 unavailable` "
               "when the query queue is full, `504 query_timeout` past the time or memory budget. See "
               "docs/analytics.md.",
               json_ref("The query.", "AnalyticsQuery"), 200, json_ref("The result.", "QueryResult"),
               {no_cache_header()}, {404, 503, 504}});

  // ---- dashboards and reports (§6, §10)
  add_collection(&d, "/api/dashboards/", "Dashboards", "a dashboard", "dashboards", "Dashboard", name_list());
  d.push_back({Method::kGet, "/api/dashboards/{id}/data/", "getDashboardData", "Dashboards", "Run a dashboard's widgets",
               "Every widget with a query, run as POST /api/analytics/query/ would run it; a widget whose query "
               "fails carries that §3 body and the response is still 200.",
               no_body(), 200, json_ref("The results by widget id.", "DashboardData"), {no_cache_header()}, {404}});
  add_collection(&d, "/api/reports/", "Reports", "a report", "reports", "Report", name_list());
  d.back().description = "Its runs go with it.";
  d.push_back({Method::kPost, "/api/reports/{id}/run/", "runReport", "Reports", "Run a report now",
               "Runs the report's query and records the run before answering.", no_body(), 200,
               Body{"The result, as the report's `format` says.",
                    {{"application/json", S::ref("ReportRunResult")},
                     {"text/csv", S::string().describe("RFC 4180, a header row; sent as an attachment.")}}},
               {}, {404, 503, 504}});
  d.push_back({Method::kGet, "/api/reports/{id}/runs/", "listReportRuns", "Reports", "List a report's runs",
               "Manual and scheduled runs, newest first; the newest ones are kept (`reports.keep_runs`).", no_body(),
               200, json("A page of runs.", list_of(S::ref("ReportRun"))), page_parameters(), {404}});
  d.push_back({Method::kGet, "/api/reports/{id}/runs/{id}/", "getReportRun", "Reports", "Get a run with its result",
               "", no_body(), 200, json_ref("The run and what it answered.", "ReportRunWithResult"), {}, {404}});
  return d;
}

}  // namespace

const std::vector<RouteDoc>& route_docs() {
  static const std::vector<RouteDoc> docs = build();
  return docs;
}

const std::vector<Tag>& tags() {
  static const std::vector<Tag> t = {
      {"Authentication", "JWT login, refresh, logout, password change and the caller's status (§4)."},
      {"Service", "Health check, this document and its reference page: public and never rate limited."},
      {"API keys", "Keys act as their owner, narrowed to their scopes (§4). Managing keys with a key needs "
                   "`organization:write`."},
      {"Users", "The organization's members and their roles (§5, §6)."},
      {"Organization", "The caller's organization (§6)."},
      {"Data sources", "Connections and uploaded tables (§6); secret config values are write-only."},
      {"Rows", "The rows of `upload` data sources: streamed uploads, the inferred schema, pages of rows (§10)."},
      {"Analytics", "Aggregate queries over uploaded rows (§10)."},
      {"Dashboards", "Dashboards and their widgets' data (§6, §10)."},
      {"Reports", "Saved queries, run now or on a cron schedule, and their kept runs (§6, §10)."},
  };
  return t;
}

}  // namespace claribi::api::openapi
